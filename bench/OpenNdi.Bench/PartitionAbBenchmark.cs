using System.Globalization;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using OpenNdi.Core.Audit;
using OpenNdi.Data;
using OpenNdi.Data.Audit;
using OpenNdi.Data.Index;

namespace OpenNdi.Bench;

/// <summary>
/// <c>partition-ab</c>: the unpartitioned layout (main's: every migration but audit/2 and index/2) against the
/// partitioned one (issue 14) on the same data, in one process, in alternating short slices (A B A B …), so that a
/// machine shared with other engineers' builds disturbs both alike. The store code is the same for both layouts (the
/// stores' SQL did not change), so the difference is the layout's. Needs the databases the "Issue 14" section of
/// docs/benchmarks.md makes: ndi_bench_index_{base,part} and ndi_bench_audit_{base,part} (the same rows; the "part" ones
/// converted by <c>ndi migrate</c>). Appends go to two fresh databases made here.
/// </summary>
internal static class PartitionAbBenchmark
{
    private static readonly string[] Layouts = ["base", "part"];
    private static readonly DateTimeOffset LogStart = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static async Task<int> RunAsync(string[] args)
    {
        var admin = BenchArgs.Get(args, "--postgres") ?? throw new ArgumentException("--postgres CONNSTR is required");
        var rounds = BenchArgs.Int(args, "--rounds", 4);
        var duration = TimeSpan.FromSeconds(BenchArgs.Int(args, "--seconds", 5));
        var warmup = TimeSpan.FromSeconds(BenchArgs.Int(args, "--warmup", 2));
        var steps = (BenchArgs.Get(args, "--steps") ?? "index,view,append").Split(',');
        string Db(string name) => new NpgsqlConnectionStringBuilder(admin) { Database = name }.ConnectionString;
        var population = await IndexPopulationAsync(Db("ndi_bench_index_base"));
        var frequent = Enumerable.Range(0, AuditPopulation.FrequentPatients).Select(j => AuditPopulation.PatientId(AuditPopulation.FrequentPatient(j))).ToArray();
        var appendDbs = steps.Contains("append") ? await AppendDatabasesAsync(admin) : [];
        Console.WriteLine($"# partition-ab: {rounds} rounds of {warmup.TotalSeconds:N0} s + {duration.TotalSeconds:N0} s per slice, base then part; {Environment.ProcessorCount} cores, load {Measurement.LoadAverage()}");

        var slices = new List<(string Step, string Layout, int Round, Measurement Result)>();
        for (var round = 1; round <= rounds; round++)
        {
            // Which layout goes first alternates too, so neither always follows the other's cache state.
            foreach (var layout in round % 2 == 1 ? Layouts : Layouts.Reverse())
            {
                if (steps.Contains("index"))
                {
                    await using var database = new NdiDatabase(new StorageOptions(StorageBackend.PostgreSql, Db($"ndi_bench_index_{layout}")));
                    var store = new IndexStore(database);
                    slices.Add(("index lookup, IndexStore, c16", layout, round, await LoadDriver.RunAsync($"{layout}", 16, warmup, duration, w =>
                    {
                        var random = new Random(1000 * round + w);
                        return async () =>
                        {
                            var i = random.Next(population.Patients);
                            return (await store.LookupAsync(new IndexQuery(IndexPopulation.Patient(i)))).Count == population.CurrentEntries(i);
                        };
                    })));
                }
                if (steps.Contains("view"))
                {
                    await using var database = new NdiDatabase(new StorageOptions(StorageBackend.PostgreSql, Db($"ndi_bench_audit_{layout}")));
                    var store = new AuditStore(database);
                    // "since": bounded to the log's month (the loaded log is 2026-01-01 onwards), so that the partitioned
                    // layout prunes every other month; the same query on both layouts.
                    foreach (var (mix, concurrency, since) in new (string, int, DateTimeOffset?)[] { ("frequent", 1, null), ("frequent", 16, null), ("any", 16, null), ("frequent", 16, LogStart) })
                    {
                        slices.Add(($"patient view, AuditStore, {mix} patient, c{concurrency}{(since is null ? "" : ", from 2026-01-01")}", layout, round, await LoadDriver.RunAsync($"{layout}", concurrency, warmup, duration, w =>
                        {
                            var random = new Random(3000 * round + w);
                            return async () =>
                            {
                                var patient = mix == "frequent" ? frequent[random.Next(frequent.Length)] : AuditPopulation.PatientId(random.Next(AuditPopulation.Patients));
                                var found = await store.QueryAsync(new AuditQuery(Patient: patient, From: since, Limit: 100));
                                return mix != "frequent" || found.Count == 100;
                            };
                        })));
                    }
                }
                if (steps.Contains("append"))
                {
                    await using var database = new NdiDatabase(new StorageOptions(StorageBackend.PostgreSql, appendDbs[layout]));
                    await using var writer = new AuditWriter(new AuditStore(database), "ab-node");
                    var next = 0L;
                    slices.Add(("append, AuditWriter, 64 producers", layout, round, await LoadDriver.RunAsync($"{layout}", 64, warmup, duration, _ => async () =>
                    {
                        var k = Interlocked.Increment(ref next);
                        await writer.AppendAsync(AuditPopulation.Record(k, DateTimeOffset.UtcNow));
                        return true;
                    })));
                }
            }
        }

        Console.WriteLine();
        Console.WriteLine("| step | base ops/s (median) | part ops/s (median) | part/base per round | median | base p95 ms | part p95 ms | failed |");
        Console.WriteLine("|---|---:|---:|---|---:|---:|---:|---:|");
        var summary = new List<object>();
        foreach (var step in slices.Select(s => s.Step).Distinct())
        {
            Measurement[] Of(string layout) => [.. slices.Where(s => s.Step == step && s.Layout == layout).OrderBy(s => s.Round).Select(s => s.Result)];
            var (a, b) = (Of("base"), Of("part"));
            var ratios = a.Zip(b, (x, y) => y.PerSecond / x.PerSecond).ToArray();
            Console.WriteLine($"| {step} | {Median(a.Select(m => m.PerSecond)):N0} | {Median(b.Select(m => m.PerSecond)):N0} | {string.Join(" ", ratios.Select(r => r.ToString("N2", CultureInfo.InvariantCulture)))} | **{Median(ratios):N2}** | {Median(a.Select(m => m.P95Ms)):N2} | {Median(b.Select(m => m.P95Ms)):N2} | {a.Concat(b).Sum(m => m.Failures)} |");
            summary.Add(new { step, baseMedian = Median(a.Select(m => m.PerSecond)), partMedian = Median(b.Select(m => m.PerSecond)), ratios, medianRatio = Median(ratios) });
        }
        Directory.CreateDirectory("bench/results");
        var file = $"bench/results/partition-ab-{DateTime.UtcNow:yyyyMMddTHHmmss}.json";
        await File.WriteAllTextAsync(file, JsonSerializer.Serialize(new
        {
            rounds, warmupSeconds = warmup.TotalSeconds, seconds = duration.TotalSeconds, cores = Environment.ProcessorCount, summary,
            slices = slices.Select(s => new { s.Step, s.Layout, s.Round, s.Result.Operations, s.Result.Failures, s.Result.PerSecond, s.Result.P50Ms, s.Result.P95Ms, s.Result.P99Ms, s.Result.LoadBefore, s.Result.LoadAfter }),
        }, Measurement.ResultsJson));
        Console.WriteLine($"\nRaw results: {file}");
        return 0;
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? 0 : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static async Task<IndexPopulation> IndexPopulationAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT patients, per_patient FROM bench_index_load", connection);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return new IndexPopulation(reader.GetInt32(0), reader.GetInt32(1));
    }

