using OpenNdi.Data;
using OpenNdi.Data.Population;
using OpenNdi.Server.Identity.AuthorizationServer;
using OpenNdi.Server.ServiceDirectory;
using OpenNdi.Synthetic;
using OpenNdi.Synthetic.Simulator;

namespace OpenNdi.Server.Demo;

/// <summary>Settings of the demo population seeded on first start (section <c>Demo</c>).</summary>
public sealed class DemoOptions
{
    /// <summary>Seed a population when the database holds none. On by default, so one command gives a working system.</summary>
    public bool Seed { get; set; } = true;

    public int Persons { get; set; } = 1_000;

    public int Providers { get; set; } = 20;

    public ulong RandomSeed { get; set; } = 1;

    /// <summary>
    /// The address clients reach this host at, for the simulated providers' endpoints registered in the directory
    /// (<c>{PublicBaseUrl}/sim/{provider}/fhir</c>). Behind a proxy or in a container set it to the outside address.
    /// </summary>
    public Uri PublicBaseUrl { get; set; } = new("http://localhost:5080");
}

/// <summary>
/// On start: seeds the demo population into an empty database, then loads the simulated providers so that their
/// EHR endpoints answer, and registers them in the service directory (only what is missing). Runs before the
/// server listens, so the first request already sees a populated system.
/// </summary>
internal sealed class DemoPopulationService(
    NdiDatabase database,
    SimulatorRegistry registry,
    SimulatedProviderDirectory directory,
    SimulatedIndexPublishing indexPublishing,
    DemoUsers users,
    DemoOptions options,
    ILogger<DemoPopulationService> logger) : IHostedService
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
        await registry.LoadAsync(cancellationToken);
        logger.LogInformation("Provider EHR simulator: {Count} providers at /sim/{{provider}}/fhir", registry.Providers.Count);
        await directory.RegisterAsync(registry.Providers, options.PublicBaseUrl, cancellationToken);
        await indexPublishing.PublishAsync(registry.Providers, cancellationToken);
        await users.LoadAsync(new PopulationStore(database), registry.Providers, DateOnly.FromDateTime(DateTime.UtcNow), cancellationToken);
        logger.LogInformation("Demo login: {Count} people at /demo", users.Users.Count);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

internal static class DemoPopulationSetup
{
    public static IServiceCollection AddDemoPopulation(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection("Demo").Get<DemoOptions>() ?? new DemoOptions();
        services.AddSingleton(options);
        services.AddSingleton<DemoUsers>();
        services.AddSingleton<SimulatedIndexPublishing>();
        services.AddSingleton<ILoginUsers>(sp => sp.GetRequiredService<DemoUsers>());
        services.AddHostedService<DemoPopulationService>();
        return services;
    }
}
