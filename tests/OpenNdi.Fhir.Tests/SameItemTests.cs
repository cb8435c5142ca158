using Hl7.Fhir.Model;
using OpenNdi.Core.Identifiers;
using OpenNdi.Core.Index;
using OpenNdi.Fhir.Merging;

namespace OpenNdi.Fhir.Tests;

/// <summary>Merging what several providers report, on a Synthea record no one here wrote.</summary>
public class SameItemTests
{
    private static readonly HsaId First = HsaId.Parse("SE2321000016-1000");
    private static readonly HsaId Second = HsaId.Parse("SE5560125790-2000");

    private static IReadOnlyList<Resource> SyntheaRecord() =>
        [.. FhirJson.Parse<Bundle>(PublishedExamples.Read("synthea/Chad_Quigley_b9737c68-296c-46fa-9a3c-aca513681a73.json")).Entry.Select(e => e.Resource!)];

    private static SourcedItem Item(Resource resource, HsaId provider, bool emergency = false) =>
        new(resource, ClinicalCategories.Of(resource), new ItemSource(provider, null, null, $"https://{provider.Value}.example/fhir/{resource.TypeName}/{resource.Id}", null, null, DateTimeOffset.UnixEpoch, emergency));

    [Fact]
    public void Merge_WhenTwoProvidersSendTheSameRecord_KeepsEachItemOnceWithBothSources()
    {
        var clinical = SyntheaRecord().Where(r => r is Condition or Immunization or Observation or Procedure or MedicationRequest).ToList();

        var merged = SameItem.Merge([.. clinical.Select(r => Item(r, First)), .. clinical.Select(r => Item(r.DeepCopy(), Second))]);

        // Judged without the merge key: each of the record's items once (a provider's records are never merged with
        // each other, however alike), each with both providers as its sources.
        Assert.True(clinical.Count > 50, "the Synthea record has plenty of clinical items");
        Assert.Equal(clinical.Select(r => $"{r.TypeName}/{r.Id}").Order(StringComparer.Ordinal), merged.Select(i => $"{i.Resource.TypeName}/{i.Resource.Id}").Order(StringComparer.Ordinal));
        Assert.All(merged, i => Assert.Equal([First, Second], i.Sources.Select(s => s.Provider)));
    }

    [Fact]
    public void Merge_KeepsApartWhatDiffers_AndItemsWithoutACode()
    {
        Condition Diabetes(string status) => new()
        {
            Code = new CodeableConcept("http://snomed.info/sct", "44054006"),
            ClinicalStatus = new CodeableConcept("http://terminology.hl7.org/CodeSystem/condition-clinical", status),
            Subject = new ResourceReference("Patient/p"),
        };
        var uncoded = new Condition { Subject = new ResourceReference("Patient/p") };

        var merged = SameItem.Merge([Item(Diabetes("active"), First), Item(Diabetes("resolved"), Second), Item(Diabetes("active"), Second), Item(uncoded, First), Item(uncoded.DeepCopy(), Second)]);

        Assert.Equal(4, merged.Count);
        Assert.Equal(2, merged[0].Sources.Count);
    }

    /// <summary>Two blood pressure panels of the Synthea record, one day, different readings: issue 13 defect 1.</summary>
    private static Observation BloodPressure(string id, decimal systolic, decimal diastolic, string? effective = "2020-05-01T09:00:00Z")
    {
        var panel = (Observation)SyntheaRecord().OfType<Observation>().First(o => o.Code.Coding.Any(c => c.Code == "55284-4")).DeepCopy();
        panel.Id = id;
        panel.Effective = effective is null ? null : new FhirDateTime(effective);
        ((Quantity)panel.Component.Single(c => c.Code.Coding.Any(k => k.Code == "8480-6")).Value).Value = systolic;
        ((Quantity)panel.Component.Single(c => c.Code.Coding.Any(k => k.Code == "8462-4")).Value).Value = diastolic;
        return panel;
    }

