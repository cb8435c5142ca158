using System.Data.Common;
using OpenNdi.Core.Identifiers;
using OpenNdi.Core.Index;
using OpenNdi.Data.Index;
using OpenNdi.Testing;

namespace OpenNdi.Data.Tests;

/// <summary>
/// PostgreSQL writes a batch of new keys by COPY, which fails on the primary key when another transaction commits one
/// of them first (read committed: the COPY waits for that transaction, then sees its row). Each test holds a key in an
/// open transaction of its own, lets the publish reach the COPY and wait on it, then ends that transaction: the publish
/// must come out as if the two had run one after the other, never as a duplicate-key error.
/// </summary>
public class IndexConcurrentPublishTests
{
    private static readonly PersonalIdentityNumber Patient = PersonalIdentityNumber.Parse("19121212-1212", new DateOnly(2026, 11, 1));
    private static readonly OrganizationNumber RegionOrg = OrganizationNumber.Parse("232100-0016");
    private static readonly OrganizationNumber PrivateOrg = OrganizationNumber.Parse("556012-5790");
    private static readonly HsaId Region = HsaId.Create(RegionOrg, "1000");
    private static readonly HsaId RegionUnit = HsaId.Create(RegionOrg, "15CQ");
    private static readonly HsaId Private = HsaId.Create(PrivateOrg, "2000");

    private static IndexEntry Entry(string reference, DateOnly first, DateOnly latest) =>
        new(new IndexEntryKey(Patient, DataCategory.Laboratory, RegionUnit, "ehr-1", reference), Region, first, latest);

    [Fact]
    public async Task Publish_WhenAnotherRequestCommitsOneOfItsNewKeysMeanwhile_WidensThatEntryAndWritesTheRest()
    {
        await using var test = await TestDatabase.CreateAsync("postgres");
        var store = new IndexStore(test.Database);
        var contested = Entry("lab-1", new(2019, 1, 1), new(2020, 6, 1));
        var request = Enumerable.Range(0, 3_000).Select(i => Entry($"own-{i}", new(2021, 1, 1), new(2021, 1, 1))).Append(contested).ToList();

        await using (var other = await HoldAsync(test, contested.Key, Region, new(2020, 1, 1), new(2022, 1, 1)))
        {
            var publish = store.PublishAsync(request, 1_000_000, TestContext.Current.CancellationToken);
            await WaitUntilBlockedAsync(test, publish);
            await other.Transaction.CommitAsync(TestContext.Current.CancellationToken);
            Assert.Null(await publish);
        }

        Assert.Equal(3_001, await store.CountAsync());
        var found = await store.LookupAsync(new IndexQuery(Patient));
        Assert.Equal(contested with { FirstDate = new(2019, 1, 1), LatestDate = new(2022, 1, 1) }, Assert.Single(found, e => e.Key == contested.Key));
    }

    [Fact]
    [Trait("Category", "Security")]
    public async Task Publish_WhenAnotherProviderCommitsOneOfItsNewKeysMeanwhile_WritesNothing_AndNamesThatEntry()
    {
        await using var test = await TestDatabase.CreateAsync("postgres");
        var store = new IndexStore(test.Database);
        var contested = Entry("lab-1", new(2019, 1, 1), new(2020, 6, 1));
        List<IndexEntry> request = [Entry("own-0", new(2021, 1, 1), new(2021, 1, 1)), contested, Entry("own-1", new(2021, 1, 1), new(2021, 1, 1))];

        PublishRefusal? refusal;
        await using (var other = await HoldAsync(test, contested.Key, Private, new(2020, 1, 1), new(2022, 1, 1)))
        {
            var publish = store.PublishAsync(request, 1_000_000, TestContext.Current.CancellationToken);
            await WaitUntilBlockedAsync(test, publish);
            await other.Transaction.CommitAsync(TestContext.Current.CancellationToken);
            refusal = await publish;
        }

        Assert.Equal(new EntryOfAnotherProvider(contested, Private), refusal);
        Assert.Equal(0, await store.CountAsync(Region));
        Assert.Equal([new IndexEntry(contested.Key, Private, new(2020, 1, 1), new(2022, 1, 1))], await store.LookupAsync(new IndexQuery(Patient)));
    }

    [Fact]
    public async Task Publish_WhenAnotherRequestHoldingOneOfItsNewKeysRollsBack_WritesThemAll()
    {
        await using var test = await TestDatabase.CreateAsync("postgres");
        var store = new IndexStore(test.Database);
        var contested = Entry("lab-1", new(2019, 1, 1), new(2020, 6, 1));
        List<IndexEntry> request = [Entry("own-0", new(2021, 1, 1), new(2021, 1, 1)), contested];

        await using (var other = await HoldAsync(test, contested.Key, Private, new(2020, 1, 1), new(2022, 1, 1)))
        {
            var publish = store.PublishAsync(request, 1_000_000, TestContext.Current.CancellationToken);
            await WaitUntilBlockedAsync(test, publish);
            await other.Transaction.RollbackAsync(TestContext.Current.CancellationToken);
            Assert.Null(await publish);
        }

        Assert.Equal(request.OrderBy(e => e.Key.SourceReference, StringComparer.Ordinal), (await store.LookupAsync(new IndexQuery(Patient))).OrderBy(e => e.Key.SourceReference, StringComparer.Ordinal));
    }

