using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using OpenNdi.ContactPoint.Demo;
using OpenNdi.ContactPoint.Domain;
using OpenNdi.ContactPoint.Trust;
using OpenNdi.Core.Identifiers;
using OpenNdi.Synthetic.Providers;

namespace OpenNdi.Bench;

/// <summary>
/// <c>ncp-roundtrip</c> (issue 17): what a doctor abroad waits for, through Sweden's national contact point, against
/// what a Swedish clinician waits for, in one run and one server. The patients, providers and settings are the
/// <c>summary</c> benchmark's (<see cref="SummaryFixture"/>, SQLite, the simulated EHRs in their own process, every
/// provider answering after exactly L ms). Open loop at one fixed rate, each step in turn:
/// <list type="number">
/// <item>national: <c>GET /fhir/Patient/$summary?identifier=</c> with a clinician's token and a declared care relationship;</item>
/// <item>cross-border: as the German contact point, over mutual TLS to the contact point's own listener
/// (<c>ContactPoint:Listener</c>, Sweden's demo certificate; the German demo certificate presented, the server's
/// checked against the demo EU CA), the three requests of one round trip in sequence: identification
/// (<c>POST /ncp/fhir/Patient/_search</c>), document search (<c>GET /ncp/fhir/DocumentReference</c>) and retrieval of the
/// URL it lists, each request carrying the German signing certificate's assertion for that patient;</item>
/// <item>identification alone.</item>
/// </list>
/// Every answer is checked (status, the patient found, one document listed, a document retrieved, no provider missed);
/// a failure counts in the percentiles (<see cref="OpenLoopDriver"/>). Connections are pooled as a contact point pools
/// them: the TLS handshakes happen in the warm-up, not per request. The assertions are made by the bench (as the German
/// contact point makes them) before the run, one per patient, valid for the run; making them is Germany's cost.
/// Then, in one process and without HTTP, what the contact point adds to the national path (<see cref="NcpProfile"/>).
/// </summary>
internal static class NcpRoundTripBenchmark
{
    private const string System = PersonalIdentityNumber.PersonnummerSystem;
    private static readonly byte[][] FaultMarkers = [.. Enumerable.Range(10, 8).Select(n => Encoding.UTF8.GetBytes($"NDI-PAS-0{n}"))];

    private sealed record Step(string Name, int Round, Measurement Result, double ServerCpuMsPerOp, IReadOnlyDictionary<string, Stages>? Split);

    /// <summary>One stage's latencies within the cross-border round trips of a step (from its own start, not the schedule).</summary>
    private sealed record Stages(double P50Ms, double P95Ms, double MeanMs);

