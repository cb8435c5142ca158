namespace OpenNdi.SecondaryUse.Ports;

/// <summary>What a dataset's rows are: events of persons (a diagnosis, a dispensed medicine), or the persons themselves (a register).</summary>
public enum DatasetKind
{
    /// <summary>Rows are events: a person, a date and a code.</summary>
    Events,

    /// <summary>Rows are persons: the population register's demographics (birth date, sex, place).</summary>
    Persons,
}

/// <summary>
/// A dataset a health data holder makes available for secondary use, as the holder describes it (EHDS art. 60): the
/// catalogue adds the figures computed from the data. <paramref name="Id"/> is stable ("region-x.diagnoses": letters, digits, -, _ and ., safe in a URL path segment).
/// </summary>
/// <param name="Holder">The holder's id (HSA-id of a care provider, or the organisation number of a register holder).</param>
/// <param name="Theme">The health theme, a code of <see cref="Catalog.HealthThemes"/> (e.g. "diagnoses").</param>
/// <param name="CodingSystems">URIs of the code systems the rows' codes are in (ICD-10, ATC, LOINC, SNOMED CT).</param>
public sealed record HeldDataset(string Id, DatasetKind Kind, string Holder, string HolderName, string Title, string Description,
    string Theme, IReadOnlyList<string> CodingSystems, string ContactEmail);

/// <summary>One row of an event dataset: whose (personal identity number), when, and the code ("system|code"), when there is one.</summary>
public readonly record struct HeldRow(string Person, DateOnly Date, string? Code);

/// <summary>
/// The health data holders' data, as the host reaches it for the body (the simulated providers' records and the
/// population register in the demo; the holders' delivery interfaces in production). Rows are streamed, never loaded
/// whole: an extract may cover millions of persons.
/// </summary>
public interface IHolderData
{
    Task<IReadOnlyList<HeldDataset>> DatasetsAsync(CancellationToken cancellationToken);

    /// <summary>The rows of an event dataset dated within the period (both ends included), in no particular order.</summary>
    IAsyncEnumerable<HeldRow> RowsAsync(string datasetId, DateOnly from, DateOnly to, CancellationToken cancellationToken);
}

/// <summary>A person as the population register knows them, the quasi-identifiers an extract may carry.</summary>
/// <param name="Sex">"female" or "male", as the identity number encodes it.</param>
/// <param name="Municipality">Kommunkod (four digits).</param>
/// <param name="Region">Länskod (two digits).</param>
public readonly record struct RegisteredPerson(string Id, DateOnly BirthDate, string Sex, string Municipality, string Region);

/// <summary>The population register, streamed (the extract's demographics, and the catalogue's age ranges).</summary>
public interface IPopulationRegister
{
    IAsyncEnumerable<RegisteredPerson> PersonsAsync(CancellationToken cancellationToken);
}

/// <summary>
/// The persons who object to secondary use of their data (EHDS art. 71; the platform's <c>optout-secondary</c>), read
/// once per extract and per catalogue computation: their rows are dropped before anything else is done with them.
/// </summary>
public interface ISecondaryUseObjections
{
    Task<IReadOnlySet<string>> ObjectingPersonsAsync(CancellationToken cancellationToken);
}
