using System.Data.Common;
using System.Globalization;
using OpenNdi.Core.Identifiers;
using OpenNdi.Core.Index;

namespace OpenNdi.Data.Index;

/// <summary>
/// <see cref="IIndexStore"/> for both backends. The primary key is the entry key with the patient first, so a lookup
/// by patient is one index range scan. Dates are ISO text on SQLite and <c>date</c> on PostgreSQL.
/// </summary>
public sealed class IndexStore(NdiDatabase database) : IIndexStore
{
    private const string KeyColumns = "patient, category, care_unit, source_system, source_reference";
    private const string KeyMatch = "patient = @patient AND category = @category AND care_unit = @unit AND source_system = @system AND source_reference = @reference";

    private readonly bool _sqlite = database.Backend == StorageBackend.Sqlite;
    private readonly string _entries = database.Table("pdi", "entries");
    private readonly string _false = database.Backend == StorageBackend.Sqlite ? "0" : "false";
    private readonly string _true = database.Backend == StorageBackend.Sqlite ? "1" : "true";

    public async Task PublishAsync(IReadOnlyList<IndexEntry> entries, CancellationToken cancellationToken = default)
    {
        // Without a cap the only refusal is an entry of another provider: for a caller that writes its own entries
        // (the seed, the simulated providers) that is a fault to stop at, never to pass over.
        if (await PublishAsync(entries, int.MaxValue, cancellationToken) is EntryOfAnotherProvider taken)
            throw new InvalidOperationException($"index entry {Describe(taken.Entry.Key)} belongs to provider {taken.Owner}, not {taken.Entry.Provider}: nothing was published");
    }

