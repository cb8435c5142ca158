using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using static OpenNdi.Fhir.DocumentIssueCodes;

namespace OpenNdi.Fhir.Tests;

public class FhirDocumentValidatorTests
{
    private static readonly FhirDocumentValidator Validator = new();
    private static readonly FhirDocumentValidator WithProvenance = new(new FhirDocumentValidatorOptions { RequireProvenance = true });

    /// <summary>A published IPS example, read afresh for each test so that each test changes its own copy.</summary>
    private static Bundle Example(string file)
    {
        var text = PublishedExamples.Read("ips/" + file);
        return file.EndsWith(".xml", StringComparison.Ordinal) ? new FhirXmlDeserializer().Deserialize<Bundle>(text) : FhirJson.Parse<Bundle>(text);
    }

    /// <summary>bundle-minimal.json: Composition, Patient, Practitioner (author), Organization, Condition, MedicationStatement, Medication, AllergyIntolerance.</summary>
    private static Bundle Minimal() => Example("bundle-minimal.json");

    private static Composition CompositionOf(Bundle bundle) => (Composition)bundle.Entry[0].Resource!;

    private static int Index<T>(Bundle bundle) where T : Resource => bundle.Entry.FindIndex(e => e.Resource is T);

    private static Composition.SectionComponent Section(Bundle bundle, string loinc) => CompositionOf(bundle).Section.Single(s => s.Code.Coding[0].Code == loinc);

    private static string SectionPath(Bundle bundle, string loinc) => $"Bundle.entry[0].resource.section[{CompositionOf(bundle).Section.IndexOf(Section(bundle, loinc))}]";

    private static void AssertIssue(DocumentValidationResult result, string code, string location) =>
        Assert.Contains(result.Issues, i => i.Code == code && i.Location == location);

    [Theory]
    [InlineData("bundle-minimal.json")]
    [InlineData("bundle-no-info-required-sections.json")]
    [InlineData("IPS-bundle-01.xml")]
    [InlineData("IPS-bundle-with-immunization.xml")]
    public void Validate_WhenGivenAPublishedIpsExample_ReportsNothing(string file)
    {
        var result = Validator.Validate(Example(file));

        Assert.Empty(result.Issues);
        Assert.True(result.IsValid);
    }

    [Fact]
    public void Validate_WhenTheDocumentComesFromPatientSummaryBuilder_ReportsNothing()
    {
        var resources = Minimal().Entry.Select(e => e.Resource).Where(r => r is not Composition).ToList();
        var organization = resources.OfType<Organization>().Single();

        var summary = PatientSummaryBuilder.Build(resources.OfType<Patient>().Single(), resources, "https://ehr.example/fhir",
            new ResourceReference($"Organization/{organization.Id}"), "doc-1", new DateTimeOffset(2026, 11, 22, 10, 0, 0, TimeSpan.Zero));

        Assert.Empty(Validator.Validate(summary).Issues);
    }

    [Fact]
    public void Validate_WhenTheBuilderIsNotGivenTheAuthorsResource_ReportsTheAuthorAsNotInTheDocument()
    {
        var summary = PatientSummaryBuilder.Build(new Patient { Id = "p1" }, [], "https://ehr.example/fhir",
            new ResourceReference("Organization/x"), "doc-2", new DateTimeOffset(2026, 11, 22, 10, 0, 0, TimeSpan.Zero));

        var issue = Assert.Single(Validator.Validate(summary).Issues);
        Assert.Equal((ReferenceNotInDocument, "Bundle.entry[0].resource.author[0]"), (issue.Code, issue.Location));
    }

    [Fact]
    public void Validate_WhenTheIdentifierLacksASystem_ReportsBdl9()
    {
        var bundle = Minimal();
        bundle.Identifier.System = null;

        AssertIssue(Validator.Validate(bundle), IdentifierMissing, "Bundle.identifier");
    }

    [Fact]
    public void Validate_WhenTheTimestampIsMissing_ReportsBdl10()
    {
        var bundle = Minimal();
        bundle.Timestamp = null;

        var issue = Assert.Single(Validator.Validate(bundle).Issues);
        Assert.Equal((TimestampMissing, "Bundle.timestamp"), (issue.Code, issue.Location));
    }

    [Fact]
    public void Validate_WhenTheFirstEntryIsNotTheComposition_ReportsBdl11AndStillChecksTheComposition()
    {
        var bundle = Minimal();
        var composition = bundle.Entry[0];
        bundle.Entry.RemoveAt(0);
        bundle.Entry.Add(composition);
        ((Composition)composition.Resource).Title = null;

        var result = Validator.Validate(bundle);

        AssertIssue(result, CompositionNotFirst, "Bundle.entry[0]");
        AssertIssue(result, CompositionElementMissing, $"Bundle.entry[{bundle.Entry.Count - 1}].resource.title");
        Assert.Equal(2, result.Issues.Count);
    }

