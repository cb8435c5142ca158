using System.Runtime.CompilerServices;
using OpenNdi.Core.Identifiers;
using OpenNdi.Data.Population;
using OpenNdi.SecondaryUse.Ports;

namespace OpenNdi.Server.SecondaryUse;

/// <summary>
/// The holders the body reaches without a delivery interface of their own: the population register (held by
/// Skatteverket), whose demographics every extract can carry. Each care provider's delivery interface plugs in as
/// another <see cref="IHolderData"/>; the demo's simulated providers do (<c>Demo/SimulatedHoldersForSecondaryUse</c>).
/// </summary>
internal sealed class RegisterHolder : IHolderData
{
    /// <summary>The population register's dataset id.</summary>
    public const string DatasetId = "skatteverket.population-register";

    /// <summary>Skatteverket's organisation number: the holder of the population register.</summary>
    public const string Holder = "2021005448";

    public static HeldDataset Dataset { get; } = new(DatasetId, DatasetKind.Persons, Holder, "Skatteverket", "Folkbokföringen: demografi / Population register: demographics",
        "Födelsedatum, kön, kommun och län för folkbokförda personer. / Birth date, sex, municipality and region of registered persons.",
        "demographics", [], "folkbokforing@skatteverket.se");

    public Task<IReadOnlyList<HeldDataset>> DatasetsAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<HeldDataset>>([Dataset]);

    /// <summary>The register's rows are persons, read through <see cref="IPopulationRegister"/>: it has no events.</summary>
    public IAsyncEnumerable<HeldRow> RowsAsync(string datasetId, DateOnly from, DateOnly to, CancellationToken cancellationToken) => AsyncEnumerable.Empty<HeldRow>();
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