    public async Task<PublishRefusal?> PublishAsync(IReadOnlyList<IndexEntry> entries, int maxEntriesPerSystemPerPatient, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxEntriesPerSystemPerPatient);
        foreach (var entry in entries)
        {
            if (entry.Validate() is { } problem)
                throw new ArgumentException($"index entry {Describe(entry.Key)}: {problem}", nameof(entries));
        }
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // PostgreSQL: thousands of rows a statement (IndexBatchUpsert); SQLite: a prepared upsert per row, then the cap.
        PublishRefusal? refusal = _sqlite
            ? await UpsertEachAsync(connection, transaction, entries, cancellationToken)
            : await IndexBatchUpsert.PublishAsync(connection, transaction, _entries, entries, maxEntriesPerSystemPerPatient, OverLimitChunk, cancellationToken);
        // Counted after the writes, inside the transaction: what is checked is what would be committed (entries already
        // held, new ones, and republished ones counted once). Two concurrent publishes of one system for one patient
        // may each pass under read committed; the cap bounds amplification, it is not an exact quota.
        if (_sqlite && refusal is null && maxEntriesPerSystemPerPatient < int.MaxValue)
            refusal = await OverLimitAsync(connection, transaction, [.. entries.Select(e => e.Key.Patient.Value).Distinct()], maxEntriesPerSystemPerPatient, cancellationToken);
        if (refusal is not null)
        {
            await transaction.RollbackAsync(cancellationToken);
            return refusal;
        }
        await transaction.CommitAsync(cancellationToken);
        return null;
    }

    /// <summary>SQLite: one prepared upsert per entry, in the request's order; the first entry another provider holds stops it.</summary>
    private async Task<EntryOfAnotherProvider?> UpsertEachAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<IndexEntry> entries, CancellationToken cancellationToken)
    {
        // Earliest first date and latest latest date win: a provider that republishes only its recent data does not
        // shrink what the index says it holds.
        var sql = $"""
            INSERT INTO {_entries} ({KeyColumns}, provider, first_date, latest_date, retracted, updated_at)
            VALUES (@patient, @category, @unit, @system, @reference, @provider, @first, @latest, {_false}, @now)
            ON CONFLICT ({KeyColumns}) DO UPDATE SET
                provider = excluded.provider,
                first_date = MIN({_entries}.first_date, excluded.first_date),
                latest_date = MAX({_entries}.latest_date, excluded.latest_date),
                retracted = {_false},
                updated_at = excluded.updated_at
            WHERE {_entries}.provider = excluded.provider
            """;
        await using var upsert = connection.Command(sql, transaction);
        foreach (var name in (string[])["@patient", "@category", "@unit", "@system", "@reference", "@provider", "@first", "@latest", "@now"])
            upsert.With(name, null);
        var now = DateTimeOffset.UtcNow;
        foreach (var entry in entries)
        {
            SetKey(upsert, entry.Key);
            upsert.Parameters["@provider"].Value = entry.Provider.Value;
            upsert.Parameters["@first"].Value = DateValue(entry.FirstDate);
            upsert.Parameters["@latest"].Value = DateValue(entry.LatestDate);
            upsert.Parameters["@now"].Value = now.ToString("O", CultureInfo.InvariantCulture);
            // No row written: the key is held by another provider (the WHERE of the update), decided in this statement,
            // so a concurrent publisher cannot slip in between a check and the write. Nothing of the request stays.
            if (await upsert.ExecuteNonQueryAsync(cancellationToken) == 0)
                return new EntryOfAnotherProvider(entry, await OwnerAsync(connection, transaction, entry.Key, cancellationToken));
        }
        return null;
    }

    /// <summary>Patients are checked this many per query (SQLite's parameter list; the PostgreSQL check names the same first one).</summary>
    private const int OverLimitChunk = 500;

    /// <summary>The first patient, provider and source system holding more current entries than the limit; patients checked a chunk per query.</summary>
    private async Task<TooManyEntries?> OverLimitAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<string> patients, int limit, CancellationToken cancellationToken)
    {
        for (var start = 0; start < patients.Count; start += OverLimitChunk)
        {
            var chunk = patients.Skip(start).Take(OverLimitChunk).ToList();
            await using var count = connection.Command($"""
                SELECT patient, provider, source_system, COUNT(*) FROM {_entries}
                WHERE retracted = {_false} AND patient IN ({string.Join(", ", chunk.Select((_, i) => $"@p{i}"))})
                GROUP BY patient, provider, source_system HAVING COUNT(*) > @limit
                ORDER BY patient, provider, source_system LIMIT 1
                """, transaction);
            for (var i = 0; i < chunk.Count; i++)
                count.With($"@p{i}", chunk[i]);
            count.With("@limit", (long)limit);
            await using var reader = await count.ExecuteReaderAsync(cancellationToken);
            if (await reader.ReadAsync(cancellationToken))
                return new TooManyEntries(PersonalIdentityNumber.Parse(reader.GetString(0)), HsaId.Parse(reader.GetString(1)), reader.GetString(2), reader.GetInt64(3), limit);
        }
        return null;
    }

    private async Task<HsaId> OwnerAsync(DbConnection connection, DbTransaction transaction, IndexEntryKey key, CancellationToken cancellationToken)
    {
        await using var owner = connection.Command($"SELECT provider FROM {_entries} WHERE {KeyMatch}", transaction);
        SetKey(owner, key);
        return HsaId.Parse((string)(await owner.ExecuteScalarAsync(cancellationToken))!);
    }

    public async Task<RetractOutcome> RetractAsync(IndexEntryKey key, HsaId provider, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var owner = connection.Command($"SELECT provider FROM {_entries} WHERE {KeyMatch} AND retracted = {_false}", transaction);
        SetKey(owner, key);
        var current = await owner.ExecuteScalarAsync(cancellationToken) as string;
        if (current is null)
            return RetractOutcome.NotFound;
        if (current != provider.Value)
            return RetractOutcome.NotOwner;
        await using var retract = connection.Command($"UPDATE {_entries} SET retracted = {_true}, updated_at = @now WHERE {KeyMatch}", transaction);
        SetKey(retract, key);
        var now = DateTimeOffset.UtcNow;
        retract.With("@now", _sqlite ? now.ToString("O", CultureInfo.InvariantCulture) : now);
        await retract.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return RetractOutcome.Retracted;
    }

    public async Task<long> CountAsync(HsaId? provider = null, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var command = provider is { } p
            ? connection.Command($"SELECT COUNT(*) FROM {_entries} WHERE provider = @provider AND retracted = {_false}").With("@provider", p.Value)
            : connection.Command($"SELECT COUNT(*) FROM {_entries} WHERE retracted = {_false}");
        return await command.ScalarLongAsync(cancellationToken);
    }

    public Task<IReadOnlyList<IndexEntry>> LookupAsync(IndexQuery query, CancellationToken cancellationToken = default) =>
        database.ReadAsync(LookupRead(query), cancellationToken);

    public StoreRead<IReadOnlyList<IndexEntry>> LookupRead(IndexQuery query)
    {
        var parameters = new List<(string, object)> { ("@patient", query.Patient.Value) };
        if (query.Category is not null)
            parameters.Add(("@category", query.Category.Code));
        if (query.From is { } from)
            parameters.Add(("@from", DateValue(from)));
        if (query.To is { } to)
            parameters.Add(("@to", DateValue(to)));
        return new StoreRead<IReadOnlyList<IndexEntry>>(LookupSql(query), parameters, ReadEntriesAsync);
    }

    private async Task<IReadOnlyList<IndexEntry>> ReadEntriesAsync(DbDataReader reader, CancellationToken cancellationToken)
    {
        var entries = new List<IndexEntry>();
        while (await reader.ReadAsync(cancellationToken))
            entries.Add(Read(reader));
        return entries;
    }

    /// <summary>
    /// The statement <see cref="LookupAsync"/> runs for <paramref name="query"/> (parameters <c>@patient</c>, and
    /// <c>@category</c>, <c>@from</c>, <c>@to</c> when the query has them): one range scan of the primary key. Public so
    /// that the benchmark's raw baseline runs this very statement.
    /// </summary>
    public string LookupSql(IndexQuery query)
    {
        var sql = $"SELECT {KeyColumns}, provider, first_date, latest_date FROM {_entries} WHERE patient = @patient AND retracted = {_false}";
        if (query.Category is not null)
            sql += " AND category = @category";
        // The period asks for data that touches it: entries whose span overlaps [From, To].
        if (query.From is not null)
            sql += " AND latest_date >= @from";
        if (query.To is not null)
            sql += " AND first_date <= @to";
        return sql + " ORDER BY latest_date DESC, category, care_unit, source_system, source_reference";
    }

    private static void SetKey(DbCommand command, IndexEntryKey key)
    {
        Set(command, "@patient", key.Patient.Value);
        Set(command, "@category", key.Category.Code);
        Set(command, "@unit", key.CareUnit.Value);
        Set(command, "@system", key.SourceSystem);
        Set(command, "@reference", key.SourceReference);
    }

    private static void Set(DbCommand command, string name, object value)
    {
        if (command.Parameters.Contains(name))
            command.Parameters[name].Value = value;
        else
            command.With(name, value);
    }

    private object DateValue(DateOnly date) => _sqlite ? date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : date;

    private IndexEntry Read(DbDataReader reader)
    {
        DataCategory.TryParse(reader.GetString(1), out var category, out _);
        var key = new IndexEntryKey(PersonalIdentityNumber.Parse(reader.GetString(0)), category, HsaId.Parse(reader.GetString(2)), reader.GetString(3), reader.GetString(4));
        return new IndexEntry(key, HsaId.Parse(reader.GetString(5)), ReadDate(reader, 6), ReadDate(reader, 7));
    }

    private DateOnly ReadDate(DbDataReader reader, int ordinal) => _sqlite
        ? DateOnly.ParseExact(reader.GetString(ordinal), "yyyy-MM-dd", CultureInfo.InvariantCulture)
        : reader.GetFieldValue<DateOnly>(ordinal);

    private static string Describe(IndexEntryKey key) => $"{key.Category}/{key.CareUnit}/{key.SourceSystem}/{key.SourceReference}";
}
