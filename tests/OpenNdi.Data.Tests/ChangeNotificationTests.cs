using OpenNdi.Core.Identifiers;
using OpenNdi.Core.Index;
using OpenNdi.Core.ServiceDirectory;
using OpenNdi.Data.Changes;
using OpenNdi.Data.ServiceDirectory;
using OpenNdi.Data.Simulator;
using Microsoft.Extensions.Time.Testing;
using OpenNdi.Testing;

namespace OpenNdi.Data.Tests;

/// <summary>
/// Cross-replica cache invalidation on PostgreSQL: two "nodes" (each its own <see cref="NdiDatabase"/>, pool,
/// <see cref="DataChanges"/> and listener) on one database. The caches' clocks never move, so only a notification can
/// make a node see another's change.
/// </summary>
public sealed class ChangeNotificationTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);
    private static readonly HsaId Region = HsaId.Create(OrganizationNumber.Parse("232100-0016"), "1000");

    private static DirectoryEndpoint Endpoint(string id, EndpointStatus status = EndpointStatus.Active) =>
        new(id, Region, "ehr-1", null, new Uri($"https://ehr.example/{id}/fhir"), DirectoryEndpoint.FhirRest, "4.0.1", status);

    /// <summary>A node: its own connection pool and change feed, listening until disposed.</summary>
    private sealed class Node : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private Task _listening = Task.CompletedTask;

        private Node(StorageOptions options)
        {
            Database = new NdiDatabase(options);
            Listener = new PostgresChangeListener(Database, Changes, TimeProvider.System);
        }

        public NdiDatabase Database { get; }

        public DataChanges Changes { get; } = new();

        public PostgresChangeListener Listener { get; }

        public static async Task<Node> StartAsync(StorageOptions options)
        {
            var node = new Node(options);
            var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            node._listening = Task.Run(() => node.Listener.RunAsync(() => listening.TrySetResult(), node._stop.Token));
            await listening.Task.WaitAsync(Deadline);
            return node;
        }

        /// <summary>Completes when <paramref name="topic"/> is next raised on this node (subscribed before it returns).</summary>
        public Task NextAsync(string topic)
        {
            var raised = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return WaitAsync(raised.Task, Changes.Subscribe(topic, () => raised.TrySetResult()));
        }

        private static async Task WaitAsync(Task raised, IDisposable subscription)
        {
            using (subscription)
                await raised.WaitAsync(Deadline);
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _listening;
            await Database.DisposeAsync();
            _stop.Dispose();
        }
    }

    [Fact]
    public async Task CachedRoutes_AChangeOnAnotherNode_IsSeenWithoutWaitingForTheLifetime()
    {
        await using var test = await TestDatabase.CreateAsync("postgres");
        await using var a = await Node.StartAsync(test.Options);
        await using var b = await Node.StartAsync(test.Options);
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 4, 9, 0, 0, TimeSpan.Zero));
        using var onA = new CachedDirectoryStore(new DirectoryStore(a.Database), TimeSpan.FromHours(1), clock, a.Changes);
        using var onB = new CachedDirectoryStore(new DirectoryStore(b.Database), TimeSpan.FromHours(1), clock, b.Changes);
        await onA.SaveAsync(Endpoint("general"), "op");
        Assert.Equal("general", (await onB.ResolveAsync(Region, "ehr-1", DataCategory.Laboratory))?.Id);

        var heard = b.NextAsync(ChangeTopics.DirectoryEndpoints);
        await onA.SaveAsync(Endpoint("general", EndpointStatus.Off), "node a");
        await heard;

        Assert.Null(await onB.ResolveAsync(Region, "ehr-1", DataCategory.Laboratory)); // the Off endpoint routes nothing, an hour before the route expires
    }

    [Fact]
    public async Task Triggers_AnnounceSimulatorAndCareServiceChanges_FromAnyWriter()
    {
        await using var test = await TestDatabase.CreateAsync("postgres");
        await using var node = await Node.StartAsync(test.Options);
        var simulator = new SimulatorStore(test.Database);
        await simulator.SaveProvidersAsync([new StoredProvider("region-x", Region.Value, "Region X", "{}", "{}")]);

        var behaviour = node.NextAsync(ChangeTopics.SimulatorProviders);
        Assert.True(await simulator.UpdateBehaviourAsync("region-x", "{\"down\":true}"));
        await behaviour;

        var names = node.NextAsync(ChangeTopics.DirectoryEntries);
        await new CareServicesStore(test.Database).SaveAllAsync([new DirectoryOrganization(Region, "Region X", OrganizationRole.Provider, OrganizationNumber.Parse("232100-0016"))], "op");
        await names;
    }

    [Fact]
    public async Task Listener_WhenItsConnectionIsKilled_ReconnectsAndTellsEveryCacheToForget()
    {
        await using var test = await TestDatabase.CreateAsync("postgres");
        await using var node = await Node.StartAsync(test.Options);
        var forgotten = node.NextAsync(ChangeTopics.DirectoryEndpoints);

        await using (var admin = await test.Database.OpenConnectionAsync())
        await using (var kill = admin.CreateCommand())
        {
            // The listener's session is the one that waits on LISTEN; terminating it is what a failover or a network cut does.
            kill.CommandText = $"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN {PostgresChangeListener.Channel}%'";
            Assert.Equal(true, await kill.ExecuteScalarAsync());
        }

        await forgotten; // raised by RaiseAll after the reconnect, with no change to any table
        Assert.True(node.Listener.Listening);
    }
}
