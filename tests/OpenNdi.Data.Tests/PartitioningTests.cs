using System.Data.Common;
using OpenNdi.Core.Audit;
using OpenNdi.Data.Audit;
using OpenNdi.Testing;

namespace OpenNdi.Data.Tests;

/// <summary>
/// The PostgreSQL layout of issue 14: audit.events by month of recorded (with a default partition), pdi.entries by
/// hash of the patient. Expected names and counts are written out here, not taken from the code under test.
/// </summary>
public class PartitioningTests
{
    private static AuditRecord Record(DateTimeOffset recorded, string patient = "191212121212") => new(
        recorded, "index-lookup", AuditAction.Execute, AuditOutcome.Success,
        new AuditAgent(AuditAgentKind.Professional, "SE2321000016-D1", Provider: "SE2321000016-1000", CareUnit: "SE2321000016-1000U"),
        Patient: patient, PurposeOfUse: "TREAT");

    [Fact]
    public async Task Migrate_OnPostgres_PartitionsTheAuditLogByRangeAndTheIndexByHashOf16()
    {
        await using var test = await TestDatabase.CreateAsync("postgres");

        var strategies = await RowsAsync(test.Database, """
            SELECT c.relnamespace::regnamespace::text || '.' || c.relname || ' ' || p.partstrat::text || ' ' || a.attname
            FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid
            JOIN pg_attribute a ON a.attrelid = p.partrelid AND a.attnum = p.partattrs[0]
            ORDER BY 1
            """);
        Assert.Equal(["audit.events r recorded", "pdi.entries h patient"], strategies);
        Assert.Equal(["16"], await RowsAsync(test.Database, "SELECT count(*)::text FROM pg_inherits WHERE inhparent = 'pdi.entries'::regclass"));
        Assert.Equal(["audit.events_default"], await RowsAsync(test.Database,
            "SELECT inhrelid::regclass::text FROM pg_inherits JOIN pg_class c ON c.oid = inhrelid WHERE inhparent = 'audit.events'::regclass AND pg_get_expr(c.relpartbound, c.oid) = 'DEFAULT'"));
    }

    [Fact]
    public async Task Append_LandsInTheTableOfItsMonth_EitherSideOfTheBoundary()
    {
        await using var test = await TestDatabase.CreateAsync("postgres");
        var created = await AuditTimePartitions.EnsureMonthsAsync(test.Database, new DateTimeOffset(2031, 5, 10, 12, 0, 0, TimeSpan.Zero));
        Assert.Equal(["events_y2031m05", "events_y2031m06", "events_y2031m07", "events_y2031m08"], created);
        var store = new AuditStore(test.Database);

        await using (var writer = new AuditWriter(store, "node-a"))
        {
            await writer.AppendAsync(Record(new DateTimeOffset(2031, 5, 31, 23, 59, 59, TimeSpan.Zero).AddTicks(9_999_990)));
            await writer.AppendAsync(Record(new DateTimeOffset(2031, 6, 1, 0, 0, 0, TimeSpan.Zero)));
            await writer.AppendAsync(Record(new DateTimeOffset(2031, 5, 1, 0, 0, 0, TimeSpan.Zero)));
            await writer.AppendAsync(Record(new DateTimeOffset(2031, 8, 31, 23, 59, 59, TimeSpan.Zero)));
        }

        Assert.Equal(["1 audit.events_y2031m05", "2 audit.events_y2031m06", "3 audit.events_y2031m05", "4 audit.events_y2031m08"], await PlacesAsync(test.Database));
        Assert.True(Assert.Single(await AuditVerification.VerifyAsync(store)).Intact);
    }

    [Fact]
    public async Task Append_FarInTheFuture_LandsInTheDefaultPartition_AndTheChainVerifies()
    {
        await using var test = await TestDatabase.CreateAsync("postgres");
        var store = new AuditStore(test.Database);

        await using (var writer = new AuditWriter(store, "node-a"))
        {
            await writer.AppendAsync(Record(new DateTimeOffset(2190, 1, 1, 0, 0, 0, TimeSpan.Zero)));
            await writer.AppendAsync(Record(new DateTimeOffset(1999, 12, 31, 23, 0, 0, TimeSpan.Zero)));
        }

        Assert.Equal(["1 audit.events_default", "2 audit.events_default"], await PlacesAsync(test.Database));
        var result = Assert.Single(await AuditVerification.VerifyAsync(store));
        Assert.True(result.Intact, result.Break?.ToString());
        Assert.Equal(2, result.Verified);
        Assert.Equal(2, (await store.QueryAsync(new AuditQuery(Patient: "191212121212"))).Count);
    }

