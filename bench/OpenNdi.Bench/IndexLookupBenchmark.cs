using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Npgsql;
using OpenNdi.Core.Identifiers;

namespace OpenNdi.Bench;

/// <summary>
/// <c>index-lookup</c>: lookups of random patients of the loaded index, measured in the same run as
/// (a) raw SQL: an Npgsql loop running exactly the index store's lookup statement, prepared, one connection per worker,
///     reading every column of every row; and pgbench with the same statement when it is installed;
/// (b) the HTTP API: the real server as a child process, GET /fhir/DocumentReference?patient.identifier=… with a
///     bearer token, each response checked for 200 and the expected number of entries.
/// </summary>
internal static class IndexLookupBenchmark
{
    /// <summary>
    /// What <c>IndexStore.LookupAsync</c> runs for a lookup by patient alone (no category, no period), taken from the
    /// store itself so the baseline can never drift from the statement the server runs.
    /// </summary>
    public static readonly string LookupSql = LookupStatement();

    private static string LookupStatement()
    {
        // The store only builds the text here; no connection is opened.
        var database = new OpenNdi.Data.NdiDatabase(new OpenNdi.Data.StorageOptions(OpenNdi.Data.StorageBackend.PostgreSql, "Host=127.0.0.1"));
        return new OpenNdi.Data.Index.IndexStore(database).LookupSql(new OpenNdi.Data.Index.IndexQuery(IndexPopulation.Patient(0), null, null, null));
    }

    private const string PgbenchPath = "/usr/lib/postgresql/15/bin/pgbench";