    [Fact]
    public void Validate_WhenTwoEntriesShareAFullUrl_ReportsBdl7OnTheSecond()
    {
        var bundle = Minimal();
        var medication = Index<Medication>(bundle);
        bundle.Entry[medication].FullUrl = bundle.Entry[Index<Condition>(bundle)].FullUrl;

        AssertIssue(Validator.Validate(bundle), FullUrlDuplicate, $"Bundle.entry[{medication}].fullUrl");
    }

    [Fact]
    public void Validate_WhenTheSameFullUrlHoldsTwoVersions_AcceptsThem()
    {
        var bundle = Minimal();
        var condition = bundle.Entry[Index<Condition>(bundle)];
        condition.Resource.Meta = new Meta { VersionId = "1" };
        var second = (Condition)condition.Resource.DeepCopy();
        second.Meta.VersionId = "2";
        bundle.Entry.Add(new Bundle.EntryComponent { FullUrl = condition.FullUrl, Resource = second });

        Assert.DoesNotContain(Validator.Validate(bundle).Issues, i => i.Code == FullUrlDuplicate);
    }

    [Fact]
    public void Validate_WhenAnEntryLacksFullUrlOrResource_ReportsBoth()
    {
        var bundle = Minimal();
        bundle.Entry.Add(new Bundle.EntryComponent { Resource = new Basic { Code = new CodeableConcept("urn:x", "y") } });
        bundle.Entry.Add(new Bundle.EntryComponent { FullUrl = "urn:uuid:5b0ba8cc-4f3d-4d6b-9a51-2f2b5e4d9b1a" });

        var result = Validator.Validate(bundle);

        AssertIssue(result, FullUrlMissing, $"Bundle.entry[{bundle.Entry.Count - 2}].fullUrl");
        AssertIssue(result, ResourceMissing, $"Bundle.entry[{bundle.Entry.Count - 1}].resource");
    }

    [Fact]
    public void Validate_WhenASectionEntryResolvesToNoEntry_ReportsTheDanglingReference()
    {
        var bundle = Minimal();
        Section(bundle, "11450-4").Entry.Add(new ResourceReference("urn:uuid:00000000-0000-0000-0000-000000000001"));

        var issue = Assert.Single(Validator.Validate(bundle).Issues);
        Assert.Equal((ReferenceNotInDocument, $"{SectionPath(bundle, "11450-4")}.entry[1]"), (issue.Code, issue.Location));
    }

    [Fact]
    public void Validate_WhenARelativeReferenceIsWrittenInAUrnEntry_ReportsItAsDangling()
    {
        // FHIR R4 §2.36.4.1: a relative reference has no meaning within a Bundle unless the referring entry's fullUrl is RESTful.
        var bundle = Minimal();
        var condition = bundle.Entry[Index<Condition>(bundle)].Resource;
        Section(bundle, "11450-4").Entry[0] = new ResourceReference($"Condition/{condition.Id}");

        AssertIssue(Validator.Validate(bundle), ReferenceNotInDocument, $"{SectionPath(bundle, "11450-4")}.entry[0]");
    }

    [Fact]
    public void Validate_WhenTheSubjectIsNotAPatient_ReportsIt()
    {
        var bundle = Minimal();
        CompositionOf(bundle).Subject = new ResourceReference(bundle.Entry[Index<Organization>(bundle)].FullUrl);

        AssertIssue(Validator.Validate(bundle), SubjectNotInDocument, "Bundle.entry[0].resource.subject");
    }

    [Fact]
    public void Validate_WhenARequiredSectionIsMissing_ReportsItByName()
    {
        var bundle = Minimal();
        CompositionOf(bundle).Section.Remove(Section(bundle, "48765-2"));

        var issue = Assert.Single(Validator.Validate(bundle).Issues);
        Assert.Equal((RequiredSectionMissing, "Bundle.entry[0].resource.section"), (issue.Code, issue.Location));
        Assert.Contains("Allergies", issue.Message);
    }

    [Fact]
    public void Validate_WhenARequiredSectionHasNeitherEntriesNorEmptyReason_ReportsIpsComp1()
    {
        var bundle = Minimal();
        Section(bundle, "48765-2").Entry.Clear();

        AssertIssue(Validator.Validate(bundle), RequiredSectionEmpty, SectionPath(bundle, "48765-2"));
    }

