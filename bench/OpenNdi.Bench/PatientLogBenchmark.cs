using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using OpenNdi.Data.Audit;

namespace OpenNdi.Bench;

/// <summary>
/// <c>patient-log</c> (issue 15, "who accessed my data"): what the patient page (<c>/portal/patient</c>) asks for, over a
/// log of N records spread evenly over the last <c>--days</c> (one month table each, as the server makes them):
/// <c>GET /fhir/AuditEvent?patient.identifier=&lt;pnr&gt;&amp;date=ge&lt;today − 90 d&gt;&amp;date=le&lt;today&gt;T23:59:59Z&amp;_count=1000</c>
/// with the patient's own token, through the real server (Release build, child process, on the loaded database),
/// against the statement <see cref="AuditStore.QueryAsync"/> runs for it, sent raw (auto-prepared, pooled connection,
/// every column read) in the same run. Both at the same fixed rate (open loop), for the same patients in the same
/// order. Every HTTP read is itself logged (as in production), so a patient's log grows by one record per read.
/// </summary>
internal static class PatientLogBenchmark
{
    public const string DatabaseName = "ndi_bench_patient_log";

    /// <summary>The statement <see cref="AuditStore.QueryAsync"/> runs for Patient, From, Before and Limit 1000.</summary>
    public const string WindowSql = $"SELECT {AuditStore.Columns} FROM audit.events WHERE patient = @patient AND recorded >= @from AND recorded < @before ORDER BY recorded DESC, partition DESC, seq DESC LIMIT 1000";

    private static readonly byte[] FullUrl = Encoding.UTF8.GetBytes("\"fullUrl\"");

    private sealed record Step(string Mix, string Path, int Round, Measurement Result, Measurement? FirstByte, double ServerCpuMsPerOp, double MeanRows);

