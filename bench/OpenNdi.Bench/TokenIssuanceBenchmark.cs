using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Npgsql;

namespace OpenNdi.Bench;

/// <summary>
/// <c>token-issuance</c> (issue 14): the authorization server's token issuance over HTTP, per server build and storage
/// backend, for comparing two builds in one run (the hand-written server against its replacement):
/// <list type="bullet">
/// <item>client credentials: <c>POST /oauth/token</c> with <c>private_key_jwt</c> (RFC 7523), every request a fresh
/// assertion with its own <c>jti</c>, so the replay store records one id per token;</item>
/// <item>login: the demo's passwordless <c>POST /oauth/authorize</c> as <c>clinician-1</c> (PKCE S256), answered by a
/// redirect carrying a code;</item>
/// <item>code redemption: <c>POST /oauth/token</c> with <c>grant_type=authorization_code</c> and the PKCE verifier.</item>
/// </list>
/// Each flow is measured closed loop at a concurrency and open loop at a fixed rate (latency from the scheduled
/// start); a non-200 answer or one without <c>access_token</c> (a login: without a code) is a failure. Each build runs
/// as a child process on a fresh database of its own (SQLite file; PostgreSQL with <c>--postgres</c>), one after the
/// other; with <c>--server-dll</c> that build runs first and the ratios current / other are printed.
/// The driver's cryptography stays out of the server's figures: the assertions are signed before each step (an RSA
/// signature costs the driver about as much as the server's own signature of the access token), and codes are made by
/// a login step just before the redemption step that uses them (they live one minute and are single use).
/// </summary>
internal static class TokenIssuanceBenchmark
{
    private const string BackendClient = "bench-backend";
    private const string BackendOrganization = "SE2321000016-1000";
    private const string BackendScope = "system/DocumentReference.c";
    private const string Portal = "openndi-demo-portal";
    private const string User = "clinician-1";
    private const string UserScope = "openid fhirUser user/*.rs";

    /// <summary>Open-loop requests in flight at most; one more is a failure (the server has stalled).</summary>
    private const int MaxInFlight = 256;

    private sealed record Build(string Name, string Dll);

    private sealed record Settings(int Concurrency, TimeSpan Warmup, TimeSpan Duration, TimeSpan ServerWarmup, int Rate);

    /// <param name="SignedInLoop">Assertions the driver had to sign inside the measured loop because the pre-signed ones ran out.</param>
    private sealed record Step(string Build, string Storage, string Flow, bool OpenLoop, Measurement Result, double ServerCpuMsPerOp, long SignedInLoop);

