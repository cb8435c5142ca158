using OpenNdi.Testing;

namespace OpenNdi.Replica.Tests;

/// <summary>
/// Two replicas of the server on one fresh PostgreSQL database (a new database per cluster, on <c>NDI_TEST_POSTGRES</c>)
/// behind <see cref="ReplicaProxy"/>. Both run the demo modules in the Production environment (as a public demo
/// would), with the proxy's address as their one <c>PublicBaseUrl</c> (so the issuer and the simulated providers'
/// directory addresses are the same on both), the issuer keys node a creates in the database, and an audit partition each.
/// Node a starts first and seeds the demo population; node b starts on the seeded database.
/// </summary>
public sealed class ReplicaCluster : IAsyncDisposable
{
    private static readonly TimeSpan StartDeadline = TimeSpan.FromSeconds(90);
    private ReplicaCluster(TestDatabase database, ReplicaProxy proxy, ServerNode a, ServerNode b)
    {
        Database = database;
        Proxy = proxy;
        A = a;
        B = b;
    }

    public TestDatabase Database { get; }

    public ReplicaProxy Proxy { get; }

    public ServerNode A { get; }

    public ServerNode B { get; }

    public IReadOnlyList<ServerNode> Nodes => [A, B];

    /// <summary>The audit partition of a node, by its name.</summary>
    public static string Partition(string node) => $"replica-{node}";

    public static async Task<ReplicaCluster> StartAsync(int persons = 200, int providers = 6, IReadOnlyDictionary<string, string>? settings = null)
    {
        var database = await TestDatabase.CreateAsync("postgres");
        var (proxyPort, portA, portB) = (Repository.FreePort(), Repository.FreePort(), Repository.FreePort());
        var publicBase = $"http://127.0.0.1:{proxyPort}";
        Dictionary<string, string> Settings(string node)
        {
            var environment = new Dictionary<string, string>
            {
                ["ASPNETCORE_ENVIRONMENT"] = "Production",
                ["Modules__AllowDemoInProduction"] = "true",
                ["Modules__DemoPopulation"] = "true",
                ["Modules__Simulator"] = "true",
                ["Modules__DemoLogin"] = "true",
                ["Demo__Persons"] = $"{persons}",
                ["Demo__Providers"] = $"{providers}",
                ["Storage__Database"] = database.ConfigurationValue,
                ["PublicBaseUrl"] = publicBase,
                ["Audit__Partition"] = Partition(node),
                ["Directory__HealthCheck__IntervalSeconds"] = "0",
                ["Logging__LogLevel__Default"] = "Warning",
                ["Logging__Console__FormatterName"] = "simple",
            };
            foreach (var (key, value) in settings ?? new Dictionary<string, string>())
                environment[key] = value;
            return environment;
        }
        ServerNode? a = null, b = null;
        ReplicaProxy? proxy = null;
        try
        {
            a = ServerNode.Start("a", portA, Settings("a"));
            await a.WaitReadyAsync(StartDeadline);
            b = ServerNode.Start("b", portB, Settings("b"));
            proxy = await ReplicaProxy.StartAsync(proxyPort, new Dictionary<string, Uri> { ["a"] = a.Address, ["b"] = b.Address });
            await b.WaitReadyAsync(StartDeadline);
            return new ReplicaCluster(database, proxy, a, b);
        }
        catch
        {
            if (proxy is not null)
                await proxy.DisposeAsync();
            foreach (var node in new[] { a, b })
            {
                if (node is not null)
                    await node.DisposeAsync();
            }
            await database.DisposeAsync();
            throw;
        }
    }

    public ServerNode Node(string name) => name == A.Name ? A : name == B.Name ? B : throw new ArgumentOutOfRangeException(nameof(name), name, "no such node");

    /// <summary>A client of the proxy that retries once on a failed connection or a 502/503 (<see cref="RetryOnceHandler"/>).</summary>
    public HttpClient ProxyClient(RetryOnceHandler retry) => new(retry) { BaseAddress = Proxy.Address, Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>A client of one node's own address (no proxy, no retry), that does not follow redirects.</summary>
    public static HttpClient DirectClient(ServerNode node) =>
        new(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false }) { BaseAddress = node.Address, Timeout = TimeSpan.FromSeconds(30) };

    public async ValueTask DisposeAsync()
    {
        await Proxy.DisposeAsync();
        await A.DisposeAsync();
        await B.DisposeAsync();
        await Database.DisposeAsync();
    }
}
