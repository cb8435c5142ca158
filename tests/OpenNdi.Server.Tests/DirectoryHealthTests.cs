using System.Net;
using Hl7.Fhir.Model;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using OpenNdi.Core.Identifiers;
using OpenNdi.Core.ServiceDirectory;
using OpenNdi.Data.ServiceDirectory;
using OpenNdi.Fhir;
using OpenNdi.Server.ServiceDirectory;
using OpenNdi.Synthetic.Simulator;
using Task = System.Threading.Tasks.Task;

namespace OpenNdi.Server.Tests;

/// <summary>Endpoint health probes against the simulated providers, with their fault injection, and the operators' view.</summary>
public sealed class DirectoryHealthTests : IDisposable
{
    private readonly TestIssuer _issuer = new("https://idp.national.example");

    public void Dispose() => _issuer.Dispose();

    /// <summary>A small server whose probes give up after 3 s and call an answer slower than 1 s degraded (room for a busy test machine).</summary>
    private Task<NdiServer> StartAsync(string backend = "sqlite", string interval = "0") => NdiServer.StartAsync(backend, new Dictionary<string, string>
    {
        ["Demo:Persons"] = "5",
        ["Demo:Providers"] = "2",
        ["Directory:HealthCheck:IntervalSeconds"] = interval,
        ["Directory:HealthCheck:TimeoutMilliseconds"] = "3000",
        ["Directory:HealthCheck:DegradedAfterMilliseconds"] = "1000",
        ["Identity:TrustedIssuers:0:Issuer"] = _issuer.Issuer,
        ["Identity:TrustedIssuers:0:Jwks"] = _issuer.Jwks,
    });

    private static async Task<EndpointHealth> ProbeAsync(NdiServer server, ProviderBehaviour behaviour)
    {
        var registry = server.Services.GetRequiredService<SimulatorRegistry>();
        var key = registry.Providers[0].Key;
        // One request first, so that start-up work (JIT, first serialisation) does not count as the endpoint's latency.
        using (await server.SendAsync(HttpMethod.Get, $"/sim/{key}/fhir/metadata", null))
        {
        }
        await registry.SetBehaviourAsync(key, behaviour);
        var endpoint = await server.Services.GetRequiredService<IDirectoryStore>().GetAsync($"sim-{key}");
        return await server.Services.GetRequiredService<EndpointHealthChecker>().CheckAsync(endpoint!);
    }

    [Fact]
    public async Task Check_WhenTheEndpointAnswersInTime_IsUp()
    {
        await using var server = await StartAsync();

        var health = await ProbeAsync(server, new ProviderBehaviour());

        Assert.True(health.Outcome == EndpointHealthOutcome.Up, health.Reason);
        Assert.Equal(200, health.HttpStatus);
        Assert.Null(health.Reason);
    }

    [Fact]
    public async Task Check_WhenTheEndpointAnswersSlowly_IsDegradedAndSaysSo()
    {
        await using var server = await StartAsync();

        var health = await ProbeAsync(server, new ProviderBehaviour(LatencyMedianMs: 1500, LatencyP95Ms: 1500));

        Assert.Equal(EndpointHealthOutcome.Degraded, health.Outcome);
        Assert.Contains("slow", health.Reason);
        // The provider waits 1,500 ms on a timer; the check measures on the monotonic clock and keeps whole
        // milliseconds, and a timer may fire a tick early against that clock: 1,499 is the same wait.
        Assert.True(health.LatencyMs >= 1490, $"measured {health.LatencyMs} ms for a 1,500 ms answer");
    }

    [Theory]
    [InlineData(false, 1.0, 0.0, 500, "HTTP 500")]
    [InlineData(true, 0.0, 0.0, 503, "HTTP 503")]
    [InlineData(false, 0.0, 1.0, null, "timeout")]
    public async Task Check_WhenTheEndpointFailsIsDownOrHangs_IsDownWithTheReason(bool down, double errorRate, double timeoutRate, int? status, string reason)
    {
        await using var server = await StartAsync();

        var health = await ProbeAsync(server, new ProviderBehaviour(ErrorRate: errorRate, TimeoutRate: timeoutRate, TimeoutMs: 10_000, Down: down));

        Assert.True(health.Outcome == EndpointHealthOutcome.Down, health.Reason);
        Assert.True(status == health.HttpStatus, health.Reason);
        Assert.Contains(reason, health.Reason);
        Assert.True(health.LatencyMs < 8_000, "a hanging endpoint is given up on at the deadline");
    }

