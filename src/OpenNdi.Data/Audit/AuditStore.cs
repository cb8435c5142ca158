using System.Data.Common;
using System.Globalization;
using System.Runtime.CompilerServices;
using NpgsqlTypes;
using OpenNdi.Core.Audit;

namespace OpenNdi.Data.Audit;

/// <summary>What to list from the log, newest first. Every filter given must match.</summary>
public sealed record AuditQuery(
    string? Patient = null,
    string? Actor = null,
    string? ActorProvider = null,
    bool EmergencyOnly = false,
    DateTimeOffset? From = null,
    DateTimeOffset? Before = null,
    int Limit = 100,
    AuditCursor? After = null);

/// <summary>Where a page of results ended: the next page starts after this record in the log's newest-first order.</summary>
public sealed record AuditCursor(DateTimeOffset Recorded, string Partition, long Sequence)
{
    public static AuditCursor Of(ChainedAuditRecord record) => new(record.Columns.Recorded, record.Partition, record.Sequence);
}

/// <summary>
/// The audit log's storage for both backends. Appends extend a partition's chain inside one transaction that first
/// moves (and so locks) the partition's head, so two writers on the same partition serialize instead of forking the
/// chain, and a batch is either wholly stored (records, head and checkpoints) or not at all.
/// </summary>
public sealed class AuditStore(NdiDatabase database, int checkpointInterval = AuditStore.DefaultCheckpointInterval)
{
    public const int DefaultCheckpointInterval = 10_000;

    /// <summary>The most records one query returns; longer listings page with <see cref="AuditQuery.After"/>.</summary>
    public const int MaxPage = 10_000;

    /// <summary>The columns of audit.events, in the order every statement and COPY here uses them.</summary>
    public const string Columns = "partition, seq, recorded, event, outcome, actor, actor_provider, patient, emergency, json, prev_hash, hash";

    private readonly bool _sqlite = database.Backend == StorageBackend.Sqlite;
    private readonly string _events = database.Table("audit", "events");
    private readonly string _heads = database.Table("audit", "heads");
    private readonly string _checkpoints = database.Table("audit", "checkpoints");
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Head> _lastHeads = new();

    /// <summary>One record on its way into the chain, already in canonical form.</summary>
    public readonly record struct Pending(AuditRecord Record, byte[] Canonical);

    /// <summary>Appends records to the end of the partition's chain in one transaction; returns their sequence numbers in order.</summary>
    public async Task<long[]> AppendAsync(string partition, IReadOnlyList<Pending> records, CancellationToken cancellationToken = default)
    {
        if (AuditChain.ValidatePartition(partition) is { } problem)
            throw new ArgumentException(problem, nameof(partition));
        // The head this store last committed is usually still the head (one writer per partition): then the batch
        // claims it with one conditional UPDATE before its rows. If another writer moved it, the UPDATE matches
        // nothing, and the batch starts over from the locked stored head.
        if (_lastHeads.TryGetValue(partition, out var last) && await TryAppendAsync(partition, records, last, cancellationToken) is { } sequences)
            return sequences;
        _lastHeads.TryRemove(partition, out _);
        return (await TryAppendAsync(partition, records, null, cancellationToken))!;
    }

