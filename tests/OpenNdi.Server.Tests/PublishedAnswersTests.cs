using System.Text.Json.Nodes;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using OpenNdi.Core.Index;
using OpenNdi.Core.Policy;
using OpenNdi.Fhir.Merging;
using OpenNdi.Server.ProfessionalAccess;
using OpenNdi.Testing;
using static OpenNdi.Server.Tests.ProviderAnswerPipeline;

namespace OpenNdi.Server.Tests;

/// <summary>
/// Issue 13, with documents nobody here wrote as provider answers (the HL7 IPS minimal example, the HL7 Europe
/// laboratory report) and variants of them: documents keep their parts, the provider's sections, narratives and
/// Provenance stand, a bad resource is set aside without the rest, and every resource is accounted for.
/// </summary>
public sealed class PublishedAnswersTests
{
    private static readonly ProviderSystem Ehr = ProviderSystem.Numbered(1);

    /// <summary>The IPS minimal example's patient id and entries (4 Condition, 5 MedicationStatement, 6 Medication, 7 AllergyIntolerance).</summary>
    private const string MinimalPatient = "7685713c-e29e-4a75-8a90-45be7ba3be94";

    private const string MinimalCondition = "urn:uuid:ad84b7a2-b4dd-474e-bef3-0779e6cb595f";

    private static JsonObject Minimal() => JsonNode.Parse(PublishedExamples.Read("ips/bundle-minimal.json"))!.AsObject();

    private static JsonArray Entries(JsonObject bundle) => bundle["entry"]!.AsArray();

    private static JsonArray Sections(JsonObject bundle) => Entries(bundle)[0]!["resource"]!["section"]!.AsArray();

    private static void AddToSection(JsonObject bundle, string code, string title, string fullUrl, JsonObject resource)
    {
        Entries(bundle).Add(new JsonObject { ["fullUrl"] = fullUrl, ["resource"] = resource });
        Sections(bundle).Add(new JsonObject
        {
            ["title"] = title,
            ["code"] = new JsonObject { ["coding"] = new JsonArray(new JsonObject { ["system"] = "http://loinc.org", ["code"] = code }) },
            ["text"] = new JsonObject { ["status"] = "generated", ["div"] = $"<div xmlns=\"http://www.w3.org/1999/xhtml\">{title} as the provider wrote it</div>" },
            ["entry"] = new JsonArray(new JsonObject { ["reference"] = fullUrl }),
        });
    }

    private static Gathered GatherSummary(JsonObject bundle, PatientPrivacy? settings = null)
    {
        var lookup = Lookup(settings ?? Settings());
        return Gather(lookup, Answer(bundle.ToJsonString(), Ehr, MinimalPatient, lookup, DataCategory.PatientSummary));
    }

    [Fact]
    public void ADischargeReportRead_ReturnsTheEntriesItsSectionsReference()
    {
        // The minimal summary recast as a discharge report (LOINC 34105-7), indexed as one: its sections' entries are
        // not index entries of their own.
        var bundle = Minimal();
        Entries(bundle)[0]!["resource"]!["type"] = JsonNode.Parse("""{"coding":[{"system":"http://loinc.org","code":"34105-7"}]}""");
        var lookup = Lookup(Settings());
        var gathered = Gather(lookup, Answer(bundle.ToJsonString(), Ehr, MinimalPatient, lookup, DataCategory.DischargeReport));

        var (searchset, _) = Search(gathered, "Composition", DataCategory.DischargeReport);

        Assert.Single(searchset.Entry, e => e.Resource is Composition && e.Search.Mode == Bundle.SearchEntryMode.Match);
        var included = searchset.Entry.Where(e => e.Search.Mode == Bundle.SearchEntryMode.Include).Select(e => e.Resource.TypeName).ToHashSet();
        Assert.Superset(new HashSet<string> { "Condition", "MedicationStatement", "Medication", "AllergyIntolerance" }, included);
    }

    [Fact]
    public void ALaboratoryReportRead_ReturnsItsResults()
    {
        var json = PublishedExamples.Read("eu-lab/Bundle-SimpleChemistryResultReport.json");
        var lookup = Lookup(Settings());
        var gathered = Gather(lookup, Answer(json, Ehr, "de17bfd2-8d73-45fa-b0bb-8eb0e463ddb8", lookup, DataCategory.Laboratory));

        var (searchset, _) = Search(gathered, "DiagnosticReport", DataCategory.Laboratory);

        var report = (DiagnosticReport)Assert.Single(searchset.Entry, e => e.Search.Mode == Bundle.SearchEntryMode.Match).Resource;
        var urls = searchset.Entry.Select(e => e.FullUrl).ToHashSet();
        Assert.Equal(2, report.Result.Count);
        Assert.All(report.Result, r => Assert.Contains(r.Reference, urls));
    }