    public static async Task<int> RunAsync(string[] args)
    {
        var postgres = BenchArgs.Get(args, "--postgres");
        TimeSpan Seconds(string name, int fallback) => TimeSpan.FromSeconds(BenchArgs.Int(args, name, fallback));
        var settings = new Settings(BenchArgs.Int(args, "--concurrency", 16), Seconds("--warmup", 3), Seconds("--seconds", 10), Seconds("--server-warmup", 20), BenchArgs.Int(args, "--rate", 100));
        var current = new Build("current", BenchArgs.Get(args, "--current-dll") ?? BenchServer.DefaultDll);
        List<Build> builds = BenchArgs.Get(args, "--server-dll") is { } other ? [new Build("other", other), current] : [current];
        List<string> storages = postgres is null ? ["sqlite"] : ["sqlite", "postgresql"];
        Console.WriteLine($"# token-issuance: {string.Join(", ", builds.Select(b => $"{b.Name} = {b.Dll}"))}; {string.Join(" and ", storages)}; concurrency {settings.Concurrency}, "
            + $"{settings.Warmup.TotalSeconds:N0} s warm-up + {settings.Duration.TotalSeconds:N0} s per step ({settings.ServerWarmup.TotalSeconds:N0} s server warm-up), open loop {settings.Rate}/s; "
            + $"{Environment.ProcessorCount} cores, load {Measurement.LoadAverage()}");

        using var clientKey = new BenchIssuer();
        var steps = new List<Step>();
        foreach (var storage in storages)
        {
            foreach (var build in builds)
                steps.AddRange(await MeasureBuildAsync(build, storage, await FreshDatabaseAsync(storage, postgres), settings, clientKey));
        }

        Console.WriteLine();
        Console.WriteLine($"| storage | build | flow | closed loop ({settings.Concurrency}) /s | server CPU ms/op | open loop {settings.Rate}/s: p50 / p95 / p99 / max ms | failed (closed / open) |");
        Console.WriteLine("|---|---|---|---:|---:|---|---:|");
        var rows = steps.Where(s => !s.OpenLoop).Select(c => (Closed: c, Open: steps.Single(o => o.OpenLoop && (o.Build, o.Storage, o.Flow) == (c.Build, c.Storage, c.Flow)))).ToList();
        foreach (var (c, o) in rows)
            Console.WriteLine($"| {c.Storage} | {c.Build} | {c.Flow} | {c.Result.PerSecond:N0} | {c.ServerCpuMsPerOp:N2} | {o.Result.P50Ms:N1} / {o.Result.P95Ms:N1} / {o.Result.P99Ms:N1} / {o.Result.MaxMs:N1} | {c.Result.Failures} / {o.Result.Failures} |");
        var ratios = rows.Where(r => builds.Count == 2 && r.Closed.Build == current.Name).Select(r =>
        {
            var (oc, oo) = rows.Single(x => x.Closed.Build != current.Name && (x.Closed.Storage, x.Closed.Flow) == (r.Closed.Storage, r.Closed.Flow));
            return new
            {
                r.Closed.Storage, r.Closed.Flow, perSecond = r.Closed.Result.PerSecond / oc.Result.PerSecond,
                serverCpuPerOp = r.Closed.ServerCpuMsPerOp / oc.ServerCpuMsPerOp, p50 = r.Open.Result.P50Ms / oo.Result.P50Ms, p99 = r.Open.Result.P99Ms / oo.Result.P99Ms,
            };
        }).ToList();
        if (ratios.Count > 0)
        {
            Console.WriteLine();
            Console.WriteLine("| storage | flow | current / other: per second | server CPU per op | open-loop p50 | open-loop p99 |");
            Console.WriteLine("|---|---|---:|---:|---:|---:|");
            foreach (var r in ratios)
                Console.WriteLine($"| {r.Storage} | {r.Flow} | {r.perSecond:N2} | {r.serverCpuPerOp:N2} | {r.p50:N2} | {r.p99:N2} |");
        }
        if (steps.Sum(s => s.SignedInLoop) is > 0 and var signed)
            Console.WriteLine($"note: {signed} assertions were signed inside measured loops (the pre-signed ones ran out); those steps understate the server");

        Directory.CreateDirectory("bench/results");
        var file = $"bench/results/token-issuance-{DateTime.UtcNow:yyyyMMddTHHmmss}.json";
        await File.WriteAllTextAsync(file, JsonSerializer.Serialize(new
        {
            builds, storages, settings.Concurrency, warmupSeconds = settings.Warmup.TotalSeconds, seconds = settings.Duration.TotalSeconds,
            serverWarmupSeconds = settings.ServerWarmup.TotalSeconds, openLoopRate = settings.Rate, cores = Environment.ProcessorCount, dotnet = Environment.Version.ToString(),
            steps = steps.Select(s => new
            {
                s.Storage, s.Build, s.Flow, loop = s.OpenLoop ? "open" : "closed", s.Result.Step, s.Result.Concurrency, s.Result.Operations, s.Result.Failures, s.Result.Seconds,
                s.Result.PerSecond, s.Result.P50Ms, s.Result.P95Ms, s.Result.P99Ms, s.Result.MaxMs, s.ServerCpuMsPerOp, s.SignedInLoop, s.Result.LoadBefore, s.Result.LoadAfter,
            }),
            ratios,
        }, Measurement.ResultsJson));
        Console.WriteLine($"\nRaw results: {file}");
        return 0;
    }

    /// <summary>An empty database for one build: a new SQLite file, or a PostgreSQL database created anew.</summary>
    private static async Task<string> FreshDatabaseAsync(string storage, string? postgres)
    {
        if (storage == "sqlite")
        {
            var directory = Path.Combine(Path.GetTempPath(), "ndi-bench-token");
            if (Directory.Exists(directory))
                Directory.Delete(directory, recursive: true);
            Directory.CreateDirectory(directory);
            return Path.Combine(directory, "openndi.db");
        }
        const string name = "ndi_bench_token";
        await using var admin = new NpgsqlConnection(postgres);
        await admin.OpenAsync();
        foreach (var sql in (string[])[$"DROP DATABASE IF EXISTS {name} WITH (FORCE)", $"CREATE DATABASE {name}"])
        {
            await using var command = new NpgsqlCommand(sql, admin);
            await command.ExecuteNonQueryAsync();
        }
        return new NpgsqlConnectionStringBuilder(postgres) { Database = name }.ConnectionString;
    }