    [Theory]
    [InlineData("2020-05-01T09:00:00Z")]
    [InlineData(null)]
    public void Merge_KeepsApartPanelsThatDifferOnlyInTheirComponents(string? effective)
    {
        var morning = BloodPressure("bp-1", 142, 91, effective);
        var evening = BloodPressure("bp-2", 128, 82, effective);

        var acrossProviders = SameItem.Merge([Item(morning, First), Item(evening, Second)]);
        var withinOneProvider = SameItem.Merge([Item(morning, First), Item(evening, First)]);

        Assert.Equal(2, acrossProviders.Count);
        Assert.Equal(2, withinOneProvider.Count);
    }

    [Fact]
    public void Merge_NeverJoinsTwoRecordsOfOneProvider_ButJoinsTheSameReadingFromTwo()
    {
        var reading = BloodPressure("bp-1", 142, 91);
        var sameValuesRecordedAgain = BloodPressure("bp-2", 142, 91);

        var oneProvider = SameItem.Merge([Item(reading, First), Item(sameValuesRecordedAgain, First)]);
        var twoProviders = SameItem.Merge([Item(reading, First), Item(sameValuesRecordedAgain, First), Item(reading.DeepCopy(), Second), Item(sameValuesRecordedAgain.DeepCopy(), Second)]);

        Assert.Equal(2, oneProvider.Count);
        Assert.Equal(2, twoProviders.Count);
        Assert.All(twoProviders, i => Assert.Equal([First, Second], i.Sources.Select(s => s.Provider)));
    }

    [Fact]
    public void AnItem_IsThroughTheEmergencyBreakOnlyWhenNoSourceReleasedItOtherwise()
    {
        var allergy = new AllergyIntolerance { Code = new CodeableConcept("http://snomed.info/sct", "91936005"), Patient = new ResourceReference("Patient/p") };

        var both = SameItem.Merge([Item(allergy, First, emergency: true), Item(allergy.DeepCopy(), Second)]).Single();
        var onlyBroken = SameItem.Merge([Item(allergy.DeepCopy(), First, emergency: true)]).Single();
        var provenance = SourceProvenance.For([both, onlyBroken]);

        Assert.False(both.ViaEmergencyBreak);
        Assert.True(onlyBroken.ViaEmergencyBreak);
        Assert.Contains(onlyBroken.Resource.Meta.Security, c => c.Code == "BTG");
        Assert.Null(both.Resource.Meta?.Security.FirstOrDefault(c => c.Code == "BTG"));
        Assert.Contains(provenance, p => p.Provenance.Reason.Single().Coding[0].Code == "ETREAT" && p.Provenance.Target.Any(t => t.Reference == onlyBroken.FullUrl));
    }

    [Theory]
    [InlineData("Condition", "problems")]
    [InlineData("MedicationStatement", "medications")]
    [InlineData("MedicationDispense", "edispensation")]
    [InlineData("Organization", null)]
    public void Categories_FollowTheIndexCategories(string type, string? category)
    {
        var resource = (Resource)Activator.CreateInstance(Hl7.Fhir.Model.ModelInfo.GetTypeForFhirType(type)!)!;

        Assert.Equal(category, ClinicalCategories.Of(resource)?.Code);
    }

    [Fact]
    public void DiagnosticReports_AreLaboratoryOrImagingByCategory()
    {
        var lab = new DiagnosticReport { Category = [new CodeableConcept("http://terminology.hl7.org/CodeSystem/v2-0074", "LAB")] };
        var imaging = new DiagnosticReport { Category = [new CodeableConcept("http://terminology.hl7.org/CodeSystem/v2-0074", "RAD")] };

        Assert.Equal(DataCategory.Laboratory, ClinicalCategories.Of(lab));
        Assert.Equal(DataCategory.ImagingReport, ClinicalCategories.Of(imaging));
    }
}
