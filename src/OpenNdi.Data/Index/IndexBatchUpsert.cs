using System.Data.Common;
using Npgsql;
using NpgsqlTypes;
using OpenNdi.Core.Identifiers;
using OpenNdi.Core.Index;

namespace OpenNdi.Data.Index;

/// <summary>
/// The index's publish on PostgreSQL: thousands of rows per statement, by binary COPY while the keys are new and by
/// <c>INSERT … SELECT FROM unnest(arrays) ON CONFLICT … DO UPDATE … WHERE</c> for a batch that holds a key the table
/// has, instead of one round trip per row, with the outcome of the row-by-row upsert SQLite keeps: the same rows written, the same dates kept, and the same refusal (the first entry, in the request's order,
/// whose key another provider holds, and that owner).
/// </summary>
/// <remarks>
/// One statement may not update a row twice (PostgreSQL 15 docs, INSERT, "ON CONFLICT DO UPDATE … cannot affect row a
/// second time"), so a key that appears more than once in a request is merged into one row first: earliest first date,
/// latest latest date, which is what upserting the duplicates one after another leaves. A key whose duplicates name two
/// providers is refused the way the row-by-row path refuses it: the first write made the key the first provider's.
/// </remarks>
internal static class IndexBatchUpsert
{
    /// <summary>Rows per statement: large enough that round trips no longer count, small enough to keep each statement's memory modest.</summary>
    private const int BatchRows = 5_000;

    /// <summary>One row to write: the first entry of its key in the request, where that entry stood, and the dates of all its duplicates.</summary>
    private record struct Row(IndexEntry Entry, int Index, DateOnly FirstDate, DateOnly LatestDate);

    /// <summary>
    /// Writes <paramref name="entries"/> in the caller's transaction, or says why the caller must roll back: an entry
    /// whose key another provider holds, or a patient left with more than <paramref name="limit"/> current entries from
    /// one provider's system (<paramref name="chunk"/>: see <see cref="OverLimitAsync"/>).
    /// </summary>
    public static async Task<PublishRefusal?> PublishAsync(DbConnection connection, DbTransaction transaction, string table, IReadOnlyList<IndexEntry> entries,
        int limit, int chunk, CancellationToken cancellationToken)
    {
        var (rows, clash) = Merge(entries);
        if (clash is { } duplicate)
        {
            // Row by row, every entry before the duplicate would have been written, and one of them may meet a key
            // another provider holds in the table: that one is refused first. Nothing is written here either way.
            var before = rows.TakeWhile(r => r.Index < duplicate.Index).ToList();
            return await FirstHeldByAnotherAsync(connection, transaction, table, before, entries, cancellationToken) ?? duplicate.Refusal;
        }
        var crowded = limit < int.MaxValue ? await CrowdedPatientsAsync(connection, transaction, table, rows, limit, cancellationToken) : [];
        var sql = $"""
            INSERT INTO {table} (patient, category, care_unit, source_system, source_reference, provider, first_date, latest_date, retracted, updated_at)
            SELECT patient, category, care_unit, source_system, source_reference, provider, first_date, latest_date, false, @now
            FROM unnest(@patients, @categories, @units, @systems, @references, @providers, @firsts, @latests)
                AS u (patient, category, care_unit, source_system, source_reference, provider, first_date, latest_date)
            ON CONFLICT (patient, category, care_unit, source_system, source_reference) DO UPDATE SET
                provider = excluded.provider,
                first_date = LEAST({table}.first_date, excluded.first_date),
                latest_date = GREATEST({table}.latest_date, excluded.latest_date),
                retracted = false,
                updated_at = excluded.updated_at
            WHERE {table}.provider = excluded.provider
            """;
        var now = DateTimeOffset.UtcNow;
        for (var start = 0; start < rows.Count; start += BatchRows)
        {
            var batch = rows.GetRange(start, Math.Min(BatchRows, rows.Count - start));
            // New keys go in by binary COPY, about half the upsert's work (no speculative insertion). A batch with a key
            // the table holds, or one a concurrent request has just committed, fails the COPY on the primary key; it
            // is rolled back to its savepoint and upserted, which decides every key as before.
            if (connection is NpgsqlConnection npgsql && await TryCopyAsync(npgsql, transaction, table, batch, now, cancellationToken))
                continue;
            await using var upsert = connection.Command(sql, transaction);
            WithKeys(upsert, batch);
            upsert.With("@firsts", batch.Select(r => r.FirstDate).ToArray());
            upsert.With("@latests", batch.Select(r => r.LatestDate).ToArray());
            upsert.With("@now", now);
            // Fewer rows written than sent: some key is held by another provider (the WHERE of the update), decided in
            // this statement, so a concurrent publisher cannot slip in between a check and the write. The caller rolls
            // the whole request back; which entry to name is read inside the same transaction. Earlier batches were
            // all new keys (copied) or all written (upserted), so none of theirs is another provider's.
            if (await upsert.ExecuteNonQueryAsync(cancellationToken) < batch.Count)
            {
                return await FirstHeldByAnotherAsync(connection, transaction, table, batch, entries, cancellationToken)
                    ?? throw new InvalidOperationException("the index upsert wrote fewer rows than it was given, yet no key is held by another provider");
            }
        }
        // Counted after the writes, inside the transaction: what is checked is what would be committed (entries already
        // held, new ones, and republished ones counted once).
        return crowded.Count == 0 ? null
            : await OverLimitAsync(connection, transaction, table, [.. entries.Select(e => e.Key.Patient.Value).Distinct()], crowded, limit, chunk, cancellationToken);
    }

