using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using OpenNdi.Synthetic.Providers;

namespace OpenNdi.Bench;

/// <summary>
/// <c>patient-overview</c> (issue 15): the patient's whole record as the patient page shows it,
/// <c>GET /web/patient/record?patient=&lt;pnr&gt;</c> with the person's bearer token (rendered on the server, a Razor
/// component, from the national <c>GET /fhir/Patient/$summary?identifier=&lt;pnr&gt;</c> that the page calls over HTTP
/// with the same token), against that <c>$summary</c> call itself in the same run. The patients have data at
/// <c>--providers</c> simulated EHRs (the demo simulator, in the server process, each provider on its own port): the
/// <see cref="SummaryFixture"/> of the <c>summary</c> benchmark, on the embedded SQLite default. Open loop at a fixed
/// rate; the page's time to first byte and to its last byte, the summary's to its last byte (what the page waits for
/// before it can render).
/// </summary>
internal static class PatientOverviewBenchmark
{
    private sealed record Step(string Path, int Round, Measurement Complete, Measurement FirstByte, double ServerCpuMsPerOp, double MeanKiB);

    public static async Task<int> RunAsync(string[] args)
    {
        var providers = BenchArgs.Int(args, "--providers", 10);
        var rate = BenchArgs.Int(args, "--rate", 5);
        var rounds = BenchArgs.Int(args, "--rounds", 2);
        var latency = BenchArgs.Get(args, "--latency") is { } l ? int.Parse(l, CultureInfo.InvariantCulture) : (int?)null;
        var duration = TimeSpan.FromSeconds(BenchArgs.Int(args, "--seconds", 30));
        var warmup = TimeSpan.FromSeconds(BenchArgs.Int(args, "--warmup", 5));
        var serverWarmup = TimeSpan.FromSeconds(BenchArgs.Int(args, "--server-warmup", 30));
        var persons = BenchArgs.Int(args, "--persons", 300);
        var patients = BenchArgs.Int(args, "--patients", 50);
        var maxInFlight = BenchArgs.Int(args, "--max-in-flight", 256);
        var dll = BenchArgs.Get(args, "--server-dll") ?? BenchServer.DefaultDll;
        var dataDirectory = BenchArgs.Get(args, "--data") ?? Path.Combine(Path.GetTempPath(), "ndi-bench-patient-overview");
        var behaviour = latency is { } fixedMs ? $"every provider answers after exactly {fixedMs} ms" : "the demo's default provider behaviour (latency median 20 ms, p95 60 ms)";
        Console.WriteLine($"# patient-overview: {patients} patients with data at {providers} providers; {behaviour}; {rate}/s offered, {rounds} round(s) of "
            + $"{warmup.TotalSeconds:N0} s + {duration.TotalSeconds:N0} s per step ({serverWarmup.TotalSeconds:N0} s server warm-up first); {Environment.ProcessorCount} cores, load {Measurement.LoadAverage()}");

        Directory.CreateDirectory(dataDirectory);
        var databasePath = Path.Combine(dataDirectory, "openndi.db");
        var mainPort = BenchServer.FreePort();
        var ports = new Dictionary<string, int>(StringComparer.Ordinal);
        int PortOf(SimulatedProvider provider)
        {
            if (!ports.TryGetValue(provider.Key, out var port))
            {
                do
                {
                    port = BenchServer.FreePort();
                }
                while (port == mainPort || ports.ContainsValue(port));
                ports[provider.Key] = port;
            }
            return port;
        }
        var fixture = await SummaryFixture.BuildAsync(databasePath, persons, Math.Max(20, providers), [providers], patients, PortOf);
        await fixture.Database.DisposeAsync();
        var set = fixture.PatientsByProviders[providers];
        Console.WriteLine($"fixture: {fixture.PopulationPersons:N0} persons at {fixture.Providers.Count} providers seeded; {set.Count} bench patients with "
            + $"{set.Average(p => p.Records.Sum(r => r.Resources)):N0} resources each on average; {fixture.Elapsed.TotalSeconds:N1} s");

        using var issuer = new BenchIssuer();
        var clock = Stopwatch.StartNew();
        await using var server = await BenchServer.StartAsync(dll, databasePath, issuer, mainPort, SummaryBenchmark.ServerEnvironment(mainPort, dataDirectory), [.. ports.Values]);
        Console.WriteLine($"server up in {clock.Elapsed.TotalSeconds:N1} s");
        using var client = server.Client(maxInFlight);
        if (latency is { } ms)
        {
            using var admin = server.Client(4);
            admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", issuer.ClinicianToken("user/*.rs"));
            await SummaryBenchmark.SetLatencyAsync(admin, fixture.Providers, ms);
        }
        var tokens = set.Select(p => issuer.PersonToken(p.Id.Value)).ToArray();

        async Task<(long FirstByte, int Bytes)> GetAsync(string path, int k, string accept)
        {
            var patient = set[k % set.Count];
            using var request = new HttpRequestMessage(HttpMethod.Get, path + patient.Id.Value);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tokens[k % set.Count]);
            request.Headers.Accept.ParseAdd(accept);
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            var firstByte = Stopwatch.GetTimestamp();
            var body = await response.Content.ReadAsByteArrayAsync();
            if (!response.IsSuccessStatusCode)
                throw new InvalidOperationException($"{path}{patient.Id.Value}: HTTP {(int)response.StatusCode}: {Encoding.UTF8.GetString(body)[..Math.Min(300, body.Length)]}");
            return (firstByte, body.Length);
        }
        var paths = new Dictionary<string, (string Path, string Accept)>
        {
            ["$summary"] = ("/fhir/Patient/$summary?identifier=", "application/fhir+json"),
            ["page"] = ("/web/patient/record?patient=", "text/html"),
        };

        // Check: every patient's summary holds every provider's data, with the patient's own token; the page renders.
        var pageKiB = new List<double>();
        for (var k = 0; k < set.Count; k++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, paths["$summary"].Path + set[k].Id.Value);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tokens[k]);
            using var response = await client.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            if (!response.IsSuccessStatusCode)
                throw new InvalidOperationException($"check: $summary of {set[k].Id.Value}: HTTP {(int)response.StatusCode}: {text[..Math.Min(300, text.Length)]}");
            if (set[k].Records.FirstOrDefault(r => !text.Contains(r.Provider.HsaId, StringComparison.Ordinal)) is { } missing)
                throw new InvalidOperationException($"check: the summary of {set[k].Id.Value} has nothing from {missing.Provider.Key}");
            pageKiB.Add((await GetAsync(paths["page"].Path, k, paths["page"].Accept)).Bytes / 1024.0);
        }
        Console.WriteLine($"checked: {set.Count} summaries each with all {providers} providers; pages {pageKiB.Min():N0}–{pageKiB.Max():N0} KiB");

        await LoadDriver.RunAsync("warm-up: page (not measured)", 2, serverWarmup, TimeSpan.FromSeconds(1), w =>
        {
            var k = w * 1000;
            return async () => (await GetAsync(paths["page"].Path, k++, paths["page"].Accept)).FirstByte > 0;
        });

        var steps = new List<Step>();
        for (var round = 1; round <= rounds; round++)
        {
            foreach (var name in round % 2 == 1 ? new[] { "$summary", "page" } : ["page", "$summary"])
            {
                var (path, accept) = paths[name];
                var (bytes, answers) = (0L, 0L);
                var cpu = server.CpuTime;
                var (complete, firstByte) = await OpenLoopDriver.RunMarkedAsync($"{name}, round {round}", rate, warmup, duration, maxInFlight, async k =>
                {
                    var (at, size) = await GetAsync(path, (int)k, accept);
                    Interlocked.Add(ref bytes, size);
                    Interlocked.Increment(ref answers);
                    return at;
                }, "first byte");
                var sent = rate * (warmup + duration).TotalSeconds;
                steps.Add(new Step(name, round, complete, firstByte, (server.CpuTime - cpu).TotalMilliseconds / sent, bytes / 1024.0 / Math.Max(1, answers)));
            }
        }

        Console.WriteLine();
        Console.WriteLine($"Open loop, {rate}/s offered, {warmup.TotalSeconds:N0} s + {duration.TotalSeconds:N0} s per step; {providers} providers per patient, {behaviour}:");
        Console.WriteLine("| round | request | KiB | first byte p50 / **p95** / p99 ms | last byte p50 / p95 / p99 ms | page first byte p95 vs $summary p95 | server CPU ms/req | errors | load before / after |");
        Console.WriteLine("|---:|---|---:|---|---|---:|---:|---:|---|");
        foreach (var s in steps)
        {
            var summary = steps.Single(b => b.Round == s.Round && b.Path == "$summary").Complete;
            var (f, c) = (s.FirstByte, s.Complete);
            Console.WriteLine($"| {s.Round} | {s.Path} | {s.MeanKiB:N0} | {f.P50Ms:N1} / **{f.P95Ms:N1}** / {f.P99Ms:N1} | {c.P50Ms:N1} / {c.P95Ms:N1} / {c.P99Ms:N1} | "
                + $"{(s.Path == "page" ? $"{f.P95Ms / summary.P95Ms:N2}× (+{f.P95Ms - summary.P95Ms:N1} ms)" : "1")} | {s.ServerCpuMsPerOp:N1} | {c.Failures} | {c.LoadBefore} / {c.LoadAfter} |");
        }

        Directory.CreateDirectory("bench/results");
        var file = $"bench/results/patient-overview-{DateTime.UtcNow:yyyyMMddTHHmmss}.json";
        await File.WriteAllTextAsync(file, JsonSerializer.Serialize(new
        {
            providers, patients = set.Count, behaviour, offeredPerSecond = rate, rounds, warmupSeconds = warmup.TotalSeconds, seconds = duration.TotalSeconds,
            serverWarmupSeconds = serverWarmup.TotalSeconds, maxInFlight, cores = Environment.ProcessorCount, dotnet = Environment.Version.ToString(), serverDll = dll,
            storage = "SQLite (embedded default)", populationPersons = fixture.PopulationPersons, resourcesPerPatient = set.Average(p => p.Records.Sum(r => r.Resources)),
            pageKiB = new { min = pageKiB.Min(), mean = pageKiB.Average(), max = pageKiB.Max() },
            results = steps.Select(s => new
            {
                request = s.Path, s.Round, s.Complete.Operations, errors = s.Complete.Failures, meanKiB = s.MeanKiB, serverCpuMsPerRequest = s.ServerCpuMsPerOp,
                firstByte = new { s.FirstByte.P50Ms, s.FirstByte.P95Ms, s.FirstByte.P99Ms, s.FirstByte.MaxMs },
                lastByte = new { s.Complete.P50Ms, s.Complete.P95Ms, s.Complete.P99Ms, s.Complete.MaxMs },
                pageFirstByteP95VsSummaryP95 = s.Path == "page" ? s.FirstByte.P95Ms / steps.Single(b => b.Round == s.Round && b.Path == "$summary").Complete.P95Ms : (double?)null,
                s.Complete.LoadBefore, s.Complete.LoadAfter,
            }),
        }, Measurement.ResultsJson));
        Console.WriteLine($"\nRaw results: {file}");
        return 0;
    }
}
