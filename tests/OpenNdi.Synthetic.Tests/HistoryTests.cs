using System.Text.Json;
using Hl7.Fhir.Model;
using OpenNdi.Fhir;
using OpenNdi.Synthetic;

namespace OpenNdi.Synthetic.Tests;

public class HistoryTests
{
    private static readonly SeedOptions Options = new(1_500, 20, 3, SeedOptions.DefaultReferenceDate);
    private static readonly Lazy<(PopulationGenerator Generator, GeneratedBatch Batch)> Generated = new(() =>
    {
        var generator = new PopulationGenerator(Options);
        return (generator, generator.GenerateBatch(0, (int)Options.Persons));
    });

    [Fact]
    public void Generate_EveryResource_ParsesWithTheFirelySdkAndKeepsItsTypeAndId()
    {
        var (generator, batch) = Generated.Value;

        foreach (var row in batch.Resources.Concat(generator.OrganizationResources()))
        {
            var resource = FhirJson.Parse(row.Json);
            Assert.Equal((row.ResourceType, row.Id), (resource.TypeName, resource.Id));
        }
    }

    [Fact]
    public void Generate_EveryPatientBoundResource_PointsAtTheSameProvidersPatient()
    {
        var batch = Generated.Value.Batch;
        var patients = batch.Resources.Where(r => r.ResourceType == "Patient").Select(r => (r.ProviderKey, r.Id)).ToHashSet();

        foreach (var row in batch.Resources.Where(r => r.ResourceType != "Patient"))
        {
            Assert.Contains((row.ProviderKey, row.PatientId!), patients);
            using var json = JsonDocument.Parse(row.Json);
            var subject = json.RootElement.TryGetProperty("subject", out var s) ? s : json.RootElement.GetProperty("patient");
            Assert.Equal($"Patient/{row.PatientId}", subject.GetProperty("reference").GetString());
        }
    }

    [Fact]
    public void Generate_EveryPatient_CarriesTheNationalIdentifierOfItsPerson()
    {
        var batch = Generated.Value.Batch;
        var ids = batch.Persons.Select(p => p.Id.Value).ToHashSet();

        foreach (var row in batch.Resources.Where(r => r.ResourceType == "Patient"))
        {
            var patient = FhirJson.Parse<Patient>(row.Json);
            Assert.Equal(row.Identifier, patient.Identifier.Single().Value);
            Assert.Contains(row.Identifier!, ids);
        }
    }

    [Fact]
    public void Generate_ResourceIds_AreUniquePerProviderAndType()
    {
        var batch = Generated.Value.Batch;

        Assert.Equal(batch.Resources.Count, batch.Resources.Select(r => (r.ProviderKey, r.ResourceType, r.Id)).Distinct().Count());
    }

    [Fact]
    public void Generate_Histories_AreSpreadOverSeveralProviders()
    {
        var batch = Generated.Value.Batch;
        var providersPerPerson = batch.Resources.Where(r => r.ResourceType == "Patient").GroupBy(r => r.Identifier).Select(g => g.Count()).ToList();

        // A region is one provider for both its hospitals and its primary care, so two or more providers means a
        // private primary care centre, municipal care, a private specialist or care away from home.
        var atTwoOrMore = providersPerPerson.Count(c => c >= 2) / (double)batch.Persons.Count;
        var atThreeOrMore = providersPerPerson.Count(c => c >= 3) / (double)batch.Persons.Count;
        Assert.True(atTwoOrMore > 0.35, $"{atTwoOrMore:P0} have records at two or more providers");
        Assert.True(atThreeOrMore > 0.05, $"{atThreeOrMore:P0} have records at three or more providers");
    }

    [Fact]
    public void Generate_OldPersons_HaveFarMoreRecordsThanYoungAdults()
    {
        var batch = Generated.Value.Batch;
        var perPerson = batch.Resources.Where(r => r.PatientId is not null).GroupBy(r => r.ProviderKey + "/" + r.PatientId).ToDictionary(g => g.Key, g => g.Count());
        var patientOwner = batch.Resources.Where(r => r.ResourceType == "Patient").ToDictionary(r => r.ProviderKey + "/" + r.Id, r => r.Identifier!);
        var totals = patientOwner.GroupBy(p => p.Value).ToDictionary(g => g.Key, g => g.Sum(p => perPerson[p.Key]));
        double Mean(int minAge, int maxAge) => batch.Persons
            .Where(p => p.Id.AgeOn(Options.ReferenceDate) >= minAge && p.Id.AgeOn(Options.ReferenceDate) <= maxAge)
            .Average(p => totals.GetValueOrDefault(p.Id.Value));

        Assert.True(Mean(75, 104) > 2 * Mean(20, 40), $"75+: {Mean(75, 104):F1}, 20-40: {Mean(20, 40):F1}");
    }

    [Fact]
    public void Generate_CoversEveryCategoryTheFoundationPromises()
    {
        var types = Generated.Value.Batch.Resources.Select(r => r.ResourceType).ToHashSet();

        Assert.Superset(types, new HashSet<string>
        {
            "Patient", "Encounter", "Condition", "AllergyIntolerance", "Flag", "Immunization", "MedicationStatement",
            "MedicationRequest", "MedicationDispense", "Observation", "DiagnosticReport", "Procedure", "Device", "DeviceUseStatement", "Composition",
        });
    }

    [Fact]
    public void Generate_Dates_AreWithinTheHistoryWindowAndNotInTheFuture()
    {
        var end = Options.ReferenceDate.ToString("yyyy-MM-dd");

        foreach (var row in Generated.Value.Batch.Resources.Where(r => r.Date is not null && r.ResourceType != "Condition" && r.ResourceType != "MedicationStatement"))
            Assert.True(string.CompareOrdinal(row.Date, end) < 0, $"{row.ResourceType}/{row.Id} dated {row.Date}");
    }
}
