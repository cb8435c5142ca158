using OpenNdi.Core.Audit;
using OpenNdi.Core.Identifiers;
using OpenNdi.Core.Index;
using OpenNdi.Data.Audit;
using OpenNdi.Data.Index;
using OpenNdi.Testing;

namespace OpenNdi.Data.Tests;

/// <summary>
/// An existing PostgreSQL database of the unpartitioned layout (every migration but audit/2 and index/2, as main
/// had it) is filled through the stores, then migrated: every row is kept, byte for byte, in the right partition, the
/// chains verify and go on, and the index behaves as before.
/// </summary>
public class PartitionMigrationTests
{
    private static readonly HsaId Region = HsaId.Create(OrganizationNumber.Parse("232100-0016"), "1000");
    private static readonly HsaId RegionUnit = HsaId.Create(OrganizationNumber.Parse("232100-0016"), "15CQ");
    private static readonly HsaId Private = HsaId.Create(OrganizationNumber.Parse("556012-5790"), "2000");
    private static readonly HsaId PrivateUnit = HsaId.Create(OrganizationNumber.Parse("556012-5790"), "7A1B");
    private static readonly DateTimeOffset LogStart = new(2026, 8, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Migrate_FromTheUnpartitionedLayout_KeepsEveryRow_AndTheChainsVerify()
    {
        await using var test = await TestDatabase.CreateAsync("postgres", migrate: false);
        var before = DataModules.AllMigrations.Where(m => !(m.Module == "audit" && m.Version == 2) && !(m.Module == "index" && m.Version == 2)).ToList();
        await MigrationRunner.ApplyAsync(test.Database, before);
        var random = new Random(14);
        var audit = new AuditStore(test.Database, checkpointInterval: 50);
        var recorded = new List<(string Partition, DateTimeOffset Recorded)>();
        foreach (var node in (string[])["node-a", "node-b"])
        {
            await using var writer = new AuditWriter(audit, node);
            // Five months of log time, records not in time order within a chain (callers' clocks differ).
            var records = Enumerable.Range(0, 200).Select(_ => Record(LogStart.AddSeconds(random.Next(0, 153 * 24 * 3600)), Patient(random.Next(40)))).ToList();
            await Task.WhenAll(records.Select(r => writer.AppendAsync(r)));
        }
        var index = new IndexStore(test.Database);
        var entries = Enumerable.Range(0, 40).SelectMany(p => Enumerable.Range(0, random.Next(1, 8)).Select(i => Entry(p, i, random))).ToList();
        await index.PublishAsync(entries);
        var snapshot = await SnapshotAsync(test.Database);
        var lookups = await LookupsAsync(index);

        var applied = await MigrationRunner.ApplyAsync(test.Database, DataModules.AllMigrations);

        Assert.Equal(["audit/2", "index/2"], applied);
        Assert.Equal(snapshot, await SnapshotAsync(test.Database));
        Assert.Equal(400, snapshot["audit.events"].Count);
        Assert.Equal(entries.Count, snapshot["pdi.entries"].Count);
        Assert.Equal(lookups, await LookupsAsync(index));
        // Every record in the table of its own month (UTC); none left to the default partition.
        var misplaced = await PartitioningTests.RowsAsync(test.Database, """
            SELECT seq::text FROM audit.events
            WHERE tableoid::regclass::text <> 'audit.events_y' || to_char(recorded AT TIME ZONE 'UTC', 'YYYY') || 'm' || to_char(recorded AT TIME ZONE 'UTC', 'MM')
            """);
        Assert.Empty(misplaced);
        Assert.Equal(["16"], await PartitioningTests.RowsAsync(test.Database, "SELECT count(*)::text FROM pg_inherits WHERE inhparent = 'pdi.entries'::regclass"));
        var verified = await AuditVerification.VerifyAsync(audit);
        Assert.All(verified, v => Assert.True(v.Intact, v.Break?.ToString()));
        Assert.Equal([200L, 200L], verified.Select(v => v.Verified));

        // The chains go on after the migration, the index still refuses another provider's key.
        await using (var writer = new AuditWriter(audit, "node-a"))
            Assert.Equal(201, (await writer.AppendAsync(Record(LogStart, Patient(1)))).Sequence);
        Assert.True((await AuditVerification.VerifyPartitionAsync(audit, "node-a")).Intact);
        var taken = entries[0] with { Provider = entries[0].Provider == Region ? Private : Region };
        Assert.IsType<EntryOfAnotherProvider>(await index.PublishAsync([taken], int.MaxValue));
        Assert.Equal(lookups, await LookupsAsync(index));
    }

    private static PersonalIdentityNumber Patient(int n) => PersonalIdentityNumber.Create(new DateOnly(1950 + n, 1 + n % 12, 1 + n % 28), 100 + n, coordination: false);

    private static AuditRecord Record(DateTimeOffset recorded, PersonalIdentityNumber patient) => new(
        recorded, "index-lookup", AuditAction.Execute, AuditOutcome.Success,
        new AuditAgent(AuditAgentKind.Professional, "SE2321000016-D1", Provider: Region.Value, CareUnit: RegionUnit.Value),
        Patient: patient.Value, PurposeOfUse: "TREAT");

    private static IndexEntry Entry(int patient, int i, Random random)
    {
        var privateProvider = random.Next(2) == 0;
        var first = new DateOnly(2010, 1, 1).AddDays(random.Next(3000));
        return new IndexEntry(
            new IndexEntryKey(Patient(patient), DataCategory.All[random.Next(DataCategory.All.Count)], privateProvider ? PrivateUnit : RegionUnit, "ehr-1", $"ref-{i}"),
            privateProvider ? Private : Region, first, first.AddDays(random.Next(2000)));
    }

    private static async Task<Dictionary<string, List<string>>> LookupsAsync(IndexStore index)
    {
        var found = new Dictionary<string, List<string>>();
        foreach (var n in Enumerable.Range(0, 40))
            found[Patient(n).Value] = [.. (await index.LookupAsync(new IndexQuery(Patient(n)))).Select(e => e.ToString())];
        return found;
    }

    /// <summary>Every row of the tables the migration rewrites or leans on, as text, in key order.</summary>
    private static async Task<Dictionary<string, List<string>>> SnapshotAsync(NdiDatabase database) => new()
    {
        ["audit.events"] = await PartitioningTests.RowsAsync(database, "SELECT row(e.*)::text FROM audit.events e ORDER BY partition, seq"),
        ["audit.heads"] = await PartitioningTests.RowsAsync(database, "SELECT row(h.*)::text FROM audit.heads h ORDER BY partition"),
        ["audit.checkpoints"] = await PartitioningTests.RowsAsync(database, "SELECT row(c.*)::text FROM audit.checkpoints c ORDER BY partition, seq"),
        ["pdi.entries"] = await PartitioningTests.RowsAsync(database, "SELECT row(e.*)::text FROM pdi.entries e ORDER BY patient, category, care_unit, source_system, source_reference"),
    };
}