    public static async Task<int> RunAsync(string[] args)
    {
        var admin = BenchArgs.Get(args, "--postgres") ?? throw new ArgumentException("--postgres CONNSTR is required");
        var records = long.Parse(BenchArgs.Get(args, "--records") ?? "10000000", CultureInfo.InvariantCulture);
        var days = BenchArgs.Int(args, "--days", 365);
        var window = BenchArgs.Int(args, "--window", 90);
        var rate = BenchArgs.Int(args, "--rate", 20);
        var rounds = BenchArgs.Int(args, "--rounds", 2);
        var duration = TimeSpan.FromSeconds(BenchArgs.Int(args, "--seconds", 30));
        var warmup = TimeSpan.FromSeconds(BenchArgs.Int(args, "--warmup", 5));
        var serverWarmup = TimeSpan.FromSeconds(BenchArgs.Int(args, "--server-warmup", 30));
        var maxInFlight = BenchArgs.Int(args, "--max-in-flight", 256);
        var dll = BenchArgs.Get(args, "--server-dll") ?? BenchServer.DefaultDll;
        var mixes = (BenchArgs.Get(args, "--mixes") ?? "frequent,any").Split(',');

        var (connectionString, logStart, logEnd) = await LoadAsync(admin, records, days);
        if (args.Contains("--load-only"))
            return 0;
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var from = today.AddDays(-window);
        var fromAt = new DateTime(from, TimeOnly.MinValue, DateTimeKind.Utc);
        // le<today>T23:59:59Z: the search makes it "before 23:59:59 plus one tick of the log's time" (AuditEndpoints.Later).
        var beforeAt = new DateTime(today, new TimeOnly(23, 59, 59), DateTimeKind.Utc).AddTicks(10);
        var dateQuery = $"date=ge{from:yyyy-MM-dd}&date=le{today:yyyy-MM-dd}T23:59:59Z";
        var shape = await ShapeAsync(connectionString);
        Console.WriteLine($"# patient-log: {records:N0} records from {logStart:yyyy-MM-dd HH:mm} to {logEnd:yyyy-MM-dd HH:mm}; {shape}; window {dateQuery}; "
            + $"{rate}/s offered, {rounds} round(s) of {warmup.TotalSeconds:N0} s + {duration.TotalSeconds:N0} s per step; {Environment.ProcessorCount} cores, load {Measurement.LoadAverage()}");

        // Patients: the 2,000 frequent ones (about a quarter of the log: ~1,250 records a year each), and 2,000 drawn
        // uniformly from the million (~7 a year). Each with their own token, minted before the run.
        using var issuer = new BenchIssuer();
        var random = new Random(15);
        var sets = new Dictionary<string, (string Patient, string Token)[]>
        {
            ["frequent"] = [.. Enumerable.Range(0, AuditPopulation.FrequentPatients).Select(j => AuditPopulation.PatientId(AuditPopulation.FrequentPatient(j))).OrderBy(_ => random.Next()).Select(p => (p, issuer.PersonToken(p)))],
            ["any"] = [.. Enumerable.Range(0, 2_000).Select(_ => AuditPopulation.PatientId(random.Next(AuditPopulation.Patients))).Select(p => (p, issuer.PersonToken(p)))],
        };

        var port = BenchServer.FreePort();
        await using var server = await BenchServer.StartAsync(dll, connectionString, issuer, port, new Dictionary<string, string> { ["PublicBaseUrl"] = $"http://127.0.0.1:{port}" });
        using var client = server.Client(maxInFlight);
        client.DefaultRequestHeaders.Accept.ParseAdd("application/fhir+json");
        await using var source = new NpgsqlDataSourceBuilder(new NpgsqlConnectionStringBuilder(connectionString) { MaxAutoPrepare = 10, AutoPrepareMinUsages = 1, MaxPoolSize = 100 }.ConnectionString).Build();

        async Task<(bool Ok, long FirstByte, int Rows)> HttpAsync((string Patient, string Token) who)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/fhir/AuditEvent?patient.identifier={who.Patient}&{dateQuery}&_count=1000");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", who.Token);
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            var firstByte = Stopwatch.GetTimestamp();
            var body = await response.Content.ReadAsByteArrayAsync();
            if (!response.IsSuccessStatusCode)
                throw new InvalidOperationException($"AuditEvent search for {who.Patient}: HTTP {(int)response.StatusCode}: {Encoding.UTF8.GetString(body)[..Math.Min(300, body.Length)]}");
            return (true, firstByte, body.AsSpan().Count(FullUrl));
        }

        async Task<int> RawAsync(string patient)
        {
            await using var connection = await source.OpenConnectionAsync();
            await using var command = new NpgsqlCommand(WindowSql, connection);
            command.Parameters.Add(new NpgsqlParameter<string>("patient", NpgsqlDbType.Text) { TypedValue = patient });
            command.Parameters.Add(new NpgsqlParameter<DateTime>("from", NpgsqlDbType.TimestampTz) { TypedValue = fromAt });
            command.Parameters.Add(new NpgsqlParameter<DateTime>("before", NpgsqlDbType.TimestampTz) { TypedValue = beforeAt });
            var rows = 0;
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                AuditRows.ReadEveryColumn(reader);
                rows++;
            }
            return rows;
        }

        // Check: the HTTP answer holds what the statement finds (one more after the read: the read is logged).
        var checkedRows = new Dictionary<string, object>();
        foreach (var mix in mixes)
        {
            var sizes = new List<int>();
            foreach (var who in sets[mix].Take(10))
            {
                var (_, _, rows) = await HttpAsync(who);
                var raw = await RawAsync(who.Patient);
                if (raw != rows && raw != rows + 1)
                    throw new InvalidOperationException($"check: {who.Patient} has {rows} AuditEvents over HTTP but {raw} rows raw");
                sizes.Add(rows);
            }
            checkedRows[mix] = sizes;
            Console.WriteLine($"checked {mix}: AuditEvents per answer {string.Join(' ', sizes)} (HTTP = raw, or raw one more: the read itself)");
        }

        await LoadDriver.RunAsync("warm-up: HTTP, frequent (not measured)", 2, serverWarmup, TimeSpan.FromSeconds(1), w =>
        {
            var r = new Random(w);
            return async () => (await HttpAsync(sets["frequent"][r.Next(sets["frequent"].Length)])).Ok;
        });

        var steps = new List<Step>();
        for (var round = 1; round <= rounds; round++)
        {
            foreach (var mix in mixes)
            {
                var set = sets[mix];
                // Alternating order per round: neither path always runs on the other's cache state.
                foreach (var path in round % 2 == 1 ? new[] { "HTTP", "raw SQL" } : ["raw SQL", "HTTP"])
                {
                    var (rows, answers) = (0L, 0L);
                    var cpu = server.CpuTime;
                    var (complete, firstByte) = await OpenLoopDriver.RunMarkedAsync($"{path}, {mix} patient, round {round}", rate, warmup, duration, maxInFlight, async k =>
                    {
                        var who = set[k % set.Length];
                        if (path == "HTTP")
                        {
                            var (ok, at, n) = await HttpAsync(who);
                            Interlocked.Add(ref rows, n);
                            Interlocked.Increment(ref answers);
                            return ok ? at : 0;
                        }
                        Interlocked.Add(ref rows, await RawAsync(who.Patient));
                        Interlocked.Increment(ref answers);
                        return Stopwatch.GetTimestamp();
                    }, path == "HTTP" ? "first byte" : null);
                    var sent = rate * (warmup + duration).TotalSeconds;
                    steps.Add(new Step(mix, path, round, complete, path == "HTTP" ? firstByte : null, (server.CpuTime - cpu).TotalMilliseconds / sent, rows / (double)Math.Max(1, answers)));
                }
            }
        }

        Console.WriteLine();
        Console.WriteLine($"Open loop, {rate}/s offered, {warmup.TotalSeconds:N0} s + {duration.TotalSeconds:N0} s per step:");
        Console.WriteLine("| patients | round | path | AuditEvents per answer (mean) | p50 ms | **p95 ms** | p99 ms | max ms | p95 vs raw | first byte p95 ms | server CPU ms/req | errors | load before / after |");
        Console.WriteLine("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        foreach (var s in steps)
        {
            var raw = steps.Single(b => b.Mix == s.Mix && b.Round == s.Round && b.Path == "raw SQL").Result;
            var r = s.Result;
            Console.WriteLine($"| {s.Mix} | {s.Round} | {s.Path} | {s.MeanRows:N0} | {r.P50Ms:N2} | **{r.P95Ms:N2}** | {r.P99Ms:N2} | {r.MaxMs:N1} | {r.P95Ms / raw.P95Ms:N2}× | {(s.FirstByte is { } f ? f.P95Ms.ToString("N2", CultureInfo.InvariantCulture) : "–")} | {(s.Path == "HTTP" ? s.ServerCpuMsPerOp.ToString("N2", CultureInfo.InvariantCulture) : "–")} | {r.Failures} | {r.LoadBefore} / {r.LoadAfter} |");
        }

        var plan = await PlanAsync(connectionString, sets["frequent"][0].Patient, fromAt, beforeAt);
        Directory.CreateDirectory("bench/results");
        var file = $"bench/results/patient-log-{records / 1_000_000}m-{DateTime.UtcNow:yyyyMMddTHHmmss}.json";
        await File.WriteAllTextAsync(file, JsonSerializer.Serialize(new
        {
            records, logStart, logEnd, shape, window = dateQuery, offeredPerSecond = rate, rounds, warmupSeconds = warmup.TotalSeconds, seconds = duration.TotalSeconds,
            serverWarmupSeconds = serverWarmup.TotalSeconds, maxInFlight, cores = Environment.ProcessorCount, dotnet = Environment.Version.ToString(), serverDll = dll,
            @checked = checkedRows, plan,
            results = steps.Select(s => new
            {
                patients = s.Mix, s.Path, s.Round, s.Result.Operations, errors = s.Result.Failures, s.Result.P50Ms, s.Result.P95Ms, s.Result.P99Ms, s.Result.MaxMs,
                firstByte = s.FirstByte is { } f ? new { f.P50Ms, f.P95Ms, f.P99Ms, f.MaxMs } : null,
                p95VsRaw = s.Result.P95Ms / steps.Single(b => b.Mix == s.Mix && b.Round == s.Round && b.Path == "raw SQL").Result.P95Ms,
                serverCpuMsPerRequest = s.Path == "HTTP" ? s.ServerCpuMsPerOp : (double?)null, meanRows = s.MeanRows, s.Result.LoadBefore, s.Result.LoadAfter,
            }),
        }, Measurement.ResultsJson));
        Console.WriteLine($"\nRaw results: {file}");
        return 0;
    }

    /// <summary>
    /// The log loaded (or found) in <see cref="DatabaseName"/>: N records evenly over the <paramref name="days"/> up to
    /// the hour of the load. A database with another count is made anew rather than grown, so the spacing stays even.
    /// </summary>
    private static async Task<(string ConnectionString, DateTimeOffset Start, DateTimeOffset End)> LoadAsync(string admin, long records, int days)
    {
        var connectionString = new NpgsqlConnectionStringBuilder(admin) { Database = DatabaseName }.ConnectionString;
        var found = await FoundAsync(admin, connectionString);
        if (found is { } f && f.Records == records)
        {
            Console.WriteLine($"{DatabaseName} already holds {records:N0} records: load skipped");
            return (connectionString, f.Start, f.End);
        }
        await using (var server = new NpgsqlConnection(admin))
        {
            await server.OpenAsync();
            await AuditAppendBenchmark.ExecuteAsync(server, $"DROP DATABASE IF EXISTS {DatabaseName} WITH (FORCE)");
        }
        var now = DateTimeOffset.UtcNow;
        var end = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, 0, 0, TimeSpan.Zero);
        var start = end.AddDays(-days);
        var spacing = TimeSpan.FromTicks((end - start).Ticks / records);
        await AuditLogLoader.EnsureLoadedAsync(admin, DatabaseName, records, start, spacing);
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var save = new NpgsqlCommand("CREATE TABLE bench_patient_log (records bigint NOT NULL, log_start timestamptz NOT NULL, log_end timestamptz NOT NULL); INSERT INTO bench_patient_log VALUES (@records, @start, @end)", connection);
        save.Parameters.AddWithValue("records", records);
        save.Parameters.AddWithValue("start", start);
        save.Parameters.AddWithValue("end", end);
        await save.ExecuteNonQueryAsync();
        return (connectionString, start, end);
    }

    private static async Task<(long Records, DateTimeOffset Start, DateTimeOffset End)?> FoundAsync(string admin, string connectionString)
    {
        await using (var server = new NpgsqlConnection(admin))
        {
            await server.OpenAsync();
            await using var exists = new NpgsqlCommand($"SELECT 1 FROM pg_database WHERE datname = '{DatabaseName}'", server);
            if (await exists.ExecuteScalarAsync() is null)
                return null;
        }
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT records, log_start, log_end FROM bench_patient_log", connection);
        try
        {
            await using var reader = await command.ExecuteReaderAsync();
            return await reader.ReadAsync() ? (reader.GetInt64(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetFieldValue<DateTimeOffset>(2)) : null;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            return null;
        }
    }

    /// <summary>Month tables, rows outside them (the default partition), sizes.</summary>
    private static async Task<string> ShapeAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            SELECT format('%s month tables (%s … %s), %s rows in audit.events_default, table %s, indexes %s',
                count(*) FILTER (WHERE relid::text LIKE 'audit.events_y%'), min(relid::text) FILTER (WHERE relid::text LIKE 'audit.events_y%'),
                max(relid::text) FILTER (WHERE relid::text LIKE 'audit.events_y%'), (SELECT count(*) FROM audit.events_default),
                pg_size_pretty(sum(pg_table_size(relid))), pg_size_pretty(sum(pg_indexes_size(relid))))
            FROM pg_partition_tree('audit.events') WHERE isleaf
            """, connection) { CommandTimeout = 0 };
        return (string)(await command.ExecuteScalarAsync())!;
    }

    private static Task<string> PlanAsync(string connectionString, string patient, DateTime from, DateTime before) =>
        QueryPlan.ExplainAsync(connectionString, WindowSql, parameters =>
        {
            parameters.AddWithValue("patient", patient);
            parameters.Add(new NpgsqlParameter<DateTime>("from", NpgsqlDbType.TimestampTz) { TypedValue = from });
            parameters.Add(new NpgsqlParameter<DateTime>("before", NpgsqlDbType.TimestampTz) { TypedValue = before });
        });

}