    [Fact]
    public async Task Publish_OfNewAndHeldKeysAcrossBatches_WritesTheNewAndWidensTheHeld()
    {
        await using var test = await TestDatabase.CreateAsync("postgres");
        var store = new IndexStore(test.Database);
        var held = Enumerable.Range(0, 100).Select(i => Entry($"held-{i}", new(2020, 1, 1), new(2020, 1, 1))).ToList();
        await store.PublishAsync(held);
        // A first batch of new keys only (copied), a second with a held key at its end (upserted), a third new again.
        List<IndexEntry> request =
        [
            .. Enumerable.Range(0, 9_999).Select(i => Entry($"new-{i}", new(2021, 1, 1), new(2021, 1, 1))),
            held[7] with { FirstDate = new(2018, 1, 1), LatestDate = new(2024, 1, 1) },
            .. Enumerable.Range(9_999, 3_000).Select(i => Entry($"new-{i}", new(2021, 1, 1), new(2021, 1, 1))),
            held[8] with { LatestDate = new(2025, 1, 1) },
            held[8] with { FirstDate = new(2019, 1, 1) },
        ];

        Assert.Null(await store.PublishAsync(request, 1_000_000, TestContext.Current.CancellationToken));

        var found = (await store.LookupAsync(new IndexQuery(Patient))).ToDictionary(e => e.Key.SourceReference);
        Assert.Equal(100 + 12_999, found.Count);
        Assert.Equal((new DateOnly(2018, 1, 1), new DateOnly(2024, 1, 1)), (found["held-7"].FirstDate, found["held-7"].LatestDate));
        Assert.Equal((new DateOnly(2019, 1, 1), new DateOnly(2025, 1, 1)), (found["held-8"].FirstDate, found["held-8"].LatestDate));
        Assert.Equal((new DateOnly(2020, 1, 1), new DateOnly(2020, 1, 1)), (found["held-9"].FirstDate, found["held-9"].LatestDate));
        Assert.Equal((new DateOnly(2021, 1, 1), new DateOnly(2021, 1, 1)), (found["new-12998"].FirstDate, found["new-12998"].LatestDate));
    }

    /// <summary>Another request's transaction that has inserted <paramref name="key"/> and not yet ended.</summary>
    private static async Task<OpenTransaction> HoldAsync(TestDatabase test, IndexEntryKey key, HsaId provider, DateOnly first, DateOnly latest)
    {
        var connection = await test.Database.OpenConnectionAsync(TestContext.Current.CancellationToken);
        var transaction = await connection.BeginTransactionAsync(TestContext.Current.CancellationToken);
        await using var insert = connection.Command("""
            INSERT INTO pdi.entries (patient, category, care_unit, source_system, source_reference, provider, first_date, latest_date, retracted, updated_at)
            VALUES (@patient, @category, @unit, @system, @reference, @provider, @first, @latest, false, now())
            """, transaction)
            .With("@patient", key.Patient.Value).With("@category", key.Category.Code).With("@unit", key.CareUnit.Value)
            .With("@system", key.SourceSystem).With("@reference", key.SourceReference).With("@provider", provider.Value)
            .With("@first", first).With("@latest", latest);
        await insert.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        return new OpenTransaction(connection, transaction);
    }

    /// <summary>
    /// Until the publish waits on a lock (the other transaction's uncommitted key) or has ended, so that the other's
    /// commit or rollback reaches it inside its COPY. A query loop, not a sleep: each round trip is the pause.
    /// </summary>
    private static async Task WaitUntilBlockedAsync(TestDatabase test, Task publish)
    {
        await using var connection = await test.Database.OpenConnectionAsync(TestContext.Current.CancellationToken);
        await using var waiting = connection.Command("""
            SELECT COUNT(*) FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'COPY pdi.entries%'
            """);
        while (!publish.IsCompleted && await waiting.ScalarLongAsync(TestContext.Current.CancellationToken) == 0)
            TestContext.Current.CancellationToken.ThrowIfCancellationRequested();
        Assert.False(publish.IsCompleted, "the publish ended before it met the other transaction's key");
    }

    private sealed record OpenTransaction(DbConnection Connection, DbTransaction Transaction) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Transaction.DisposeAsync();
            await Connection.DisposeAsync();
        }
    }
}