    /// <summary>Two fresh audit databases: main's layout (audit/1 only) and the partitioned one (audit/2, this month and three ahead).</summary>
    private static async Task<Dictionary<string, string>> AppendDatabasesAsync(string admin)
    {
        var made = new Dictionary<string, string>();
        foreach (var layout in Layouts)
        {
            var name = $"ndi_bench_ab_append_{layout}";
            await using (var server = new NpgsqlConnection(admin))
            {
                await server.OpenAsync();
                await AuditAppendBenchmark.ExecuteAsync(server, $"DROP DATABASE IF EXISTS {name} WITH (FORCE); ");
                await AuditAppendBenchmark.ExecuteAsync(server, $"CREATE DATABASE {name}");
            }
            var connectionString = new NpgsqlConnectionStringBuilder(admin) { Database = name }.ConnectionString;
            await using var database = new NdiDatabase(new StorageOptions(StorageBackend.PostgreSql, connectionString));
            await MigrationRunner.ApplyAsync(database, layout == "base" ? AuditSchema.Migrations.Where(m => m.Version == 1) : AuditSchema.Migrations);
            if (layout == "part")
                await AuditTimePartitions.EnsureMonthsAsync(database, DateTimeOffset.UtcNow);
            made[layout] = connectionString;
        }
        return made;
    }
}
