using System.Diagnostics;
using System.Text.Json;
using OpenNdi.Data;
using OpenNdi.Data.Population;
using OpenNdi.Data.Simulator;
using OpenNdi.Synthetic.Simulator;

namespace OpenNdi.Synthetic;

/// <summary>Progress of a seed, reported after every stored batch.</summary>
public sealed record SeedProgress(long PersonsDone, long PersonsTotal, long ResourcesDone, TimeSpan Elapsed)
{
    public double PersonsPerSecond => Elapsed.TotalSeconds > 0 ? PersonsDone / Elapsed.TotalSeconds : 0;

    public double ResourcesPerSecond => Elapsed.TotalSeconds > 0 ? ResourcesDone / Elapsed.TotalSeconds : 0;
}

/// <summary>
/// Loads a generated population into a database: the population register, the simulated providers and every
/// provider's EHR resources. The providers are stored the way any data is stored here; the same rows serve the
/// simulator's FHIR endpoints afterwards.
/// </summary>
public sealed class PopulationSeeder(NdiDatabase database)
{
    private readonly PopulationStore _population = new(database);
    private readonly SimulatorStore _simulator = new(database);

    /// <summary>
    /// Seeds an empty database. Refuses (and changes nothing) when persons are already stored: two seeds in one
    /// database would collide on identity numbers.
    /// </summary>
    public async Task<SeedProgress> SeedAsync(SeedOptions options, IProgress<SeedProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var generator = new PopulationGenerator(options);
        await MigrationRunner.ApplyAsync(database, DataModules.AllMigrations, cancellationToken);
        var existing = await _population.CountAsync(cancellationToken);
        if (existing > 0)
            throw new InvalidOperationException($"The database already holds {existing:N0} persons; seed into an empty database.");

        var clock = Stopwatch.StartNew();
        await _simulator.SaveProvidersAsync([.. generator.Providers.Select(p => new StoredProvider(
            p.Key, p.HsaId, p.Name, JsonSerializer.Serialize(p, SimulatorJson.Options), JsonSerializer.Serialize(ProviderBehaviour.Default, SimulatorJson.Options)))],
            cancellationToken);
        var organizations = generator.OrganizationResources();
        await _simulator.AddResourcesAsync(organizations, cancellationToken);

        long persons = 0, resources = organizations.Count;
        await foreach (var batch in generator.GenerateAsync(cancellationToken: cancellationToken))
        {
            await _population.AddAsync(batch.Persons, batch.Guardianships, cancellationToken);
            await _simulator.AddResourcesAsync(batch.Resources, cancellationToken);
            persons += batch.Persons.Count;
            resources += batch.Resources.Count;
            progress?.Report(new SeedProgress(persons, options.Persons, resources, clock.Elapsed));
        }
        return new SeedProgress(persons, options.Persons, resources, clock.Elapsed);
    }
}
