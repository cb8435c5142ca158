using OpenNdi.Core.Audit;
using OpenNdi.Server.Audit;
using OpenNdi.Server.Platform;
using OpenNdi.Server.ServiceDirectory;
using OpenNdi.Synthetic.Simulator;

namespace OpenNdi.Server.Demo;

/// <summary>
/// Module <c>Simulator</c>: the provider EHR simulator as this host serves it in the demo. On start it loads the
/// simulated providers from the population, registers their endpoints in the directory (under the one public base
/// URL) and publishes their index entries. Its routes (OpenNdi.Synthetic) sit inside a group that declares their
/// audit, so every read of a simulated record and every change of a simulated provider's behaviour is in the log like
/// any other access (it is personal data, even when synthetic). Like a real provider system it answers only the
/// national access service's token (issued by this host's authorization server, for the providers' audience); it is
/// still the demo, so it never runs in production.
/// </summary>
internal static class SimulatorHosting
{
    /// <param name="configuration">
    /// <c>Simulator:RandomSeed</c> seeds the simulated faults and latencies (default 1); <c>Simulator:RegistryMaxAgeSeconds</c>
    /// bounds how long another replica's behaviour change can go unseen here without a change notification (default 30).
    /// </param>
    public static IServiceCollection AddSimulatedProviders(this IServiceCollection services, IConfiguration configuration)
    {
        var maxAge = configuration.GetValue<int?>("Simulator:RegistryMaxAgeSeconds") is { } seconds and > 0 ? TimeSpan.FromSeconds(seconds) : (TimeSpan?)null;
        services.AddSimulator(configuration.GetValue("Simulator:RandomSeed", OpenNdi.Synthetic.Simulator.SimulatorDraws.DefaultSeed), maxAge);
        // The simulated EHRs trust this host's authorization server (or Simulator:Authentication:Issuer), and answer the
        // access service's client only (ProfessionalAccess:ProviderCalls).
        services.AddSimulatorAuthentication(new SimulatorAuthenticationOptions
        {
            Issuer = configuration["Simulator:Authentication:Issuer"] is { Length: > 0 } issuer ? issuer : configuration["Identity:Server:Issuer"] ?? PublicAddress.Default.AbsoluteUri.TrimEnd('/'),
            Audience = configuration["ProfessionalAccess:ProviderCalls:Audience"] is { Length: > 0 } audience ? audience : SimulatorAuthenticationOptions.ProviderAudience,
            AccessServiceClientId = configuration["ProfessionalAccess:ProviderCalls:ClientId"] is { Length: > 0 } client ? client : SimulatorAuthenticationOptions.AccessServiceClient,
        });
        services.AddSingleton<SimulatedIndexPublishing>();
        services.AddHostedService<SimulatorStartup>();
        return services;
    }

    public static IEndpointRouteBuilder MapSimulatedProviders(this IEndpointRouteBuilder app)
    {
        var simulated = app.MapGroup("");
        simulated.MapSimulator();
        simulated.AuditedPublic(AuditEventCodes.SimulatorRead, AuditAction.Execute);
        return app;
    }
}

/// <summary>Loads the simulated providers and makes them reachable: directory entries and index entries (only what is missing).</summary>
internal sealed class SimulatorStartup(
    SimulatorRegistry registry,
    SimulatedProviderDirectory directory,
    SimulatedIndexPublishing indexPublishing,
    PublicBaseUrl publicBase,
    SimulatorAuthenticationOptions authentication,
    ILogger<SimulatorStartup> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await registry.LoadAsync(cancellationToken);
        logger.LogInformation("Provider EHR simulator: {Count} providers at /sim/{{provider}}/fhir, answering the access service's token from {Issuer} only (module Simulator; never in production)",
            registry.Providers.Count, authentication.Issuer);
        await directory.RegisterAsync(registry.Providers, publicBase.Value, cancellationToken);
        await indexPublishing.PublishAsync(registry.Providers, cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