    /// <summary>One attempt: from <paramref name="expected"/> if given (null when the stored head is no longer it), else from the locked stored head.</summary>
    private async Task<long[]?> TryAppendAsync(string partition, IReadOnlyList<Pending> records, Head? expected, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken); // SQLite: BEGIN IMMEDIATE, the write lock
        var (sequence, previous) = expected ?? await LockHeadAsync(connection, transaction, partition, cancellationToken);
        var start = sequence;
        var startHash = previous;
        var now = DateTimeOffset.UtcNow;
        var rows = new List<ChainedAuditRecord>(records.Count);
        var checkpoints = new List<AuditCheckpoint>();
        foreach (var (record, canonical) in records)
        {
            sequence++;
            var hash = AuditChain.Link(previous, partition, sequence, canonical);
            rows.Add(new ChainedAuditRecord(partition, sequence, AuditChain.Hex(previous), AuditChain.Hex(hash), System.Text.Encoding.UTF8.GetString(canonical), AuditColumns.Of(record)));
            if (sequence % checkpointInterval == 0)
                checkpoints.Add(new AuditCheckpoint(partition, sequence, AuditChain.Hex(hash), now));
            previous = hash;
        }
        // The head moves first: the UPDATE locks its row until commit, and with the expected old values in its
        // condition it is also the check that nobody else extended the chain since this store last did.
        await using (var head = connection.Command($"UPDATE {_heads} SET seq = @seq, hash = @hash, at = @at WHERE partition = @partition AND seq = @start AND hash = @startHash", transaction))
        {
            head.With("@seq", sequence).With("@hash", AuditChain.Hex(previous)).With("@at", Time(now)).With("@partition", partition)
                .With("@start", start).With("@startHash", AuditChain.Hex(startHash));
            if (await head.ExecuteNonQueryAsync(cancellationToken) != 1)
            {
                if (expected is null)
                    throw new InvalidOperationException($"the locked head of audit partition {partition} changed under its lock");
                await transaction.RollbackAsync(cancellationToken);
                return null;
            }
        }
        if (_sqlite)
            await InsertSqliteAsync(connection, transaction, rows, cancellationToken);
        else
            await CopyPostgresAsync(connection, rows, cancellationToken);
        foreach (var checkpoint in checkpoints)
        {
            await using var write = connection.Command($"INSERT INTO {_checkpoints} (partition, seq, hash, at) VALUES (@partition, @seq, @hash, @at)", transaction);
            write.With("@partition", partition).With("@seq", checkpoint.Sequence).With("@hash", checkpoint.Hash).With("@at", Time(now));
            await write.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        _lastHeads[partition] = new Head(sequence, previous);
        return [.. rows.Select(r => r.Sequence)];
    }

    /// <summary>A partition's head as this store last committed it.</summary>
    private sealed record Head(long Sequence, byte[] Hash);

    /// <summary>
    /// The partition's head, locked for this transaction; a new partition starts at 0 with its genesis hash. The head
    /// is read first and created only when missing, so a steady append costs one statement here, not two.
    /// </summary>
    private async Task<Head> LockHeadAsync(DbConnection connection, DbTransaction transaction, string partition, CancellationToken cancellationToken)
    {
        if (await ReadHeadAsync(connection, transaction, partition, cancellationToken) is { } head)
            return head;
        await using (var create = connection.Command($"INSERT INTO {_heads} (partition, seq, hash, at) VALUES (@partition, 0, @hash, @at) ON CONFLICT (partition) DO NOTHING", transaction))
        {
            create.With("@partition", partition).With("@hash", AuditChain.Hex(AuditChain.Genesis(partition))).With("@at", Time(DateTimeOffset.UtcNow));
            await create.ExecuteNonQueryAsync(cancellationToken);
        }
        return await ReadHeadAsync(connection, transaction, partition, cancellationToken)
            ?? throw new InvalidOperationException($"the head of audit partition {partition} could not be created");
    }

    private async Task<Head?> ReadHeadAsync(DbConnection connection, DbTransaction transaction, string partition, CancellationToken cancellationToken)
    {
        await using var read = connection.Command($"SELECT seq, hash FROM {_heads} WHERE partition = @partition{(_sqlite ? "" : " FOR UPDATE")}", transaction).With("@partition", partition);
        await using var reader = await read.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? new Head(reader.GetInt64(0), Convert.FromHexString(reader.GetString(1))) : null;
    }