    public static async Task<int> RunAsync(string[] args)
    {
        var providers = BenchArgs.Int(args, "--providers", 10);
        var latency = BenchArgs.Int(args, "--latency", 50);
        var rate = BenchArgs.Int(args, "--rate", 5);
        var rounds = BenchArgs.Int(args, "--rounds", 2);
        var duration = TimeSpan.FromSeconds(BenchArgs.Int(args, "--seconds", 20));
        var warmup = TimeSpan.FromSeconds(BenchArgs.Int(args, "--warmup", 5));
        var serverWarmup = TimeSpan.FromSeconds(BenchArgs.Int(args, "--server-warmup", 30));
        var persons = BenchArgs.Int(args, "--persons", 300);
        var patients = BenchArgs.Int(args, "--patients", 50);
        var maxInFlight = BenchArgs.Int(args, "--max-in-flight", 256);
        var dll = BenchArgs.Get(args, "--server-dll") ?? BenchServer.DefaultDll;
        var simulatorDll = BenchArgs.Get(args, "--simulator-dll") ?? SimulatorProcess.DefaultDll;
        var dataDirectory = Path.GetFullPath(BenchArgs.Get(args, "--data") ?? Path.Combine(Path.GetTempPath(), "ndi-bench-ncp"));
        Console.WriteLine($"# ncp-roundtrip: {patients} patients with data at {providers} providers each answering after {latency} ms; {rate}/s offered, {rounds} round(s) of "
            + $"{warmup.TotalSeconds:N0} s + {duration.TotalSeconds:N0} s per step ({serverWarmup.TotalSeconds:N0} s server warm-up first); {Environment.ProcessorCount} cores, load {Measurement.LoadAverage()}");

        Directory.CreateDirectory(dataDirectory);
        var databasePath = Path.Combine(dataDirectory, "openndi.db");
        var mainPort = BenchServer.FreePort();
        var ncpPort = BenchServer.FreePort();
        var ports = new Dictionary<string, int>(StringComparer.Ordinal);
        int PortOf(SimulatedProvider provider)
        {
            if (!ports.TryGetValue(provider.Key, out var port))
            {
                do
                {
                    port = BenchServer.FreePort();
                }
                while (port == mainPort || port == ncpPort || ports.ContainsValue(port));
                ports[provider.Key] = port;
            }
            return port;
        }
        var fixture = await SummaryFixture.BuildAsync(databasePath, persons, Math.Max(20, providers), [providers], patients, PortOf);
        await fixture.Database.DisposeAsync();
        var set = fixture.PatientsByProviders[providers];
        Console.WriteLine($"fixture: {fixture.PopulationPersons:N0} persons at {fixture.Providers.Count} providers seeded; {set.Count} bench patients with "
            + $"{set.Average(p => p.Records.Sum(r => r.Resources)):N0} resources each on average; {fixture.Elapsed.TotalSeconds:N1} s");

        // The demo EU PKI, made here first and loaded by the server from the same folder.
        var pki = Path.Combine(dataDirectory, "eu-pki");
        using var eu = DemoEuCertificates.LoadOrCreate(pki, TimeProvider.System);
        var ncpBase = $"https://localhost:{ncpPort}{OpenNdi.ContactPoint.Edge.NcpFhirApi.Base}";
        var environment = SummaryBenchmark.ServerEnvironment(mainPort, dataDirectory);
        environment["ContactPoint__Listener"] = $"https://localhost:{ncpPort}";
        environment["ContactPoint__DemoCertificatesFolder"] = pki;
        // As for the national path: a refusal is logged as a warning per request; none is expected, and errors still show.
        environment["Logging__LogLevel__OpenNdi.ContactPoint"] = "Error";

        var results = new List<Step>();
        var register = set.Select(p => PopulationPerson(p)).ToList();
        object? checkedSizes;
        using var issuer = new BenchIssuer();
        {
            var clock = Stopwatch.StartNew();
            await using var server = await BenchServer.StartAsync(dll, databasePath, issuer, mainPort, environment);
            Console.WriteLine($"server up in {clock.Elapsed.TotalSeconds:N1} s, contact point at {ncpBase}");
            await using var simulator = await SimulatorProcess.StartAsync(simulatorDll, databasePath, server.Address, [.. ports.Values]);
            using var behaviour = new HttpClient { BaseAddress = simulator.Address, Timeout = TimeSpan.FromSeconds(30) };

            using var national = server.Client(maxInFlight);
            national.Timeout = TimeSpan.FromSeconds(30);
            national.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", issuer.ClinicianToken("user/*.rs"));
            national.DefaultRequestHeaders.Accept.ParseAdd("application/fhir+json");
            national.DefaultRequestHeaders.Add("Ndi-Care-Relationship", "declared");
            using var germany = GermanContactPoint(eu, maxInFlight);
            // One assertion per patient (person_id binds it to one), as the German contact point would make it: 60 minutes, the most allowed.
            var assertions = set.Select(p => CrossBorderAssertion.Issue(new CrossBorderAssertionContent(DemoEuTrust.GermanyId, ncpBase, "de-arzt-4711", "Dr. Anna Schmidt", "221",
                "Medical doctors", "Klinikum Lübeck", "urn:oid:1.2.276.0.76.4.8", CrossBorderPurpose.Treatment, "urn:oid:1.2.276.0.76.3.1.91", $"{System}|{p.Id.Value}",
                TimeSpan.FromMinutes(60)), eu.GermanySigning, TimeProvider.System)).ToArray();

            async Task<byte[]> NationalAsync(int k)
            {
                var patient = set[k % set.Count];
                using var response = await national.GetAsync($"/fhir/Patient/$summary?identifier={patient.Id.Value}");
                var body = await response.Content.ReadAsByteArrayAsync();
                if (!response.IsSuccessStatusCode || HasFault(body))
                    throw new InvalidOperationException($"national summary of {patient.Id.Value}: HTTP {(int)response.StatusCode}: {Excerpt(body)}");
                return body;
            }
            async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, int k)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", assertions[k % set.Count]);
                request.Headers.AcceptLanguage.ParseAdd("de-DE");
                return await germany.SendAsync(request);
            }
            async Task IdentifyAsync(int k)
            {
                var patient = set[k % set.Count];
                var person = register[k % set.Count];
                using var form = new FormUrlEncodedContent([new("identifier", $"{System}|{patient.Id.Value}"), new("birthdate", "eq" + person.BirthDate), new("family", person.Family)]);
                using var response = await SendAsync(new HttpRequestMessage(HttpMethod.Post, $"{ncpBase}/Patient/_search") { Content = form }, k);
                var body = await response.Content.ReadAsByteArrayAsync();
                if (!response.IsSuccessStatusCode || body.AsSpan().IndexOf("\"total\":1"u8) < 0)
                    throw new InvalidOperationException($"identification of {patient.Id.Value}: HTTP {(int)response.StatusCode}: {Excerpt(body)}");
            }
            async Task<string> FindAsync(int k)
            {
                var patient = set[k % set.Count];
                using var response = await SendAsync(new HttpRequestMessage(HttpMethod.Get, $"{ncpBase}/DocumentReference?patient.identifier={System}|{patient.Id.Value}&type=http://loinc.org|60591-5"), k);
                var body = await response.Content.ReadAsByteArrayAsync();
                if (!response.IsSuccessStatusCode)
                    throw new InvalidOperationException($"document search for {patient.Id.Value}: HTTP {(int)response.StatusCode}: {Excerpt(body)}");
                using var json = JsonDocument.Parse(body);
                return json.RootElement.TryGetProperty("entry", out var entries) && entries.GetArrayLength() == 1
                    ? entries[0].GetProperty("resource").GetProperty("content")[0].GetProperty("attachment").GetProperty("url").GetString()!
                    : throw new InvalidOperationException($"document search for {patient.Id.Value}: not one document listed: {Excerpt(body)}");
            }
            async Task<byte[]> RetrieveAsync(int k, string url)
            {
                using var response = await SendAsync(new HttpRequestMessage(HttpMethod.Get, url), k);
                var body = await response.Content.ReadAsByteArrayAsync();
                if (!response.IsSuccessStatusCode || body.AsSpan().IndexOf("\"type\":\"document\""u8) < 0 || HasFault(body))
                    throw new InvalidOperationException($"retrieval for {set[k % set.Count].Id.Value}: HTTP {(int)response.StatusCode}: {Excerpt(body)}");
                return body;
            }
            // The round trip, its three stages timed (each from its own start) into split when given.
            async Task<byte[]> RoundTripAsync(int k, List<(long K, double Identify, double Find, double Retrieve)>? split)
            {
                var at = Stopwatch.GetTimestamp();
                await IdentifyAsync(k);
                var identified = Stopwatch.GetTimestamp();
                var url = await FindAsync(k);
                var found = Stopwatch.GetTimestamp();
                var body = await RetrieveAsync(k, url);
                if (split is not null)
                {
                    var done = Stopwatch.GetTimestamp();
                    lock (split)
                        split.Add((k, Ms(identified - at), Ms(found - identified), Ms(done - found)));
                }
                return body;
            }

            // Check, with the providers answering at once: every patient's summary, both ways, holds every provider's data.
            // First one unchecked summary per patient: a cold simulator process reads the server's discovery document
            // and keys at its first call and compiles its code, which can miss the 2 s provider timeout.
            await SummaryBenchmark.SetLatencyAsync(behaviour, fixture.Providers, 0);
            for (var k = 0; k < set.Count; k++)
                (await national.GetAsync($"/fhir/Patient/$summary?identifier={set[k].Id.Value}")).Dispose();
            var (nationalKiB, crossKiB) = (new List<double>(), new List<double>());
            for (var k = 0; k < set.Count; k++)
            {
                var (n, c) = (await NationalAsync(k), await RoundTripAsync(k, null));
                foreach (var (body, sizes, name) in new[] { (n, nationalKiB, "national"), (c, crossKiB, "cross-border") })
                {
                    var text = Encoding.UTF8.GetString(body);
                    if (set[k].Records.FirstOrDefault(r => !text.Contains(r.Provider.HsaId, StringComparison.Ordinal)) is { } missing)
                        throw new InvalidOperationException($"check: the {name} summary of {set[k].Id.Value} has nothing from {missing.Provider.Key}");
                    sizes.Add(body.Length / 1024.0);
                }
            }
            checkedSizes = new { nationalKiB = Stats(nationalKiB), crossBorderKiB = Stats(crossKiB) };
            Console.WriteLine($"checked: {set.Count} patients, both summaries with all {providers} providers; {JsonSerializer.Serialize(checkedSizes)}");
            await SummaryBenchmark.SetLatencyAsync(behaviour, fixture.Providers, latency);

            await LoadDriver.RunAsync("warm-up: cross-border round trip (not measured)", 2, serverWarmup * 2 / 3, TimeSpan.FromSeconds(1), w =>
            {
                var k = w * 1000;
                return async () => (await RoundTripAsync(k++, null)).Length > 0;
            });
            await LoadDriver.RunAsync("warm-up: national summary (not measured)", 2, serverWarmup / 3, TimeSpan.FromSeconds(1), w =>
            {
                var k = w * 1000;
                return async () => (await NationalAsync(k++)).Length > 0;
            });

            var measuredFrom = (long)Math.Ceiling(rate * warmup.TotalSeconds);
            for (var round = 1; round <= rounds; round++)
            {
                foreach (var name in round % 2 == 1 ? new[] { "national", "cross-border", "identification" } : ["identification", "cross-border", "national"])
                {
                    var cpu = new CpuWindow(server);
                    var split = name == "cross-border" ? new List<(long K, double Identify, double Find, double Retrieve)>() : null;
                    var result = await OpenLoopDriver.RunAsync($"{name}, round {round}", rate, warmup, duration, maxInFlight, async k => name switch
                    {
                        "national" => (await NationalAsync((int)k)).Length > 0,
                        "cross-border" => (await RoundTripAsync((int)k, split)).Length > 0,
                        _ => await IdentifyThenTrue(IdentifyAsync((int)k)),
                    }, cpu.Phase);
                    var stages = split is null ? null : Split([.. split.Where(s => s.K >= measuredFrom)]);
                    results.Add(new Step(name, round, result, cpu.PerOperationMs(result.Operations + result.Failures), stages));
                }
            }
        }

        Report(results, rate, providers, latency, warmup, duration);
        var profile = await NcpProfile.RunAsync(databasePath, providers, eu, ncpBase, BenchArgs.Int(args, "--iterations", 300));

        Directory.CreateDirectory("bench/results");
        var file = $"bench/results/ncp-roundtrip-{DateTime.UtcNow:yyyyMMddTHHmmss}.json";
        await File.WriteAllTextAsync(file, JsonSerializer.Serialize(new
        {
            providers, latencyMs = latency, patients = set.Count, offeredPerSecond = rate, rounds, warmupSeconds = warmup.TotalSeconds, seconds = duration.TotalSeconds,
            serverWarmupSeconds = serverWarmup.TotalSeconds, maxInFlight, cores = Environment.ProcessorCount, dotnet = Environment.Version.ToString(), serverDll = dll,
            storage = "SQLite (embedded default)", simulators = "own process (ndi simulate)", transport = "national: HTTP/1.1 on loopback; cross-border: HTTPS (TLS, client certificate) on loopback, pooled connections",
            populationPersons = fixture.PopulationPersons, resourcesPerPatient = set.Average(p => p.Records.Sum(r => r.Resources)), sizes = checkedSizes,
            results = results.Select(s => new
            {
                step = s.Name, s.Round, s.Result.Operations, errors = s.Result.Failures, s.Result.P50Ms, s.Result.P95Ms, s.Result.P99Ms, s.Result.MaxMs,
                serverCpuMsPerOp = s.ServerCpuMsPerOp, stages = s.Split, s.Result.LoadBefore, s.Result.LoadAfter,
            }),
            ratios = Ratios(results).Select(r => new { r.Round, p50 = r.P50, p95 = r.P95 }),
            profile,
        }, Measurement.ResultsJson));
        Console.WriteLine($"\nRaw results: {file}");
        return 0;
    }

    private static async Task<bool> IdentifyThenTrue(Task identification)
    {
        await identification;
        return true;
    }

    private static void Report(List<Step> results, int rate, int providers, int latency, TimeSpan warmup, TimeSpan duration)
    {
        Console.WriteLine();
        Console.WriteLine($"Open loop, {rate}/s offered, {warmup.TotalSeconds:N0} s + {duration.TotalSeconds:N0} s per step; {providers} providers per patient, each answering after {latency} ms:");
        Console.WriteLine("| round | step | p50 / **p95** / p99 ms | max ms | vs national p50 / p95 | server CPU ms per op | errors | load before / after |");
        Console.WriteLine("|---:|---|---|---:|---|---:|---:|---|");
        foreach (var s in results)
        {
            var n = results.Single(b => b.Round == s.Round && b.Name == "national").Result;
            var r = s.Result;
            Console.WriteLine($"| {s.Round} | {s.Name} | {r.P50Ms:N1} / **{r.P95Ms:N1}** / {r.P99Ms:N1} | {r.MaxMs:N1} | {r.P50Ms / n.P50Ms:P0} / {r.P95Ms / n.P95Ms:P0} | {s.ServerCpuMsPerOp:N1} | {r.Failures} | {r.LoadBefore} / {r.LoadAfter} |");
        }
        Console.WriteLine();
        Console.WriteLine("Cross-border round trip by stage (each from its own start; the round trip's own figures run from the scheduled start):");
        Console.WriteLine("| round | stage | p50 / p95 ms | mean ms |");
        Console.WriteLine("|---:|---|---|---:|");
        foreach (var s in results.Where(s => s.Split is not null))
        {
            foreach (var (stage, st) in s.Split!)
                Console.WriteLine($"| {s.Round} | {stage} | {st.P50Ms:N1} / {st.P95Ms:N1} | {st.MeanMs:N1} |");
        }
        Console.WriteLine();
        foreach (var (round, p50, p95) in Ratios(results))
            Console.WriteLine($"round {round}: cross-border / national: p50 {p50:N2}×, p95 {p95:N2}× (goal: under 1.30×)");
    }

    private static IEnumerable<(int Round, double P50, double P95)> Ratios(List<Step> results) =>
        results.Where(s => s.Name == "cross-border").Select(s =>
        {
            var n = results.Single(b => b.Round == s.Round && b.Name == "national").Result;
            return (s.Round, s.Result.P50Ms / n.P50Ms, s.Result.P95Ms / n.P95Ms);
        });

    private static Dictionary<string, Stages> Split(List<(long K, double Identify, double Find, double Retrieve)> split) => new()
    {
        ["identification"] = Of(split.Select(s => s.Identify)),
        ["document search"] = Of(split.Select(s => s.Find)),
        ["retrieval"] = Of(split.Select(s => s.Retrieve)),
        ["all three (no queueing)"] = Of(split.Select(s => s.Identify + s.Find + s.Retrieve)),
    };

    private static Stages Of(IEnumerable<double> values)
    {
        var all = values.Order().ToList();
        double At(double q) => all.Count == 0 ? 0 : all[Math.Min(all.Count - 1, (int)Math.Ceiling(q * all.Count) - 1)];
        return new Stages(At(0.5), At(0.95), all.Count == 0 ? 0 : all.Average());
    }

    /// <summary>
    /// The German contact point's client: HTTP/1.1 over TLS presenting Germany's demo certificate, accepting only a
    /// server certificate for the host that chains to the demo EU CA (as a peer trusts Sweden through the MyHealth@EU anchors).
    /// </summary>
    private static HttpClient GermanContactPoint(DemoEuCertificates eu, int connections)
    {
        var anchor = eu.Authority;
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = connections,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            UseProxy = false,
            UseCookies = false,
            AutomaticDecompression = global::System.Net.DecompressionMethods.None,
            SslOptions = new SslClientAuthenticationOptions
            {
                ClientCertificates = [eu.Germany],
                RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                {
                    if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None)
                        return false;
                    using var chain = new X509Chain();
                    chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                    chain.ChainPolicy.CustomTrustStore.Add(anchor);
                    chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                    return chain.Build(certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
                },
            },
        };
        var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Accept.ParseAdd("application/fhir+json");
        return client;
    }

    /// <summary>The bench person's birth date and family name, as the register holds them.</summary>
    private static (string BirthDate, string Family) PopulationPerson(BenchPatient patient) =>
        (patient.Register.BirthDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), patient.Register.Family);

    private static bool HasFault(byte[] body) => FaultMarkers.Any(marker => body.AsSpan().IndexOf(marker) >= 0);

    /// <summary>The first fault code and what follows it, else the start of the body.</summary>
    private static string Excerpt(byte[] body)
    {
        var text = Encoding.UTF8.GetString(body);
        var at = Enumerable.Range(10, 8).Select(n => text.IndexOf($"NDI-PAS-0{n}", StringComparison.Ordinal)).Where(i => i >= 0).DefaultIfEmpty(-1).Min();
        return at < 0 ? text[..Math.Min(300, text.Length)] : text[Math.Max(0, at - 50)..Math.Min(text.Length, at + 250)];
    }

    private static double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;

    private static object Stats(List<double> values) => new { min = Math.Round(values.Min(), 1), mean = Math.Round(values.Average(), 1), max = Math.Round(values.Max(), 1) };
}
