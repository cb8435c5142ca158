using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using OpenNdi.Synthetic.Providers;

namespace OpenNdi.Bench;

/// <summary>
/// <c>summary</c>: the professional access service's <c>GET /fhir/Patient/$summary</c> (issue 6) against simulated
/// providers that each answer after a fixed latency L, for patients with data at N providers, measured in the same run as
/// a raw parallel fan-out: the same N provider requests (<c>{endpoint}/Patient/{id}/$summary</c>) sent by the bench
/// itself with <c>HttpClient</c> and awaited, no index, policy, parsing, merge or audit. Closed loop at a given
/// concurrency; every summary is checked for 200 and for no provider missed (a failure, a timeout or a missed provider
/// counts as failed in every table). The real server runs as a child process on the embedded SQLite default, with the
/// audit log on; the simulated providers run in their own process (<c>ndi simulate</c> on the same database, one port
/// per provider), or, with <c>--simulators in-process</c>, inside the server as in the demo. Processor time of the
/// server (and of the simulator process) is read at the start and end of each measured window only.
/// </summary>
internal static class SummaryBenchmark
{
    /// <summary>The codes an answer carries when a provider was missed, answered garbage or about someone else (NDI-PAS-010 … 015).</summary>
    /// <summary>The codes of a partial answer (a provider missed, dropped, capped or with resources set aside): NDI-PAS-010 to 017; 018, the account of each answer, is in every summary.</summary>
    private static readonly byte[][] FaultMarkers = [.. Enumerable.Range(10, 8).Select(n => Encoding.UTF8.GetBytes($"NDI-PAS-0{n}"))];

    private static bool HasFault(byte[] body) => FaultMarkers.Any(marker => body.AsSpan().IndexOf(marker) >= 0);

    private static readonly byte[] FullUrl = Encoding.UTF8.GetBytes("\"fullUrl\"");

    /// <summary>Providers answer after <see cref="LatencyMs"/>; each bench patient has data at <see cref="Providers"/> of them; so many requests in flight.</summary>
    private sealed record Config(int LatencyMs, int Providers, int Concurrency)
    {
        public override string ToString() => $"L={LatencyMs} ms, {Providers} providers, concurrency {Concurrency}";
    }

    /// <summary><c>LxN</c> or <c>LxN@C</c>: latency L ms, N providers, concurrency C (default: <c>--concurrency</c>).</summary>
    private static Config ParseConfig(string text, int concurrency)
    {
        var at = text.Split('@');
        var parts = at[0].Split('x');
        return new Config(int.Parse(parts[0], CultureInfo.InvariantCulture), int.Parse(parts[1], CultureInfo.InvariantCulture),
            at.Length > 1 ? int.Parse(at[1], CultureInfo.InvariantCulture) : concurrency);
    }

    /// <param name="MachineBusy">Share of all cores busy (anything but idle and iowait) during the measured window.</param>
    /// <param name="OursBusy">Share of all cores used by the server, the simulator process and the bench during that window: the rest of <paramref name="MachineBusy"/> is other work on the machine.</param>
    /// <param name="SimulatorCpuMsPerOp">The simulator process's processor time per operation (0 with the simulators in the server).</param>
    private sealed record Step(string Kind, Config Config, Measurement Result, double ServerCpuMsPerOp, double ClientCpuMsPerOp, double MachineBusy, double OursBusy, double SimulatorCpuMsPerOp)
    {
        /// <summary>The server's processor time per provider answer merged (per summary, divided by its providers).</summary>
        public double ServerCpuMsPerAnswer => ServerCpuMsPerOp / Config.Providers;
    }

