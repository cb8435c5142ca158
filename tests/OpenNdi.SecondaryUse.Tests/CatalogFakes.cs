using OpenNdi.SecondaryUse.Ports;

namespace OpenNdi.SecondaryUse.Tests;

/// <summary>The holders' data in memory; it records every period asked for, so a test can see what was read.</summary>
internal sealed class InMemoryHolderData(Dictionary<string, HeldRow[]> rows) : IHolderData
{
    public List<(string Dataset, DateOnly From, DateOnly To)> Reads { get; } = [];

    public Task<IReadOnlyList<HeldDataset>> DatasetsAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<HeldDataset>>([]);

    public IAsyncEnumerable<HeldRow> RowsAsync(string datasetId, DateOnly from, DateOnly to, CancellationToken cancellationToken)
    {
        Reads.Add((datasetId, from, to));
        return rows.GetValueOrDefault(datasetId, []).Where(r => r.Date >= from && r.Date <= to).ToAsyncEnumerable();
    }
}

/// <summary>The population register in memory; it counts how often it is read, since it should be read once.</summary>
internal sealed class InMemoryRegister(params RegisteredPerson[] persons) : IPopulationRegister
{
    public int Reads { get; private set; }

    public IAsyncEnumerable<RegisteredPerson> PersonsAsync(CancellationToken cancellationToken)
    {
        Reads++;
        return persons.ToAsyncEnumerable();
    }
}

internal sealed class InMemoryObjections(params string[] persons) : ISecondaryUseObjections
{
    public Task<IReadOnlySet<string>> ObjectingPersonsAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlySet<string>>(new HashSet<string>(persons, StringComparer.Ordinal));
}

/// <summary>Datasets and entries for the catalogue's tests, each test setting what it looks at.</summary>
internal static class CatalogExamples
{
    public static HeldDataset Events(string id, string theme = "diagnoses", string title = "Diagnoser", string description = "Diagnoser ur journalen",
        string holder = "SE2321000016-1000", string holderName = "Region Exempel", params string[] codingSystems) =>
        new(id, DatasetKind.Events, holder, holderName, title, description, theme,
            codingSystems.Length == 0 ? ["http://hl7.org/fhir/sid/icd-10"] : codingSystems, "data@exempel.se");

    public static HeldDataset Register(string id = "skatteverket/folkbokforing") =>
        new(id, DatasetKind.Persons, "2021005448", "Skatteverket", "Folkbokföringen", "Befolkningsregistrets demografi", "demographics",
            [], "folkbokforing@exempel.se");

    public static RegisteredPerson Person(string id, DateOnly birthDate) => new(id, birthDate, "female", "0180", "01");
}
