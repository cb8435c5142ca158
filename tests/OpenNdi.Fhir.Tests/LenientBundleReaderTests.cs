using System.Text.Json.Nodes;
using Hl7.Fhir.Model;

namespace OpenNdi.Fhir.Tests;

/// <summary>
/// Issue 13 defect 4: one bad resource must not discard a provider's whole answer. Built on the HL7 IPS minimal
/// example (entries: 4 Condition, 5 MedicationStatement, 7 AllergyIntolerance) with one resource spoilt the ways real
/// systems spoil them, and on the HL7 Europe EPS example that carries a JSON null entry.
/// </summary>
public sealed class LenientBundleReaderTests
{
    private static JsonObject Minimal() => JsonNode.Parse(PublishedExamples.Read("ips/bundle-minimal.json"))!.AsObject();

    private static JsonObject Resource(JsonObject bundle, int entry) => bundle["entry"]![entry]!["resource"]!.AsObject();

    [Fact]
    public void Read_WhenOneResourceMissesARequiredElement_SetsItAsideAndKeepsTheRest()
    {
        var bundle = Minimal();
        Resource(bundle, 4).Remove("subject"); // Condition.subject is 1..1

        var (read, setAside, error) = LenientBundleReader.Read(bundle.ToJsonString());

        Assert.Null(error);
        var aside = Assert.Single(setAside);
        Assert.Equal((4, "Condition", "urn:uuid:ad84b7a2-b4dd-474e-bef3-0779e6cb595f"), (aside.Index, aside.Type, aside.FullUrl));
        Assert.Contains("subject", aside.Problem, StringComparison.OrdinalIgnoreCase);
        Assert.NotNull(read);
        Assert.DoesNotContain(read.Entry, e => e.Resource is Condition);
        Assert.Single(read.Entry, e => e.Resource is MedicationStatement);
        Assert.Single(read.Entry, e => e.Resource is AllergyIntolerance);
        Assert.Equal(7, read.Entry.Count);
    }

    [Fact]
    public void Read_WhenAStatusCodeComesFromALaterFhirVersion_SetsThatResourceAside()
    {
        var bundle = Minimal();
        Resource(bundle, 5)["status"] = "recorded"; // MedicationStatement.status in FHIR R5, not in R4

        var (read, setAside, error) = LenientBundleReader.Read(bundle.ToJsonString());

        Assert.Null(error);
        Assert.Equal("MedicationStatement", Assert.Single(setAside).Type);
        Assert.Single(read!.Entry, e => e.Resource is AllergyIntolerance);
        Assert.Single(read.Entry, e => e.Resource is Condition);
    }

    [Fact]
    public void Read_WhenAnEntryIsJsonNull_SetsItAsideAndReadsTheOthers()
    {
        var json = PublishedExamples.Read("eu-eps/Bundle-Instance-Bundle-2df32f90-6f95-434e-9c29-4b9b0968f9e8.json");
        var sent = JsonNode.Parse(json)!["entry"]!.AsArray().Count;

        var (read, setAside, error) = LenientBundleReader.Read(json);

        Assert.Null(error);
        Assert.Equal(2, Assert.Single(setAside).Index);
        Assert.Equal(sent - 1, read!.Entry.Count);
        Assert.All(read.Entry, e => Assert.NotNull(e.Resource));
    }

    [Fact]
    public void Read_WhenTheAnswerIsValid_SetsNothingAside()
    {
        var (read, setAside, error) = LenientBundleReader.Read(PublishedExamples.Read("ips/bundle-minimal.json"));

        Assert.Null(error);
        Assert.Empty(setAside);
        Assert.Equal(8, read!.Entry.Count);
    }

    [Theory]
    [InlineData("{\"resourceType\":\"Bundle\",\"type\":\"searchset\",\"entry\":[")]
    [InlineData("[]")]
    [InlineData("{\"resourceType\":\"Patient\",\"id\":\"p1\"}")]
    [InlineData("{\"resourceType\":\"Bundle\",\"type\":\"not-a-bundle-type\",\"entry\":[]}")]
    public void Read_WhenTheAnswerIsNotAUsableBundle_RejectsItWhole(string json)
    {
        var (read, setAside, error) = LenientBundleReader.Read(json);

        Assert.Null(read);
        Assert.Empty(setAside);
        Assert.False(string.IsNullOrWhiteSpace(error));
    }
}