    public static async Task<int> RunAsync(string[] args)
    {
        var admin = BenchArgs.Get(args, "--postgres") ?? throw new ArgumentException("--postgres CONNSTR is required");
        var concurrency = BenchArgs.Int(args, "--concurrency", 16);
        var duration = TimeSpan.FromSeconds(BenchArgs.Int(args, "--seconds", 30));
        var warmup = TimeSpan.FromSeconds(BenchArgs.Int(args, "--warmup", 15));
        // A fresh server needs about a minute under load before tiered compilation has optimised its hot path
        // (measured: 394 lookups/s after 10 s, about four times that after 45 s), and a deployed server is warm.
        var serverWarmup = TimeSpan.FromSeconds(BenchArgs.Int(args, "--server-warmup", 60));
        var dll = BenchArgs.Get(args, "--server-dll") ?? BenchServer.DefaultDll;
        var steps = (BenchArgs.Get(args, "--steps") ?? "raw,pgbench,http").Split(',');
        // --rate R adds open-loop steps at R lookups/s (raw SQL and HTTP), for latency under a fixed offered load.
        var rate = BenchArgs.Int(args, "--rate", 0);
        if (await IndexLoad.LoadedSizeAsync(admin) is not { } loaded)
        {
            Console.Error.WriteLine($"no index loaded: run index-load first");
            return 1;
        }
        var population = new IndexPopulation(loaded.Patients, loaded.PerPatient);
        var database = IndexLoad.BenchConnectionString(admin);
        Console.WriteLine($"# index-lookup: {loaded.Patients:N0} patients, {loaded.Rows:N0} rows, concurrency {concurrency}, {warmup.TotalSeconds:N0} s warm-up ({serverWarmup.TotalSeconds:N0} s for the server) + {duration.TotalSeconds:N0} s, {Environment.ProcessorCount} cores, load {Measurement.LoadAverage()}");

        var results = new List<Measurement>();
        if (steps.Contains("raw"))
            results.Add(await RawNpgsqlAsync(database, population, concurrency, warmup, duration));
        if (steps.Contains("pgbench") && File.Exists(PgbenchPath))
            results.Add(await PgbenchAsync(database, population, concurrency, warmup, duration));
        if (rate > 0 && steps.Contains("raw"))
            results.Add(await RawOpenLoopAsync(database, population, rate, warmup, duration));
        double serverCpuPerLookupMs = 0, openLoopCpuPerLookupMs = 0;
        if (steps.Contains("http"))
        {
            using var issuer = new BenchIssuer();
            var perfFile = BenchArgs.Get(args, "--perf");
            var environment = perfFile is null ? [] : new Dictionary<string, string> { ["DOTNET_PerfMapEnabled"] = "1", ["DOTNET_EnableWriteXorExecute"] = "0" };
            // --server-env NAME=VALUE,… sets more of the server's environment (a setting to compare, in the same run setup).
            foreach (var setting in (BenchArgs.Get(args, "--server-env") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries))
                environment[setting[..setting.IndexOf('=')]] = setting[(setting.IndexOf('=') + 1)..];
            await using var server = await BenchServer.StartAsync(dll, database, issuer, BenchServer.FreePort(), environment);
            using var trace = BenchArgs.Get(args, "--trace") is { } traceFile ? StartTrace(server.ProcessId, traceFile, serverWarmup + duration) : null;
            // perf samples the measured window of the closed-loop step only (after the warm-up).
            var perf = perfFile is null ? null : DelayedPerf(server.ProcessId, perfFile, serverWarmup, duration);
            // The server's CPU time over the measured window only (warm-up excluded), divided by the lookups answered in it.
            var cpu = new CpuWindow(server);
            var http = await HttpAsync(server, issuer.ClinicianToken(), population, concurrency, serverWarmup, duration, cpu.Phase);
            serverCpuPerLookupMs = cpu.PerOperationMs(http.Operations);
            results.Add(http);
            if (trace is not null)
                await trace.WaitForExitAsync();
            if (perf is not null)
                await perf;
            if (rate > 0)
            {
                var openCpu = new CpuWindow(server);
                var open = await HttpOpenLoopAsync(server, issuer.ClinicianToken(), population, rate, warmup, duration, openCpu.Phase);
                openLoopCpuPerLookupMs = openCpu.PerOperationMs(open.Operations);
                results.Add(open);
            }
        }

        Console.WriteLine();
        Console.WriteLine("| step | lookups/s | vs raw Npgsql | vs pgbench | p50 ms | p95 ms | p99 ms | failed |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        var raw = results.FirstOrDefault(r => r.Step.Contains("Npgsql", StringComparison.Ordinal));
        var pgbench = results.FirstOrDefault(r => r.Step.Contains("pgbench", StringComparison.Ordinal));
        foreach (var r in results)
            Console.WriteLine($"| {r.Step} | {r.PerSecond:N0} | {Ratio(r, raw)} | {Ratio(r, pgbench)} | {r.P50Ms:N2} | {r.P95Ms:N2} | {r.P99Ms:N2} | {r.Failures} |");
        if (serverCpuPerLookupMs > 0)
            Console.WriteLine($"server CPU per lookup, measured window only: {serverCpuPerLookupMs:N3} ms closed loop{(openLoopCpuPerLookupMs > 0 ? $", {openLoopCpuPerLookupMs:N3} ms open loop" : "")}");

        Directory.CreateDirectory("bench/results");
        var file = $"bench/results/index-lookup-{DateTime.UtcNow:yyyyMMddTHHmmss}.json";
        await File.WriteAllTextAsync(file, JsonSerializer.Serialize(new
        {
            loaded.Patients, loaded.Rows, concurrency, warmupSeconds = warmup.TotalSeconds, serverWarmupSeconds = serverWarmup.TotalSeconds, serverDll = dll, cores = Environment.ProcessorCount,
            dotnet = Environment.Version.ToString(), serverCpuPerLookupMs, openLoopCpuPerLookupMs, results = results.Select(r => new { r.Step, r.Concurrency, r.Operations, r.Failures, r.Seconds, r.PerSecond, r.P50Ms, r.P95Ms, r.P99Ms, r.MaxMs, r.LoadBefore, r.LoadAfter }),
        }, Measurement.ResultsJson));
        Console.WriteLine($"\nRaw results: {file}");
        return 0;
    }

    /// <summary>For profiling only: samples the server's threads with dotnet-trace (installed as a .NET tool) during the HTTP step.</summary>
    internal static Process StartTrace(int processId, string file, TimeSpan length)
    {
        var tool = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".dotnet", "tools", "dotnet-trace");
        var start = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in (string[])["collect", "-p", $"{processId}", "--profile", "dotnet-sampled-thread-time", "-o", Path.GetFullPath(file), "--duration", $"00:00:{(int)length.TotalMinutes:D2}:{length.Seconds:D2}"])
            start.ArgumentList.Add(argument);
        return Process.Start(start)!;
    }

    /// <summary>For profiling only: perf on the server for <paramref name="length"/>, starting after <paramref name="delay"/>.</summary>
    private static Task DelayedPerf(int processId, string file, TimeSpan delay, TimeSpan length) => Task.Run(async () =>
    {
        await Task.Delay(delay);
        using var perf = SummaryBenchmark.StartPerf(processId, file, length);
        await perf.WaitForExitAsync();
    });

    private static string Ratio(Measurement r, Measurement? baseline) => baseline is null ? "" : $"{r.PerSecond / baseline.PerSecond:P0}";

    private static async Task<Measurement> RawNpgsqlAsync(string database, IndexPopulation population, int concurrency, TimeSpan warmup, TimeSpan duration)
    {
        await using var source = NpgsqlDataSource.Create(database);
        var connections = new List<NpgsqlConnection>();
        try
        {
            return await LoadDriver.RunAsync("raw SQL, Npgsql loop (prepared)", concurrency, warmup, duration, w =>
            {
                var random = new Random(1000 + w);
                var connection = source.OpenConnection();
                lock (connections)
                    connections.Add(connection);
                var command = new NpgsqlCommand(LookupSql, connection);
                var patient = new NpgsqlParameter<string>("patient", NpgsqlTypes.NpgsqlDbType.Text);
                command.Parameters.Add(patient);
                command.Prepare();
                return async () =>
                {
                    var i = random.Next(population.Patients);
                    patient.TypedValue = IndexPopulation.Patient(i).Value;
                    return await ReadEntriesAsync(command) == population.CurrentEntries(i);
                };
            });
        }
        finally
        {
            foreach (var connection in connections)
                await connection.DisposeAsync();
        }
    }

    /// <summary>
    /// pgbench, prepared mode, the same statement; the script computes the i-th patient's personnummer exactly as
    /// <see cref="IndexPopulation.Patient"/> does (Luhn check digit over YYMMDDNNN). Latencies come from its
    /// per-transaction log.
    /// </summary>
    private static async Task<Measurement> PgbenchAsync(string database, IndexPopulation population, int concurrency, TimeSpan warmup, TimeSpan duration)
    {
        var work = Directory.CreateTempSubdirectory("ndi-pgbench-");
        var script = Path.Combine(work.FullName, "lookup.sql");
        await File.WriteAllTextAsync(script, PgbenchScript(population.Patients));
        var builder = new NpgsqlConnectionStringBuilder(database);
        string[] common = ["-n", "-M", "prepared", "-c", $"{concurrency}", "-j", $"{Environment.ProcessorCount}", "-f", script,
            "-h", builder.Host ?? "127.0.0.1", "-p", $"{builder.Port}", "-U", builder.Username ?? "postgres", builder.Database!];
        await RunPgbenchAsync([.. common, "-T", $"{(int)warmup.TotalSeconds}"], work.FullName);
        var load = Measurement.LoadAverage();
        var output = await RunPgbenchAsync([.. common, "-T", $"{(int)duration.TotalSeconds}", "-l", "--log-prefix", Path.Combine(work.FullName, "log")], work.FullName);
        var latencies = new List<double>();
        foreach (var log in Directory.EnumerateFiles(work.FullName, "log.*"))
        {
            foreach (var line in File.ReadLines(log))
            {
                // client_id transaction_no latency_us script_no epoch epoch_us
                var fields = line.Split(' ');
                latencies.Add(double.Parse(fields[2], CultureInfo.InvariantCulture) / 1000);
            }
        }
        var failed = output.Split('\n').FirstOrDefault(l => l.StartsWith("number of failed transactions", StringComparison.Ordinal)) is { } f
            ? long.Parse(f.Split(':')[1].Trim().Split(' ')[0], CultureInfo.InvariantCulture) : 0;
        work.Delete(recursive: true);
        var result = Measurement.FromLatencies("raw SQL, pgbench (prepared)", concurrency, latencies, failed, duration.TotalSeconds, load);
        Console.WriteLine(result);
        return result;
    }

    public static string PgbenchScript(int patients) => $"""
        \set i random(0, {patients - 1})
        \set y 1935 + :i % 85
        \set m 1 + (:i / 85) % 12
        \set d 1 + (:i / 1020) % 28
        \set n 1 + :i / 28560
        \set yy :y % 100
        \set s ((2 * (:yy / 10)) / 10 + (2 * (:yy / 10)) % 10) + :yy % 10 + ((2 * (:m / 10)) / 10 + (2 * (:m / 10)) % 10) + :m % 10 + ((2 * (:d / 10)) / 10 + (2 * (:d / 10)) % 10) + :d % 10 + ((2 * (:n / 100)) / 10 + (2 * (:n / 100)) % 10) + (:n / 10) % 10 + ((2 * (:n % 10)) / 10 + (2 * (:n % 10)) % 10)
        \set c (10 - :s % 10) % 10
        \set pnr :y * 100000000 + :m * 1000000 + :d * 10000 + :n * 10 + :c
        {LookupSql.Replace("@patient", ":pnr", StringComparison.Ordinal)};

        """;

    private static async Task<string> RunPgbenchAsync(string[] arguments, string directory)
    {
        var start = new ProcessStartInfo(PgbenchPath) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"pgbench failed ({process.ExitCode}): {await stderr}");
        return await stdout;
    }

    private static async Task<Measurement> HttpAsync(BenchServer server, string token, IndexPopulation population, int concurrency, TimeSpan warmup, TimeSpan duration, Action<bool> phase)
    {
        using var client = server.Client(concurrency);
        var system = AsClinician(client, token);
        return await LoadDriver.RunAsync("HTTP API, GET /fhir/DocumentReference", concurrency, warmup, duration, w =>
        {
            var random = new Random(2000 + w);
            return async () =>
            {
                var i = random.Next(population.Patients);
                using var response = await client.GetAsync($"/fhir/DocumentReference?patient.identifier={system}{IndexPopulation.Patient(i).Value}", HttpCompletionOption.ResponseContentRead);
                var body = await response.Content.ReadAsByteArrayAsync();
                return response.IsSuccessStatusCode && CountEntries(body) == population.CurrentEntries(i);
            };
        }, phase);
    }

    /// <summary>Sets the clinician's token and headers on the client; returns the escaped identifier system prefix.</summary>
    private static string AsClinician(HttpClient client, string token)
    {
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        client.DefaultRequestHeaders.Accept.ParseAdd("application/fhir+json");
        client.DefaultRequestHeaders.Add("Ndi-Care-Relationship", "declared");
        return Uri.EscapeDataString(PersonalIdentityNumber.PersonnummerSystem + "|");
    }

    /// <summary>Runs the lookup and reads every column of every row, as the store does; returns the row count.</summary>
    private static async Task<int> ReadEntriesAsync(NpgsqlCommand command)
    {
        var rows = 0;
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            _ = reader.GetString(0); _ = reader.GetString(1); _ = reader.GetString(2); _ = reader.GetString(3);
            _ = reader.GetString(4); _ = reader.GetString(5); _ = reader.GetFieldValue<DateOnly>(6); _ = reader.GetFieldValue<DateOnly>(7);
            rows++;
        }
        return rows;
    }

    /// <summary>The k-th open-loop lookup's patient: spread over the population without a shared random generator.</summary>
    private static int PatientOf(long k, IndexPopulation population) => (int)((ulong)(k * 2654435761L) % (ulong)population.Patients);

    /// <summary>The raw statement at a fixed rate, each lookup on a pooled connection (auto-prepared).</summary>
    private static async Task<Measurement> RawOpenLoopAsync(string database, IndexPopulation population, int rate, TimeSpan warmup, TimeSpan duration)
    {
        await using var source = NpgsqlDataSource.Create(database + ";Maximum Pool Size=64;Max Auto Prepare=4");
        return await OpenLoopDriver.RunAsync("raw SQL, Npgsql", rate, warmup, duration, 512, async k =>
        {
            var i = PatientOf(k, population);
            await using var connection = await source.OpenConnectionAsync();
            await using var command = new NpgsqlCommand(LookupSql, connection);
            command.Parameters.Add(new NpgsqlParameter<string>("patient", NpgsqlTypes.NpgsqlDbType.Text) { TypedValue = IndexPopulation.Patient(i).Value });
            return await ReadEntriesAsync(command) == population.CurrentEntries(i);
        });
    }

    private static async Task<Measurement> HttpOpenLoopAsync(BenchServer server, string token, IndexPopulation population, int rate, TimeSpan warmup, TimeSpan duration, Action<bool> phase)
    {
        using var client = server.Client(512);
        var system = AsClinician(client, token);
        return await OpenLoopDriver.RunAsync("HTTP API, GET /fhir/DocumentReference", rate, warmup, duration, 512, async k =>
        {
            var i = PatientOf(k, population);
            using var response = await client.GetAsync($"/fhir/DocumentReference?patient.identifier={system}{IndexPopulation.Patient(i).Value}", HttpCompletionOption.ResponseContentRead);
            var body = await response.Content.ReadAsByteArrayAsync();
            return response.IsSuccessStatusCode && CountEntries(body) == population.CurrentEntries(i);
        }, phase);
    }

    private static readonly byte[] FullUrl = Encoding.UTF8.GetBytes("\"fullUrl\"");

    /// <summary>Entries in a searchset Bundle, counted without parsing it (the client must not eat the server's CPU).</summary>
    private static int CountEntries(ReadOnlySpan<byte> body)
    {
        var count = 0;
        int at;
        while ((at = body.IndexOf(FullUrl)) >= 0)
        {
            count++;
            body = body[(at + FullUrl.Length)..];
        }
        return count;
    }
}
