using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using OpenNdi.Server.ProfessionalAccess;
using OpenNdi.Server.ServiceDirectory;
using OpenNdi.Testing;

namespace OpenNdi.Server.Tests;

/// <summary>
/// The real server (Program) on a fresh database of either backend, seeded with a small demo population.
/// Each test that changes state makes its own.
/// </summary>
public sealed class NdiServer : WebApplicationFactory<Program>
{
    public const int Persons = 120;
    public const int Providers = 8;

    /// <summary>The embedded authorization server's issuer: the test server's own origin.</summary>
    public const string Issuer = "http://localhost";

    private readonly TestDatabase _database;
    private readonly IReadOnlyDictionary<string, string> _settings;
    private readonly string _environment;

    private readonly Action<IServiceCollection>? _services;
    private readonly bool _ownsDatabase;

    private NdiServer(TestDatabase database, IReadOnlyDictionary<string, string>? settings, Action<IServiceCollection>? services = null,
        string environment = "Testing", bool ownsDatabase = true)
    {
        _database = database;
        _settings = settings ?? new Dictionary<string, string>();
        _services = services;
        _environment = environment;
        _ownsDatabase = ownsDatabase;
    }

    /// <summary>
    /// The server as a Production deployment runs it: environment Production and appsettings.json's defaults, so no
    /// demo module is switched on unless <paramref name="settings"/> does it. Starting may throw (a refused start).
    /// </summary>
    public static Task<NdiServer> StartProductionAsync(string backend, IReadOnlyDictionary<string, string>? settings = null) =>
        StartInAsync("Production", backend, settings);

    /// <summary>
    /// The server as the README's <c>dotnet run</c> starts it: environment Development (appsettings.Development.json,
    /// and the host's validation of every service's lifetime on build, which the Testing environment skips).
    /// </summary>
    public static Task<NdiServer> StartDevelopmentAsync(string backend, IReadOnlyDictionary<string, string>? settings = null) =>
        StartInAsync("Development", backend, settings);

