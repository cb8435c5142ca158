using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.LoadBalancing;
using Yarp.ReverseProxy.Model;
using Yarp.ReverseProxy.Transforms;

namespace OpenNdi.Replica.Tests;

/// <summary>
/// The load balancer in front of the replicas: YARP hosted in this process, round robin over the nodes, an active
/// health check on <c>/health</c> every second, and a passive one that takes a node out at its first transport failure
/// (<see cref="FirstFailurePolicy"/>). Each answer carries the node that served it in <see cref="NodeHeader"/>, and
/// <see cref="Forwarded"/> tells the test where each request went, so it can kill a node while a request is on it.
/// </summary>
public sealed class ReplicaProxy : IAsyncDisposable
{
    public const string NodeHeader = "X-Replica-Node";
    private const string Cluster = "replicas";
    private readonly WebApplication _app;

    private ReplicaProxy(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    public Uri Address { get; }

    /// <summary>Called with (node, request path) as the proxy hands a request to a node, before it is sent.</summary>
    public event Action<string, string>? Forwarded;

    /// <summary>A proxy on <paramref name="port"/> over <paramref name="nodes"/> (node name → its address).</summary>
    public static async Task<ReplicaProxy> StartAsync(int port, IReadOnlyDictionary<string, Uri> nodes)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<IPassiveHealthCheckPolicy, FirstFailurePolicy>();
        builder.Services.AddReverseProxy()
            .LoadFromMemory(
                [new RouteConfig { RouteId = "all", ClusterId = Cluster, Match = new RouteMatch { Path = "{**rest}" } }],
                [new ClusterConfig
                {
                    ClusterId = Cluster,
                    LoadBalancingPolicy = LoadBalancingPolicies.RoundRobin,
                    HealthCheck = new HealthCheckConfig
                    {
                        Active = new ActiveHealthCheckConfig { Enabled = true, Interval = TimeSpan.FromSeconds(1), Timeout = TimeSpan.FromSeconds(2), Policy = HealthCheckConstants.ActivePolicy.ConsecutiveFailures, Path = "/health/live" },
                        // After 5 s the passive verdict lapses and the active check alone decides (a dead node stays out).
                        Passive = new PassiveHealthCheckConfig { Enabled = true, Policy = FirstFailurePolicy.Name, ReactivationPeriod = TimeSpan.FromSeconds(5) },
                    },
                    // The replicas' answers (summaries) may take seconds: no proxy timeout shorter than the server's own deadline.
                    HttpRequest = new ForwarderRequestConfig { ActivityTimeout = TimeSpan.FromSeconds(30) },
                    Destinations = nodes.ToDictionary(n => n.Key, n => new DestinationConfig { Address = n.Value.AbsoluteUri, Health = n.Value.AbsoluteUri }),
                }])
            .AddTransforms(context => context.AddResponseTransform(transform =>
            {
                if (transform.HttpContext.Features.Get<IReverseProxyFeature>()?.ProxiedDestination is { } node)
                    transform.HttpContext.Response.Headers[NodeHeader] = node.DestinationId;
                return ValueTask.CompletedTask;
            }));
        var app = builder.Build();
        var proxy = new ReplicaProxy(app, new Uri($"http://127.0.0.1:{port}"));
        app.MapReverseProxy(pipeline =>
        {
            pipeline.UseSessionAffinity();
            pipeline.UseLoadBalancing();
            pipeline.UsePassiveHealthChecks();
            pipeline.Use((context, next) =>
            {
                // After load balancing the one destination left is the node this request goes to.
                if (context.GetReverseProxyFeature().AvailableDestinations is [var node])
                    proxy.Forwarded?.Invoke(node.DestinationId, context.Request.Path.Value ?? "");
                return next();
            });
        });
        await app.StartAsync();
        return proxy;
    }

    /// <summary>The nodes the proxy sends requests to now (healthy or not yet checked).</summary>
    public IReadOnlyList<string> AvailableNodes =>
        _app.Services.GetRequiredService<IProxyStateLookup>().TryGetCluster(Cluster, out var cluster)
            ? [.. cluster.DestinationsState.AvailableDestinations.Select(d => d.DestinationId)]
            : [];

    /// <summary>Waits until the proxy sends requests to <paramref name="node"/> again (after a restart), or fails at the deadline.</summary>
    public async Task WaitAvailableAsync(string node, TimeSpan deadline)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!AvailableNodes.Contains(node))
        {
            if (clock.Elapsed > deadline)
                throw new TimeoutException($"the proxy did not take node {node} back within {deadline.TotalSeconds:N0} s");
            await Task.Delay(TimeSpan.FromMilliseconds(100)); // polling interval of a deadline-bound wait
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    /// <summary>
    /// A node whose connection fails (refused, reset, no answer) is out at once, until the active check finds it
    /// alive again. YARP applies a passive verdict to the cluster's list on another thread; this policy also applies
    /// it on the request's own, so the client's retry of the very request that failed is never sent to the same node.
    /// </summary>
    private sealed class FirstFailurePolicy(IDestinationHealthUpdater health, IClusterDestinationsUpdater destinations) : IPassiveHealthCheckPolicy
    {
        public const string Name = "FirstFailure";

        string IPassiveHealthCheckPolicy.Name => Name;

        public void RequestProxied(HttpContext context, ClusterState cluster, DestinationState destination)
        {
            var error = context.Features.Get<IForwarderErrorFeature>()?.Error;
            if (error is null or ForwarderError.None or ForwarderError.RequestCanceled or ForwarderError.ResponseBodyCanceled or ForwarderError.NoAvailableDestinations)
                return;
            var reactivation = cluster.Model.Config.HealthCheck?.Passive?.ReactivationPeriod ?? TimeSpan.FromSeconds(5);
            health.SetPassive(cluster, destination, DestinationHealth.Unhealthy, reactivation);
            destinations.UpdateAvailableDestinations(cluster);
        }
    }
}
