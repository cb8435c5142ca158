using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using OpenNdi.Core.Audit;
using OpenNdi.Data;
using OpenNdi.Data.Audit;

namespace OpenNdi.Bench;

/// <summary>
/// <c>audit-patient-view</c>: the patient's view of the log, the last 100 accesses to one patient's data
/// (<see cref="AuditStore.QueryAsync"/> with Patient and Limit 100), over a log of N records, against the same statement
/// run raw (prepared, one connection per worker, every column read) in the same run. The log is loaded by binary COPY
/// straight into audit.events (realistic rows from <see cref="AuditPopulation"/>; one record per second of log time,
/// four partitions; hashes have the real shape but no chain is built) and grows in place: asking for 10 M after 1 M
/// appends the next 9 M records.
/// </summary>
internal static class AuditViewBenchmark
{
    public const string DatabaseName = "ndi_bench_audit";
    private static readonly DateTimeOffset LogStart = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>The statement <see cref="AuditStore.QueryAsync"/> runs for a patient and a limit of 100.</summary>
    public const string ViewSql = $"SELECT {AuditStore.Columns} FROM audit.events WHERE patient = @patient ORDER BY recorded DESC, partition DESC, seq DESC LIMIT 100";

    public static async Task<int> RunAsync(string[] args)
    {
        var admin = BenchArgs.Get(args, "--postgres") ?? throw new ArgumentException("--postgres CONNSTR is required");
        var records = long.Parse(BenchArgs.Get(args, "--records") ?? "1000000", System.Globalization.CultureInfo.InvariantCulture);
        var concurrencies = (BenchArgs.Get(args, "--concurrency") ?? "1,16").Split(',').Select(int.Parse).ToArray();
        var duration = TimeSpan.FromSeconds(BenchArgs.Int(args, "--seconds", 20));
        var warmup = TimeSpan.FromSeconds(BenchArgs.Int(args, "--warmup", 5));
        var connectionString = await AuditLogLoader.EnsureLoadedAsync(admin, DatabaseName, records, LogStart, TimeSpan.FromSeconds(1));
        var shape = await ShapeAsync(connectionString);
        var frequent = await FrequentPatientsAsync(connectionString);
        Console.WriteLine($"# audit-patient-view: {records:N0} records; {shape}; {frequent.Count:N0} frequent patients with ≥ 100 records; load {Measurement.LoadAverage()}");

        var steps = new List<(string Mix, Measurement Result, string Path)>();
        await using var database = new NdiDatabase(new StorageOptions(StorageBackend.PostgreSql, connectionString));
        var store = new AuditStore(database);
        await using var source = NpgsqlDataSource.Create(connectionString);
        foreach (var (mix, pick) in new (string, Func<Random, string>)[]
        {
            ("frequent patient (≥ 100 records: a full page)", r => frequent[r.Next(frequent.Count)]),
            ("any patient (uniform over 1 M)", r => AuditPopulation.PatientId(r.Next(AuditPopulation.Patients))),
        })
        {
            var full = mix.StartsWith("frequent", StringComparison.Ordinal);
            if (full && frequent.Count == 0)
                continue;
            foreach (var concurrency in concurrencies)
            {
                steps.Add((mix, await LoadDriver.RunAsync($"AuditStore.QueryAsync, {mix}", concurrency, warmup, duration, w =>
                {
                    var random = new Random(3000 + w);
                    return async () =>
                    {
                        var found = await store.QueryAsync(new AuditQuery(Patient: pick(random), Limit: 100));
                        return !full || found.Count == 100;
                    };
                }), "store"));
                steps.Add((mix, await RawAsync(source, mix, pick, full, concurrency, warmup, duration), "raw"));
            }
        }

        Console.WriteLine();
        Console.WriteLine("| patients | path | concurrency | queries/s | p50 ms | p95 ms | p99 ms | max ms | p95 vs raw | failed |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var (mix, r, path) in steps)
        {
            var raw = steps.First(s => s.Mix == mix && s.Path == "raw" && s.Result.Concurrency == r.Concurrency).Result;
            Console.WriteLine($"| {mix} | {r.Step.Split(',')[0]} | {r.Concurrency} | {r.PerSecond:N0} | {r.P50Ms:N2} | {r.P95Ms:N2} | {r.P99Ms:N2} | {r.MaxMs:N1} | {r.P95Ms / raw.P95Ms:N2}× | {r.Failures} |");
        }
        Directory.CreateDirectory("bench/results");
        var file = $"bench/results/audit-patient-view-{records / 1_000_000}m-{DateTime.UtcNow:yyyyMMddTHHmmss}.json";
        await File.WriteAllTextAsync(file, JsonSerializer.Serialize(new
        {
            records, shape, frequentPatients = frequent.Count, cores = Environment.ProcessorCount, dotnet = Environment.Version.ToString(), warmupSeconds = warmup.TotalSeconds,
            plan = await PlanAsync(connectionString, frequent.Count > 0 ? frequent[0] : AuditPopulation.PatientId(AuditPopulation.FrequentPatient(0))),
            results = steps.Select(s => new { patients = s.Mix, s.Path, s.Result.Step, s.Result.Concurrency, s.Result.Operations, s.Result.Failures, s.Result.Seconds, s.Result.PerSecond, s.Result.P50Ms, s.Result.P95Ms, s.Result.P99Ms, s.Result.MaxMs, s.Result.LoadBefore, s.Result.LoadAfter }),
        }, Measurement.ResultsJson));
        Console.WriteLine($"\nRaw results: {file}");
        return 0;
    }

    private static async Task<Measurement> RawAsync(NpgsqlDataSource source, string mix, Func<Random, string> pick, bool full, int concurrency, TimeSpan warmup, TimeSpan duration)
    {
        var connections = new List<NpgsqlConnection>();
        try
        {
            return await LoadDriver.RunAsync($"raw SQL (prepared), {mix}", concurrency, warmup, duration, w =>
            {
                var random = new Random(3000 + w);
                var connection = source.OpenConnection();
                lock (connections)
                    connections.Add(connection);
                var command = new NpgsqlCommand(ViewSql, connection);
                var patient = new NpgsqlParameter<string>("patient", NpgsqlDbType.Text);
                command.Parameters.Add(patient);
                command.Prepare();
                return async () =>
                {
                    patient.TypedValue = pick(random);
                    var rows = 0;
                    await using var reader = await command.ExecuteReaderAsync();
                    while (await reader.ReadAsync())
                    {
                        AuditRows.ReadEveryColumn(reader);
                        rows++;
                    }
                    return !full || rows == 100;
                };
            });
        }
        finally
        {
            foreach (var connection in connections)
                await connection.DisposeAsync();
        }
    }

    /// <summary>The frequent patients (see <see cref="AuditPopulation"/>) that have at least 100 records in the loaded log.</summary>
    private static async Task<List<string>> FrequentPatientsAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT patient FROM audit.events WHERE patient = ANY(@patients) GROUP BY patient HAVING count(*) >= 100", connection) { CommandTimeout = 0 };
        command.Parameters.AddWithValue("patients", Enumerable.Range(0, AuditPopulation.FrequentPatients).Select(j => AuditPopulation.PatientId(AuditPopulation.FrequentPatient(j))).ToArray());
        var found = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            found.Add(reader.GetString(0));
        return found;
    }

