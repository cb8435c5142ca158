using Hl7.Fhir.Model;

namespace OpenNdi.Fhir.Tests;

public class FhirJsonTests
{
    [Theory]
    [InlineData("ips/bundle-minimal.json")]
    [InlineData("ips/bundle-no-info-required-sections.json")]
    [InlineData("eu-lab/Bundle-BundleHepatitisPanel.json")]
    [InlineData("eu-lab/Bundle-SimpleChemistryResultReport.json")]
    [InlineData("eu-mpd/MedicationDispense-400D-dispense-1.json")]
    [InlineData("eu-mpd/Patient-patient1.json")]
    public void Parse_WhenGivenPublishedExamples_ReadsThemAndWritesThemBackEquivalent(string file)
    {
        var json = PublishedExamples.Read(file);

        var resource = FhirJson.Parse(json);
        var again = FhirJson.Parse(FhirJson.Serialize(resource));

        Assert.True(resource.IsExactly(again), $"{file} changed on a round trip");
    }

    [Fact]
    public void Parse_WhenASyntheaBundleIsRead_FindsItsPatient()
    {
        var file = System.IO.Directory.GetFiles(Path.Combine(PublishedExamples.Directory, "synthea"), "*.json").Order(StringComparer.Ordinal).First();

        var bundle = FhirJson.Parse<Bundle>(File.ReadAllText(file));

        Assert.Single(bundle.Entry, e => e.Resource is Patient);
    }

    [Fact]
    public void TryParse_WhenABundleHoldsANullEntry_SaysWhereInsteadOfThrowing()
    {
        // The HL7 Europe EPS examples carry a JSON null in entry[2]: an upstream defect, and a robustness case here.
        var json = PublishedExamples.Read("eu-eps/Bundle-Instance-Bundle-2df32f90-6f95-434e-9c29-4b9b0968f9e8.json");

        var resource = FhirJson.TryParse(json, out var error);

        Assert.Null(resource);
        Assert.Contains("entry", error);
    }

    [Theory]
    [InlineData("{")]
    [InlineData("{\"resourceType\":\"Patient\",\"birthDate\":\"yesterday\"}")]
    [InlineData("{\"resourceType\":\"NoSuchType\"}")]
    [InlineData("{\"resourceType\":\"Patient\",\"colour\":\"blue\"}")]
    public void TryParse_WhenTheJsonIsNotFhir_ReturnsAnError(string json)
    {
        Assert.Null(FhirJson.TryParse(json, out var error));
        Assert.False(string.IsNullOrWhiteSpace(error));
    }
}