    [Fact]
    public void TheProvidersSectionNarrativeAndProvenance_TravelWithTheSummary()
    {
        var bundle = Minimal();
        Entries(bundle).Add(JsonNode.Parse($$$"""
            {"fullUrl":"urn:uuid:0b6c1b6e-1c1d-4c53-9a33-1b0b3a8c5b01","resource":{"resourceType":"Provenance","id":"prov-1",
             "target":[{"reference":"{{{MinimalCondition}}}"}],"recorded":"2024-03-01T10:00:00Z",
             "agent":[{"who":{"display":"Dr. Provider"}}]}}
            """));

        var (document, _) = Summary(GatherSummary(bundle));

        var problems = ((Composition)document.Entry[0].Resource).Section.Single(s => s.Code.Coding[0].Code == "11450-4");
        Assert.Contains("Menopausal Flushing", problems.Text.Div); // the provider's narrative
        Assert.Contains("1 entries.", problems.Text.Div); // beside ours
        var provenance = Assert.Single(document.Entry.Select(e => e.Resource).OfType<Provenance>(), p => p.Id == "prov-1");
        Assert.Equal(MinimalCondition, Assert.Single(provenance.Target).Reference);
    }

    [Fact]
    public void AProvenanceNarrowedToWhatARead_Releases_BringsNothingItNoLongerNames()
    {
        // One Provenance of the Condition and the MedicationStatement; a read of Conditions releases the first only.
        const string medicationStatement = "urn:uuid:6e883e5e-7648-485a-86de-3640a61601fe";
        var bundle = Minimal();
        Entries(bundle).Add(JsonNode.Parse($$$"""
            {"fullUrl":"urn:uuid:0b6c1b6e-1c1d-4c53-9a33-1b0b3a8c5b01","resource":{"resourceType":"Provenance","id":"prov-1",
             "target":[{"reference":"{{{MinimalCondition}}}"},{"reference":"{{{medicationStatement}}}"}],"recorded":"2024-03-01T10:00:00Z",
             "agent":[{"who":{"display":"Dr. Provider"}}]}}
            """));

        var (searchset, _) = Search(GatherSummary(bundle), "Condition", DataCategory.Problems);

        var provenance = Assert.Single(searchset.Entry.Select(e => e.Resource).OfType<Provenance>(), p => p.Id == "prov-1");
        Assert.Equal(MinimalCondition, Assert.Single(provenance.Target).Reference);
        Assert.DoesNotContain(searchset.Entry, e => e.Resource is MedicationStatement or Medication);
    }

    [Fact]
    [Trait("Category", "Security")]
    public void WhenAnythingOfTheProviderIsWithheld_ItsNarrativesAndItsProvenanceOfTheWithheldStayBack()
    {
        var bundle = Minimal();
        Entries(bundle).Add(JsonNode.Parse($$$"""
            {"fullUrl":"urn:uuid:0b6c1b6e-1c1d-4c53-9a33-1b0b3a8c5b01","resource":{"resourceType":"Provenance","id":"prov-1",
             "target":[{"reference":"{{{MinimalCondition}}}"}],"recorded":"2024-03-01T10:00:00Z","agent":[{"who":{"display":"Dr. Provider"}}]}}
            """));
        var blockProblems = new Block("b-1", BlockScope.Category, null, null, DataCategory.Problems, null);

        var (document, _) = Summary(GatherSummary(bundle, Settings(blockProblems)));

        var sections = ((Composition)document.Entry[0].Resource).Section;
        Assert.DoesNotContain(sections, s => s.Text.Div.Contains("Menopausal", StringComparison.Ordinal) || s.Text.Div.Contains("anastrozole", StringComparison.Ordinal));
        Assert.DoesNotContain(document.Entry, e => e.Resource is Condition);
        Assert.DoesNotContain(document.Entry.Select(e => e.Resource).OfType<Provenance>(), p => p.Id == "prov-1");
        Assert.Contains(document.Entry, e => e.Resource is MedicationStatement);
    }