    public static async Task<int> RunAsync(string[] args)
    {
        var latencies = Ints(BenchArgs.Get(args, "--latency") ?? "50");
        var counts = Ints(BenchArgs.Get(args, "--providers") ?? "1,10,50");
        var concurrency = BenchArgs.Int(args, "--concurrency", 16);
        var extra = (BenchArgs.Get(args, "--extra") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries).Select(e => ParseConfig(e, concurrency));
        var configs = latencies.SelectMany(l => counts.Select(n => new Config(l, n, concurrency))).Concat(extra).Distinct()
            .OrderBy(c => c.LatencyMs).ThenByDescending(c => c.Concurrency).ThenBy(c => c.Providers).ToList();
        var duration = TimeSpan.FromSeconds(BenchArgs.Int(args, "--seconds", 20));
        var warmup = TimeSpan.FromSeconds(BenchArgs.Int(args, "--warmup", 5));
        var serverWarmup = TimeSpan.FromSeconds(BenchArgs.Int(args, "--server-warmup", 45));
        var persons = BenchArgs.Int(args, "--persons", 300);
        var patientsPerCount = BenchArgs.Int(args, "--patients", 50);
        var allCounts = configs.Select(c => c.Providers).Distinct().Order().ToList();
        var populationProviders = BenchArgs.Int(args, "--population-providers", Math.Max(20, allCounts.Max()));
        var sharedOrigin = args.Contains("--shared-origin");
        var inProcess = BenchArgs.Get(args, "--simulators") == "in-process";
        var simulatorDll = BenchArgs.Get(args, "--simulator-dll") ?? SimulatorProcess.DefaultDll;
        var dll = BenchArgs.Get(args, "--server-dll") ?? BenchServer.DefaultDll;
        var dataDirectory = BenchArgs.Get(args, "--data") ?? Path.Combine(Path.GetTempPath(), "ndi-bench-summary");
        var traceFile = BenchArgs.Get(args, "--trace");
        var perfFile = BenchArgs.Get(args, "--perf");
        var traceAt = BenchArgs.Get(args, "--trace-at") is { } t ? ParseConfig(t, concurrency) : configs[configs.Count / 2];

        Console.WriteLine($"# summary: {string.Join("; ", configs)}; "
            + $"{warmup.TotalSeconds:N0} s warm-up + {duration.TotalSeconds:N0} s per step ({serverWarmup.TotalSeconds:N0} s server warm-up first), "
            + $"{(sharedOrigin ? "one origin for all providers" : "one origin per provider")}, simulated EHRs {(inProcess ? "in the server process" : "in their own process (ndi simulate)")}, "
            + $"{Environment.ProcessorCount} cores, load {Measurement.LoadAverage()}");

        // Fixture: population, bench patients, one port per provider (or the server's own).
        Directory.CreateDirectory(dataDirectory);
        var databasePath = Path.Combine(dataDirectory, "openndi.db");
        var mainPort = BenchServer.FreePort();
        // The one origin of all providers with --shared-origin: the server's own, or the simulator process's.
        var sharedPort = inProcess ? mainPort : BenchServer.FreePort();
        var ports = new Dictionary<string, int>(StringComparer.Ordinal);
        int PortOf(SimulatedProvider provider)
        {
            if (sharedOrigin)
                return sharedPort;
            if (!ports.TryGetValue(provider.Key, out var port))
            {
                do
                {
                    port = BenchServer.FreePort();
                }
                while (port == mainPort || port == sharedPort || ports.ContainsValue(port));
                ports[provider.Key] = port;
            }
            return port;
        }
        var fixture = await SummaryFixture.BuildAsync(databasePath, persons, populationProviders, allCounts, patientsPerCount, PortOf);
        await fixture.Database.DisposeAsync();
        Console.WriteLine($"fixture: {fixture.PopulationPersons:N0} persons and {fixture.PopulationResources:N0} resources at {fixture.Providers.Count} providers seeded in {fixture.SeedTime.TotalSeconds:N1} s; "
            + $"{fixture.PatientsByProviders.Values.Sum(s => s.Count)} bench patients with {fixture.BenchResources:N0} resources copied from {fixture.Templates} template records; {fixture.Elapsed.TotalSeconds:N1} s in all");

        using var issuer = new BenchIssuer();
        var environment = ServerEnvironment(mainPort, dataDirectory);
        if (perfFile is not null)
            environment["DOTNET_PerfMapEnabled"] = "1";
        foreach (var setting in (BenchArgs.Get(args, "--server-env") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries))
            environment[setting[..setting.IndexOf('=')]] = setting[(setting.IndexOf('=') + 1)..];
        var startClock = Stopwatch.StartNew();
        await using var server = await BenchServer.StartAsync(dll, databasePath, issuer, mainPort, environment, sharedOrigin || !inProcess ? [] : [.. ports.Values]);
        Console.WriteLine($"server up in {startClock.Elapsed.TotalSeconds:N1} s (index entries published by the simulated providers at start)");
        // The EHRs in their own process: the server's simulator module still publishes the index entries at start (as
        // above), but no provider request reaches it; the directory sends them to the simulator's ports.
        await using var simulator = inProcess ? null
            : await SimulatorProcess.StartAsync(simulatorDll, databasePath, server.Address, sharedOrigin ? [sharedPort] : [.. ports.Values]);
        if (simulator is not null)
            Console.WriteLine($"simulator process up at {simulator.Address}");
        using var behaviourClient = simulator is null ? null : new HttpClient { BaseAddress = simulator.Address, Timeout = TimeSpan.FromSeconds(30) };
        var behaviour = behaviourClient ?? server.Client(1);

        using var client = server.Client(configs.Max(c => c.Concurrency));
        client.Timeout = TimeSpan.FromSeconds(30); // a summary that hangs counts as failed, it does not stall a worker
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", issuer.ClinicianToken("user/*.rs"));
        client.DefaultRequestHeaders.Accept.ParseAdd("application/fhir+json");
        client.DefaultRequestHeaders.Add("Ndi-Care-Relationship", "declared");
        // The fan-out client is configured as the server's own client for provider systems (ProfessionalAccessEndpoints).
        // With the access service's token (its key, from the file the server made; cached as the server caches it).
        var callOptions = new OpenNdi.Server.ProfessionalAccess.ProviderCallOptions { SigningKeyFile = environment["ProfessionalAccess__ProviderCalls__SigningKeyFile"] };
        using var callKey = new OpenNdi.Server.ProfessionalAccess.ProviderCallKey(callOptions);
        using var tokenClients = new BenchHttpClients();
        var credentials = new OpenNdi.Server.ProfessionalAccess.ProviderCallCredentials(callOptions, new Uri($"http://127.0.0.1:{mainPort}/oauth/token"), callKey, tokenClients, TimeProvider.System);
        using var fanOut = new HttpClient(new OpenNdi.Server.ProfessionalAccess.ProviderTokenHandler(credentials)
        {
            InnerHandler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5), MaxConnectionsPerServer = 256, UseProxy = false, UseCookies = false },
        })
        { Timeout = TimeSpan.FromSeconds(30) };
        fanOut.DefaultRequestHeaders.Accept.ParseAdd("application/fhir+json");
        string ProviderUrl(BenchRecord r) => $"http://127.0.0.1:{PortOf(r.Provider)}/sim/{r.Provider.Key}/fhir/Patient/{r.LocalId}/$summary";

        await SetLatencyAsync(behaviour, fixture.Providers, 0);
        // A cold simulator process reads the server's discovery document and keys at its first call, and compiles its
        // code: called once per provider here, so the server's first summaries do not meet that in the 2 s provider timeout.
        foreach (var record in fixture.PatientsByProviders[allCounts.Max()].SelectMany(p => p.Records).DistinctBy(r => r.Provider.Key))
            (await fanOut.GetAsync(ProviderUrl(record))).Dispose();
        var dataset = await VerifyAsync(client, fanOut, fixture, ProviderUrl);

        // Server warm-up: tiered compilation needs tens of seconds under load (see the index lookup benchmark).
        var warmSet = fixture.PatientsByProviders.GetValueOrDefault(10) ?? fixture.PatientsByProviders[allCounts.Max()];
        await LoadDriver.RunAsync("warm-up: summary (not measured)", 4, serverWarmup, TimeSpan.FromSeconds(1), w => SummaryOperation(client, warmSet, w));
        await LoadDriver.RunAsync("warm-up: fan-out (not measured)", 4, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(1), w => FanOutOperation(fanOut, warmSet, ProviderUrl, w));

        var steps = new List<Step>();
        var current = -1;
        foreach (var config in configs)
        {
            if (config.LatencyMs != current)
                await SetLatencyAsync(behaviour, fixture.Providers, current = config.LatencyMs);
            var set = fixture.PatientsByProviders[config.Providers];
            using var trace = traceFile is not null && config == traceAt ? IndexLookupBenchmark.StartTrace(server.ProcessId, traceFile, warmup + duration)
                : perfFile is not null && config == traceAt ? StartPerf(server.ProcessId, perfFile, warmup + duration) : null;
            steps.Add(await MeasureAsync("summary", config, server, simulator, warmup, duration, w => SummaryOperation(client, set, w)));
            if (trace is not null)
                await trace.WaitForExitAsync();
            steps.Add(await MeasureAsync("fan-out", config, server, simulator, warmup, duration, w => FanOutOperation(fanOut, set, ProviderUrl, w)));
        }

        // --rate R: each configuration again at a fixed offered rate (open loop), the summary and its raw fan-out.
        var rate = BenchArgs.Int(args, "--rate", 0);
        var openLoop = new List<(Config Config, Measurement Summary, Measurement FanOut)>();
        foreach (var config in rate > 0 ? configs : [])
        {
            await SetLatencyAsync(behaviour, fixture.Providers, current = config.LatencyMs);
            var set = fixture.PatientsByProviders[config.Providers];
            var summary = await OpenLoopDriver.RunAsync($"summary, {config}", rate, warmup, duration, 1024, k => SummaryOperation(client, set, (int)k)());
            var fanOutRun = await OpenLoopDriver.RunAsync($"fan-out, {config}", rate, warmup, duration, 1024, k => FanOutOperation(fanOut, set, ProviderUrl, (int)k)());
            openLoop.Add((config, summary, fanOutRun));
        }

        Console.WriteLine();
        Console.WriteLine("| L ms | providers | concurrency | summaries/s | summary p50 / p95 / p99 ms | overhead vs L p50 / p95 / p99 ms | fan-outs/s | fan-out p50 / p95 / p99 ms | beyond fan-out p50 / p95 ms | p95 ratio | server CPU ms: summary / fan-out | server CPU ms per provider answer | simulator CPU ms per summary | machine busy (ours) | failed |");
        Console.WriteLine("|---:|---:|---:|---:|---|---|---:|---|---|---:|---|---:|---:|---:|---:|");
        var rows = configs.Select(c => (Config: c, Summary: steps.Single(s => s.Kind == "summary" && s.Config == c), FanOut: steps.Single(s => s.Kind == "fan-out" && s.Config == c))).ToList();
        foreach (var (c, s, f) in rows)
        {
            var (sr, fr) = (s.Result, f.Result);
            Console.WriteLine($"| {c.LatencyMs} | {c.Providers} | {c.Concurrency} | {sr.PerSecond:N0} | {sr.P50Ms:N1} / {sr.P95Ms:N1} / {sr.P99Ms:N1} | {sr.P50Ms - c.LatencyMs:N1} / {sr.P95Ms - c.LatencyMs:N1} / {sr.P99Ms - c.LatencyMs:N1} "
                + $"| {fr.PerSecond:N0} | {fr.P50Ms:N1} / {fr.P95Ms:N1} / {fr.P99Ms:N1} | {sr.P50Ms - fr.P50Ms:N1} / {sr.P95Ms - fr.P95Ms:N1} | {sr.P95Ms / fr.P95Ms:N2} | {s.ServerCpuMsPerOp:N2} / {f.ServerCpuMsPerOp:N2} | {s.ServerCpuMsPerAnswer:N3} | {s.SimulatorCpuMsPerOp:N2} | {s.MachineBusy:P0} ({s.OursBusy:P0}) | {sr.Failures} / {fr.Failures} |");
        }

        if (openLoop.Count > 0)
        {
            Console.WriteLine();
            Console.WriteLine($"Open loop, {rate}/s offered:");
            Console.WriteLine("| L ms | providers | summary p50 / p95 / p99 ms | overhead vs L p50 / p95 ms | fan-out p50 / p95 / p99 ms | beyond fan-out p50 / p95 ms | p95 ratio | p99 ratio | failed (summary / fan-out) |");
            Console.WriteLine("|---:|---:|---|---|---|---|---:|---:|---:|");
            foreach (var (c, sr, fr) in openLoop)
                Console.WriteLine($"| {c.LatencyMs} | {c.Providers} | {sr.P50Ms:N1} / {sr.P95Ms:N1} / {sr.P99Ms:N1} | {sr.P50Ms - c.LatencyMs:N1} / {sr.P95Ms - c.LatencyMs:N1} | {fr.P50Ms:N1} / {fr.P95Ms:N1} / {fr.P99Ms:N1} "
                    + $"| {sr.P50Ms - fr.P50Ms:N1} / {sr.P95Ms - fr.P95Ms:N1} | {sr.P95Ms / fr.P95Ms:N2} | {sr.P99Ms / fr.P99Ms:N2} | {sr.Failures} / {fr.Failures} |");
        }

        Directory.CreateDirectory("bench/results");
        var file = $"bench/results/summary-{DateTime.UtcNow:yyyyMMddTHHmmss}.json";
        await File.WriteAllTextAsync(file, JsonSerializer.Serialize(new
        {
            warmupSeconds = warmup.TotalSeconds, seconds = duration.TotalSeconds, serverWarmupSeconds = serverWarmup.TotalSeconds, serverDll = dll,
            cores = Environment.ProcessorCount, dotnet = Environment.Version.ToString(), origins = sharedOrigin ? "shared" : "per-provider",
            simulators = inProcess ? "in-process" : "own process", storage = "SQLite (embedded default)",
            fixture = new
            {
                populationPersons = fixture.PopulationPersons, populationResources = fixture.PopulationResources, providers = fixture.Providers.Count,
                templates = fixture.Templates, benchResources = fixture.BenchResources, patientsPerSet = patientsPerCount, seedSeconds = fixture.SeedTime.TotalSeconds,
            },
            dataset,
            results = rows.Select(r => new
            {
                r.Config.LatencyMs, r.Config.Providers, r.Config.Concurrency,
                ownServerCpuMsPerSummary = r.Summary.ServerCpuMsPerOp - r.FanOut.ServerCpuMsPerOp,
                serverCpuMsPerProviderAnswer = r.Summary.ServerCpuMsPerAnswer,
                summary = Json(r.Summary), fanOut = Json(r.FanOut),
                overheadVsLatencyMs = new { p50 = r.Summary.Result.P50Ms - r.Config.LatencyMs, p95 = r.Summary.Result.P95Ms - r.Config.LatencyMs, p99 = r.Summary.Result.P99Ms - r.Config.LatencyMs },
                fanOutOverheadVsLatencyMs = new { p50 = r.FanOut.Result.P50Ms - r.Config.LatencyMs, p95 = r.FanOut.Result.P95Ms - r.Config.LatencyMs, p99 = r.FanOut.Result.P99Ms - r.Config.LatencyMs },
                beyondFanOutMs = new { p50 = r.Summary.Result.P50Ms - r.FanOut.Result.P50Ms, p95 = r.Summary.Result.P95Ms - r.FanOut.Result.P95Ms, p99 = r.Summary.Result.P99Ms - r.FanOut.Result.P99Ms },
                p95Ratio = r.Summary.Result.P95Ms / r.FanOut.Result.P95Ms,
            }),
            openLoop = openLoop.Select(r => new
            {
                offeredPerSecond = rate, r.Config.LatencyMs, r.Config.Providers,
                summary = new { r.Summary.Operations, r.Summary.Failures, r.Summary.P50Ms, r.Summary.P95Ms, r.Summary.P99Ms, r.Summary.MaxMs },
                fanOut = new { r.FanOut.Operations, r.FanOut.Failures, r.FanOut.P50Ms, r.FanOut.P95Ms, r.FanOut.P99Ms, r.FanOut.MaxMs },
            }),
        }, Measurement.ResultsJson));
        Console.WriteLine($"\nRaw results: {file}");
        return 0;
    }

    /// <summary>
    /// The server's settings for a run against the fixture: the demo's simulated EHRs hosted in the server process (in
    /// the Production environment), the access service's provider-call key in the data directory.
    /// </summary>
    public static Dictionary<string, string> ServerEnvironment(int mainPort, string dataDirectory) => new()
    {
        ["PublicBaseUrl"] = $"http://127.0.0.1:{mainPort}",
        // The simulated EHRs are the demo's: a Production server hosts them only when told it is a demonstration.
        ["Modules__Simulator"] = "true",
        ["Modules__DemoPopulation"] = "true",
        ["Modules__AllowDemoInProduction"] = "true",
        // The endpoint health checker probes every endpoint once a minute; left on, as deployed. A missed provider is
        // logged as a warning per request; the bench counts misses itself, and at saturation the log lines would
        // cost the server more than the misses, so only errors are logged from the flow.
        ["Logging__LogLevel__OpenNdi.Server.ProfessionalAccess.AccessFlow"] = "Error",
        // The access service's key for provider calls, where the bench finds it too: the simulated EHRs answer only
        // that client's token (issue 14), so the fan-out baseline calls them with the same kind of token.
        ["ProfessionalAccess__ProviderCalls__SigningKeyFile"] = Path.Combine(dataDirectory, "access-service-key.pem"),
    };

    /// <summary>For profiling only: samples the server's processor use with perf (call graphs, JIT symbols from the perf map).</summary>
    internal static Process StartPerf(int processId, string file, TimeSpan length)
    {
        var start = new ProcessStartInfo("perf") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in (string[])["record", "-F", "499", "-g", "-p", $"{processId}", "-o", Path.GetFullPath(file), "--", "sleep", $"{(int)length.TotalSeconds}"])
            start.ArgumentList.Add(argument);
        return Process.Start(start)!;
    }

    private static object Json(Step s) => new
    {
        s.Result.Step, s.Result.Operations, s.Result.Failures, s.Result.Seconds, s.Result.PerSecond, s.Result.P50Ms, s.Result.P95Ms, s.Result.P99Ms, s.Result.MaxMs,
        s.ServerCpuMsPerOp, s.ServerCpuMsPerAnswer, s.SimulatorCpuMsPerOp, s.ClientCpuMsPerOp, s.MachineBusy, s.OursBusy, s.Result.LoadBefore, s.Result.LoadAfter,
    };

    private static List<int> Ints(string text) => [.. text.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(v => int.Parse(v, CultureInfo.InvariantCulture))];

    /// <summary>One measured step, with the server's and the bench's processor time and the machine's busy share over exactly the measured window.</summary>
    private static async Task<Step> MeasureAsync(string kind, Config config, BenchServer server, SimulatorProcess? simulator, TimeSpan warmup, TimeSpan duration, Func<int, Func<Task<bool>>> worker)
    {
        TimeSpan serverCpu = default, clientCpu = default, simulatorCpu = default;
        (long Busy, long Total) machine = default;
        var result = await LoadDriver.RunAsync($"{kind}, {config}", config.Concurrency, warmup, duration, worker, starting =>
        {
            var (s, c, m, e) = (server.CpuTime, Process.GetCurrentProcess().TotalProcessorTime, ProcStat(), simulator?.CpuTime ?? default);
            if (starting)
            {
                (serverCpu, clientCpu, machine, simulatorCpu) = (s, c, m, e);
                return;
            }
            (serverCpu, clientCpu, machine, simulatorCpu) = (s - serverCpu, c - clientCpu, (m.Busy - machine.Busy, m.Total - machine.Total), e - simulatorCpu);
        });
        // Per completed operation: failed ones (counted apart) cost processor time too, so a failing run shows dearer.
        var operations = Math.Max(1, result.Operations);
        return new Step(kind, config, result, serverCpu.TotalMilliseconds / operations, clientCpu.TotalMilliseconds / operations,
            machine.Total == 0 ? 0 : (double)machine.Busy / machine.Total, (serverCpu + clientCpu + simulatorCpu).TotalMilliseconds / (result.Seconds * 1000 * Environment.ProcessorCount),
            simulatorCpu.TotalMilliseconds / operations);
    }

    /// <summary>Busy and total jiffies of all cores from /proc/stat (busy: everything but idle and iowait).</summary>
    private static (long Busy, long Total) ProcStat()
    {
        if (!File.Exists("/proc/stat"))
            return default;
        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Take(8).Select(long.Parse).ToArray();
        var total = fields.Sum();
        return (total - fields[3] - fields[4], total);
    }

    private static Func<Task<bool>> SummaryOperation(HttpClient client, IReadOnlyList<BenchPatient> set, int worker)
    {
        var random = new Random(3000 + worker);
        return async () =>
        {
            var patient = set[random.Next(set.Count)];
            using var response = await client.GetAsync($"/fhir/Patient/$summary?identifier={patient.Id.Value}", HttpCompletionOption.ResponseContentRead);
            var body = await response.Content.ReadAsByteArrayAsync();
            if (!response.IsSuccessStatusCode || HasFault(body))
                throw new InvalidOperationException($"summary of {patient.Id.Value}: HTTP {(int)response.StatusCode}, {Fault(body)}");
            return true;
        };
    }

    /// <summary>The baseline: the same provider requests, in parallel, each answer read as the server's fetcher reads it (as a string), nothing else.</summary>
    private static Func<Task<bool>> FanOutOperation(HttpClient fanOut, IReadOnlyList<BenchPatient> set, Func<BenchRecord, string> url, int worker)
    {
        var random = new Random(4000 + worker);
        return async () =>
        {
            var patient = set[random.Next(set.Count)];
            var answers = await Task.WhenAll(patient.Records.Select(async record =>
            {
                using var response = await fanOut.GetAsync(url(record), HttpCompletionOption.ResponseContentRead);
                var body = await response.Content.ReadAsStringAsync();
                return response.IsSuccessStatusCode && body.Length > 0;
            }));
            return answers.All(ok => ok);
        };
    }

    private static string Fault(byte[] body)
    {
        var text = Encoding.UTF8.GetString(body);
        var at = Enumerable.Range(10, 8).Select(n => text.IndexOf($"NDI-PAS-0{n}", StringComparison.Ordinal)).Where(i => i >= 0).DefaultIfEmpty(-1).Min();
        return at < 0 ? text[..Math.Min(300, text.Length)] : text[Math.Max(0, at - 50)..Math.Min(text.Length, at + 250)];
    }

    /// <summary>Sets every simulated provider to answer after exactly <paramref name="latencyMs"/> (median = p95: no spread), nothing failing.</summary>
    internal static async Task SetLatencyAsync(HttpClient client, IReadOnlyList<SimulatedProvider> providers, int latencyMs)
    {
        foreach (var provider in providers)
        {
            using var body = new StringContent($$"""{"latencyMedianMs":{{latencyMs}},"latencyP95Ms":{{latencyMs}}}""", Encoding.UTF8, "application/json");
            using var response = await client.PutAsync($"/sim/{provider.Key}/behaviour", body);
            response.EnsureSuccessStatusCode();
        }
        Console.WriteLine($"providers' latency set to {latencyMs} ms");
    }

    /// <summary>
    /// Every bench patient's summary once (checked: 200, no provider missed, every provider's HSA-id in it) and every
    /// provider record once directly, at L = 0; returns the sizes of what providers answer and of the merged documents.
    /// </summary>
    private static async Task<object> VerifyAsync(HttpClient client, HttpClient fanOut, SummaryFixture.Built fixture, Func<BenchRecord, string> url)
    {
        var sets = new List<object>();
        foreach (var (count, patients) in fixture.PatientsByProviders.OrderBy(p => p.Key))
        {
            var providerAnswers = new List<(int Entries, int Bytes)>();
            var summaries = new List<(int Entries, int Bytes)>();
            // One patient at a time: the server is still cold here, and 16 patients × 50 providers at once would run into the 2 s provider timeout.
            foreach (var patient in patients)
            {
                using var response = await client.GetAsync($"/fhir/Patient/$summary?identifier={patient.Id.Value}");
                var body = await response.Content.ReadAsByteArrayAsync();
                var text = Encoding.UTF8.GetString(body);
                if (!response.IsSuccessStatusCode || HasFault(body))
                    throw new InvalidOperationException($"verification: summary of {patient.Id.Value}: HTTP {(int)response.StatusCode}, {Fault(body)}");
                if (patient.Records.FirstOrDefault(r => !text.Contains(r.Provider.HsaId, StringComparison.Ordinal)) is { } missing)
                    throw new InvalidOperationException($"verification: summary of {patient.Id.Value} has nothing from {missing.Provider.Key}");
                summaries.Add((body.AsSpan().Count(FullUrl), body.Length));
                foreach (var answer in await Task.WhenAll(patient.Records.Select(r => fanOut.GetByteArrayAsync(url(r)))))
                    providerAnswers.Add((answer.AsSpan().Count(FullUrl), answer.Length));
            }
            var records = patients.SelectMany(p => p.Records).ToList();
            var set = new
            {
                providers = count, patients = patients.Count,
                storedResourcesPerRecord = Stats(records.Select(r => (double)r.Resources)),
                summaryTypeResourcesPerRecord = Stats(records.Select(r => (double)r.SummaryResources)),
                providerAnswerEntries = Stats(providerAnswers.Select(a => (double)a.Entries)),
                providerAnswerKiB = Stats(providerAnswers.Select(a => a.Bytes / 1024.0)),
                summaryEntries = Stats(summaries.Select(s => (double)s.Entries)),
                summaryKiB = Stats(summaries.Select(s => s.Bytes / 1024.0)),
            };
            Console.WriteLine($"verified {count} providers: {JsonSerializer.Serialize(set)}");
            sets.Add(set);
        }
        return sets;
    }

    private static object Stats(IEnumerable<double> values)
    {
        var list = values.ToList();
        return new { min = list.Min(), mean = Math.Round(list.Average(), 1), max = list.Max() };
    }

}

/// <summary>One plain HttpClient for the bench's own token requests.</summary>
internal sealed class BenchHttpClients : IHttpClientFactory, IDisposable
{
    private readonly HttpClient _client = new() { Timeout = TimeSpan.FromSeconds(10) };

    public HttpClient CreateClient(string name) => _client;

    public void Dispose() => _client.Dispose();
}
