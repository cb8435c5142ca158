namespace OpenNdi.Data.Changes;

/// <summary>
/// The tables whose changes caches listen for (<see cref="DataChanges"/>), named as their triggers send them. A small
/// contract of its own, so a module caching another's data (provider names in the access service) names a topic,
/// not that module's schema class.
/// </summary>
public static class ChangeTopics
{
    /// <summary>Directory endpoints: cached routes (<c>CachedDirectoryStore</c>).</summary>
    public const string DirectoryEndpoints = "directory.endpoints";

    /// <summary>Directory organizations, locations and services: cached provider names.</summary>
    public const string DirectoryEntries = "directory.entries";

    /// <summary>Simulated providers and their behaviour: the simulator's registry.</summary>
    public const string SimulatorProviders = "simulator.providers";
}