    private static async Task<List<Step>> MeasureBuildAsync(Build build, string storage, string database, Settings s, BenchIssuer clientKey)
    {
        var port = BenchServer.FreePort();
        var issuer = $"http://127.0.0.1:{port}";
        var environment = new Dictionary<string, string>
        {
            ["PublicBaseUrl"] = issuer,
            // The login's people come from the demo population at the simulated providers; a Production server runs the
            // demo's modules only when told it is a demonstration. A small population: only clinician-1 logs in.
            ["Modules__DemoLogin"] = "true",
            ["Modules__Simulator"] = "true",
            ["Modules__DemoPopulation"] = "true",
            ["Modules__AllowDemoInProduction"] = "true",
            ["Demo__Seed"] = "true",
            ["Demo__Persons"] = "50",
            ["Demo__Providers"] = "3",
            ["Identity__Server__SigningKeyFile"] = "",
            ["Identity__Server__Clients__0__ClientId"] = BackendClient,
            ["Identity__Server__Clients__0__Jwks"] = clientKey.Jwks,
            ["Identity__Server__Clients__0__Organization"] = BackendOrganization,
            ["Identity__Server__Clients__0__Scopes"] = BackendScope,
        };
        using var apiIssuer = new BenchIssuer();
        var clock = Stopwatch.StartNew();
        await using var server = await BenchServer.StartAsync(build.Dll, database, apiIssuer, port, environment);
        Console.WriteLine($"## {build.Name} on {storage}: server up in {clock.Elapsed.TotalSeconds:N1} s");
        using var client = server.Client(Math.Max(s.Concurrency, MaxInFlight), followRedirects: false);
        var flows = new Flows(client, issuer, clientKey);

        // Every flow once before anything is measured: a run that cannot get a token stops here and says why.
        await flows.ClientCredentialsAsync(flows.Assertion());
        await flows.RedeemAsync(await flows.LoginAsync());
        var warmup = await ClosedAsync(build, storage, "warm-up: client credentials, signed in the loop (not measured)", server,
            s with { Warmup = s.ServerWarmup / 2, Duration = TimeSpan.FromSeconds(2) }, _ => () => flows.ClientCredentialsAsync(flows.Assertion()));
        await LoadDriver.RunAsync($"{build.Name}, {storage}: warm-up: login and redemption (not measured)", s.Concurrency, s.ServerWarmup / 2, TimeSpan.FromSeconds(1),
            _ => async () => await flows.RedeemAsync(await flows.LoginAsync()));

        var steps = new List<Step>();
        var window = (s.Warmup + s.Duration).TotalSeconds;
        // As many assertions as the server could take with every core to itself at its warm-up cost per token (the
        // warm-up's own rate is held back by the signing in the loop), and a fifth more.
        var ceiling = Environment.ProcessorCount * 1000 / Math.Max(0.1, warmup.ServerCpuMsPerOp);
        var closedPool = flows.Presign((int)(1.2 * ceiling * window) + 500);
        steps.Add(await ClosedAsync(build, storage, "client credentials", server, s, _ => () => flows.ClientCredentialsAsync(closedPool.Take()), closedPool));
        var openPool = flows.Presign((int)(s.Rate * window) + 100);
        steps.Add(await OpenAsync(build, storage, "client credentials", server, s, _ => flows.ClientCredentialsAsync(openPool.Take()), openPool));

        // Codes are made by a login step just before the redemption step that uses them. The open loop first: a closed
        // login step makes more codes than are redeemed, and the server keeps the rest for their minute.
        var codes = new ConcurrentQueue<Flows.Code>();
        async Task<bool> LoginAsync()
        {
            codes.Enqueue(await flows.LoginAsync());
            return true;
        }
        steps.Add(await OpenAsync(build, storage, "login", server, s, _ => LoginAsync()));
        await TopUpAsync(flows, codes, (int)(s.Rate * window), s.Concurrency, TimeSpan.FromSeconds(20));
        steps.Add(await OpenAsync(build, storage, "code redemption", server, s, _ => flows.RedeemAsync(Next(codes))));

        codes.Clear();
        steps.Add(await ClosedAsync(build, storage, "login", server, s, _ => LoginAsync));
        // Enough codes for a redemption step at twice the client-credentials rate (both sign one access token; a
        // redemption writes less), topped up by logins outside the measurement when the login step made too few. The
        // oldest code is redeemed first, at most 50 s after it was made: codes live a minute.
        await TopUpAsync(flows, codes, (int)(2 * steps[0].Result.PerSecond * window), s.Concurrency, TimeSpan.FromSeconds(25));
        // Should the codes run out all the same, the step ends there and its rate is over the time measured until then.
        using var outOfCodes = new CancellationTokenSource();
        var redemption = await ClosedAsync(build, storage, "code redemption", server, s, _ => () =>
        {
            if (codes.TryDequeue(out var code))
                return flows.RedeemAsync(code);
            outOfCodes.Cancel();
            return Task.FromResult(false);
        }, endEarly: outOfCodes.Token);
        if (outOfCodes.IsCancellationRequested)
            Console.WriteLine($"  the codes ran out: redemption measured over {redemption.Result.Seconds:N1} s");
        steps.Add(redemption);
        return steps;
    }

