using System.Diagnostics;
using Hl7.Fhir.Model;
using OpenNdi.Core.Identifiers;
using OpenNdi.Core.Index;
using OpenNdi.Data.Simulator;
using OpenNdi.Fhir;
using OpenNdi.Synthetic.Simulator;
using Task = System.Threading.Tasks.Task;

namespace OpenNdi.Synthetic.Tests;

/// <summary>What the simulated providers publish to the patient data index, read from their generated records.</summary>
public sealed class ProviderIndexPublicationTests
{
    private static readonly PopulationGenerator Generator = new(new SeedOptions(200, 8, 5, SeedOptions.DefaultReferenceDate));
    private static readonly GeneratedBatch Batch = Generator.GenerateBatch(0, 200);

    private static async IAsyncEnumerable<StoredResource> RowsOf(string providerKey)
    {
        foreach (var row in Batch.Resources.Where(r => r.ProviderKey == providerKey).OrderBy(r => r.PatientId, StringComparer.Ordinal).ThenBy(r => r.ResourceType, StringComparer.Ordinal))
            yield return row;
        await Task.CompletedTask;
    }

    private static async Task<List<DocumentReference>> PublishedAsync(Providers.SimulatedProvider provider)
    {
        var documents = new List<DocumentReference>();
        await foreach (var line in ProviderIndexPublication.DocumentsAsync(provider, RowsOf(provider.Key)))
        {
            Assert.DoesNotContain('\n', line);
            documents.Add(FhirJson.Parse<DocumentReference>(line));
        }
        return documents;
    }

    [Fact]
    public async Task EveryEntry_IsAValidIndexDocument_OfTheProvidersOwnCareUnits()
    {
        foreach (var provider in Generator.Providers)
        {
            var ownUnits = provider.CareUnits.Select(u => u.HsaId).ToHashSet();
            foreach (var document in await PublishedAsync(provider))
            {
                Assert.True(PersonalIdentityNumber.TryParse(document.Subject.Identifier.Value, out _, out _));
                Assert.True(DataCategory.TryParse(document.Type.Coding[0].Code, out _, out _));
                Assert.Contains(document.Author[0].Identifier.Value, ownUnits);
                Assert.StartsWith($"{ProviderIndexPublication.SourceSystem(provider)}|", document.Identifier[0].Value);
                Assert.True(string.CompareOrdinal(document.Context.Period.Start, document.Context.Period.End) <= 0);
            }
        }
    }

    [Fact]
    public async Task EveryPatientWithRecordsAtAProvider_IsIndexedThere_WithASummaryWhenThereAreSummaryData()
    {
        var provider = Generator.Providers.OrderByDescending(p => Batch.Resources.Count(r => r.ProviderKey == p.Key)).First();
        var patients = Batch.Resources.Where(r => r.ProviderKey == provider.Key && r.ResourceType == "Patient").Select(r => r.Identifier).ToHashSet();
        var withProblems = Batch.Resources.Where(r => r.ProviderKey == provider.Key && r.ResourceType == "Condition").Select(r => r.PatientId).ToHashSet();

        var documents = await PublishedAsync(provider);
        var indexed = documents.Select(d => d.Subject.Identifier.Value).ToHashSet();
        var summaries = documents.Count(d => d.Type.Coding[0].Code == DataCategory.PatientSummary.Loinc);

        Assert.True(indexed.IsSubsetOf(patients));
        Assert.True(indexed.Count >= patients.Count * 0.9, $"{indexed.Count} of {patients.Count} patients indexed");
        Assert.True(summaries >= withProblems.Count, $"{summaries} summaries for {withProblems.Count} patients with problems");
    }

    [Fact]
    public async Task Publication_IsDeterministic()
    {
        var provider = Generator.Providers[0];
        var clock = Stopwatch.StartNew();
        var first = await PublishedAsync(provider);
        var elapsed = clock.Elapsed;
        var second = await PublishedAsync(provider);

        Assert.Equal(first.Select(d => FhirJson.Serialize(d)), second.Select(d => FhirJson.Serialize(d)));
        TestContext.Current.SendDiagnosticMessage($"{first.Count} entries in {elapsed.TotalMilliseconds:F0} ms");
    }
}