    /// <summary>Sizes and the patient index's depth (pageinspect's B-tree metapage: level 0 is a lone leaf).</summary>
    private static async Task<string> ShapeAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await AuditAppendBenchmark.ExecuteAsync(connection, "CREATE EXTENSION IF NOT EXISTS pageinspect");
        // Sizes summed over the partitions (a partitioned table's own size is 0); the depth is the largest patient index's.
        await using var command = new NpgsqlCommand("""
            WITH leaf AS (
                SELECT relid::regclass::text AS name, pg_relation_size(relid) AS size FROM pg_partition_tree('audit.events_patient')
                WHERE isleaf ORDER BY 2 DESC LIMIT 1)
            SELECT format('table %s, all indexes %s, patient index %s with %s levels above its leaves (largest: %s of %s tables)',
                pg_size_pretty((SELECT sum(pg_table_size(relid)) FROM pg_partition_tree('audit.events'))),
                pg_size_pretty((SELECT sum(pg_indexes_size(relid)) FROM pg_partition_tree('audit.events'))),
                pg_size_pretty((SELECT sum(pg_relation_size(relid)) FROM pg_partition_tree('audit.events_patient'))), level,
                leaf.name, (SELECT count(*) FROM pg_partition_tree('audit.events') WHERE isleaf))
            FROM leaf, bt_metap(leaf.name)
            """, connection);
        return (string)(await command.ExecuteScalarAsync())!;
    }

    private static Task<string> PlanAsync(string connectionString, string patient) =>
        QueryPlan.ExplainAsync(connectionString, ViewSql, parameters => parameters.AddWithValue("patient", patient));
}
