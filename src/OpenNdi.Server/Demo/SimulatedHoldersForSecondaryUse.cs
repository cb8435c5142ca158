using System.Globalization;
using System.Runtime.CompilerServices;
using OpenNdi.Data.Simulator;
using OpenNdi.SecondaryUse.Ports;
using OpenNdi.Server.SecondaryUse;

namespace OpenNdi.Server.Demo;

/// <summary>
/// The demo's health data holders for the secondary-use chain: the population register (<see cref="RegisterHolder"/>)
/// and each provider of the EHR simulator with five datasets (diagnoses, medication, laboratory results,
/// immunisations, procedures: its coded records of that type).
/// </summary>
internal sealed class SimulatedHoldersForSecondaryUse(ISimulatorStore simulator) : IHolderData
{
    private static readonly (string Type, string Suffix, string Theme, string TitleSv, string TitleEn, string[] Systems)[] Kinds =
    [
        ("Condition", "diagnoses", "diagnoses", "Diagnoser", "diagnoses", ["http://hl7.org/fhir/sid/icd-10", "http://snomed.info/sct"]),
        ("MedicationStatement", "medication", "medication", "Läkemedel", "medication", ["http://www.whocc.no/atc"]),
        ("Observation", "laboratory", "laboratory", "Laboratorieresultat", "laboratory results", ["http://loinc.org"]),
        ("Immunization", "immunisations", "immunisation", "Vaccinationer", "immunisations", ["http://www.whocc.no/atc", "http://snomed.info/sct"]),
        ("Procedure", "procedures", "procedures", "Åtgärder", "procedures", ["http://snomed.info/sct"]),
    ];

    public async Task<IReadOnlyList<HeldDataset>> DatasetsAsync(CancellationToken cancellationToken)
    {
        var datasets = new List<HeldDataset> { RegisterHolder.Dataset };
        foreach (var provider in (await simulator.ListProvidersAsync(cancellationToken)).OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            foreach (var kind in Kinds)
                datasets.Add(new HeldDataset($"{provider.Key}.{kind.Suffix}", DatasetKind.Events, provider.HsaId, provider.Name,
                    $"{kind.TitleSv}, {provider.Name} / {Capital(kind.TitleEn)}, {provider.Name}",
                    $"Kodade {kind.TitleSv.ToLowerInvariant()} ur {provider.Name}s journal ({kind.Type}). / Coded {kind.TitleEn} from {provider.Name}'s health records ({kind.Type}).",
                    kind.Theme, kind.Systems, $"registrator@{provider.Key}.example.se"));
        }
        return datasets;
    }

    private static string Capital(string text) => char.ToUpperInvariant(text[0]) + text[1..];

    public async IAsyncEnumerable<HeldRow> RowsAsync(string datasetId, DateOnly from, DateOnly to, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var separator = datasetId.LastIndexOf('.');
        if (separator <= 0)
            yield break;
        var kind = Kinds.FirstOrDefault(k => k.Suffix == datasetId[(separator + 1)..]);
        if (kind.Type is null)
            yield break;
        await foreach (var row in simulator.StreamCodedRowsAsync(datasetId[..separator], kind.Type, from, to, cancellationToken))
        {
            if (row.Date.Length >= 10 && DateOnly.TryParseExact(row.Date.AsSpan(0, 10), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
                yield return new HeldRow(row.Identifier, date, row.Code);
        }
    }
}

