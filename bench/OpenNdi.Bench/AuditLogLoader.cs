using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Npgsql;
using OpenNdi.Core.Audit;
using OpenNdi.Data;
using OpenNdi.Data.Audit;

namespace OpenNdi.Bench;

/// <summary>
/// Loads a log of N synthetic records (<see cref="AuditPopulation"/>) into a database of its own for the audit
/// benchmarks: record k is recorded at <c>start + k × spacing</c>. Binary COPY straight into <c>audit.events</c>
/// (realistic rows; four chain partitions; hashes have the real shape but no chain is built), the log growing in place:
/// asking for 10 M after 1 M appends the next 9 M records.
/// </summary>
internal static class AuditLogLoader
{
    /// <summary>
    /// Makes the log in <paramref name="databaseName"/> hold <paramref name="records"/> records: a fresh database with
    /// the audit migrations when there is none or it holds more, else the missing records appended. On the partitioned
    /// layout (audit/2) each month the records span gets its own table before the COPY, as the server's maintenance
    /// makes them (<see cref="AuditTimePartitions"/>), so no record lands in <c>audit.events_default</c>. Indexes are
    /// dropped for the COPY and rebuilt exactly as they were (one sort each instead of millions of B-tree inserts), then
    /// VACUUM ANALYZE.
    /// </summary>
    public static async Task<string> EnsureLoadedAsync(string admin, string databaseName, long records, DateTimeOffset start, TimeSpan spacing)
    {
        var connectionString = new NpgsqlConnectionStringBuilder(admin) { Database = databaseName }.ConnectionString;
        var loaded = await LoadedAsync(admin, databaseName, connectionString);
        if (loaded == records)
        {
            Console.WriteLine($"{databaseName} already holds {records:N0} records: load skipped");
            return connectionString;
        }
        if (loaded is null || loaded > records)
        {
            await using (var server = new NpgsqlConnection(admin))
            {
                await server.OpenAsync();
                await AuditAppendBenchmark.ExecuteAsync(server, $"DROP DATABASE IF EXISTS {databaseName} WITH (FORCE)");
                await AuditAppendBenchmark.ExecuteAsync(server, $"CREATE DATABASE {databaseName}");
            }
            NpgsqlConnection.ClearAllPools();
            await using (var database = new NdiDatabase(new StorageOptions(StorageBackend.PostgreSql, connectionString)))
                await MigrationRunner.ApplyAsync(database, AuditSchema.Migrations);
            await using var setup = new NpgsqlConnection(connectionString);
            await setup.OpenAsync();
            await AuditAppendBenchmark.ExecuteAsync(setup, "CREATE TABLE bench_audit_load (records bigint NOT NULL); INSERT INTO bench_audit_load VALUES (0)");
            loaded = 0;
        }
        var clock = Stopwatch.StartNew();
        Console.WriteLine($"# loading records {loaded:N0} … {records:N0} into {databaseName} ({start:O} + k × {spacing.TotalSeconds:N3} s)");
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var months = await CreateMonthsAsync(connection, start + loaded.Value * spacing, start + (records - 1) * spacing);
        if (months.Count > 0)
            Console.WriteLine($"month tables made: {string.Join(", ", months)}");
        var indexes = new List<string>();
        await using (var list = new NpgsqlCommand("SELECT indexdef FROM pg_indexes WHERE schemaname = 'audit' AND tablename = 'events' AND indexname <> 'events_pkey'", connection))
        await using (var reader = await list.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
                indexes.Add(reader.GetString(0).Replace(" ON ONLY ", " ON ", StringComparison.Ordinal));
        }
        // pg_get_indexdef of a partitioned table's index says ON ONLY, which would build it on the parent alone (invalid,
        // no partition indexed); without ONLY it is built on every partition, as the migration built it.
        // The key as the migration declares it: (partition, seq) unpartitioned, (partition, seq, recorded) partitioned.
        string key;
        await using (var read = new NpgsqlCommand("SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'events_pkey' AND conrelid = 'audit.events'::regclass", connection))
            key = (string)(await read.ExecuteScalarAsync())!;
        await AuditAppendBenchmark.ExecuteAsync(connection, string.Join(";", indexes.Select(d => $"DROP INDEX audit.{d.Split(' ')[2]}")) + "; ALTER TABLE audit.events DROP CONSTRAINT events_pkey");
        await CopyAsync(connectionString, loaded.Value, records, start, spacing, clock);
        Console.WriteLine($"copied at {clock.Elapsed.TotalSeconds:N0} s; building {indexes.Count + 1} indexes");
        await AuditAppendBenchmark.ExecuteAsync(connection, "SET maintenance_work_mem = '1GB'; ALTER TABLE audit.events ADD CONSTRAINT events_pkey " + key);
        foreach (var definition in indexes)
            await AuditAppendBenchmark.ExecuteAsync(connection, "SET maintenance_work_mem = '1GB'; " + definition);
        await AuditAppendBenchmark.ExecuteAsync(connection, $"VACUUM ANALYZE audit.events; UPDATE bench_audit_load SET records = {records}");
        // Every table holding rows has every index the migration declares, and none is left invalid.
        await using (var check = new NpgsqlCommand("""
            SELECT (SELECT count(*) FROM pg_index WHERE indrelid = 'audit.events'::regclass AND NOT indisvalid)
                 + (SELECT count(*) FROM pg_partition_tree('audit.events') t WHERE t.isleaf
                    AND (SELECT count(*) FROM pg_index WHERE indrelid = t.relid) < (SELECT count(*) FROM pg_index WHERE indrelid = 'audit.events'::regclass))
            """, connection))
        {
            if ((long)(await check.ExecuteScalarAsync())! != 0)
                throw new InvalidOperationException("after the load an index of audit.events is invalid or missing on some of its tables");
        }
        await using (var stray = new NpgsqlCommand("SELECT CASE WHEN to_regclass('audit.events_default') IS NULL THEN 0 ELSE (SELECT count(*) FROM audit.events_default) END", connection))
            Console.WriteLine($"loaded {records:N0} records in {clock.Elapsed.TotalSeconds:N0} s; {(long)(await stray.ExecuteScalarAsync())!:N0} of them in audit.events_default");
        return connectionString;
    }

