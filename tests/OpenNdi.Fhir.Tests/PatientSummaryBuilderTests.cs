using Hl7.Fhir.Model;

namespace OpenNdi.Fhir.Tests;

public class PatientSummaryBuilderTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 10, 0, 0, TimeSpan.Zero);

    /// <summary>The resources of the HL7 IPS minimal example, taken out of their document, as a provider would hold them.</summary>
    private static (Patient Patient, List<Resource> Resources) IpsExample()
    {
        var bundle = FhirJson.Parse<Bundle>(PublishedExamples.Read("ips/bundle-minimal.json"));
        var resources = bundle.Entry.Select(e => e.Resource).Where(r => r is not Composition).ToList();
        return (resources.OfType<Patient>().Single(), resources);
    }

    [Fact]
    public void Build_FromThePublishedIpsExample_IsADocumentWithTheRequiredSectionsFirst()
    {
        var (patient, resources) = IpsExample();

        var summary = PatientSummaryBuilder.Build(patient, resources, "https://ehr.example/fhir", new ResourceReference("Organization/x"), "doc-1", Now);

        Assert.Equal(Bundle.BundleType.Document, summary.Type);
        var composition = Assert.IsType<Composition>(summary.Entry[0].Resource);
        Assert.Equal("60591-5", composition.Type.Coding[0].Code);
        Assert.Equal(["10160-0", "48765-2", "11450-4"], composition.Section.Take(3).Select(s => s.Code.Coding[0].Code));
        Assert.All(composition.Section.Take(3), s => Assert.NotEmpty(s.Entry));
        Assert.Equal(patient.Id, Assert.Single(summary.Entry, e => e.Resource is Patient).Resource.Id);
    }

    /// <summary>Issue 13 defect 2: a provider's condition without clinicalStatus is on the problem list, not in past illness.</summary>
    [Theory]
    [InlineData(null, "11450-4")]
    [InlineData("active", "11450-4")]
    [InlineData("recurrence", "11450-4")]
    [InlineData("resolved", "11348-0")]
    [InlineData("inactive", "11348-0")]
    [InlineData("remission", "11348-0")]
    public void Build_FilesAConditionByItsClinicalStatus_AndOneWithoutStaysOnTheProblemList(string? status, string section)
    {
        var (patient, resources) = IpsExample();
        var conditions = resources.OfType<Condition>().ToList();
        Assert.NotEmpty(conditions);
        foreach (var condition in conditions)
            condition.ClinicalStatus = status is null ? null : new CodeableConcept("http://terminology.hl7.org/CodeSystem/condition-clinical", status);

        var summary = PatientSummaryBuilder.Build(patient, resources, "https://ehr.example/fhir", new ResourceReference("Organization/x"), "doc-1", Now);

        var composition = (Composition)summary.Entry[0].Resource;
        var filed = composition.Section.Single(s => s.Code.Coding[0].Code == section);
        Assert.Equal(conditions.Select(c => $"Condition/{c.Id}").Order(StringComparer.Ordinal), filed.Entry.Select(e => e.Reference).Where(r => r.StartsWith("Condition/", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
        var problems = composition.Section.Single(s => s.Code.Coding[0].Code == "11450-4");
        Assert.Equal(section == "11450-4", problems.EmptyReason is null);
    }

    /// <summary>
    /// Issue 13 defect 3: a Synthea record no one here wrote, as a provider holds it: stopped medications are listed with
    /// their status, not dropped; vital signs and social history get their own IPS sections, not the results.
    /// </summary>
    [Fact]
    public void Build_FromASyntheaRecord_ListsEveryMedicationWhateverItsStatus_AndFilesVitalSignsAndSocialHistoryApart()
    {
        var resources = FhirJson.Parse<Bundle>(PublishedExamples.Read("synthea/Jill_Tillman_c4b7d178-c437-4202-9fb0-1b64afb8bc09.json")).Entry.Select(e => e.Resource).ToList();
        var patient = resources.OfType<Patient>().Single();
        const string category = "http://terminology.hl7.org/CodeSystem/observation-category";
        bool Categorised(Observation o, string code) => o.Category.Any(c => c.Coding.Any(k => k.System == category && k.Code == code));
        // A variant: one survey observation recategorised as social history, as a provider recording smoking status would send it.
        var smoking = resources.OfType<Observation>().First(o => Categorised(o, "survey"));
        smoking.Category = [new CodeableConcept(category, "social-history")];
        var medications = resources.OfType<MedicationRequest>().Select(m => $"MedicationRequest/{m.Id}").Order(StringComparer.Ordinal).ToList();
        var vitals = resources.OfType<Observation>().Where(o => Categorised(o, "vital-signs")).Select(o => $"Observation/{o.Id}").Order(StringComparer.Ordinal).ToList();
        Assert.Contains(resources.OfType<MedicationRequest>(), m => m.Status == MedicationRequest.MedicationrequestStatus.Stopped);
        Assert.NotEmpty(vitals);

        var author = resources.OfType<Organization>().First();
        var summary = PatientSummaryBuilder.Build(patient, resources, "https://ehr.example/fhir", new ResourceReference($"Organization/{author.Id}"), "doc-1", Now);

        var sections = ((Composition)summary.Entry[0].Resource).Section.ToDictionary(s => s.Code.Coding[0].Code, s => s.Entry.Select(e => e.Reference).ToList());
        Assert.Equal(medications, sections["10160-0"].Where(r => r.StartsWith("MedicationRequest/", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
        Assert.Equal(vitals, sections["8716-3"].Order(StringComparer.Ordinal));
        Assert.Equal([$"Observation/{smoking.Id}"], sections["29762-2"]);
        Assert.DoesNotContain(sections["30954-2"], r => vitals.Contains(r) || r == $"Observation/{smoking.Id}");
        var validation = new FhirDocumentValidator().Validate(summary);
        Assert.True(validation.IsValid, string.Join("\n", validation.Errors.Take(5).Select(e => $"{e.Code} {e.Location}: {e.Message}")));
    }

    [Fact]
    public void Build_EverySectionEntry_ResolvesToAnEntryInTheDocument()
    {
        var (patient, resources) = IpsExample();

        var summary = PatientSummaryBuilder.Build(patient, resources, "https://ehr.example/fhir", new ResourceReference("Organization/x"), "doc-1", Now);

        var fullUrls = summary.Entry.Select(e => e.FullUrl).ToHashSet();
        var composition = (Composition)summary.Entry[0].Resource;
        Assert.All(composition.Section.SelectMany(s => s.Entry), r => Assert.Contains($"https://ehr.example/fhir/{r.Reference}", fullUrls));
        Assert.Equal(summary.Entry.Count, fullUrls.Count);
    }

    [Fact]
    public void Build_WhenNothingIsKnown_KeepsTheRequiredSectionsWithAnEmptyReason()
    {
        var patient = new Patient { Id = "p1" };

        var summary = PatientSummaryBuilder.Build(patient, [], "https://ehr.example/fhir", new ResourceReference("Organization/x"), "doc-2", Now);

        var composition = (Composition)summary.Entry[0].Resource;
        Assert.Equal(3, composition.Section.Count);
        Assert.All(composition.Section, s => Assert.Equal("unavailable", s.EmptyReason.Coding[0].Code));
        var reparsed = FhirJson.Parse<Bundle>(FhirJson.Serialize(summary));
        Assert.Equal(2, reparsed.Entry.Count);
    }

    [Fact]
    public void Build_SortsConditionsByStatusIntoProblemsAndPastIllness()
    {
        var patient = new Patient { Id = "p1" };
        Condition Condition(string id, string status) => new()
        {
            Id = id,
            ClinicalStatus = new CodeableConcept("http://terminology.hl7.org/CodeSystem/condition-clinical", status),
            Subject = new ResourceReference("Patient/p1"),
        };

        var summary = PatientSummaryBuilder.Build(patient, [Condition("c1", "active"), Condition("c2", "resolved")], "https://x/fhir", new ResourceReference("Organization/x"), "d", Now);

        var sections = ((Composition)summary.Entry[0].Resource).Section.ToDictionary(s => s.Code.Coding[0].Code);
        Assert.Equal("Condition/c1", Assert.Single(sections["11450-4"].Entry).Reference);
        Assert.Equal("Condition/c2", Assert.Single(sections["11348-0"].Entry).Reference);
    }
}