    private async Task InsertSqliteAsync(DbConnection connection, DbTransaction transaction, List<ChainedAuditRecord> rows, CancellationToken cancellationToken)
    {
        await using var insert = connection.Command($"INSERT INTO {_events} ({Columns}) VALUES (@p, @seq, @recorded, @event, @outcome, @actor, @provider, @patient, @emergency, @json, @prev, @hash)", transaction);
        foreach (var name in (string[])["@p", "@seq", "@recorded", "@event", "@outcome", "@actor", "@provider", "@patient", "@emergency", "@json", "@prev", "@hash"])
            insert.With(name, null);
        foreach (var row in rows)
        {
            var c = row.Columns;
            object?[] values = [row.Partition, row.Sequence, Time(c.Recorded), c.Event, c.Outcome, c.Actor, c.ActorProvider, c.Patient, c.Emergency ? 1 : 0, row.Json, row.PreviousHash, row.Hash];
            for (var i = 0; i < values.Length; i++)
                insert.Parameters[i].Value = values[i] ?? DBNull.Value;
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    private async Task CopyPostgresAsync(DbConnection connection, List<ChainedAuditRecord> rows, CancellationToken cancellationToken)
    {
        await using var copy = await NdiDatabase.AsPostgres(connection).BeginBinaryImportAsync($"COPY {_events} ({Columns}) FROM STDIN (FORMAT BINARY)", cancellationToken);
        foreach (var row in rows)
        {
            var c = row.Columns;
            await copy.StartRowAsync(cancellationToken);
            await copy.WriteAsync(row.Partition, NpgsqlDbType.Text, cancellationToken);
            await copy.WriteAsync(row.Sequence, NpgsqlDbType.Bigint, cancellationToken);
            await copy.WriteAsync(c.Recorded, NpgsqlDbType.TimestampTz, cancellationToken);
            await copy.WriteAsync(c.Event, NpgsqlDbType.Text, cancellationToken);
            await copy.WriteAsync((short)c.Outcome, NpgsqlDbType.Smallint, cancellationToken);
            await copy.WriteAsync(c.Actor, NpgsqlDbType.Text, cancellationToken);
            await copy.WriteTextOrNullAsync(c.ActorProvider, cancellationToken);
            await copy.WriteTextOrNullAsync(c.Patient, cancellationToken);
            await copy.WriteAsync(c.Emergency, NpgsqlDbType.Boolean, cancellationToken);
            await copy.WriteAsync(row.Json, NpgsqlDbType.Text, cancellationToken);
            await copy.WriteAsync(row.PreviousHash, NpgsqlDbType.Text, cancellationToken);
            await copy.WriteAsync(row.Hash, NpgsqlDbType.Text, cancellationToken);
        }
        await copy.CompleteAsync(cancellationToken);
    }


    /// <summary>Records matching the query, newest first.</summary>
    public async Task<IReadOnlyList<ChainedAuditRecord>> QueryAsync(AuditQuery query, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        var where = new List<string>();
        void Filter(string clause, string name, object value)
        {
            where.Add(clause);
            command.With(name, value);
        }
        if (query.Patient is { } patient)
            Filter("patient = @patient", "@patient", patient);
        if (query.Actor is { } actor)
            Filter("actor = @actor", "@actor", actor);
        if (query.ActorProvider is { } provider)
            Filter("actor_provider = @provider", "@provider", provider);
        if (query.EmergencyOnly)
            where.Add(_sqlite ? "emergency = 1" : "emergency");
        if (query.From is { } from)
            Filter("recorded >= @from", "@from", Time(from));
        if (query.Before is { } before)
            Filter("recorded < @before", "@before", Time(before));
        if (query.After is { } after)
        {
            where.Add("(recorded, partition, seq) < (@after_recorded, @after_partition, @after_seq)");
            command.With("@after_recorded", Time(after.Recorded)).With("@after_partition", after.Partition).With("@after_seq", after.Sequence);
        }
        command.CommandText = $"SELECT {Columns} FROM {_events}{(where.Count == 0 ? "" : " WHERE " + string.Join(" AND ", where))} ORDER BY recorded DESC, partition DESC, seq DESC LIMIT {Math.Clamp(query.Limit, 1, MaxPage)}";
        return await ReadAllAsync(command, cancellationToken);
    }

    public async Task<ChainedAuditRecord?> GetAsync(AuditReceipt receipt, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var command = connection.Command($"SELECT {Columns} FROM {_events} WHERE partition = @partition AND seq = @seq")
            .With("@partition", receipt.Partition).With("@seq", receipt.Sequence);
        var found = await ReadAllAsync(command, cancellationToken);
        return found.Count == 0 ? null : found[0];
    }

    /// <summary>Every partition that has a head or records (records without a head are themselves a finding).</summary>
    public async Task<IReadOnlyList<string>> PartitionsAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var command = connection.Command($"SELECT partition FROM {_heads} UNION SELECT DISTINCT partition FROM {_events} ORDER BY 1");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var partitions = new List<string>();
        while (await reader.ReadAsync(cancellationToken))
            partitions.Add(reader.GetString(0));
        return partitions;
    }

    public async Task<AuditCheckpoint?> HeadAsync(string partition, CancellationToken cancellationToken = default)
    {
        var heads = await CheckpointsFromAsync(_heads, partition, cancellationToken);
        return heads.Count == 0 ? null : heads[0];
    }

    public Task<IReadOnlyList<AuditCheckpoint>> CheckpointsAsync(string partition, CancellationToken cancellationToken = default) =>
        CheckpointsFromAsync(_checkpoints, partition, cancellationToken);

    /// <summary>How many records a partition holds, for progress while verifying.</summary>
    public async Task<long> CountAsync(string? partition = null, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var command = partition is null
            ? connection.Command($"SELECT COUNT(*) FROM {_events}")
            : connection.Command($"SELECT COUNT(*) FROM {_events} WHERE partition = @partition").With("@partition", partition);
        return await command.ScalarLongAsync(cancellationToken);
    }

    /// <summary>A partition's records in chain order, streamed.</summary>
    public async IAsyncEnumerable<ChainedAuditRecord> ReadChainAsync(string partition, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var command = connection.Command($"SELECT {Columns} FROM {_events} WHERE partition = @partition ORDER BY seq").With("@partition", partition);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            yield return Read(reader);
    }

    private async Task<IReadOnlyList<AuditCheckpoint>> CheckpointsFromAsync(string table, string partition, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var command = connection.Command($"SELECT partition, seq, hash, at FROM {table} WHERE partition = @partition ORDER BY seq").With("@partition", partition);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var found = new List<AuditCheckpoint>();
        while (await reader.ReadAsync(cancellationToken))
            found.Add(new AuditCheckpoint(reader.GetString(0), reader.GetInt64(1), reader.GetString(2), ReadTime(reader, 3)));
        return found;
    }

    private async Task<IReadOnlyList<ChainedAuditRecord>> ReadAllAsync(DbCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var found = new List<ChainedAuditRecord>();
        while (await reader.ReadAsync(cancellationToken))
            found.Add(Read(reader));
        return found;
    }

    private ChainedAuditRecord Read(DbDataReader reader)
    {
        var emergency = _sqlite ? reader.GetInt64(8) != 0 : reader.GetBoolean(8);
        var columns = new AuditColumns(ReadTime(reader, 2), reader.GetString(3), Convert.ToInt32(reader.GetValue(4), CultureInfo.InvariantCulture), reader.GetString(5),
            reader.GetNullableString(6), reader.GetNullableString(7), emergency);
        return new ChainedAuditRecord(reader.GetString(0), reader.GetInt64(1), reader.GetString(10), reader.GetString(11), reader.GetString(9), columns);
    }

    // SQLite keeps times as the canonical text (fixed width, so it sorts); PostgreSQL as timestamptz.
    private object Time(DateTimeOffset time) => _sqlite ? AuditJson.FormatTime(time) : AuditJson.Truncate(time);

    private DateTimeOffset ReadTime(DbDataReader reader, int ordinal) => _sqlite
        ? AuditJson.ParseTime(reader.GetString(ordinal))
        : new DateTimeOffset(reader.GetFieldValue<DateTime>(ordinal), TimeSpan.Zero);
}
