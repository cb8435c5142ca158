using OpenNdi.Data;
using OpenNdi.Data.Population;
using OpenNdi.Server.Identity.AuthorizationServer;
using OpenNdi.Synthetic.Simulator;

namespace OpenNdi.Server.Demo;

/// <summary>
/// Module <c>DemoLogin</c>: the passwordless login of the demo. Its people (<see cref="DemoUsers"/>) are taken from
/// the population and the simulated providers once those are loaded; the demo page is registered as a public client.
/// </summary>
internal static class DemoLoginSetup
{
    public static IServiceCollection AddDemoLogin(this IServiceCollection services)
    {
        services.AddSingleton<DemoUsers>();
        services.AddSingleton<ILoginUsers>(sp => sp.GetRequiredService<DemoUsers>());
        services.AddSingleton(DemoPortalPage.App);
        services.AddHostedService<DemoLoginService>();
        services.AddHttpClient();
        return services;
    }

    public static IEndpointRouteBuilder MapDemoLogin(this IEndpointRouteBuilder app) => app.MapPasswordlessLogin().MapSimulatedEhr();
}

/// <summary>Loads the demo's people on start, after the population is seeded and the simulated providers are loaded.</summary>
internal sealed class DemoLoginService(NdiDatabase database, SimulatorRegistry registry, DemoUsers users, TimeProvider clock, IServiceProvider services, ILogger<DemoLoginService> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await users.LoadAsync(new PopulationStore(database), registry.Providers, DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime), cancellationToken);
        await SimulatedEhr.RegisterAsync(services, users, cancellationToken);
        logger.LogInformation("Demo login without password: {Count} synthetic people at /demo (module DemoLogin; never in production)", users.Users.Count);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
