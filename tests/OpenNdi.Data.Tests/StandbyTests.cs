using System.Data.Common;
using OpenNdi.Core.Audit;
using OpenNdi.Data.Audit;

namespace OpenNdi.Data.Tests;

/// <summary>
/// The read-replica plan of docs/scale-out.md on loopback: a streaming hot standby made with pg_basebackup -R from a
/// throwaway primary. The primary commits with synchronous_commit = remote_apply to that standby (PostgreSQL 15 docs
/// §27.2.8, "Synchronous Replication"), so an acknowledged record is already visible there and the test reads it at
/// once, without polling or sleeping.
/// </summary>
public class StandbyTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 7, 9, 0, 0, TimeSpan.Zero);

    private static AuditRecord Record(int n, string patient) => new(
        Start.AddMinutes(n), "index-lookup", AuditAction.Execute, AuditOutcome.Success,
        new AuditAgent(AuditAgentKind.Professional, "SE2321000016-D7", Provider: "SE2321000016-1000", CareUnit: "SE2321000016-1000U"),
        Patient: patient, PurposeOfUse: "TREAT");

    [Fact]
    public async Task PatientsAccessLog_WrittenOnThePrimary_IsReadOnTheStandby_WhichRefusesAppends()
    {
        await using var primary = await ThrowawayCluster.StartPrimaryAsync("synchronous_standby_names='*'", "synchronous_commit=remote_apply");
        await using var standby = await ThrowawayCluster.StartStandbyAsync(primary);
        await using var onPrimary = new NdiDatabase(new StorageOptions(StorageBackend.PostgreSql, primary.ConnectionString()));
        await using var onStandby = new NdiDatabase(new StorageOptions(StorageBackend.PostgreSql, standby.ConnectionString()));
        await MigrationRunner.ApplyAsync(onPrimary, DataModules.AllMigrations);
        await AuditTimePartitions.EnsureMonthsAsync(onPrimary, Start);

        IReadOnlyList<AuditReceipt> receipts;
        await using (var writer = new AuditWriter(new AuditStore(onPrimary), "node-a"))
        {
            receipts = [
                await writer.AppendAsync(Record(1, "191212121212")),
                await writer.AppendAsync(Record(2, "198005172349")),
                await writer.AppendAsync(Record(3, "191212121212")),
            ];
        }

        var replica = new AuditStore(onStandby);
        var view = await replica.QueryAsync(new AuditQuery(Patient: "191212121212"));
        Assert.Equal([3L, 1L], view.Select(r => r.Sequence));
        Assert.Equal([receipts[2], receipts[0]], view.Select(r => r.Receipt));
        Assert.Equal(["true"], await PartitioningTests.RowsAsync(onStandby, "SELECT pg_is_in_recovery()::text"));
        Assert.Equal(["audit.events_y2026m12"], await PartitioningTests.RowsAsync(onStandby, "SELECT DISTINCT tableoid::regclass::text FROM audit.events"));
        // Appends belong to the primary: the standby refuses the write (read-only transaction).
        await Assert.ThrowsAnyAsync<DbException>(() => replica.AppendAsync("node-b", [new AuditStore.Pending(Record(4, "191212121212"), AuditJson.Write(Record(4, "191212121212")))]));
        Assert.True(Assert.Single(await AuditVerification.VerifyAsync(replica)).Intact);
    }
}