    [Fact]
    public void TheProvidersPlacement_Stands_AndEveryIpsSectionIsThere()
    {
        var bundle = Minimal();
        var patient = $"urn:uuid:{MinimalPatient}";
        // A heart rate without an observation category, placed by the provider under vital signs; an advance directive.
        AddToSection(bundle, "8716-3", "Vital signs", "urn:uuid:11111111-1111-4111-8111-111111111111", JsonNode.Parse($$$"""
            {"resourceType":"Observation","id":"hr-1","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"8867-4"}]},
             "subject":{"reference":"{{{patient}}}"},"effectiveDateTime":"2024-03-01T10:00:00Z","valueQuantity":{"value":72,"unit":"/min","system":"http://unitsofmeasure.org","code":"/min"}}
            """)!.AsObject());
        AddToSection(bundle, "42348-3", "Advance directives", "urn:uuid:22222222-2222-4222-8222-222222222222", JsonNode.Parse($$$"""
            {"resourceType":"Consent","id":"ad-1","status":"active","scope":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/consentscope","code":"adr"}]},
             "category":[{"coding":[{"system":"http://loinc.org","code":"59284-0"}]}],"patient":{"reference":"{{{patient}}}"},
             "policyRule":{"text":"No resuscitation"}}
            """)!.AsObject());
        AddToSection(bundle, "18776-5", "Plan of care", "urn:uuid:33333333-3333-4333-8333-333333333333", JsonNode.Parse($$$"""
            {"resourceType":"CarePlan","id":"cp-1","status":"active","intent":"plan","subject":{"reference":"{{{patient}}}"},"description":"Follow-up in 3 months"}
            """)!.AsObject());
        AddToSection(bundle, "10162-6", "Pregnancy", "urn:uuid:44444444-4444-4444-8444-444444444444", JsonNode.Parse($$$"""
            {"resourceType":"Observation","id":"preg-1","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"82810-3"}]},
             "subject":{"reference":"{{{patient}}}"},"effectiveDateTime":"2024-03-01","valueCodeableConcept":{"coding":[{"system":"http://snomed.info/sct","code":"60001007"}]}}
            """)!.AsObject());

        var (document, _) = Summary(GatherSummary(bundle));

        Assert.Equal("8716-3", SectionOf(document, "urn:uuid:11111111-1111-4111-8111-111111111111"));
        Assert.Equal("42348-3", SectionOf(document, "urn:uuid:22222222-2222-4222-8222-222222222222"));
        Assert.Equal("18776-5", SectionOf(document, "urn:uuid:33333333-3333-4333-8333-333333333333"));
        Assert.Equal("10162-6", SectionOf(document, "urn:uuid:44444444-4444-4444-8444-444444444444"));
    }

