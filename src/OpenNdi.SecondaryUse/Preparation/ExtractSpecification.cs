using OpenNdi.SecondaryUse.Domain;
using OpenNdi.SecondaryUse.Ports;

namespace OpenNdi.SecondaryUse.Preparation;

/// <summary>What one permit's extract holds: the datasets, the variables, the period, the form and the generalisation, and k.</summary>
public sealed record ExtractSpecification(
    string Permit,
    IReadOnlyList<HeldDataset> Datasets,
    IReadOnlyList<string> Variables,
    DateOnly From,
    DateOnly To,
    OutputForm Form,
    Generalisation Generalisation,
    int K = 5);

/// <summary>
/// What preparing an extract did, for the permit holder and the reviewer: how many persons and events reached the
/// workspace, the generalisation applied (and what had to be generalised beyond what the permit asked), how many
/// persons were suppressed to reach k, the smallest equivalence class, and where the time went. It never counts the
/// persons who object to secondary use.
/// </summary>
public sealed record PreparationReport(
    long Persons,
    long Events,
    long PersonsSuppressed,
    Generalisation Applied,
    IReadOnlyList<string> GeneralisedBeyondPermit,
    int K,
    long EquivalenceClasses,
    int SmallestClass,
    bool KAnonymous,
    IReadOnlyDictionary<string, double> StepSeconds);

/// <summary>Receives, in batches, the persons whose data reached a permit's extract (the patients' transparency list).</summary>
public interface IIncludedPersons
{
    Task AddAsync(string permit, IReadOnlyList<string> persons, CancellationToken cancellationToken);
}