    private static Flows.Code Next(ConcurrentQueue<Flows.Code> codes) =>
        codes.TryDequeue(out var code) ? code : throw new InvalidOperationException("no authorization code left: the login batch before the step was too small");

    /// <summary>Logs in until <paramref name="codes"/> holds <paramref name="target"/> codes, or for <paramref name="limit"/> at most (codes live one minute).</summary>
    private static async Task TopUpAsync(Flows flows, ConcurrentQueue<Flows.Code> codes, int target, int concurrency, TimeSpan limit)
    {
        var before = codes.Count;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            while (codes.Count < target && clock.Elapsed < limit)
                codes.Enqueue(await flows.LoginAsync());
        })));
        if (codes.Count > before)
            Console.WriteLine($"  {codes.Count - before} more codes by logins outside the measurement, in {clock.Elapsed.TotalSeconds:N1} s ({codes.Count} ready, {target} wanted)");
    }

    /// <summary>A closed-loop step, with the server's processor time per operation over exactly the measured window.</summary>
    private static async Task<Step> ClosedAsync(Build build, string storage, string flow, BenchServer server, Settings s, Func<int, Func<Task<bool>>> worker, AssertionPool? pool = null, CancellationToken endEarly = default)
    {
        var cpu = TimeSpan.Zero;
        var result = await LoadDriver.RunAsync($"{build.Name}, {storage}: {flow}", s.Concurrency, s.Warmup, s.Duration, worker, starting => cpu = starting ? server.CpuTime : server.CpuTime - cpu, endEarly);
        return new Step(build.Name, storage, flow, OpenLoop: false, result, cpu.TotalMilliseconds / Math.Max(1, result.Operations), pool?.SignedInLoop ?? 0);
    }

    /// <summary>An open-loop step at the fixed rate; the server's processor time is divided by every operation offered, the warm-up's included.</summary>
    private static async Task<Step> OpenAsync(Build build, string storage, string flow, BenchServer server, Settings s, Func<long, Task<bool>> operation, AssertionPool? pool = null)
    {
        var cpu = server.CpuTime;
        var result = await OpenLoopDriver.RunAsync($"{build.Name}, {storage}: {flow}", s.Rate, s.Warmup, s.Duration, MaxInFlight, operation);
        var offered = s.Rate * (s.Warmup + s.Duration).TotalSeconds;
        return new Step(build.Name, storage, flow, OpenLoop: true, result, (server.CpuTime - cpu).TotalMilliseconds / offered, pool?.SignedInLoop ?? 0);
    }

    /// <summary>Assertions signed before a step and handed out once each; past the last, one is signed in the loop and counted.</summary>
    private sealed class AssertionPool(string[] signed, Func<string> sign)
    {
        private int _next = -1;
        private long _signedInLoop;

        public long SignedInLoop => Interlocked.Read(ref _signedInLoop);

        public string Take()
        {
            var i = Interlocked.Increment(ref _next);
            if (i < signed.Length)
                return signed[i];
            Interlocked.Increment(ref _signedInLoop);
            return sign();
        }
    }

    /// <summary>The three requests, each checked; an unexpected answer throws with its status and body (the load drivers count it as a failure and print the first ones).</summary>
    private sealed class Flows(HttpClient client, string issuer, BenchIssuer clientKey)
    {
        public sealed record Code(string Value, string Verifier);

        private readonly string _tokenUrl = $"{issuer}/oauth/token";
        private readonly string _callback = $"{issuer}/demo/callback";

        /// <summary>A client assertion (RFC 7523 §3): iss and sub the client, aud the token endpoint, a new jti, four minutes to live (the server takes five at most).</summary>
        public string Assertion()
        {
            var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            return clientKey.Sign("JWT", new Dictionary<string, object> { ["iss"] = BackendClient, ["sub"] = BackendClient, ["aud"] = _tokenUrl, ["iat"] = now, ["exp"] = now + 240, ["jti"] = Guid.NewGuid().ToString("N") });
        }

        /// <summary>Signs <paramref name="count"/> assertions on every core (one key shared by the threads: a bad signature would be refused, and counted as a failure).</summary>
        public AssertionPool Presign(int count)
        {
            var clock = Stopwatch.StartNew();
            var signed = new string[count];
            Parallel.For(0, count, i => signed[i] = Assertion());
            Console.WriteLine($"  {count} assertions signed before the step in {clock.Elapsed.TotalSeconds:N1} s");
            return new AssertionPool(signed, Assertion);
        }

        public async Task<bool> ClientCredentialsAsync(string assertion)
        {
            using var form = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "client_credentials",
                ["scope"] = BackendScope,
                ["client_assertion_type"] = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                ["client_assertion"] = assertion,
            });
            return await AccessTokenAsync(await client.PostAsync("/oauth/token", form), "client credentials");
        }

        /// <summary>What the login page's form posts (its hidden fields and the person chosen); the answer is a redirect to the callback with a code.</summary>
        public async Task<Code> LoginAsync()
        {
            var verifier = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
            using var form = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["response_type"] = "code",
                ["client_id"] = Portal,
                ["redirect_uri"] = _callback,
                ["scope"] = UserScope,
                ["state"] = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(8)),
                ["code_challenge"] = Base64Url.EncodeToString(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))),
                ["code_challenge_method"] = "S256",
                ["purpose_of_use"] = "TREAT",
                ["user"] = User,
            });
            using var response = await client.PostAsync("/oauth/authorize", form);
            var location = response.Headers.Location?.ToString() ?? "";
            var code = location.StartsWith(_callback + "?", StringComparison.Ordinal)
                ? location[(_callback.Length + 1)..].Split('&').FirstOrDefault(p => p.StartsWith("code=", StringComparison.Ordinal)) : null;
            if ((int)response.StatusCode is < 300 or > 399 || code is null)
                throw new InvalidOperationException($"login: HTTP {(int)response.StatusCode}, Location {location}, {await Excerpt(response)}");
            return new Code(Uri.UnescapeDataString(code["code=".Length..]), verifier);
        }

        public async Task<bool> RedeemAsync(Code code)
        {
            using var form = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "authorization_code",
                ["code"] = code.Value,
                ["redirect_uri"] = _callback,
                ["client_id"] = Portal,
                ["code_verifier"] = code.Verifier,
            });
            return await AccessTokenAsync(await client.PostAsync("/oauth/token", form), "code redemption");
        }

        private static async Task<bool> AccessTokenAsync(HttpResponseMessage response, string flow)
        {
            using (response)
            {
                var body = await response.Content.ReadAsByteArrayAsync();
                if (response.IsSuccessStatusCode)
                {
                    using var json = JsonDocument.Parse(body);
                    if (json.RootElement.TryGetProperty("access_token", out var token) && token.GetString() is { Length: > 0 })
                        return true;
                }
                throw new InvalidOperationException($"{flow}: HTTP {(int)response.StatusCode}, {Encoding.UTF8.GetString(body.AsSpan(0, Math.Min(300, body.Length)))}");
            }
        }

        private static async Task<string> Excerpt(HttpResponseMessage response)
        {
            var text = await response.Content.ReadAsStringAsync();
            return text[..Math.Min(300, text.Length)];
        }
    }
}