    [Fact]
    public void OneUnreadableResource_IsSetAsideAndNamed_AndTheRestOfTheProviderIsThere()
    {
        var bundle = Minimal();
        Entries(bundle)[4]!["resource"]!.AsObject().Remove("subject");
        var gathered = GatherSummary(bundle);

        var (document, released) = Summary(gathered);

        Assert.Contains(document.Entry, e => e.Resource is MedicationStatement);
        Assert.Contains(document.Entry, e => e.Resource is AllergyIntolerance);
        var outcome = document.Entry.Select(e => e.Resource).OfType<OperationOutcome>().Single();
        Assert.Contains(outcome.Issue, i => i.Details.Coding[0].Code == "NDI-PAS-017" && i.Diagnostics.Contains("1 Condition", StringComparison.Ordinal));
        var account = Assert.Single(gathered.Accounts(released)[0], a => a.Url == MinimalCondition);
        Assert.Equal(Disposition.Rejected, account.Disposition);
        Assert.StartsWith(ItemAccounts.Unreadable, account.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void AMedicationRequestOfStatusUnknown_IsInTheMedicationSummary()
    {
        var bundle = Minimal();
        AddToSection(bundle, "10160-0", "Medication", "urn:uuid:55555555-5555-4555-8555-555555555555", JsonNode.Parse($$$"""
            {"resourceType":"MedicationRequest","id":"mr-1","status":"unknown","intent":"order","subject":{"reference":"urn:uuid:{{{MinimalPatient}}}"},
             "medicationCodeableConcept":{"coding":[{"system":"http://www.whocc.no/atc","code":"C09AA05"}]},"authoredOn":"2023-01-01"}
            """)!.AsObject());

        var (document, _) = Summary(GatherSummary(bundle));

        Assert.Equal("10160-0", SectionOf(document, "urn:uuid:55555555-5555-4555-8555-555555555555"));
    }

    /// <summary>Every published example Bundle with a Patient (HL7 IPS, HL7 Europe, Synthea), as JSON; the XML ones read with Firely's XML parser.</summary>
    public static TheoryData<string> ExampleBundles()
    {
        var data = new TheoryData<string>();
        foreach (var path in System.IO.Directory.GetFiles(PublishedExamples.Directory, "*.*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var name = Path.GetRelativePath(PublishedExamples.Directory, path);
            if (!name.StartsWith("terminology", StringComparison.Ordinal) && ExampleJson(name) is { } json && PatientId(json) is not null)
                data.Add(name);
        }
        return data;
    }

    private static string? ExampleJson(string name)
    {
        var path = Path.Combine(PublishedExamples.Directory, name);
        if (name.EndsWith(".xml", StringComparison.Ordinal))
            return new FhirXmlDeserializer().Deserialize<Resource>(File.ReadAllText(path)) is Bundle bundle ? OpenNdi.Fhir.FhirJson.Serialize(bundle) : null;
        return name.EndsWith(".json", StringComparison.Ordinal) ? File.ReadAllText(path) : null;
    }

    private static string? PatientId(string json) =>
        JsonNode.Parse(json) is { } root && (string?)root["resourceType"] == "Bundle" && root["entry"] is JsonArray entries
            ? entries.Select(e => e?["resource"]).FirstOrDefault(r => (string?)r?["resourceType"] == "Patient")?["id"]?.GetValue<string>()
            : null;

    /// <summary>
    /// Each published example as one provider's summary answer: the summary the service assembles from it passes the
    /// IPS 2.0 Bundle profile, and nothing is lost (every resource accounted for, none rejected but what cannot be
    /// read). A provider's clinical item is passed on as the provider wrote it, so where the example's own resource
    /// breaks a rule (the HL7 Europe EPS examples: doses with a unit code and no system, FHIR qty-3; an allergy
    /// without clinical status, ait-1) the summary carries that error, and only that: it must be in the provider's
    /// resource, which fails the same way on its own, and everything the service made must pass.
    /// </summary>
    [Theory]
    [MemberData(nameof(ExampleBundles))]
    public void EveryPublishedExample_AsAProviderAnswer_GivesASummaryThatPassesTheIpsProfiles(string example)
    {
        var json = ExampleJson(example)!;
        var lookup = Lookup(Settings());
        var gathered = Gather(lookup, Answer(json, Ehr, PatientId(json)!, lookup, DataCategory.PatientSummary));

        var (document, released) = Summary(gathered);

        var validator = OpenNdi.Testing.IpsValidation.Validator;
        var errors = validator.Validate(document, OpenNdi.Fhir.IpsProfiles.Bundle).Errors.ToList();
        var providers = new HashSet<int>();
        foreach (var error in errors.Where(e => e.Location != "Bundle"))
        {
            var index = int.Parse(System.Text.RegularExpressions.Regex.Match(error.Location, @"^Bundle\.entry\[(\d+)\]").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            var entry = document.Entry[index];
            Assert.True(released.Any(i => i.FullUrl == entry.FullUrl), $"an error in what the service made: {error}");
            Assert.False(validator.Validate(entry.Resource).IsValid, $"the provider's resource passes on its own, but not in the summary: {error}");
            providers.Add(index);
        }
        // The document-level slice fails only as a consequence of a provider's resource failing.
        Assert.All(errors.Where(e => e.Location == "Bundle"), e => Assert.NotEmpty(providers));
        // Every example but the two EPS ones, whose own resources break those rules, gives a summary without an error.
        if (!example.StartsWith("eu-eps/", StringComparison.Ordinal))
            Assert.Empty(errors);
        var accounts = gathered.Accounts(released)[0];
        var sent = JsonNode.Parse(json)!["entry"]!.AsArray().Count;
        Assert.Equal(sent, accounts.Count);
        Assert.All(accounts.Where(a => a.Disposition == Disposition.Rejected), a => Assert.StartsWith(ItemAccounts.Unreadable, a.Reason, StringComparison.Ordinal));
    }
}