    [Fact]
    public async Task Check_WhenTheConnectionIsRefused_IsDownAsUnreachable()
    {
        await using var server = await StartAsync();
        using var network = new ServiceCollection().AddHttpClient().BuildServiceProvider();
        var checker = new EndpointHealthChecker(server.Services.GetRequiredService<IDirectoryStore>(), server.Services.GetRequiredService<IEndpointHealthStore>(),
            network.GetRequiredService<IHttpClientFactory>(), new EndpointHealthOptions { TimeoutMilliseconds = 2_000 }, TimeProvider.System, NullLogger<EndpointHealthChecker>.Instance);
        // Port 1 (tcpmux) is not served on a test machine: the connection is refused at once.
        var endpoint = new DirectoryEndpoint("refusing", HsaId.Parse(server.Services.GetRequiredService<SimulatorRegistry>().Providers[0].HsaId), "ehr-1", null,
            new Uri("http://127.0.0.1:1/fhir"), DirectoryEndpoint.FhirRest, "4.0.1", EndpointStatus.Active);

        var health = await checker.CheckAsync(endpoint);

        Assert.Equal(EndpointHealthOutcome.Down, health.Outcome);
        Assert.Null(health.HttpStatus);
        Assert.Contains("unreachable", health.Reason);
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task HealthOperation_ListsEveryEndpointWithItsLastProbe(string backend)
    {
        await using var server = await StartAsync(backend);
        var registry = server.Services.GetRequiredService<SimulatorRegistry>();
        await registry.SetBehaviourAsync(registry.Providers[1].Key, new ProviderBehaviour(Down: true));
        using (await server.SendAsync(HttpMethod.Get, $"/sim/{registry.Providers[0].Key}/fhir/metadata", null))
        {
            // Warm-up, as in ProbeAsync.
        }
        await server.Services.GetRequiredService<EndpointHealthChecker>().CheckAllAsync();

        using var response = await server.SendAsync(HttpMethod.Get, "/fhir/Endpoint/$health", _issuer.Token("system/Endpoint.r", claims: new Dictionary<string, object> { ["ndi_actor"] = "system", ["client_id"] = "directory-reader", ["subject_organization_id"] = "SE2321000016-1000" }));
        var bundle = FhirJson.Parse<Bundle>(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var outcomes = bundle.Entry.ToDictionary(e => e.Resource.Id, e => Outcome((Hl7.Fhir.Model.Endpoint)e.Resource));
        Assert.Equal("up", outcomes[$"sim-{registry.Providers[0].Key}"]);
        Assert.Equal("down", outcomes[$"sim-{registry.Providers[1].Key}"]);
    }

    [Fact]
    public async Task HealthOperation_ForAnOperator_Answers_WithoutEndpointScopeOrToken_IsRefused()
    {
        await using var server = await StartAsync();

        using var operatorUser = await server.SendAsync(HttpMethod.Get, "/fhir/Endpoint/$health", _issuer.Token("user/Endpoint.rs", claims: new Dictionary<string, object> { ["ndi_actor"] = "operator" }));
        using var patientScope = await server.SendAsync(HttpMethod.Get, "/fhir/Endpoint/$health", _issuer.Token("patient/Endpoint.rs"));
        using var anonymous = await server.SendAsync(HttpMethod.Get, "/fhir/Endpoint/$health", null);

        Assert.Equal(HttpStatusCode.OK, operatorUser.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, patientScope.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    [Fact]
    public async Task BackgroundChecks_WhenAnIntervalIsSet_RecordEveryActiveEndpoint()
    {
        await using var server = await StartAsync(interval: "1");
        var store = server.Services.GetRequiredService<IEndpointHealthStore>();
        var expected = server.Services.GetRequiredService<SimulatorRegistry>().Providers.Count;

        var deadline = DateTime.UtcNow.AddSeconds(20);
        while ((await store.ListAsync()).Count < expected && DateTime.UtcNow < deadline)
            await Task.Delay(100);

        Assert.Equal(expected, (await store.ListAsync()).Count);
    }

    private static string? Outcome(Hl7.Fhir.Model.Endpoint endpoint) =>
        endpoint.GetExtension(EndpointHealthEndpoints.HealthExtension)?.GetExtensionValue<Code>("outcome")?.Value;
}

/// <summary>Name lookups for the health probes run off the thread pool, a bounded number at once (issue 16).</summary>
public sealed class OffPoolNameResolutionTests
{
    [Fact]
    public async Task AnAddressLiteral_IsNotLookedUp_AndANameIsResolvedOnAThreadOfItsOwn()
    {
        var literal = await OpenNdi.Server.Platform.OffPoolNameResolution.ResolveAsync("127.0.0.1", CancellationToken.None);
        var localhost = await OpenNdi.Server.Platform.OffPoolNameResolution.ResolveAsync("localhost", CancellationToken.None);

        Assert.Equal([System.Net.IPAddress.Loopback], literal);
        Assert.Contains(localhost, System.Net.IPAddress.IsLoopback);
    }

    [Fact]
    public async Task AConnectionThroughTheHandler_ReachesTheNamedHost_AndARefusedOneFails()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        var accepted = listener.AcceptTcpClientAsync();
        using var client = new HttpClient(OpenNdi.Server.Platform.OffPoolNameResolution.Handler()) { Timeout = TimeSpan.FromSeconds(5) };

        var connecting = client.GetAsync($"http://localhost:{port}/fhir/metadata");
        using (var connection = await accepted.WaitAsync(TimeSpan.FromSeconds(5)))
        {
            var stream = connection.GetStream();
            var request = new byte[4096];
            var read = 0;
            while (!System.Text.Encoding.ASCII.GetString(request, 0, read).Contains("\r\n\r\n", StringComparison.Ordinal))
                read += await stream.ReadAsync(request.AsMemory(read));
            Assert.StartsWith("GET /fhir/metadata HTTP/1.1", System.Text.Encoding.ASCII.GetString(request, 0, read));
            await stream.WriteAsync("HTTP/1.1 204 No Content\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"u8.ToArray());
        }
        using var answered = await connecting;
        Assert.Equal(HttpStatusCode.NoContent, answered.StatusCode);
        listener.Stop();
        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync($"http://127.0.0.1:{port}/fhir/metadata"));
        Assert.NotNull(refused);
    }
}
