using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using OpenNdi.Core.Audit;
using OpenNdi.Data;
using OpenNdi.Data.Audit;

namespace OpenNdi.Bench;

/// <summary>
/// <c>audit-append</c>: audit records appended through <see cref="AuditWriter"/> (group commit, SHA-256 chain, head
/// and checkpoints, each caller awaiting its acknowledgement) by many concurrent producers, against a raw baseline in
/// the same run: the same rows (same columns, same JSON) written by batched binary COPY into a table with the same
/// columns and indexes but no chain, head, checkpoints or triggers. Both start each step from empty tables after a
/// CHECKPOINT, with PostgreSQL's durability settings as the server has them (reported).
/// </summary>
internal static class AuditAppendBenchmark
{
    public const string DatabaseName = "ndi_bench_audit_append";
    public const string Partition = "bench-node-1";
    private const int PoolSize = 100_000;

    public static async Task<int> RunAsync(string[] args)
    {
        var admin = BenchArgs.Get(args, "--postgres") ?? throw new ArgumentException("--postgres CONNSTR is required");
        // "256x2": 256 producers spread over two partitions, each with its own writer.
        var producers = (BenchArgs.Get(args, "--producers") ?? "16,64,256").Split(',')
            .Select<string, (int Producers, int Partitions)>(p => p.Split('x') is [var n, var parts] ? (int.Parse(n), int.Parse(parts)) : (int.Parse(p), 1)).ToArray();
        var rawStreams = (BenchArgs.Get(args, "--raw-streams") ?? "1,2").Split(',', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToArray();
        var rawBatch = BenchArgs.Int(args, "--raw-batch", AuditWriter.MaxBatch);
        var duration = TimeSpan.FromSeconds(BenchArgs.Int(args, "--seconds", 30));
        var warmup = TimeSpan.FromSeconds(BenchArgs.Int(args, "--warmup", 10));
        var firstWarmup = TimeSpan.FromSeconds(BenchArgs.Int(args, "--first-warmup", 30));
        var verify = BenchArgs.Get(args, "--verify") != "false";
        var connectionString = await CreateDatabaseAsync(admin);
        var settings = await SettingsAsync(connectionString);
        Console.WriteLine($"# audit-append: producers {string.Join(", ", producers.Select(p => p.Partitions == 1 ? $"{p.Producers}" : $"{p.Producers} over {p.Partitions} partitions"))}, raw COPY batches of {rawBatch} on {string.Join(", ", rawStreams)} stream(s); {duration.TotalSeconds} s each after {warmup.TotalSeconds} s warm-up ({firstWarmup.TotalSeconds} s for each path's first step); load {Measurement.LoadAverage()}");
        Console.WriteLine($"  server: {string.Join(", ", settings.Select(s => $"{s.Key}={s.Value}"))}");

        var pool = Enumerable.Range(0, PoolSize).Select(k => AuditPopulation.Record(k, DateTimeOffset.UnixEpoch)).ToArray();
        var sizes = pool.Select(r => AuditJson.Write(r).Length).Order().ToArray();
        Console.WriteLine($"  canonical JSON: mean {sizes.Average():N0} bytes, min {sizes[0]}, p50 {sizes[sizes.Length / 2]}, max {sizes[^1]}");

        // Each path's first step warms up longer: under load the runtime is still compiling (tiered PGO) after 10 s,
        // and a profile of the first chain step showed a third of the client's processor time in the JIT.
        var steps = new List<Step>();
        foreach (var streams in rawStreams)
            steps.Add(await RawCopyAsync(connectionString, pool, streams, rawBatch, steps.Count == 0 ? firstWarmup : warmup, duration, "raw binary COPY (before)"));
        foreach (var (count, partitions) in producers)
            steps.Add(await ChainAsync(connectionString, pool, count, partitions, steps.All(s => s.Kind == "raw") ? firstWarmup : warmup, duration, verify));
        foreach (var streams in rawStreams)
            steps.Add(await RawCopyAsync(connectionString, pool, streams, rawBatch, warmup, duration, "raw binary COPY (after)"));

        var raw1 = steps.Where(s => s.Kind == "raw" && s.Concurrency == 1).Select(s => s.Result.PerSecond).DefaultIfEmpty(0).Average();
        Console.WriteLine();
        Console.WriteLine("| step | concurrency | records/s | vs raw COPY, 1 stream | mean batch | ack/batch p50 ms | p95 ms | p99 ms | max ms | CPU busy | client CPU µs/record |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var s in steps)
        {
            var r = s.Result;
            Console.WriteLine($"| {r.Step} | {r.Concurrency} | {r.PerSecond:N0} | {(raw1 > 0 ? $"{r.PerSecond / raw1:P0}" : "")} | {s.MeanBatch:N0} | {r.P50Ms:N2} | {r.P95Ms:N2} | {r.P99Ms:N2} | {r.MaxMs:N1} | {s.CpuBusy:P0} | {s.ClientCpuMicroseconds:N1} |");
        }

        Directory.CreateDirectory("bench/results");
        var file = $"bench/results/audit-append-{DateTime.UtcNow:yyyyMMddTHHmmss}.json";
        await File.WriteAllTextAsync(file, JsonSerializer.Serialize(new
        {
            cores = Environment.ProcessorCount, dotnet = Environment.Version.ToString(), server = settings, warmupSeconds = warmup.TotalSeconds, firstWarmupSeconds = firstWarmup.TotalSeconds, rawBatch,
            json = new { meanBytes = sizes.Average(), minBytes = sizes[0], medianBytes = sizes[sizes.Length / 2], maxBytes = sizes[^1] },
            rawOneStreamMeanPerSecond = raw1,
            results = steps.Select(s => new
            {
                s.Result.Step, s.Kind, s.Result.Concurrency, records = s.Result.Operations, s.Result.Failures, s.Result.Seconds, recordsPerSecond = s.Result.PerSecond,
                vsRawOneStream = raw1 > 0 ? s.Result.PerSecond / raw1 : 0, s.MeanBatch, latencyUnit = s.Kind == "raw" ? "batch commit" : "record acknowledgement",
                s.Result.P50Ms, s.Result.P95Ms, s.Result.P99Ms, s.Result.MaxMs, s.CpuBusy, s.ClientCpuMicroseconds, s.Verified, s.Result.LoadBefore, s.Result.LoadAfter,
            }),
        }, Measurement.ResultsJson));
        Console.WriteLine($"\nRaw results: {file}");
        return 0;
    }

    /// <summary>One measured step: latencies are per acknowledged record (chain) or per committed batch (raw).</summary>
    private sealed record Step(string Kind, Measurement Result, double MeanBatch, double CpuBusy, double ClientCpuMicroseconds, string? Verified)
    {
        public int Concurrency => Result.Concurrency;
    }

    private static async Task<Step> ChainAsync(string connectionString, AuditRecord[] pool, int producers, int partitions, TimeSpan warmup, TimeSpan duration, bool verify)
    {
        await ResetAsync(connectionString);
        await using var database = new NdiDatabase(new StorageOptions(StorageBackend.PostgreSql, connectionString));
        var store = new AuditStore(database);
        var next = 0L;
        Measurement result;
        double meanBatch;
        var cpu = CpuMeter.Start();
        // One writer per partition (a node's writer, or several per node); producer w writes to partition w mod P.
        var writers = Enumerable.Range(1, partitions).Select(p => new AuditWriter(store, partitions == 1 ? Partition : $"{Partition}.{p}")).ToArray();
        try
        {
            var label = partitions == 1 ? $"AuditWriter, {producers} producers" : $"AuditWriter, {producers} producers over {partitions} partitions";
            result = await LoadDriver.RunAsync(label, producers, warmup, duration, w => async () =>
            {
                var k = Interlocked.Increment(ref next);
                var record = pool[k % PoolSize] with { Recorded = DateTimeOffset.UtcNow };
                await writers[w % partitions].AppendAsync(record);
                return true;
            });
        }
        finally
        {
            foreach (var writer in writers)
                await writer.DisposeAsync();
        }
        meanBatch = (double)writers.Sum(w => w.RecordsWritten) / Math.Max(1, writers.Sum(w => w.BatchesWritten));
        var (busy, clientCpu) = cpu.Stop(Interlocked.Read(ref next));
        string? verified = null;
        if (verify)
        {
            var clock = Stopwatch.StartNew();
            var outcomes = await AuditVerification.VerifyAsync(store);
            verified = outcomes.All(o => o.Intact)
                ? $"intact, {outcomes.Sum(o => o.Verified):N0} records in {outcomes.Count} partition(s) in {clock.Elapsed.TotalSeconds:N0} s"
                : $"BROKEN: {string.Join("; ", outcomes.Where(o => !o.Intact).Select(o => o.Break))}";
            Console.WriteLine($"  chain: {verified}");
        }
        Console.WriteLine($"  mean batch {meanBatch:N1} records, CPU busy {busy:P0}, client CPU {clientCpu:N1} µs/record");
        return new Step("chain", result, meanBatch, busy, clientCpu, verified);
    }

    /// <summary>Prebuilt rows (JSON and columns made before the clock starts) copied in batches, each batch its own transaction.</summary>
    private static async Task<Step> RawCopyAsync(string connectionString, AuditRecord[] pool, int streams, int batch, TimeSpan warmup, TimeSpan duration, string label)
    {
        await ResetAsync(connectionString);
        var rows = pool.Select((r, k) => new RawRow(AuditColumns.Of(r), Encoding.UTF8.GetString(AuditJson.Write(r)), Convert.ToHexStringLower(BitConverter.GetBytes((long)k).Concat(new byte[24]).ToArray()))).ToArray();
        await using var source = NpgsqlDataSource.Create(connectionString);
        var next = 0L;
        var cpu = CpuMeter.Start();
        var result = await LoadDriver.RunAsync($"{label}, {streams} stream(s)", streams, warmup, duration, w => async () =>
        {
            await using var connection = await source.OpenConnectionAsync();
            await using var transaction = await connection.BeginTransactionAsync();
            await using (var copy = await connection.BeginBinaryImportAsync(AuditRows.CopyInto("bench.events_raw")))
            {
                var now = AuditJson.Truncate(DateTimeOffset.UtcNow);
                for (var i = 0; i < batch; i++)
                {
                    var k = Interlocked.Increment(ref next);
                    var row = rows[k % PoolSize];
                    await AuditRows.WriteAsync(copy, $"raw-{w}", k, now, row.Columns, row.Json, row.Hash, row.Hash);
                }
                await copy.CompleteAsync();
            }
            await transaction.CommitAsync();
            return true;
        });
        var (busy, clientCpu) = cpu.Stop(Interlocked.Read(ref next));
        // LoadDriver counts operations (batches); the figure of interest is rows.
        var perRows = result with { Operations = result.Operations * batch };
        Console.WriteLine($"  = {perRows.PerSecond:N0} rows/s, CPU busy {busy:P0}, client CPU {clientCpu:N1} µs/row");
        return new Step("raw", perRows, batch, busy, clientCpu, null);
    }

    private sealed record RawRow(AuditColumns Columns, string Json, string Hash);

    /// <summary>A fresh database with the audit schema (its migration) and the raw table shaped like audit.events, without its triggers.</summary>
    private static async Task<string> CreateDatabaseAsync(string admin)
    {
        await using (var server = new NpgsqlConnection(admin))
        {
            await server.OpenAsync();
            await ExecuteAsync(server, $"DROP DATABASE IF EXISTS {DatabaseName} WITH (FORCE)");
            await ExecuteAsync(server, $"CREATE DATABASE {DatabaseName}");
        }
        var connectionString = new NpgsqlConnectionStringBuilder(admin) { Database = DatabaseName }.ConnectionString;
        await using (var database = new NdiDatabase(new StorageOptions(StorageBackend.PostgreSql, connectionString)))
            await MigrationRunner.ApplyAsync(database, AuditSchema.Migrations);
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        // LIKE … INCLUDING ALL copies columns, the primary key and the four indexes (partial ones too), not triggers.
        await ExecuteAsync(connection, "CREATE SCHEMA bench; CREATE TABLE bench.events_raw (LIKE audit.events INCLUDING ALL)");
        return connectionString;
    }

    /// <summary>
    /// Empty tables and a checkpoint, so each step starts from the same state. The append-only triggers are passed by
    /// the superuser's replica role (PostgreSQL 15 docs, session_replication_role): since audit/2 every month table
    /// has its own TRUNCATE trigger, which disabling the parent's would not reach.
    /// </summary>
    private static async Task ResetAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await ExecuteAsync(connection, """
            SET session_replication_role = replica;
            TRUNCATE audit.events, audit.heads, audit.checkpoints, bench.events_raw;
            RESET session_replication_role;
            CHECKPOINT;
            """);
    }

    private static async Task<Dictionary<string, string>> SettingsAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT name, setting || coalesce(' ' || unit, '') FROM pg_settings WHERE name IN ('server_version', 'fsync', 'synchronous_commit', 'wal_sync_method', 'full_page_writes', 'commit_delay', 'shared_buffers', 'wal_buffers', 'max_wal_size', 'checkpoint_timeout') ORDER BY name", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var settings = new Dictionary<string, string>();
        while (await reader.ReadAsync())
            settings[reader.GetString(0)] = reader.GetString(1);
        return settings;
    }

    public static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        await command.ExecuteNonQueryAsync();
    }
}

/// <summary>The machine's CPU busy share (from /proc/stat) and this process's CPU time per operation over a step.</summary>
internal sealed class CpuMeter
{
    private readonly (long Busy, long Total) _machine = Machine();
    private readonly TimeSpan _process = Process.GetCurrentProcess().TotalProcessorTime;

    public static CpuMeter Start() => new();

    public (double Busy, double ClientMicrosecondsPerOperation) Stop(long operations)
    {
        var (busy, total) = Machine();
        var process = Process.GetCurrentProcess().TotalProcessorTime - _process;
        return (total == _machine.Total ? 0 : (double)(busy - _machine.Busy) / (total - _machine.Total), process.TotalMicroseconds / Math.Max(1, operations));
    }

    private static (long Busy, long Total) Machine()
    {
        if (!File.Exists("/proc/stat"))
            return (0, 0);
        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(long.Parse).ToArray();
        var idle = fields[3] + fields[4];
        var total = fields.Take(8).Sum();
        return (total - idle, total);
    }
}
