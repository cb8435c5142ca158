using OpenNdi.Data;
using OpenNdi.Data.Population;
using OpenNdi.Synthetic;

namespace OpenNdi.Server.Demo;

/// <summary>Settings of the demo population seeded on first start (section <c>Demo</c>).</summary>
public sealed class DemoOptions
{
    /// <summary>Seed a population when the database holds none. On by default, so one command gives a working system.</summary>
    public bool Seed { get; set; } = true;

    public int Persons { get; set; } = 1_000;

    public int Providers { get; set; } = 20;

    public ulong RandomSeed { get; set; } = 1;
}

/// <summary>
/// Module <c>DemoPopulation</c>: on start, seeds the demo population into an empty database. Runs before the
/// simulated providers load it and before the server listens, so the first request already sees a populated system.
/// </summary>
internal sealed class DemoPopulationService(NdiDatabase database, DemoOptions options, ILogger<DemoPopulationService> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var persons = await new PopulationStore(database).CountAsync(cancellationToken);
        if (persons == 0 && options.Seed)
        {
            var seed = new SeedOptions(options.Persons, options.Providers, options.RandomSeed, SeedOptions.DefaultReferenceDate);
            logger.LogInformation("Empty database: seeding a demo population of {Persons} persons and {Providers} providers (seed {Seed})",
                seed.Persons, seed.Providers, seed.Seed);
            var result = await new PopulationSeeder(database).SeedAsync(seed, null, cancellationToken);
            logger.LogInformation("Seeded {Persons} persons and {Resources} FHIR resources in {Seconds:F1} s ({Rate:F0} resources/s)",
                result.PersonsDone, result.ResourcesDone, result.Elapsed.TotalSeconds, result.ResourcesPerSecond);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

internal static class DemoPopulationSetup
{
    public static IServiceCollection AddDemoPopulation(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(configuration.GetSection("Demo").Get<DemoOptions>() ?? new DemoOptions());
        services.AddHostedService<DemoPopulationService>();
        return services;
    }
}
