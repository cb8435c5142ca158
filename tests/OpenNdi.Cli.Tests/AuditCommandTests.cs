using OpenNdi.Core.Audit;
using OpenNdi.Data;
using OpenNdi.Data.Audit;
using OpenNdi.Testing;

namespace OpenNdi.Cli.Tests;

/// <summary>
/// <c>ndi audit verify</c> and <c>ndi audit append-load</c> run as child processes (so a run can be killed, and so no
/// test swaps the process-wide console that <see cref="SeedCommandTests"/> swaps).
/// </summary>
public class AuditCommandTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 23, 8, 0, 0, TimeSpan.Zero);

    private static AuditRecord Record(int n) => new(
        Start.AddSeconds(n), "index-lookup", AuditAction.Execute, AuditOutcome.Success,
        new AuditAgent(AuditAgentKind.Professional, $"SE2321000016-D{n % 3}", Provider: "SE2321000016-1000"),
        Patient: "191212121212", PurposeOfUse: "TREAT");

    private static async Task AppendAsync(AuditStore store, string partition, int count)
    {
        await using var writer = new AuditWriter(store, partition);
        foreach (var n in Enumerable.Range(1, count))
            await writer.AppendAsync(Record(n));
    }

    private static AuditReceipt Receipt(string id) =>
        AuditReceipt.TryParse(id, out var receipt) ? receipt : throw new FormatException($"'{id}' is not a receipt id");

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task AppendLoad_KilledWhileAppending_KeepsEveryAcknowledgedRecord_AndARestartContinuesTheChain(string backend)
    {
        await using var test = await TestDatabase.CreateAsync(backend);
        var store = new AuditStore(test.Database);
        const string partition = "crash-node";
        string[] load = ["audit", "append-load", "--partition", partition, "--concurrency", "16", "--database", test.ConfigurationValue];

        IReadOnlyList<string> acknowledgedIds;
        await using (var running = NdiProcess.Start([.. load, "--duration", "600"]))
        {
            // Killed mid-run, once it has acknowledged a few hundred records: a condition, not a sleep.
            await running.WaitForLinesAsync(300, TimeSpan.FromMinutes(2));
            await running.KillAsync();
            // Lines still in the pipe when it died were written before it died: acknowledged too.
            acknowledgedIds = running.Lines;
        }

        var acknowledged = acknowledgedIds.Select(Receipt).ToList();
        Assert.True(acknowledged.Count >= 300, $"only {acknowledged.Count} acknowledgements before the kill");
        Assert.All(acknowledged, r => Assert.Equal(partition, r.Partition));
        Assert.Equal(acknowledged.Count, acknowledged.Distinct().Count());
        foreach (var receipt in acknowledged)
            Assert.True(await store.GetAsync(receipt) is not null, $"acknowledged record {receipt.Id} is not stored");
        var head = await store.HeadAsync(partition);
        Assert.NotNull(head);
        Assert.True(acknowledged.Max(r => r.Sequence) <= head.Sequence);
        var afterCrash = Assert.Single(await AuditVerification.VerifyAsync(store));
        Assert.True(afterCrash.Intact, afterCrash.Break?.ToString());
        Assert.Equal(head.Sequence, afterCrash.Verified);

        // Restarted on the same partition, the writer goes on from the stored head.
        IReadOnlyList<string> continuedIds;
        await using (var restarted = NdiProcess.Start([.. load, "--duration", "1.5"]))
        {
            var (exitCode, error) = await restarted.WaitAsync(TimeSpan.FromMinutes(1));
            Assert.True(exitCode == 0, error);
            continuedIds = restarted.Lines;
        }

        var continued = continuedIds.Select(id => Receipt(id).Sequence).Order().ToList();
        Assert.NotEmpty(continued);
        Assert.Equal(Enumerable.Range(1, continued.Count).Select(i => head.Sequence + i), continued);
        var afterRestart = Assert.Single(await AuditVerification.VerifyAsync(store));
        Assert.True(afterRestart.Intact, afterRestart.Break?.ToString());
        Assert.Equal(head.Sequence + continued.Count, afterRestart.Verified);
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Verify_OnAnIntactLog_ExitsZeroAndReportsEveryPartition(string backend)
    {
        await using var test = await TestDatabase.CreateAsync(backend);
        var store = new AuditStore(test.Database);
        await AppendAsync(store, "node-a", 10);
        await AppendAsync(store, "node-b", 5);

        var (exitCode, output, error) = await NdiProcess.RunAsync("audit", "verify", "--database", test.ConfigurationValue);

        Assert.True(exitCode == 0, output + error);
        Assert.Contains("node-a: 10 records verified, intact", output);
        Assert.Contains("node-b: 5 records verified, intact", output);
        Assert.Contains("Audit log intact: 2 partition(s), 15 records.", output);
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Verify_AfterTampering_ExitsOneAndNamesTheFirstBrokenRecord(string backend)
    {
        await using var test = await TestDatabase.CreateAsync(backend);
        var store = new AuditStore(test.Database);
        await AppendAsync(store, "node-a", 10);
        await AppendAsync(store, "node-b", 5);
        // Someone with the database owner's rights goes around the append-only triggers and edits record 4.
        await ExecuteAsync(test.Database, backend == "sqlite"
            ? "DROP TRIGGER audit_events_no_update; DROP TRIGGER audit_events_no_delete;"
            : "ALTER TABLE audit.events DISABLE TRIGGER USER;");
        await ExecuteAsync(test.Database,
            $"UPDATE {test.Database.Table("audit", "events")} SET json = replace(json, '191212121212', '198005172349') WHERE partition = 'node-a' AND seq = 4");

        var (exitCode, output, error) = await NdiProcess.RunAsync("audit", "verify", "--database", test.ConfigurationValue);

        Assert.Equal(1, exitCode);
        Assert.Contains("node-a: 3 records verified, then BROKEN at partition node-a, record 4: its content does not match its hash", output);
        Assert.Contains("node-b: 5 records verified, intact", output);
        Assert.Contains("BROKEN in 1 of 2 partition(s)", error);
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Verify_OnADatabaseWithoutAnAuditLog_ExitsThreeAndCreatesNothing(string backend)
    {
        await using var test = await TestDatabase.CreateAsync(backend, migrate: false);

        var (exitCode, _, error) = await NdiProcess.RunAsync("audit", "verify", "--database", test.ConfigurationValue);

        Assert.Equal(3, exitCode);
        Assert.Contains("error: database:", error);
        if (backend == "sqlite")
            Assert.False(File.Exists(test.ConfigurationValue));
        else
            Assert.Contains("holds no audit log", error);
    }

    [Fact]
    public async Task Verify_WhenTheServerCannotBeReached_ExitsThreeWithAnError()
    {
        var (exitCode, _, error) = await NdiProcess.RunAsync("audit", "verify", "--database", "Host=127.0.0.1;Port=1;Username=postgres;Database=none;Timeout=5");

        Assert.Equal(3, exitCode);
        Assert.Contains("error: database: Failed to connect", error);
    }

    [Theory]
    [InlineData("audit partition 'node/1'", "--partition", "node/1")]
    [InlineData("--duration must be more than 0", "--duration", "0")]
    [InlineData("--concurrency must be 1 to 1,024", "--concurrency", "0")]
    public async Task AppendLoad_WithABadArgument_ExitsTwoNamingIt(string expected, string option, string value)
    {
        string[] args = ["audit", "append-load", "--partition", "node-a", "--duration", "1", "--database", "Host=127.0.0.1;Port=1;Database=none"];
        var at = Array.IndexOf(args, option);
        if (at < 0)
            args = [.. args, option, value];
        else
            args[at + 1] = value;

        var (exitCode, output, error) = await NdiProcess.RunAsync(args);

        Assert.Equal(2, exitCode);
        Assert.Contains(expected, error);
        Assert.Empty(output);
    }

    private static async Task ExecuteAsync(NdiDatabase database, string sql)
    {
        await using var connection = await database.OpenConnectionAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }
}