    [Fact]
    public void Validate_WhenAnOptionalSectionHasOnlyNarrative_AcceptsIt()
    {
        // As the published IPS-bundle-01.xml does with its Plan of Treatment: ips-comp-1 binds only the required sections.
        var bundle = Minimal();
        CompositionOf(bundle).Section.Add(new Composition.SectionComponent
        {
            Title = "Plan of Treatment",
            Code = new CodeableConcept("http://loinc.org", "18776-5"),
            Text = Narratives.Generated("No treatment planned."),
        });

        Assert.Empty(Validator.Validate(bundle).Issues);
    }

    [Fact]
    public void Validate_WhenASectionHasEntriesAndAnEmptyReason_ReportsCmp2()
    {
        var bundle = Minimal();
        Section(bundle, "10160-0").EmptyReason = new CodeableConcept("http://terminology.hl7.org/CodeSystem/list-empty-reason", "unavailable");

        var issue = Assert.Single(Validator.Validate(bundle).Issues);
        Assert.Equal((EmptyReasonWithEntries, $"{SectionPath(bundle, "10160-0")}.emptyReason"), (issue.Code, issue.Location));
    }

    [Fact]
    public void Validate_WhenASectionLacksTitleCodeAndText_ReportsEach()
    {
        var bundle = Minimal();
        var path = SectionPath(bundle, "11450-4");
        var section = Section(bundle, "11450-4");
        section.Title = null;
        section.Text = null;
        section.Code = null;

        var result = Validator.Validate(bundle);

        AssertIssue(result, SectionElementMissing, $"{path}.title");
        AssertIssue(result, SectionElementMissing, $"{path}.code");
        AssertIssue(result, SectionElementMissing, $"{path}.text");
        AssertIssue(result, RequiredSectionMissing, "Bundle.entry[0].resource.section");
    }

    [Fact]
    public void Validate_WhenCompositionElementsAreMissing_ReportsEachOnceWithItsOwnCode()
    {
        var bundle = Minimal();
        CompositionOf(bundle).Status = null;
        CompositionOf(bundle).Title = null;

        var result = Validator.Validate(bundle);

        // The SDK's element validation finds the same two (PVAL105); they are reported once, under NDI-DOC-010.
        Assert.Equal(
            [(CompositionElementMissing, "Bundle.entry[0].resource.status"), (CompositionElementMissing, "Bundle.entry[0].resource.title")],
            result.Issues.Select(i => (i.Code, i.Location)));
    }

    [Fact]
    public void Validate_WhenTheTypeIsNotAPatientSummary_ReportsIt()
    {
        var bundle = Minimal();
        CompositionOf(bundle).Type = new CodeableConcept("http://loinc.org", "34133-9");

        AssertIssue(Validator.Validate(bundle), NotAPatientSummary, "Bundle.entry[0].resource.type");
    }

    [Fact]
    public void Validate_WhenAConditionHasNoSubject_ReportsTheSdksElementError()
    {
        var bundle = Minimal();
        var condition = Index<Condition>(bundle);
        ((Condition)bundle.Entry[condition].Resource).Subject = null!;

        var issue = Assert.Single(Validator.Validate(bundle).Issues);
        Assert.Equal((ElementInvalid, $"Bundle.entry[{condition}].resource.subject"), (issue.Code, issue.Location));
        Assert.StartsWith("PVAL105", issue.Message);
    }

    [Fact]
    public void Validate_WithElementsOfSomeEntriesOnly_ChecksThoseAtTheSameLocations()
    {
        var bundle = Minimal();
        var condition = Index<Condition>(bundle);
        ((Condition)bundle.Entry[condition].Resource).Subject = null!;

        var skipped = new FhirDocumentValidator(new FhirDocumentValidatorOptions { ValidateElementsOf = e => e.Resource is not Condition }).Validate(bundle);
        var chosen = new FhirDocumentValidator(new FhirDocumentValidatorOptions { ValidateElementsOf = e => e.Resource is Condition }).Validate(bundle);

        Assert.Empty(skipped.Issues);
        var issue = Assert.Single(chosen.Issues);
        Assert.Equal((ElementInvalid, $"Bundle.entry[{condition}].resource.subject"), (issue.Code, issue.Location));
    }