    /// <summary>
    /// Writes <paramref name="batch"/> by binary COPY inside a savepoint when none of its keys is in the table; false,
    /// with nothing of it written, when one is (SQLSTATE 23505 on the primary key).
    /// </summary>
    /// <remarks>
    /// No read decides which keys are new: probing the primary key for every key costs about what inserting the row
    /// does (docs/benchmarks.md, issue 16), so the COPY's own unique check is the probe. That check is also what makes
    /// this safe under read committed: a key another transaction inserted and has not yet committed makes the COPY wait
    /// for it (PostgreSQL 15 docs §64.5, "Index Uniqueness Checks"); if that transaction commits, the COPY fails, and the
    /// upsert that follows sees the committed row and widens its dates, or refuses it as another provider's. A failed
    /// COPY leaves the rows it had inserted as dead tuples for vacuum, at most one batch.
    /// </remarks>
    private static async Task<bool> TryCopyAsync(NpgsqlConnection connection, DbTransaction transaction, string table, List<Row> batch, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        await transaction.SaveAsync(CopySavepoint, cancellationToken);
        try
        {
            await using var writer = await connection.BeginBinaryImportAsync(
                $"COPY {table} (patient, category, care_unit, source_system, source_reference, provider, first_date, latest_date, retracted, updated_at) FROM STDIN (FORMAT BINARY)",
                cancellationToken);
            foreach (var row in batch)
            {
                var key = row.Entry.Key;
                await writer.StartRowAsync(cancellationToken);
                await writer.WriteAsync(key.Patient.Value, NpgsqlDbType.Text, cancellationToken);
                await writer.WriteAsync(key.Category.Code, NpgsqlDbType.Text, cancellationToken);
                await writer.WriteAsync(key.CareUnit.Value, NpgsqlDbType.Text, cancellationToken);
                await writer.WriteAsync(key.SourceSystem, NpgsqlDbType.Text, cancellationToken);
                await writer.WriteAsync(key.SourceReference, NpgsqlDbType.Text, cancellationToken);
                await writer.WriteAsync(row.Entry.Provider.Value, NpgsqlDbType.Text, cancellationToken);
                await writer.WriteAsync(row.FirstDate, NpgsqlDbType.Date, cancellationToken);
                await writer.WriteAsync(row.LatestDate, NpgsqlDbType.Date, cancellationToken);
                await writer.WriteAsync(false, NpgsqlDbType.Boolean, cancellationToken);
                await writer.WriteAsync(now, NpgsqlDbType.TimestampTz, cancellationToken);
            }
            await writer.CompleteAsync(cancellationToken);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            await transaction.RollbackAsync(CopySavepoint, cancellationToken);
            return false;
        }
        await transaction.ReleaseAsync(CopySavepoint, cancellationToken);
        return true;
    }

