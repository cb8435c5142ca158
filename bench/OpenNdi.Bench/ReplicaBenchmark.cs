using System.Diagnostics;
using System.Text.Json;
using Npgsql;
using OpenNdi.Core.Identifiers;
using OpenNdi.Data;
using OpenNdi.Data.Population;
using OpenNdi.Replica.Tests;

namespace OpenNdi.Bench;

/// <summary>
/// <c>replicas</c>: audited index lookups per second through one load balancer (YARP in this process, the replica
/// test's <see cref="ReplicaProxy"/>) over one and then two server processes on one PostgreSQL database (a fresh one,
/// seeded with the demo population by the first node); then failover: a fixed-rate stream of lookups through the proxy
/// while one node is killed, several times, timing from the kill until requests succeed again.
/// Baseline of the ratios: one replica behind the same proxy, in the same run. Everything shares this machine's cores.
/// </summary>
internal static class ReplicaBenchmark
{
    private const string Clinician = "clinician-1";

    public static async Task<int> RunAsync(string[] args)
    {
        var admin = BenchArgs.Get(args, "--postgres") ?? throw new ArgumentException("--postgres CONNSTR is required");
        var concurrency = BenchArgs.Int(args, "--concurrency", 16);
        var duration = TimeSpan.FromSeconds(BenchArgs.Int(args, "--seconds", 30));
        var warmup = TimeSpan.FromSeconds(BenchArgs.Int(args, "--warmup", 30));
        var rate = BenchArgs.Int(args, "--rate", 200);
        var runs = BenchArgs.Int(args, "--failover-runs", 5);
        var failoverRate = BenchArgs.Int(args, "--failover-rate", 100);
        var persons = BenchArgs.Int(args, "--persons", 1000);

        var name = $"ndi_replicas_{DateTime.UtcNow:yyyyMMddHHmmss}";
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await create.ExecuteNonQueryAsync();
        }
        var database = new NpgsqlConnectionStringBuilder(admin) { Database = name }.ConnectionString;
        using var issuer = new BenchIssuer();
        var keyDirectory = Directory.CreateTempSubdirectory("ndi-replica-bench-").FullName;
        var (proxyPort, portA, portB) = (BenchServer.FreePort(), BenchServer.FreePort(), BenchServer.FreePort());
        Dictionary<string, string> Settings(string node) => new()
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["Modules__AllowDemoInProduction"] = "true", ["Modules__DemoPopulation"] = "true", ["Modules__Simulator"] = "true", ["Modules__DemoLogin"] = "true",
            ["Demo__Persons"] = $"{persons}", ["Storage__Database"] = database, ["PublicBaseUrl"] = $"http://127.0.0.1:{proxyPort}",
            ["Identity__Server__SigningKeyFile"] = Path.Combine(keyDirectory, "key.pem"), ["Audit__Partition"] = $"replica-{node}",
            ["Directory__HealthCheck__IntervalSeconds"] = "0", ["Logging__LogLevel__Default"] = "Warning", ["Logging__Console__FormatterName"] = "simple",
            ["Identity__TrustedIssuers__0__Issuer"] = BenchIssuer.Issuer, ["Identity__TrustedIssuers__0__Jwks"] = issuer.Jwks,
        };
        Console.WriteLine($"# replicas: {persons:N0} persons, concurrency {concurrency}, {warmup.TotalSeconds:N0} s warm-up + {duration.TotalSeconds:N0} s, open loop {rate}/s, failover {runs} runs at {failoverRate}/s, {Environment.ProcessorCount} cores, load {Measurement.LoadAverage()}");

        var nodes = new Dictionary<string, ServerNode>();
        var results = new List<Measurement>();
        var failovers = new List<Failover>();
        try
        {
            nodes["a"] = ServerNode.Start("a", portA, Settings("a"));
            await nodes["a"].WaitReadyAsync(TimeSpan.FromMinutes(5));
            var patients = await PatientsAsync(database);
            var token = issuer.ClinicianToken();

            // One replica behind the proxy (the baseline), then two behind a proxy on the same port.
            await using (var proxy = await ReplicaProxy.StartAsync(proxyPort, new Dictionary<string, Uri> { ["a"] = nodes["a"].Address }))
            {
                results.Add(await ClosedLoopAsync("1 replica behind the proxy", proxy, token, patients, concurrency, warmup, duration));
                results.Add(await OpenLoopAsync("1 replica behind the proxy", proxy, token, patients, rate, warmup, duration));
            }
            nodes["b"] = ServerNode.Start("b", portB, Settings("b"));
            await nodes["b"].WaitReadyAsync(TimeSpan.FromMinutes(2));
            await using (var proxy = await ReplicaProxy.StartAsync(proxyPort, nodes.ToDictionary(n => n.Key, n => n.Value.Address)))
            {
                await proxy.WaitAvailableAsync("b", TimeSpan.FromSeconds(30));
                results.Add(await ClosedLoopAsync("2 replicas behind the proxy", proxy, token, patients, concurrency, warmup, duration));
                results.Add(await OpenLoopAsync("2 replicas behind the proxy", proxy, token, patients, rate, warmup, duration));
                for (var run = 0; run < runs; run++)
                {
                    var victim = run % 2 == 0 ? "a" : "b";
                    failovers.Add(await FailoverAsync(run + 1, proxy, nodes, victim, token, patients, failoverRate));
                    await nodes[victim].DisposeAsync();
                    nodes[victim] = ServerNode.Start(victim, victim == "a" ? portA : portB, Settings(victim));
                    await nodes[victim].WaitReadyAsync(TimeSpan.FromMinutes(2));
                    await proxy.WaitAvailableAsync(victim, TimeSpan.FromSeconds(30));
                }
            }
        }
        finally
        {
            foreach (var node in nodes.Values)
                await node.DisposeAsync();
            Directory.Delete(keyDirectory, recursive: true);
        }

        Console.WriteLine();
        Console.WriteLine("| step | lookups/s | vs 1 replica | p50 ms | p95 ms | p99 ms | failed |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var r in results)
        {
            var baseline = results.First(b => b.Step.StartsWith("1 replica", StringComparison.Ordinal) && b.Step.Contains("open loop", StringComparison.Ordinal) == r.Step.Contains("open loop", StringComparison.Ordinal));
            Console.WriteLine($"| {r.Step} | {r.PerSecond:N0} | {r.PerSecond / baseline.PerSecond:P0} | {r.P50Ms:N2} | {r.P95Ms:N2} | {r.P99Ms:N2} | {r.Failures} |");
        }
        Console.WriteLine();
        Console.WriteLine("| failover run | killed | requests | failed | kill → last failure ms | kill → first success on the survivor ms |");
        Console.WriteLine("|---:|---|---:|---:|---:|---:|");
        foreach (var f in failovers)
            Console.WriteLine($"| {f.Run} | {f.Killed} | {f.Requests} | {f.Failed} | {f.LastFailureMs:N0} | {f.FirstSuccessMs:N0} |");

        Directory.CreateDirectory("bench/results");
        var file = $"bench/results/replicas-{DateTime.UtcNow:yyyyMMddTHHmmss}.json";
        await File.WriteAllTextAsync(file, JsonSerializer.Serialize(new
        {
            persons, concurrency, rate, failoverRate, cores = Environment.ProcessorCount, dotnet = Environment.Version.ToString(),
            results = results.Select(r => new { r.Step, r.Concurrency, r.Operations, r.Failures, r.Seconds, r.PerSecond, r.P50Ms, r.P95Ms, r.P99Ms, r.MaxMs, r.LoadBefore, r.LoadAfter }),
            failovers,
        }, Measurement.ResultsJson));
        Console.WriteLine($"\nRaw results: {file}");
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync();
            NpgsqlConnection.ClearAllPools();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", connection);
            await drop.ExecuteNonQueryAsync();
        }
        return 0;
    }

    /// <summary>One failover: what the stream saw around one kill.</summary>
    internal sealed record Failover(int Run, string Killed, int Requests, int Failed, double LastFailureMs, double FirstSuccessMs);

    private static async Task<IReadOnlyList<string>> PatientsAsync(string database)
    {
        await using var ndi = new NdiDatabase(StorageOptions.Parse(database));
        var persons = await new PopulationStore(ndi).ListAsync(0, 100_000);
        return [.. persons.Select(p => Uri.EscapeDataString(PersonalIdentityNumber.PersonnummerSystem + "|") + p.Id.Value)];
    }

    private static HttpClient Client(ReplicaProxy proxy, string token, int connections)
    {
        var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = connections, UseProxy = false, PooledConnectionLifetime = TimeSpan.FromMinutes(10) })
        { BaseAddress = proxy.Address, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        client.DefaultRequestHeaders.Add("Ndi-Care-Relationship", "declared");
        return client;
    }

    private static async Task<bool> LookupAsync(HttpClient client, string patient)
    {
        using var response = await client.GetAsync($"/fhir/DocumentReference?patient.identifier={patient}", HttpCompletionOption.ResponseContentRead);
        await response.Content.ReadAsByteArrayAsync();
        return response.IsSuccessStatusCode;
    }

    private static async Task<Measurement> ClosedLoopAsync(string step, ReplicaProxy proxy, string token, IReadOnlyList<string> patients, int concurrency, TimeSpan warmup, TimeSpan duration)
    {
        using var client = Client(proxy, token, concurrency);
        return await LoadDriver.RunAsync($"{step}, audited GET /fhir/DocumentReference", concurrency, warmup, duration, w =>
        {
            var random = new Random(3000 + w);
            return () => LookupAsync(client, patients[random.Next(patients.Count)]);
        });
    }

    private static async Task<Measurement> OpenLoopAsync(string step, ReplicaProxy proxy, string token, IReadOnlyList<string> patients, int rate, TimeSpan warmup, TimeSpan duration)
    {
        using var client = Client(proxy, token, 512);
        return await OpenLoopDriver.RunAsync($"{step}, audited GET /fhir/DocumentReference", rate, TimeSpan.FromSeconds(Math.Min(10, warmup.TotalSeconds)), duration, 512,
            k => LookupAsync(client, patients[(int)((ulong)(k * 2654435761L) % (ulong)patients.Count)]));
    }

    /// <summary>
    /// Lookups at <paramref name="rate"/>/s through the proxy, no client retry; after 2 s one node is killed. Each
    /// request is timed from its scheduled start; the figures are from the kill to the last request that failed and
    /// to the first that succeeded after it (on the survivor).
    /// </summary>
    private static async Task<Failover> FailoverAsync(int run, ReplicaProxy proxy, Dictionary<string, ServerNode> nodes, string victim, string token, IReadOnlyList<string> patients, int rate)
    {
        using var client = Client(proxy, token, 512);
        var outcomes = new List<(long Scheduled, long Done, bool Ok)>();
        var interval = Stopwatch.Frequency / (double)rate;
        var start = Stopwatch.GetTimestamp();
        var total = rate * 6; // 2 s before the kill, 4 s after
        long killedAt = 0;
        var running = new List<Task>(total);
        for (var k = 0; k < total; k++)
        {
            var scheduled = start + (long)(k * interval);
            var wait = scheduled - Stopwatch.GetTimestamp();
            if (wait > 0)
                await Task.Delay(TimeSpan.FromTicks(wait * TimeSpan.TicksPerSecond / Stopwatch.Frequency));
            if (k == rate * 2)
            {
                killedAt = Stopwatch.GetTimestamp();
                _ = nodes[victim].KillAsync();
            }
            var patient = patients[(int)((ulong)(k * 2654435761L) % (ulong)patients.Count)];
            running.Add(Task.Run(async () =>
            {
                bool ok;
                try
                {
                    ok = await LookupAsync(client, patient);
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    ok = false;
                }
                lock (outcomes)
                    outcomes.Add((scheduled, Stopwatch.GetTimestamp(), ok));
            }));
        }
        await Task.WhenAll(running);
        double Ms(long from, long to) => (to - from) * 1000.0 / Stopwatch.Frequency;
        var failed = outcomes.Where(o => !o.Ok).ToList();
        var lastFailure = failed.Count == 0 ? killedAt : failed.Max(o => o.Done);
        var firstSuccess = outcomes.Where(o => o.Ok && o.Done >= lastFailure && o.Scheduled >= killedAt).Select(o => o.Done).DefaultIfEmpty(lastFailure).Min();
        var result = new Failover(run, victim, outcomes.Count, failed.Count, Math.Max(0, Ms(killedAt, lastFailure)), Math.Max(0, Ms(killedAt, firstSuccess)));
        Console.WriteLine($"failover {run}: killed {victim}; {result.Failed} of {result.Requests} failed; kill → last failure {result.LastFailureMs:N0} ms, → first success after it {result.FirstSuccessMs:N0} ms (available: {string.Join(',', proxy.AvailableNodes)})");
        return result;
    }
}
