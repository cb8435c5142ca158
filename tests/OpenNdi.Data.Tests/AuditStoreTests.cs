using System.Data.Common;
using OpenNdi.Core.Audit;
using OpenNdi.Data.Audit;
using OpenNdi.Testing;

namespace OpenNdi.Data.Tests;

[Trait("Category", "Security")]
public class AuditStoreTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 23, 8, 0, 0, TimeSpan.Zero);

    private static AuditRecord Record(int n, string patient = "191212121212", string provider = "SE2321000016-1000", string? emergency = null) => new(
        Start.AddSeconds(n), "index-lookup", AuditAction.Execute, AuditOutcome.Success,
        new AuditAgent(AuditAgentKind.Professional, $"SE2321000016-D{n % 3}", Provider: provider, CareUnit: provider + "U"),
        Patient: patient, PurposeOfUse: "TREAT", EmergencyReason: emergency);

    private static async Task<IReadOnlyList<AuditReceipt>> AppendAllAsync(AuditWriter writer, IEnumerable<AuditRecord> records) =>
        await Task.WhenAll(records.Select(r => writer.AppendAsync(r)));

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task ConcurrentAppends_AreAllAcknowledgedOnce_AndTheChainVerifies(string backend)
    {
        await using var test = await TestDatabase.CreateAsync(backend);
        var store = new AuditStore(test.Database, checkpointInterval: 100);
        IReadOnlyList<AuditReceipt> receipts;
        await using (var writer = new AuditWriter(store, "node-a"))
            receipts = await AppendAllAsync(writer, Enumerable.Range(1, 1_000).Select(n => Record(n)));

        Assert.Equal(Enumerable.Range(1, 1_000).Select(n => (long)n), receipts.Select(r => r.Sequence).Order());
        var result = Assert.Single(await AuditVerification.VerifyAsync(store));
        Assert.True(result.Intact, result.Break?.ToString());
        Assert.Equal(1_000, result.Verified);
        Assert.Equal(10, (await store.CheckpointsAsync("node-a")).Count);
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task TwoWritersOnOnePartition_TakeTurns_WithoutForkingTheChain(string backend)
    {
        await using var test = await TestDatabase.CreateAsync(backend);
        var store = new AuditStore(test.Database);
        await using (var first = new AuditWriter(store, "shared"))
        await using (var second = new AuditWriter(store, "shared"))
        {
            await Task.WhenAll(
                AppendAllAsync(first, Enumerable.Range(1, 300).Select(n => Record(n))),
                AppendAllAsync(second, Enumerable.Range(301, 300).Select(n => Record(n))));
        }

        var result = Assert.Single(await AuditVerification.VerifyAsync(store));
        Assert.True(result.Intact, result.Break?.ToString());
        Assert.Equal(600, result.Verified);
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task TwoStoresOnOnePartition_WhenTheOtherMovedTheHead_ContinueFromTheStoredHead(string backend)
    {
        await using var test = await TestDatabase.CreateAsync(backend);
        var first = new AuditStore(test.Database);
        var second = new AuditStore(test.Database);
        var one = new AuditStore.Pending(Record(1), AuditJson.Write(Record(1)));

        Assert.Equal(new long[] { 1 }, await first.AppendAsync("shared", [one]));
        Assert.Equal(new long[] { 2 }, await second.AppendAsync("shared", [one]));
        // The first store's last head (1) is stale now: it must notice and continue after 2, not fork at 1.
        Assert.Equal(new long[] { 3, 4 }, await first.AppendAsync("shared", [one, one]));
        Assert.Equal(new long[] { 5 }, await second.AppendAsync("shared", [one]));

        var result = Assert.Single(await AuditVerification.VerifyAsync(first));
        Assert.True(result.Intact, result.Break?.ToString());
        Assert.Equal(5, result.Verified);
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Queries_ByPatientActorProviderAndEmergency_AreNewestFirst(string backend)
    {
        await using var test = await TestDatabase.CreateAsync(backend);
        var store = new AuditStore(test.Database);
        await using (var writer = new AuditWriter(store, "node-a"))
        {
            await AppendAllAsync(writer, [
                Record(1), Record(2, patient: "198005172349"), Record(3, provider: "SE5560125790-2000"),
                Record(4, emergency: "unconscious, no relatives reachable"), Record(5)]);
        }

        var byPatient = await store.QueryAsync(new AuditQuery(Patient: "191212121212"));
        Assert.Equal([5L, 4, 3, 1], byPatient.Select(r => r.Sequence));
        Assert.Equal([5L, 2], (await store.QueryAsync(new AuditQuery(Actor: "SE2321000016-D2"))).Select(r => r.Sequence));
        Assert.Equal([3L], (await store.QueryAsync(new AuditQuery(ActorProvider: "SE5560125790-2000"))).Select(r => r.Sequence));
        Assert.Equal([4L], (await store.QueryAsync(new AuditQuery(EmergencyOnly: true))).Select(r => r.Sequence));
        Assert.Equal([3L], (await store.QueryAsync(new AuditQuery(Patient: "191212121212", From: Start.AddSeconds(2), Before: Start.AddSeconds(4)))).Select(r => r.Sequence));
        var firstPage = await store.QueryAsync(new AuditQuery(Patient: "191212121212", Limit: 2));
        Assert.Equal([5L, 4], firstPage.Select(r => r.Sequence));
        var nextPage = await store.QueryAsync(new AuditQuery(Patient: "191212121212", Limit: 2, After: AuditCursor.Of(firstPage[^1])));
        Assert.Equal([3L, 1], nextPage.Select(r => r.Sequence));
        Assert.Equal("unconscious, no relatives reachable", AuditJson.Read(System.Text.Encoding.UTF8.GetBytes(byPatient[1].Json)).EmergencyReason);
        Assert.Equal(byPatient[0], await store.GetAsync(new AuditReceipt("node-a", 5)));
        Assert.Null(await store.GetAsync(new AuditReceipt("node-a", 6)));
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task UpdateAndDelete_AreRefusedByTheDatabase(string backend)
    {
        await using var test = await TestDatabase.CreateAsync(backend);
        var store = new AuditStore(test.Database);
        await using (var writer = new AuditWriter(store, "node-a"))
            await AppendAllAsync(writer, [Record(1), Record(2)]);
        var events = test.Database.Table("audit", "events");

        await Assert.ThrowsAnyAsync<DbException>(() => ExecuteAsync(test.Database, $"UPDATE {events} SET patient = '198005172349' WHERE seq = 1"));
        await Assert.ThrowsAnyAsync<DbException>(() => ExecuteAsync(test.Database, $"DELETE FROM {events} WHERE seq = 2"));

        Assert.True(Assert.Single(await AuditVerification.VerifyAsync(store)).Intact);
    }

    private const string Swap = "UPDATE {events} SET seq = -7 WHERE seq = 5; UPDATE {events} SET seq = 5 WHERE seq = 7; UPDATE {events} SET seq = 7 WHERE seq = -7";

    public static TheoryData<string, string, long> Tampering => new()
    {
        { "sqlite", "UPDATE {events} SET json = replace(json, '191212121212', '198005172349') WHERE seq = 4", 4 },
        { "postgres", "UPDATE {events} SET json = replace(json, '191212121212', '198005172349') WHERE seq = 4", 4 },
        { "sqlite", "UPDATE {events} SET emergency = 0 WHERE seq = 3", 3 },
        { "postgres", "UPDATE {events} SET emergency = false WHERE seq = 3", 3 },
        { "sqlite", "DELETE FROM {events} WHERE seq = 6", 6 },
        { "postgres", "DELETE FROM {events} WHERE seq = 6", 6 },
        { "sqlite", "DELETE FROM {events} WHERE seq >= 9", 9 },
        { "postgres", "DELETE FROM {events} WHERE seq >= 9", 9 },
        // Reordering: two records swap places (their sequence numbers), as if history were rewritten.
        { "sqlite", Swap, 5 },
        { "postgres", Swap, 5 },
    };

    [Theory]
    [MemberData(nameof(Tampering))]
    public async Task TamperingWithStoredRecords_IsFound_AtTheFirstChangedRecord(string backend, string sql, long firstBroken)
    {
        await using var test = await TestDatabase.CreateAsync(backend);
        var store = new AuditStore(test.Database);
        await using (var writer = new AuditWriter(store, "node-a"))
        {
            foreach (var n in Enumerable.Range(1, 10))
                await writer.AppendAsync(Record(n, emergency: n == 3 ? "cardiac arrest" : null));
        }
        var events = test.Database.Table("audit", "events");
        // Someone with the database owner's rights goes around the append-only triggers.
        await ExecuteAsync(test.Database, backend == "sqlite"
            ? "DROP TRIGGER audit_events_no_update; DROP TRIGGER audit_events_no_delete;"
            : "ALTER TABLE audit.events DISABLE TRIGGER USER;");
        await ExecuteAsync(test.Database, sql.Replace("{events}", events, StringComparison.Ordinal));

        var result = Assert.Single(await AuditVerification.VerifyAsync(store));

        Assert.False(result.Intact);
        Assert.Equal(firstBroken, result.Break!.Sequence);
    }

    private static async Task ExecuteAsync(NdiDatabase database, string sql)
    {
        await using var connection = await database.OpenConnectionAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }
}