    [Fact]
    public void Validate_WhenProvenanceIsRequiredAndAnEntryHasNone_ReportsThatEntryOnly()
    {
        var bundle = Minimal();
        var condition = Index<Condition>(bundle);
        // The Composition, Patient and Practitioner author are exempt; everything else but the Condition is targeted.
        var targets = new[] { Index<Organization>(bundle), Index<MedicationStatement>(bundle), Index<Medication>(bundle), Index<AllergyIntolerance>(bundle) };
        bundle.Entry.Add(new Bundle.EntryComponent
        {
            FullUrl = "urn:uuid:8f2d7c0e-3b1a-4a8e-9f57-0c6e2d1b4a90",
            Resource = new Provenance
            {
                Target = [.. targets.Select(i => new ResourceReference(bundle.Entry[i].FullUrl)), new ResourceReference("urn:uuid:00000000-0000-0000-0000-000000000002")],
                Recorded = new DateTimeOffset(2026, 11, 22, 10, 0, 0, TimeSpan.Zero),
                Agent = [new Provenance.AgentComponent { Who = new ResourceReference(bundle.Entry[Index<Organization>(bundle)].FullUrl) }],
            },
        });

        var result = WithProvenance.Validate(bundle);

        Assert.Equal(
            [(DocumentIssueSeverity.Warning, ProvenanceTargetNotInDocument, $"Bundle.entry[{bundle.Entry.Count - 1}].resource.target[4]"),
             (DocumentIssueSeverity.Error, ProvenanceMissing, $"Bundle.entry[{condition}]")],
            result.Issues.Select(i => (i.Severity, i.Code, i.Location)));
        Assert.Empty(Validator.Validate(bundle).Issues);
    }

    [Fact]
    public void Validate_WhenProvenanceIsRequiredAndThereIsNone_ReportsEveryEntryButTheDocumentsOwnParts()
    {
        var bundle = Example("bundle-no-info-required-sections.json");

        var result = WithProvenance.Validate(bundle);

        // Composition, Patient and the Organization author are exempt; the PractitionerRole, Practitioner, other Organization and two Immunizations are not.
        Assert.Equal(["Bundle.entry[3]", "Bundle.entry[4]", "Bundle.entry[5]", "Bundle.entry[6]", "Bundle.entry[7]"], result.Issues.Select(i => i.Location));
        Assert.All(result.Issues, i => Assert.Equal(ProvenanceMissing, i.Code));
    }

    [Fact]
    public void Validate_WhenABundleHasManyProblems_ReportsEveryOne()
    {
        var bundle = Minimal();
        bundle.Identifier = null!;
        bundle.Timestamp = null;
        var medication = Index<Medication>(bundle);
        bundle.Entry[medication].FullUrl = bundle.Entry[Index<Patient>(bundle)].FullUrl;
        Section(bundle, "11450-4").Entry.Add(new ResourceReference("urn:uuid:00000000-0000-0000-0000-000000000003"));
        Section(bundle, "10160-0").EmptyReason = new CodeableConcept("http://terminology.hl7.org/CodeSystem/list-empty-reason", "unavailable");
        var problems = SectionPath(bundle, "11450-4");
        var medications = SectionPath(bundle, "10160-0");
        CompositionOf(bundle).Section.Remove(Section(bundle, "48765-2"));
        var condition = Index<Condition>(bundle);
        ((Condition)bundle.Entry[condition].Resource).Subject = null!;

        var result = WithProvenance.Validate(bundle);

        var found = result.Issues.Select(i => (i.Code, i.Location)).ToHashSet();
        Assert.Superset(new HashSet<(string, string)>
        {
            (IdentifierMissing, "Bundle.identifier"),
            (TimestampMissing, "Bundle.timestamp"),
            (FullUrlDuplicate, $"Bundle.entry[{medication}].fullUrl"),
            (ReferenceNotInDocument, $"{problems}.entry[1]"),
            (EmptyReasonWithEntries, $"{medications}.emptyReason"),
            (RequiredSectionMissing, "Bundle.entry[0].resource.section"),
            (ElementInvalid, $"Bundle.entry[{condition}].resource.subject"),
            (ProvenanceMissing, $"Bundle.entry[{condition}]"),
        }, found);
        Assert.False(result.IsValid);
    }

    [Fact]
    public void ToOperationOutcome_WhenThereAreIssues_CarriesEachWithItsCodeAndLocation()
    {
        var bundle = Minimal();
        bundle.Identifier = null!;
        bundle.Timestamp = null;

        var outcome = Validator.Validate(bundle).ToOperationOutcome();

        Assert.Equal(2, outcome.Issue.Count);
        Assert.All(outcome.Issue, i => Assert.Equal(OperationOutcome.IssueSeverity.Error, i.Severity));
        Assert.Equal([IdentifierMissing, TimestampMissing], outcome.Issue.Select(i => i.Details.Coding.Single(c => c.System == Outcomes.ErrorCodeSystem).Code));
        Assert.Equal(["Bundle.identifier", "Bundle.timestamp"], outcome.Issue.Select(i => i.Expression.Single()));
        Assert.Equal(OperationOutcome.IssueType.Required, outcome.Issue[0].Code);
    }

    [Fact]
    public void ToOperationOutcome_WhenTheDocumentIsValid_SaysSoInOneInformationalIssue()
    {
        var outcome = Validator.Validate(Minimal()).ToOperationOutcome();

        var issue = Assert.Single(outcome.Issue);
        Assert.Equal(OperationOutcome.IssueSeverity.Information, issue.Severity);
    }
}
