using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Npgsql;
using OpenNdi.Core.Identifiers;
using OpenNdi.Core.Index;
using OpenNdi.Data;

namespace OpenNdi.Bench;

/// <summary>
/// <c>index-bulk</c>: new index entries published as NDJSON through POST /fhir/DocumentReference/$bulk (the real
/// server, each region's system with its own token) versus a raw binary COPY of the very same rows, both into the
/// loaded pdi.entries, in the same run. The published rows are deleted (and the table vacuumed) before each step, so
/// both write into the same ten-million-row table and its primary key. A request that fails, or whose answer does not
/// say all its entries were published, is a failure: a step with any failure counts no entries (0 entries/s).
/// </summary>
internal static class IndexBulkBenchmark
{
    private const string BulkPrefix = "bulk-";

    public static async Task<int> RunAsync(string[] args)
    {
        var admin = BenchArgs.Get(args, "--postgres") ?? throw new ArgumentException("--postgres CONNSTR is required");
        var total = BenchArgs.Int(args, "--entries", 200_000);
        var fileLines = BenchArgs.Int(args, "--file-lines", 25_000);
        var concurrency = BenchArgs.Int(args, "--concurrency", 2);
        var dll = BenchArgs.Get(args, "--server-dll") ?? BenchServer.DefaultDll;
        if (await IndexLoad.LoadedSizeAsync(admin) is not { } loaded)
        {
            Console.Error.WriteLine("no index loaded: run index-load first");
            return 1;
        }
        var population = new IndexPopulation(loaded.Patients, loaded.PerPatient);
        var database = IndexLoad.BenchConnectionString(admin);
        Console.WriteLine($"# index-bulk: {total:N0} new entries in files of {fileLines:N0} lines, {concurrency} at a time, into {loaded.Rows:N0} rows; load {Measurement.LoadAverage()}");

        // An index loaded before care units had to be registered gets them now (idempotent).
        await using (var registration = new NdiDatabase(new StorageOptions(StorageBackend.PostgreSql, database)))
            await IndexLoad.RegisterCareUnitsAsync(registration, population);

        var files = Files(population, total, fileLines, "m");
        // One warm-up round, a file per connection; --warmup-lines 25000 warms with files of the measured size.
        var warmupLines = Math.Min(fileLines, BenchArgs.Int(args, "--warmup-lines", 5_000));
        var warmupFiles = Files(population, warmupLines * concurrency, warmupLines, "w");
        var results = new List<Measurement>();
        var serverCpuMsPer1000 = 0.0;
        await ClearAsync(database);
        // --perf FILE samples the server (perf record, the measured step's first --perf-seconds, default 10) with the
        // runtime's perf map; --server-env NAME=VALUE,… sets more of the server's environment.
        var perfFile = BenchArgs.Get(args, "--perf");
        var environment = perfFile is null ? [] : new Dictionary<string, string> { ["DOTNET_PerfMapEnabled"] = "1", ["DOTNET_EnableWriteXorExecute"] = "0" };
        foreach (var setting in (BenchArgs.Get(args, "--server-env") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries))
            environment[setting[..setting.IndexOf('=')]] = setting[(setting.IndexOf('=') + 1)..];
        using (var issuer = new BenchIssuer())
        await using (var server = await BenchServer.StartAsync(dll, database, issuer, BenchServer.FreePort(), environment))
        {
            using var client = server.Client(concurrency);
            // --warmup-rounds N (default 1): the runtime keeps tiering the bulk path up for several rounds (a profile
            // after one round had the JIT at a third of the server's samples), so steady state needs more than one.
            for (var round = BenchArgs.Int(args, "--warmup-rounds", 1); round > 0; round--)
            {
                await PublishAsync(client, issuer, warmupFiles, concurrency, "warm-up");
                await ClearAsync(database);
            }
            using var perf = perfFile is null ? null
                : SummaryBenchmark.StartPerf(server.ProcessId, perfFile, TimeSpan.FromSeconds(BenchArgs.Int(args, "--perf-seconds", 10)));
            // The server's processor time over the measured step only (its whole process: Kestrel, reading, Npgsql, GC).
            var cpuBefore = server.CpuTime;
            var publish = await PublishAsync(client, issuer, files, concurrency, "HTTP API, POST /fhir/DocumentReference/$bulk");
            serverCpuMsPer1000 = (server.CpuTime - cpuBefore).TotalMilliseconds / total * 1000;
            Console.WriteLine($"server CPU over the step: {serverCpuMsPer1000:N1} ms per 1,000 entries");
            results.Add(publish);
            if (perf is not null)
                await perf.WaitForExitAsync();
        }
        await ClearAsync(database);
        await CopyAsync(database, warmupFiles, concurrency, "warm-up");
        await ClearAsync(database);
        results.Add(await CopyAsync(database, files, concurrency, "raw binary COPY"));
        await ClearAsync(database);

        var raw = results[^1];
        Console.WriteLine();
        Console.WriteLine("| step | entries/s | vs raw COPY | seconds | entries | failed requests |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        foreach (var r in results)
            Console.WriteLine($"| {r.Step} | {r.PerSecond:N0} | {r.PerSecond / raw.PerSecond:P1} | {r.Seconds:N1} | {r.Operations:N0} | {r.Failures:N0} |");
        Directory.CreateDirectory("bench/results");
        var file = $"bench/results/index-bulk-{DateTime.UtcNow:yyyyMMddTHHmmss}.json";
        await File.WriteAllTextAsync(file, JsonSerializer.Serialize(new
        {
            loaded.Rows, entries = total, fileLines, concurrency, warmupLines, warmupRounds = BenchArgs.Int(args, "--warmup-rounds", 1), serverCpuMsPer1000Entries = serverCpuMsPer1000, cores = Environment.ProcessorCount, dotnet = Environment.Version.ToString(),
            results = results.Select(r => new { r.Step, r.Concurrency, entries = r.Operations, r.Failures, r.Seconds, entriesPerSecond = r.PerSecond, r.LoadBefore, r.LoadAfter }),
        }, Measurement.ResultsJson));
        Console.WriteLine($"\nRaw results: {file}");
        return 0;
    }

    /// <summary>One provider's file: the rows and the same rows as NDJSON DocumentReferences.</summary>
    private sealed record BulkFile(IndexPopulation.Provider Provider, List<IndexPopulation.Row> Rows, byte[] Ndjson);

    /// <summary>
    /// New entries (source references no loaded row has) for random loaded patients, each file from one region,
    /// shaped as IHE MHD minimal metadata the way IndexEntryMapper reads it.
    /// </summary>
    private static List<BulkFile> Files(IndexPopulation population, int total, int fileLines, string run)
    {
        var random = new Random(run.GetHashCode(StringComparison.Ordinal) & 0xffff);
        var regions = population.Regions.ToList();
        var files = new List<BulkFile>();
        for (var f = 0; f * fileLines < total; f++)
        {
            var provider = regions[f % regions.Count];
            var rows = new List<IndexPopulation.Row>();
            var text = new StringBuilder();
            for (var k = 0; k < Math.Min(fileLines, total - f * fileLines); k++)
            {
                var patient = IndexPopulation.Patient(random.Next(population.Patients));
                var category = DataCategory.All[random.Next(DataCategory.All.Count)];
                var unit = provider.CareUnits[random.Next(provider.CareUnits.Length)];
                var latest = IndexPopulation.Today.AddDays(-random.Next(365));
                var first = latest.AddDays(-random.Next(1000));
                var entry = new IndexEntry(new IndexEntryKey(patient, category, unit, provider.SourceSystem, $"{BulkPrefix}{run}-{f}-{k}"), provider.Id, first, latest);
                rows.Add(new IndexPopulation.Row(entry, false));
                text.Append(Document(entry)).Append('\n');
            }
            files.Add(new BulkFile(provider, rows, Encoding.UTF8.GetBytes(text.ToString())));
        }
        return files;
    }

    private static string Document(IndexEntry entry) =>
        "{\"resourceType\":\"DocumentReference\",\"status\":\"current\"," +
        $"\"identifier\":[{{\"system\":\"urn:openndi:index:source-reference\",\"value\":\"{entry.Key.SourceSystem}|{entry.Key.SourceReference}\"}}]," +
        $"\"type\":{{\"coding\":[{{\"system\":\"http://loinc.org\",\"code\":\"{entry.Key.Category.Loinc}\",\"display\":\"{entry.Key.Category.Display}\"}}]}}," +
        $"\"subject\":{{\"identifier\":{{\"system\":\"{PersonalIdentityNumber.PersonnummerSystem}\",\"value\":\"{entry.Key.Patient.Value}\"}}}}," +
        $"\"author\":[{{\"identifier\":{{\"system\":\"{HsaId.System}\",\"value\":\"{entry.Key.CareUnit.Value}\"}}}}]," +
        $"\"context\":{{\"period\":{{\"start\":\"{entry.FirstDate:yyyy-MM-dd}\",\"end\":\"{entry.LatestDate:yyyy-MM-dd}\"}}}}," +
        "\"content\":[{\"attachment\":{\"contentType\":\"application/fhir+json\"}}]}";

    private static async Task<Measurement> PublishAsync(HttpClient client, BenchIssuer issuer, List<BulkFile> files, int concurrency, string step)
    {
        var tokens = files.Select(f => f.Provider.Id.Value).Distinct().ToDictionary(p => p, p => issuer.Token("system/DocumentReference.c", p));
        var load = Measurement.LoadAverage();
        var latencies = new List<double>();
        var failures = 0L;
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(files, new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (file, cancellationToken) =>
        {
            var started = Stopwatch.GetTimestamp();
            using var request = new HttpRequestMessage(HttpMethod.Post, "/fhir/DocumentReference/$bulk") { Content = new ByteArrayContent(file.Ndjson) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/fhir+ndjson");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tokens[file.Provider.Id.Value]);
            using var response = await client.SendAsync(request, cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            lock (latencies)
            {
                if (response.IsSuccessStatusCode && body.Contains($"{file.Rows.Count} entries published", StringComparison.Ordinal))
                    latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                else
                {
                    failures++;
                    Console.WriteLine($"  {step}: {(int)response.StatusCode} {body[..Math.Min(300, body.Length)]}");
                }
            }
        });
        var seconds = clock.Elapsed.TotalSeconds;
        return Report(step, concurrency, files, latencies, failures, seconds, load);
    }

    private static async Task<Measurement> CopyAsync(string database, List<BulkFile> files, int concurrency, string step)
    {
        var load = Measurement.LoadAverage();
        var latencies = new List<double>();
        var now = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(files, new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (file, cancellationToken) =>
        {
            var started = Stopwatch.GetTimestamp();
            await using var connection = new NpgsqlConnection(database);
            await connection.OpenAsync(cancellationToken);
            await using (var writer = await connection.BeginBinaryImportAsync(IndexLoad.CopyCommand, cancellationToken))
            {
                foreach (var row in file.Rows)
                    await IndexLoad.WriteRowAsync(writer, row, now);
                await writer.CompleteAsync(cancellationToken);
            }
            lock (latencies)
                latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        });
        var seconds = clock.Elapsed.TotalSeconds;
        return Report(step, concurrency, files, latencies, 0, seconds, load);
    }

    /// <summary>A measurement counted in entries (the latencies are per file).</summary>
    private static Measurement Report(string step, int concurrency, List<BulkFile> files, List<double> fileLatencies, long failures, double seconds, string load)
    {
        var perFile = Measurement.FromLatencies(step, concurrency, fileLatencies, failures, seconds, load);
        var result = perFile with { Operations = failures == 0 ? files.Sum(f => (long)f.Rows.Count) : 0 };
        Console.WriteLine($"{step}: {result.PerSecond:N0} entries/s ({result.Operations:N0} entries in {seconds:N1} s, {files.Count} files, file p50 {perFile.P50Ms:N0} ms, max {perFile.MaxMs:N0} ms)");
        return result;
    }

    /// <summary>Removes every row a bulk step wrote, then vacuums, so the next step meets the table as loaded.</summary>
    private static async Task ClearAsync(string database)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using (var delete = new NpgsqlCommand($"DELETE FROM pdi.entries WHERE source_reference LIKE '{BulkPrefix}%'", connection) { CommandTimeout = 0 })
            await delete.ExecuteNonQueryAsync();
        await using var vacuum = new NpgsqlCommand("VACUUM ANALYZE pdi.entries", connection) { CommandTimeout = 0 };
        await vacuum.ExecuteNonQueryAsync();
    }
}
