using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using OpenNdi.ContactPoint.Demo;
using OpenNdi.ContactPoint.Domain;
using OpenNdi.ContactPoint.Simulation;
using OpenNdi.ContactPoint.Trust;
using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;

namespace OpenNdi.ContactPoint.Tests.Simulation;

/// <summary>The demo EU certificates, made once per test class, on a fixed day.</summary>
public sealed class SimulationCertificates : IDisposable
{
    public static readonly DateTimeOffset Made = new(2026, 12, 4, 9, 0, 0, TimeSpan.Zero);

    private readonly string _folder = Path.Combine(Path.GetTempPath(), $"openndi-sim-{Guid.NewGuid():N}");

    public SimulationCertificates() => Certificates = DemoEuCertificates.LoadOrCreate(_folder, new FakeTimeProvider(Made));

    public DemoEuCertificates Certificates { get; }

    public void Dispose()
    {
        Certificates.Dispose();
        Directory.Delete(_folder, recursive: true);
    }
}

/// <summary>
/// The simulated peers in a minimal WebApplication on TestServer, each test its own (dispensations are in memory),
/// on a fake clock a day after the certificates were made. Clients present a certificate (Sweden's unless told) and a
/// Bearer assertion signed by Sweden for one patient.
/// </summary>
public sealed class SimulatedPeersHost : IAsyncDisposable
{
    public const string PublicBase = "http://localhost";
    public const string GermanyBase = "http://localhost/sim-ncp/de/fhir";
    public const string FranceBase = "http://localhost/sim-ncp/fr/fhir";

    private readonly WebApplication _app;

    private SimulatedPeersHost(WebApplication app, DemoEuCertificates certificates, FakeTimeProvider clock)
    {
        _app = app;
        Certificates = certificates;
        Clock = clock;
    }

    public DemoEuCertificates Certificates { get; }

    public FakeTimeProvider Clock { get; }

    public SimulatedPeerBehaviour Behaviour => _app.Services.GetRequiredService<SimulatedPeerBehaviour>();

    public static async Task<SimulatedPeersHost> StartAsync(SimulationCertificates certificates)
    {
        var clock = new FakeTimeProvider(SimulationCertificates.Made.AddDays(1));
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<TimeProvider>(clock);
        builder.Services.AddSimulatedPeers(SimulatedPeerOptions.FromDemo(certificates.Certificates, PublicBase));
        var app = builder.Build();
        app.MapSimulatedPeers();
        await app.StartAsync(TestContext.Current.CancellationToken);
        return new SimulatedPeersHost(app, certificates.Certificates, clock);
    }

    /// <summary>A client whose connection presents <paramref name="certificate"/> (Sweden's by default; null for none).</summary>
    public HttpClient Client(X509Certificate2? certificate, string? assertion)
    {
        var handler = _app.GetTestServer().CreateHandler(context => context.Connection.ClientCertificate = certificate);
        var client = new HttpClient(handler) { BaseAddress = new Uri(PublicBase) };
        if (assertion is not null)
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", assertion);
        return client;
    }

    /// <summary>Sweden's client with Sweden's assertion for <paramref name="personId"/> (system|value) at the peer <paramref name="audience"/>.</summary>
    public HttpClient Sweden(string audience, string personId, string roleCode = "221") =>
        Client(Certificates.Sweden, Assertion(audience, personId, Certificates.SwedenSigning, roleCode));

    public string Assertion(string audience, string personId, X509Certificate2 signing, string roleCode = "221", string issuer = SimulatedPeerOptions.SwedenId) =>
        CrossBorderAssertion.Issue(new CrossBorderAssertionContent(
            issuer, audience, "SE2321000016-1A2B", "Eva Lind", roleCode, roleCode == "2262" ? "Pharmacists" : "Medical doctors",
            "Akademiska sjukhuset, akutmottagningen", "SE2321000016-ABCD", CrossBorderPurpose.Treatment,
            "urn:oid:1.2.752.129.2.1.2.1", personId, TimeSpan.FromMinutes(5)), signing, Clock);

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