    /// <summary>A server started now in <paramref name="environment"/>; a start that throws disposes what it made.</summary>
    private static async Task<NdiServer> StartInAsync(string environment, string backend, IReadOnlyDictionary<string, string>? settings)
    {
        var server = new NdiServer(await TestDatabase.CreateAsync(backend, migrate: false), settings, environment: environment);
        try
        {
            _ = server.Server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
        return server;
    }

    /// <summary>
    /// A server on a database the test keeps (and disposes): start one, dispose it, start another on the same
    /// database, and that is a restart.
    /// </summary>
    public static NdiServer StartOn(TestDatabase database, IReadOnlyDictionary<string, string>? settings = null)
    {
        var server = new NdiServer(database, settings, ownsDatabase: false);
        _ = server.Server;
        return server;
    }

    /// <param name="settings">Extra configuration (e.g. trusted token issuers), as configuration keys and values.</param>
    /// <param name="services">Test services registered last (e.g. a provider handler that counts requests).</param>
    public static async Task<NdiServer> StartAsync(string backend, IReadOnlyDictionary<string, string>? settings = null, Action<IServiceCollection>? services = null)
    {
        var server = new NdiServer(await TestDatabase.CreateAsync(backend, migrate: false), settings, services);
        _ = server.Server; // Start now: runs migrations and the demo seed.
        return server;
    }

    /// <summary>
    /// The real server listening on a local port, for a real browser: the embedded authorization server's issuer is
    /// that origin, so the demo page's redirect URI matches. <see cref="Origin"/> is where to point the browser.
    /// </summary>
    /// <param name="settings">Extra configuration (e.g. a trusted test issuer, for tokens the test itself uses).</param>
    public static async Task<NdiServer> StartListeningAsync(string backend, IReadOnlyDictionary<string, string>? settings = null)
    {
        var port = FreePort();
        var origin = $"http://localhost:{port}";
        var all = new Dictionary<string, string>(settings ?? new Dictionary<string, string>()) { ["PublicBaseUrl"] = origin };
        var server = new NdiServer(await TestDatabase.CreateAsync(backend, migrate: false), all);
        server.UseKestrel(port);
        server.StartServer();
        server.Origin = origin;
        return server;
    }

    public string? Origin { get; private set; }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    public TestDatabase Database => _database;

    /// <summary>
    /// Places care units under their provider in the service directory (mCSD Organizations, partOf the provider), as a
    /// provider does before it publishes index entries for them.
    /// </summary>
    public async Task RegisterCareUnitsAsync(OpenNdi.Core.Identifiers.HsaId provider, params OpenNdi.Core.Identifiers.HsaId[] units)
    {
        var store = new OpenNdi.Data.ServiceDirectory.CareServicesStore(_database.Database);
        await store.SaveAsync(new OpenNdi.Core.ServiceDirectory.DirectoryOrganization(provider, $"Provider {provider.Value}", OpenNdi.Core.ServiceDirectory.OrganizationRole.Provider), "test setup");
        foreach (var unit in units)
            await store.SaveAsync(new OpenNdi.Core.ServiceDirectory.DirectoryOrganization(unit, $"Care unit {unit.Value}", OpenNdi.Core.ServiceDirectory.OrganizationRole.CareUnit,
                PartOf: provider, CareUnitKind: "primary-care"), "test setup");
    }

    /// <summary>A small server that trusts the given issuers' tokens (the index and directory APIs need no large population).</summary>
    public static Task<NdiServer> StartTrustingAsync(string backend, params TestIssuer[] issuers)
    {
        var settings = new Dictionary<string, string> { ["Demo:Persons"] = "5", ["Demo:Providers"] = "2" };
        for (var i = 0; i < issuers.Length; i++)
        {
            settings[$"Identity:TrustedIssuers:{i}:Issuer"] = issuers[i].Issuer;
            settings[$"Identity:TrustedIssuers:{i}:Jwks"] = issuers[i].Jwks;
        }
        return StartAsync(backend, settings);
    }

    /// <summary>Sends one request, with a bearer token and a FHIR JSON body when given.</summary>
    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string url, string? token, string? body = null, string contentType = "application/fhir+json",
        IReadOnlyDictionary<string, string>? headers = null)
    {
        using var client = CreateClient();
        using var request = new HttpRequestMessage(method, url);
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
            request.Headers.Add(name, value);
        if (token is not null)
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        if (body is not null)
            request.Content = new StringContent(body, System.Text.Encoding.UTF8, contentType);
        return await client.SendAsync(request);
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment(_environment);
        builder.UseSetting("Storage:Database", _database.ConfigurationValue);
        builder.UseSetting("Demo:Persons", Persons.ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("Demo:Providers", Providers.ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("Demo:RandomSeed", "9");
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        // One public address: the issuer and the simulated providers' directory addresses follow it.
        builder.UseSetting("PublicBaseUrl", Issuer);
        if (_environment != "Production")
        {
            // The demo's modules, as the README's dotnet run has them (appsettings.Development.json); the Testing
            // environment reads only appsettings.json, whose defaults are production's.
            builder.UseSetting("Modules:DemoPopulation", "true");
            builder.UseSetting("Modules:Simulator", "true");
            builder.UseSetting("Modules:DemoLogin", "true");
            builder.UseSetting("Directory:Addresses:RequireHttps", "false");
            builder.UseSetting("Directory:Addresses:AllowPrivateNetworks", "true");
        }
        builder.UseSetting("Identity:Server:SigningKeyFile", ""); // a key per test server, no shared file
        // The demo EU PKI of the contact point's simulated peers: a folder per test server, so none races another's creation.
        builder.UseSetting("ContactPoint:DemoCertificatesFolder", Path.Combine(Path.GetTempPath(), "openndi-test-eu-pki", Guid.NewGuid().ToString("N")));
        builder.UseSetting("ProfessionalAccess:ProviderCalls:SigningKeyFile", ""); // the access service's key too
        // Endpoint health probes run only when a test asks (EndpointHealthChecker.CheckAllAsync), and reach the
        // simulated providers' endpoints (http://localhost/sim/…) in this in-memory server, not the network.
        builder.UseSetting("Directory:HealthCheck:IntervalSeconds", "0");
        // The professional access service fetches from the same simulated providers, so the same goes for its client.
        builder.ConfigureTestServices(services =>
        {
            // So does its token request to the embedded authorization server, and the simulated EHRs' reading of that
            // server's discovery document and keys (OpenIddict's own HttpClients).
            foreach (var client in new[] { EndpointHealthChecker.HttpClientName, ProviderFetcher.HttpClientName, ProviderCallCredentials.HttpClientName, OpenNdi.Web.Record.NationalApiClient.HttpClientName })
            {
                services.AddHttpClient(client).ConfigurePrimaryHttpMessageHandler(sp => sp.GetRequiredService<IServer>() is TestServer test
                    ? test.CreateHandler()
                    : new SocketsHttpHandler()); // a listening server (browser tests) reaches its providers over the network
            }
            // Sweden's calls to the simulated foreign contact points reach them in this in-memory server, presenting
            // Sweden's certificate as the TLS handshake would (there is no TLS here: PeerTls is tested over Kestrel).
            services.AddHttpClient(OpenNdi.ContactPoint.Transport.NcpFhirTransport.HttpClientName).ConfigurePrimaryHttpMessageHandler(sp => sp.GetRequiredService<IServer>() is TestServer test
                ? test.CreateHandler(context => context.Connection.ClientCertificate = sp.GetRequiredService<OpenNdi.ContactPoint.Visitors.SwedishContactPoint>().Tls)
                : OpenNdi.ContactPoint.Transport.PeerTls.Handler(sp.GetRequiredService<OpenNdi.ContactPoint.Visitors.SwedishContactPoint>().Tls, sp.GetRequiredService<OpenNdi.ContactPoint.Trust.PeerAuthentication>()));
            services.AddSingleton<Microsoft.Extensions.Options.IPostConfigureOptions<Microsoft.Extensions.Http.HttpClientFactoryOptions>, OpenIddictToTestServer>();
            _services?.Invoke(services);
        });
        foreach (var (key, value) in _settings)
            builder.UseSetting(key, value);
    }

    /// <summary>
    /// A client that calls the simulated EHRs as the access service does: with its token (from the embedded
    /// authorization server, through the service's own credentials and handler).
    /// </summary>
    public HttpClient CreateProviderClient() =>
        CreateDefaultClient(new ProviderTokenHandler(Services.GetRequiredService<ProviderCallCredentials>()));

    /// <summary>The access service's current token for provider calls.</summary>
    public async Task<string> ProviderTokenAsync() => await Services.GetRequiredService<ProviderCallCredentials>().GetTokenAsync(CancellationToken.None);

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (_ownsDatabase)
            await _database.DisposeAsync();
    }
}
