using System.Globalization;
using System.Runtime.CompilerServices;
using OpenNdi.Core.Identifiers;
using OpenNdi.Data.Consent;
using OpenNdi.Data.Population;
using OpenNdi.Data.Simulator;
using OpenNdi.SecondaryUse.Ports;

namespace OpenNdi.Server.SecondaryUse;

/// <summary>
/// The health data holders as the secondary-use chain reaches them here: each provider of the EHR simulator holds
/// five datasets (diagnoses, medication, laboratory results, immunisations, procedures: its coded records of that
/// type), and the population register (held by Skatteverket) holds the demographics. In production each holder
/// delivers through its own interface; this port is where that plugs in.
/// </summary>
internal sealed class HoldersForSecondaryUse(ISimulatorStore simulator) : IHolderData
{
    /// <summary>The population register's dataset id.</summary>
    public const string RegisterDataset = "skatteverket/population-register";

    /// <summary>Skatteverket's organisation number: the holder of the population register.</summary>
    public const string RegisterHolder = "2021005448";

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
        var datasets = new List<HeldDataset>
        {
            new(RegisterDataset, DatasetKind.Persons, RegisterHolder, "Skatteverket", "Folkbokföringen: demografi / Population register: demographics",
                "Födelsedatum, kön, kommun och län för folkbokförda personer. / Birth date, sex, municipality and region of registered persons.",
                "demographics", [], "folkbokforing@skatteverket.se"),
        };
        foreach (var provider in (await simulator.ListProvidersAsync(cancellationToken)).OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            foreach (var kind in Kinds)
                datasets.Add(new HeldDataset($"{provider.Key}/{kind.Suffix}", DatasetKind.Events, provider.HsaId, provider.Name,
                    $"{kind.TitleSv}, {provider.Name} / {Capital(kind.TitleEn)}, {provider.Name}",
                    $"Kodade {kind.TitleSv.ToLowerInvariant()} ur {provider.Name}s journal ({kind.Type}). / Coded {kind.TitleEn} from {provider.Name}'s health records ({kind.Type}).",
                    kind.Theme, kind.Systems, $"registrator@{provider.Key}.example.se"));
        }
        return datasets;
    }

    private static string Capital(string text) => char.ToUpperInvariant(text[0]) + text[1..];

    public async IAsyncEnumerable<HeldRow> RowsAsync(string datasetId, DateOnly from, DateOnly to, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var separator = datasetId.LastIndexOf('/');
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

/// <summary>The population register, streamed for the chain.</summary>
internal sealed class RegisterForSecondaryUse(IPopulationStore population) : IPopulationRegister
{
    public async IAsyncEnumerable<RegisteredPerson> PersonsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var person in population.StreamAsync(cancellationToken))
            yield return new RegisteredPerson(person.Id.Value, person.BirthDate, person.Sex == Sex.Male ? "male" : "female", person.Address.MunicipalityCode, person.Address.RegionCode);
    }
}

/// <summary>The persons with a secondary-use opt-out in force (<c>optout-secondary</c>, issue 15).</summary>
internal sealed class ObjectionsForSecondaryUse(ConsentStore consents) : ISecondaryUseObjections
{
    public const string OptOutKind = "optout-secondary";

    public Task<IReadOnlySet<string>> ObjectingPersonsAsync(CancellationToken cancellationToken) => consents.PatientsWithActiveAsync(OptOutKind, cancellationToken);
}