    [Fact]
    public async Task EnsureMonths_WhenTheDefaultHoldsAMonth_LeavesThatMonthThere_AndAppendsStillSucceed()
    {
        await using var test = await TestDatabase.CreateAsync("postgres");
        var store = new AuditStore(test.Database);
        await using var writer = new AuditWriter(store, "node-a");
        await writer.AppendAsync(Record(new DateTimeOffset(2090, 3, 5, 0, 0, 0, TimeSpan.Zero)));

        var created = await AuditTimePartitions.EnsureMonthsAsync(test.Database, new DateTimeOffset(2090, 2, 20, 0, 0, 0, TimeSpan.Zero));
        await writer.AppendAsync(Record(new DateTimeOffset(2090, 3, 6, 0, 0, 0, TimeSpan.Zero)));
        await writer.AppendAsync(Record(new DateTimeOffset(2090, 4, 1, 0, 0, 0, TimeSpan.Zero)));

        Assert.Equal(["events_y2090m02", "events_y2090m04", "events_y2090m05"], created);
        Assert.Empty(await AuditTimePartitions.EnsureMonthsAsync(test.Database, new DateTimeOffset(2090, 2, 20, 0, 0, 0, TimeSpan.Zero)));
        Assert.Equal(["1 audit.events_default", "2 audit.events_default", "3 audit.events_y2090m04"], await PlacesAsync(test.Database));
    }

    [Fact]
    public async Task TruncateOfOneMonth_AndUpdateThroughAMonth_AreRefused()
    {
        await using var test = await TestDatabase.CreateAsync("postgres");
        await AuditTimePartitions.EnsureMonthsAsync(test.Database, new DateTimeOffset(2031, 5, 10, 0, 0, 0, TimeSpan.Zero));
        var store = new AuditStore(test.Database);
        await using (var writer = new AuditWriter(store, "node-a"))
            await writer.AppendAsync(Record(new DateTimeOffset(2031, 5, 11, 0, 0, 0, TimeSpan.Zero)));

        await Assert.ThrowsAnyAsync<DbException>(() => ExecuteAsync(test.Database, "TRUNCATE audit.events_y2031m05"));
        await Assert.ThrowsAnyAsync<DbException>(() => ExecuteAsync(test.Database, "TRUNCATE audit.events_default"));
        await Assert.ThrowsAnyAsync<DbException>(() => ExecuteAsync(test.Database, "UPDATE audit.events_y2031m05 SET patient = NULL"));
        await Assert.ThrowsAnyAsync<DbException>(() => ExecuteAsync(test.Database, "DELETE FROM audit.events_y2031m05"));

        Assert.Equal(["1 audit.events_y2031m05"], await PlacesAsync(test.Database));
    }

    [Fact]
    public async Task ADuplicateSequenceNumberInAnotherMonth_WrittenAroundTheStore_IsFoundByTheVerifier()
    {
        // The key is (partition, seq, recorded) now, so the database alone no longer refuses a second record 2 with
        // another time; the head refuses it to the store, and the chain shows it to anyone who verifies.
        await using var test = await TestDatabase.CreateAsync("postgres");
        var store = new AuditStore(test.Database);
        await using (var writer = new AuditWriter(store, "node-a"))
        {
            foreach (var day in Enumerable.Range(1, 3))
                await writer.AppendAsync(Record(new DateTimeOffset(2031, 5, day, 0, 0, 0, TimeSpan.Zero)));
        }

        await ExecuteAsync(test.Database, $"""
            INSERT INTO audit.events ({AuditStore.Columns})
            SELECT partition, seq, recorded + interval '40 days', event, outcome, actor, actor_provider, patient, emergency, json, prev_hash, hash
            FROM audit.events WHERE seq = 2
            """);

        var result = Assert.Single(await AuditVerification.VerifyAsync(store));
        Assert.False(result.Intact);
        Assert.Contains(result.Break!.Sequence, new long[] { 2, 3 });
    }

    /// <summary>Each record's sequence number and the table that holds it.</summary>
    internal static Task<List<string>> PlacesAsync(NdiDatabase database) =>
        RowsAsync(database, "SELECT seq || ' ' || tableoid::regclass::text FROM audit.events ORDER BY seq");

    internal static async Task<List<string>> RowsAsync(NdiDatabase database, string sql)
    {
        await using var connection = await database.OpenConnectionAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
            rows.Add(reader.GetString(0));
        return rows;
    }

    internal static async Task ExecuteAsync(NdiDatabase database, string sql)
    {
        await using var connection = await database.OpenConnectionAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }
}
