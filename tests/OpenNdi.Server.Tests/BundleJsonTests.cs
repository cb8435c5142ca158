using System.Text;
using System.Text.Json.Nodes;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using OpenNdi.Core.Index;
using OpenNdi.Core.Policy;
using OpenNdi.Fhir;
using OpenNdi.Testing;
using static OpenNdi.Server.Tests.ProviderAnswerPipeline;

namespace OpenNdi.Server.Tests;

/// <summary>
/// The summary written with the providers' own bytes (<see cref="BundleJson"/>, <see cref="RawResourceJson"/>)
/// against Firely's serialisation of the same assembled Bundle, which it replaced (issue 16): both outputs parsed
/// again must be the same resource, element for element, for every published example as a provider's answer, for
/// answers merged across providers, with resources set aside, through an emergency break, and with escaped text.
/// </summary>
public sealed class BundleJsonTests
{
    private static void AssertSameAsFirely(Bundle document)
    {
        var firely = FhirJson.SerializeToUtf8(document);
        var written = BundleJson.SerializeToUtf8(document);
        var expected = FhirJson.Parse(Encoding.UTF8.GetString(firely));
        var actual = FhirJson.Parse(Encoding.UTF8.GetString(written));
        Assert.True(actual.IsExactly(expected), $"differs from Firely's output:\n{Encoding.UTF8.GetString(written)}\n---\n{Encoding.UTF8.GetString(firely)}");
    }

    /// <summary>The id of the Bundle's Patient, the provider's local id an index reference would name; null when the Bundle has none.</summary>
    private static string? LocalPatientId(string json) =>
        JsonNode.Parse(json)?["entry"] is JsonArray entries
            ? entries.Select(e => e?["resource"]).FirstOrDefault(r => r?["resourceType"]?.GetValue<string>() == "Patient")?["id"]?.GetValue<string>()
            : null;

    public static TheoryData<string> Examples()
    {
        var data = new TheoryData<string>();
        foreach (var path in Directory.GetFiles(PublishedExamples.Directory, "*.*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var name = Path.GetRelativePath(PublishedExamples.Directory, path);
            if (!name.StartsWith("terminology", StringComparison.Ordinal) && (name.EndsWith(".json", StringComparison.Ordinal) || name.EndsWith(".xml", StringComparison.Ordinal)))
                data.Add(name);
        }
        return data;
    }

    private static string? BundleJsonOf(string name)
    {
        var text = PublishedExamples.Read(name);
        if (name.EndsWith(".xml", StringComparison.Ordinal))
            return new FhirXmlDeserializer().Deserialize<Resource>(text) is Bundle bundle ? FhirJson.Serialize(bundle) : null;
        return JsonNode.Parse(text)?["resourceType"]?.GetValue<string>() == "Bundle" ? text : null;
    }

    [Theory]
    [MemberData(nameof(Examples))]
    public void SerializeToUtf8_PublishedExampleAsOneProvidersAnswer_SaysWhatFirelySays(string name)
    {
        if (BundleJsonOf(name) is not { } json || LocalPatientId(json) is not { } patientId)
            return; // not a Bundle with a Patient: no provider answer to assemble
        var lookup = Lookup(Settings());
        var gathered = Gather(lookup, Answer(json, ProviderSystem.Numbered(1), patientId, lookup, DataCategory.PatientSummary));
        if (gathered.Answers[0].Answer.Bundle is null)
            return;
        AssertSameAsFirely(Summary(gathered).Document);
    }

    [Theory]
    [MemberData(nameof(Examples))]
    public void SerializeToUtf8_SameExampleFromTwoProvidersWithOneEntrySpoilt_SaysWhatFirelySays(string name)
    {
        if (BundleJsonOf(name) is not { } json || LocalPatientId(json) is not { } patientId)
            return;
        // The second provider's copy: an element R4 does not know in its last resource, so that entry is set aside and the rest shift.
        var spoilt = JsonNode.Parse(json)!.AsObject();
        spoilt["entry"]!.AsArray().Last(e => e?["resource"] is JsonObject)!["resource"]!.AsObject()["colour"] = "blue";
        var lookup = Lookup(Settings());
        var gathered = Gather(lookup,
            Answer(json, ProviderSystem.Numbered(1), patientId, lookup, DataCategory.PatientSummary),
            Answer(spoilt.ToJsonString(), ProviderSystem.Numbered(2), patientId, lookup, DataCategory.PatientSummary));
        if (gathered.Answers[0].Answer.Bundle is null)
            return;
        AssertSameAsFirely(Summary(gathered).Document);
    }

    [Fact]
    public void SerializeToUtf8_ThroughAnEmergencyBreak_LabelsWhatItReleases()
    {
        var json = PublishedExamples.Read("ips/bundle-minimal.json");
        // A block on the provider, broken in an emergency: everything it releases comes through the break.
        var settings = Settings(new Block("b-1", BlockScope.Provider, ProviderSystem.Numbered(1).Provider, null, null, null));
        var emergency = new EmergencyAccess("The patient is unconscious in the emergency room and cannot tell us their medication");
        var plain = Lookup(settings);
        var lookup = plain with { Emergency = emergency, Request = plain.Request with { Emergency = emergency } };
        var gathered = Gather(lookup, Answer(json, ProviderSystem.Numbered(1), LocalPatientId(json)!, lookup, DataCategory.PatientSummary));
        var (document, released) = Summary(gathered);
        AssertSameAsFirely(document);
        Assert.Contains(released, i => i.ViaEmergencyBreak);
        Assert.Null(RawResourceJson.Of(released.First(i => i.ViaEmergencyBreak).Resource)); // labelled: written from the object
    }

    [Fact]
    public void SerializeToUtf8_EscapedReferencesAndText_AreRewrittenAndKept()
    {
        var json = PublishedExamples.Read("ips/bundle-minimal.json");
        var patientId = LocalPatientId(json)!;
        var bundle = JsonNode.Parse(json)!.AsObject();
        var condition = bundle["entry"]!.AsArray().First(e => e?["resource"]?["resourceType"]?.GetValue<string>() == "Condition")!["resource"]!.AsObject();
        condition["note"] = new JsonArray(new JsonObject { ["text"] = "åäö \"quoted\" <b>&amp;</b> \\ \u2028 tab\t" });
        var reference = condition["subject"]!["reference"]!.GetValue<string>();
        // The same reference written with an escaped solidus and an escaped letter: still the provider's Patient.
        var text = bundle.ToJsonString().Replace($"\"reference\":\"{reference}\"", $"\"reference\":\"{reference.Replace("/", "\\/").Replace("P", "\\u0050")}\"", StringComparison.Ordinal);
        var lookup = Lookup(Settings());
        var gathered = Gather(lookup, Answer(text, ProviderSystem.Numbered(1), patientId, lookup, DataCategory.PatientSummary));
        var document = Summary(gathered).Document;
        AssertSameAsFirely(document);
        Assert.Contains(NationalPatientUrl, Encoding.UTF8.GetString(BundleJson.SerializeToUtf8(document)), StringComparison.Ordinal);
    }

    [Fact]
    public void SerializeToUtf8_ABundleWithSearchEntries_GoesThroughFirely()
    {
        var bundle = new Bundle { Type = Bundle.BundleType.Searchset, Entry = [new Bundle.EntryComponent { FullUrl = "urn:uuid:1", Resource = new Patient { Id = "1" }, Search = new Bundle.SearchComponent { Mode = Bundle.SearchEntryMode.Match } }] };
        Assert.Equal(FhirJson.SerializeToUtf8(bundle), BundleJson.SerializeToUtf8(bundle));
    }
}