    private const string CopySavepoint = "index_copy";

    /// <summary>
    /// The patients who could hold more than <paramref name="limit"/> entries of one system after this request: those
    /// whose rows now, with the keys the request adds for them, come to more than the limit in all.
    /// </summary>
    /// <remarks>
    /// Counting every patient's entries by provider and system reads and groups all their rows (1–2 s for the 25,000
    /// patients of a bulk file on the bench machine). A patient can only be over the limit in one group if they hold
    /// more rows than the limit in all, which the primary key answers alone: an index-only scan that stops at the row
    /// standing at offset limit − added (there is one: the patient is crowded), read before the writes, while every
    /// page is still all-visible (after them each new row costs a heap fetch, two to five times the time). Only those
    /// few patients are counted exactly, after the writes. A row another
    /// request commits for the same patient between this read and that count is missed, as two concurrent publishes
    /// could already each pass the cap under read committed: the cap bounds amplification, it is not an exact quota.
    /// </remarks>
    private static async Task<List<string>> CrowdedPatientsAsync(DbConnection connection, DbTransaction transaction, string table, List<Row> rows, int limit, CancellationToken cancellationToken)
    {
        var added = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var row in rows)
            added[row.Entry.Key.Patient.Value] = added.GetValueOrDefault(row.Entry.Key.Patient.Value) + 1;
        // In key order, so that consecutive probes of one partition's key walk forward through it (a third cheaper
        // than in the request's order); EXISTS … OFFSET stops at the row that makes a patient crowded and needs no
        // count (together half the time of counting up to limit + 1 rows in the request's order, on the bench).
        var patients = new string[added.Count];
        var counts = new int[added.Count];
        var at = 0;
        foreach (var (patient, count) in added)
            (patients[at], counts[at++]) = (patient, count);
        Array.Sort(patients, counts, StringComparer.Ordinal);
        await using var held = connection.Command($"""
            SELECT p.patient FROM unnest(@patients, @added) AS p (patient, added)
            WHERE p.added > @limit OR EXISTS (SELECT 1 FROM {table} e WHERE e.patient = p.patient OFFSET @limit - p.added)
            """, transaction);
        held.With("@patients", patients);
        held.With("@added", counts);
        held.With("@limit", (long)limit);
        var crowded = new List<string>();
        await using var reader = await held.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            crowded.Add(reader.GetString(0));
        return crowded;
    }

    /// <summary>
    /// The first of <paramref name="crowded"/> by the order <paramref name="patients"/> first appear (<paramref name="chunk"/>
    /// at a time, as SQLite checks them), provider and source system holding more current entries than the limit.
    /// </summary>
    private static async Task<TooManyEntries?> OverLimitAsync(DbConnection connection, DbTransaction transaction, string table, IReadOnlyList<string> patients,
        List<string> crowded, int limit, int chunk, CancellationToken cancellationToken)
    {
        await using var count = connection.Command($"""
            SELECT patient, provider, source_system, COUNT(*) FROM {table}
            WHERE retracted = false AND patient = ANY(@patients)
            GROUP BY patient, provider, source_system HAVING COUNT(*) > @limit
            ORDER BY patient, provider, source_system
            """, transaction);
        count.With("@patients", crowded.ToArray());
        count.With("@limit", (long)limit);
        Dictionary<string, int>? position = null;
        (int Chunk, TooManyEntries Refusal)? first = null;
        await using var groups = await count.ExecuteReaderAsync(cancellationToken);
        while (await groups.ReadAsync(cancellationToken))
        {
            position ??= patients.Select((p, i) => (p, i)).ToDictionary(x => x.p, x => x.i, StringComparer.Ordinal);
            var inChunk = position[groups.GetString(0)] / chunk;
            if (first is null || inChunk < first.Value.Chunk)
                first = (inChunk, new TooManyEntries(PersonalIdentityNumber.Parse(groups.GetString(0)), HsaId.Parse(groups.GetString(1)), groups.GetString(2), groups.GetInt64(3), limit));
        }
        return first?.Refusal;
    }

    /// <summary>
    /// One row per key in the order keys first appear, each with its duplicates' dates folded in; or the first duplicate
    /// that names another provider than the key's first entry did, refused with that provider as the owner.
    /// </summary>
    private static (List<Row> Rows, (int Index, EntryOfAnotherProvider Refusal)? Clash) Merge(IReadOnlyList<IndexEntry> entries)
    {
        var rows = new List<Row>(entries.Count);
        var rowOf = new Dictionary<IndexEntryKey, int>(entries.Count);
        for (var i = 0; i < entries.Count; i++)
        {
            var entry = entries[i];
            if (!rowOf.TryAdd(entry.Key, rows.Count))
            {
                var at = rowOf[entry.Key];
                var row = rows[at];
                if (row.Entry.Provider != entry.Provider)
                    return (rows, (i, new EntryOfAnotherProvider(entry, row.Entry.Provider)));
                rows[at] = row with
                {
                    FirstDate = entry.FirstDate < row.FirstDate ? entry.FirstDate : row.FirstDate,
                    LatestDate = entry.LatestDate > row.LatestDate ? entry.LatestDate : row.LatestDate,
                };
                continue;
            }
            rows.Add(new Row(entry, i, entry.FirstDate, entry.LatestDate));
        }
        return (rows, null);
    }

    /// <summary>Of <paramref name="rows"/>, the first whose key the table holds for another provider, refused as its first entry.</summary>
    private static async Task<EntryOfAnotherProvider?> FirstHeldByAnotherAsync(DbConnection connection, DbTransaction transaction, string table, List<Row> rows,
        IReadOnlyList<IndexEntry> entries, CancellationToken cancellationToken)
    {
        if (rows.Count == 0)
            return null;
        await using var owners = connection.Command($"""
            SELECT u.ord, e.provider
            FROM unnest(@patients, @categories, @units, @systems, @references, @providers) WITH ORDINALITY
                AS u (patient, category, care_unit, source_system, source_reference, provider, ord)
            JOIN {table} e ON e.patient = u.patient AND e.category = u.category AND e.care_unit = u.care_unit
                AND e.source_system = u.source_system AND e.source_reference = u.source_reference
            WHERE e.provider <> u.provider
            ORDER BY u.ord LIMIT 1
            """, transaction);
        WithKeys(owners, rows);
        await using var reader = await owners.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
            return null;
        var row = rows[(int)reader.GetInt64(0) - 1];
        return new EntryOfAnotherProvider(entries[row.Index], HsaId.Parse(reader.GetString(1)));
    }

    private static void WithKeys(DbCommand command, List<Row> rows)
    {
        command.With("@patients", rows.Select(r => r.Entry.Key.Patient.Value).ToArray());
        command.With("@categories", rows.Select(r => r.Entry.Key.Category.Code).ToArray());
        command.With("@units", rows.Select(r => r.Entry.Key.CareUnit.Value).ToArray());
        command.With("@systems", rows.Select(r => r.Entry.Key.SourceSystem).ToArray());
        command.With("@references", rows.Select(r => r.Entry.Key.SourceReference).ToArray());
        command.With("@providers", rows.Select(r => r.Entry.Provider.Value).ToArray());
    }
}