    /// <summary>The month tables from <paramref name="first"/>'s month to <paramref name="last"/>'s, where the layout is partitioned and they are missing.</summary>
    private static async Task<List<string>> CreateMonthsAsync(NpgsqlConnection connection, DateTimeOffset first, DateTimeOffset last)
    {
        var made = new List<string>();
        await using (var partitioned = new NpgsqlCommand("SELECT to_regprocedure('audit.create_month(date)') IS NOT NULL", connection))
        {
            if (!(bool)(await partitioned.ExecuteScalarAsync())!)
                return made;
        }
        for (var month = new DateOnly(first.UtcDateTime.Year, first.UtcDateTime.Month, 1); month <= DateOnly.FromDateTime(last.UtcDateTime); month = month.AddMonths(1))
        {
            await using var create = new NpgsqlCommand("SELECT audit.create_month(@month)", connection);
            create.Parameters.AddWithValue("month", month);
            if (await create.ExecuteScalarAsync() is string name)
                made.Add(name);
        }
        return made;
    }

    private static async Task<long?> LoadedAsync(string admin, string databaseName, string connectionString)
    {
        await using (var server = new NpgsqlConnection(admin))
        {
            await server.OpenAsync();
            await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = @name", server);
            exists.Parameters.AddWithValue("name", databaseName);
            if (await exists.ExecuteScalarAsync() is null)
                return null;
        }
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT records FROM bench_audit_load", connection);
        try
        {
            return (long?)await command.ExecuteScalarAsync();
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            return null;
        }
    }

    /// <summary>Two COPY streams (even and odd record numbers): generation and the server's work overlap on two cores.</summary>
    private static async Task CopyAsync(string connectionString, long from, long to, DateTimeOffset start, TimeSpan spacing, Stopwatch clock)
    {
        const int streams = 2;
        var done = 0L;
        await Task.WhenAll(Enumerable.Range(0, streams).Select(s => Task.Run(async () =>
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            await using var copy = await connection.BeginBinaryImportAsync(AuditRows.CopyInto("audit.events"));
            for (var k = from + (from % streams == s ? 0 : 1); k < to; k += streams)
            {
                var recorded = start + k * spacing;
                var record = AuditPopulation.Record(k, recorded);
                var canonical = AuditJson.Write(record);
                var c = AuditColumns.Of(record);
                await AuditRows.WriteAsync(copy, $"node-{k % 4}", k / 4 + 1, c.Recorded, c, Encoding.UTF8.GetString(canonical),
                    Convert.ToHexStringLower(SHA256.HashData(BitConverter.GetBytes(k))), Convert.ToHexStringLower(SHA256.HashData(canonical)));
                if (Interlocked.Increment(ref done) % 1_000_000 == 0)
                    Console.WriteLine($"  {from + done:N0} records, {clock.Elapsed.TotalSeconds:N0} s");
            }
            await copy.CompleteAsync();
        })));
    }
}
