using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using OpenNdi.Core.Identifiers;
using OpenNdi.Core.Identity;
using OpenNdi.Core.Policy;
using OpenNdi.Data;
using OpenNdi.Data.Consent;
using OpenNdi.Data.Population;
using OpenNdi.Data.Simulator;
using OpenNdi.SecondaryUse.Cases;
using OpenNdi.SecondaryUse.Domain;
using OpenNdi.SecondaryUse.Preparation;
using OpenNdi.SecondaryUse.Pseudonymisation;
using OpenNdi.SecondaryUse.Storage;
using OpenNdi.SecondaryUse.Workspaces;
using OpenNdi.Server.Demo;
using OpenNdi.Server.SecondaryUse;
using static OpenNdi.Bench.SecondaryUseChainProbes;

namespace OpenNdi.Bench;

/// <summary>
/// <c>sdu-chain</c> (issue 18): from an officer's approval to the extract ready in the permit holder's workspace, for N
/// persons, with the opt-out filter and the k-anonymity check included; goal under 10 minutes. The data are loaded
/// first into a fresh database (<see cref="SecondaryUseChainLoad"/>, timed apart). Then, per form, the real
/// components over that database (the stores, the host's ports <see cref="RegisterForSecondaryUse"/>,
/// <see cref="SimulatedHoldersForSecondaryUse"/> and <see cref="Server.Consent.SecondaryUseObjections"/>,
/// <see cref="PostgresWorkspaces"/>): an applicant (assurance level 3) applies through
/// <see cref="DataPermitService.SubmitAsync"/> for the register and the provider's diagnoses, every variable, a wide
/// period, the most precise generalisation a permit may ask (birth date, municipality, day: where k-anonymity climbs
/// the most); the clock starts; an officer approves (<see cref="DataPermitService.DecideAsync"/>);
/// <see cref="PreparationWorker.PrepareAsync"/> runs, as the host's worker runs it from the queue; the clock stops when
/// the permit reads Ready. The audit port is <see cref="CountingAudit"/>, which counts the one step the preparation
/// records instead of writing it (the host writes one audit record there). Recorded: the time, the report's steps,
/// every database statement's time (Npgsql's tracing, <see cref="StatementTimes"/>: what the steps do not show, such
/// as the included-persons COPY inside write-persons), the counts in the workspace read back with count(*), a check
/// that no objector reached it, and memory (<see cref="MemoryProbe"/>). The baseline, before and after the forms in
/// the same run, streams the same rows with the ports' SQL and binary-COPYs them unchanged into two plain tables:
/// the work without the chain's logic. The workspaces are closed at the end and the database dropped.
/// </summary>
internal static class SecondaryUseChainBenchmark
{
    public const string DatabaseName = "ndi_bench_sdu";

    private const double GoalSeconds = 600;

    private static readonly DateOnly From = new(1990, 1, 1);

    /// <summary>SimulatorStore.StreamCodedRowsAsync's statement, for the baseline (the port's own SQL, table names resolved).</summary>
    private const string EventsSql = """
        SELECT p.identifier, r.date, r.code FROM simulator.resources r
        JOIN simulator.resources p ON p.provider_key = r.provider_key AND p.resource_type = 'Patient' AND p.id = r.patient_id
        WHERE r.provider_key = @p AND r.resource_type = @t AND r.date >= @from AND r.date < @until AND p.identifier IS NOT NULL
        """;

    /// <summary>PopulationStore.StreamAsync's statement, for the baseline.</summary>
    private const string PersonsSql = "SELECT id, given_name, family_name, sex, birth_date, street, postal_code, city, municipality_code, region_code FROM population.persons ORDER BY id";

    private sealed record ChainRun(string Form, double Seconds, bool GoalMet, double DecideSeconds, double PrepareSeconds, double ReadReadySeconds,
        IReadOnlyDictionary<string, double> StepSeconds, double OutsideStepsSeconds, long Persons, long Events, long Suppressed, string? Applied,
        IReadOnlyList<string> GeneralisedBeyondPermit, long EquivalenceClasses, int SmallestClass, bool KAnonymous, long WorkspacePersons, long WorkspaceEvents,
        long IncludedPersons, long ObjectorsInWorkspace, long ObjectorsIncluded, int AuditSteps, double ClientCpuSeconds, MemoryFigures Memory,
        IReadOnlyList<StatementTime> Statements, IReadOnlyList<string> Errors, string LoadBefore, string LoadAfter);

    private sealed record BaselineRun(string When, double Seconds, double EventsSeconds, double PersonsSeconds, long Events, long Persons, double ClientCpuSeconds, MemoryFigures Memory);

    public static async Task<int> RunAsync(string[] args)
    {
        var admin = BenchArgs.Get(args, "--postgres") ?? throw new ArgumentException("--postgres CONNSTR is required");
        var persons = BenchArgs.Int(args, "--persons", 1_000_000);
        var eventsPerPerson = BenchArgs.Int(args, "--events-per-person", 3);
        var objectingPercent = double.Parse(BenchArgs.Get(args, "--objecting-percent") ?? "1", CultureInfo.InvariantCulture);
        OutputForm[] forms = (BenchArgs.Get(args, "--form") ?? "both") switch
        {
            "anonymised" => [OutputForm.Anonymised],
            "pseudonymised" => [OutputForm.Pseudonymised],
            "both" => [OutputForm.Anonymised, OutputForm.Pseudonymised],
            var other => throw new ArgumentException($"--form {other}: anonymised, pseudonymised or both"),
        };
        var cancellationToken = CancellationToken.None;
        var loadBefore = Measurement.LoadAverage();
        Console.WriteLine($"# sdu-chain: {persons:N0} persons, {eventsPerPerson} events each, {objectingPercent} % objecting, forms {string.Join(", ", forms)}; "
            + $"{Environment.ProcessorCount} cores, .NET {Environment.Version}, load {loadBefore}");

        var database = await FreshAsync(admin, cancellationToken);
        var chains = new List<ChainRun>();
        var baselines = new List<BaselineRun>();
        SecondaryUseChainLoad.Loaded loaded;
        var opened = new List<string>();
        await using (var ndi = new NdiDatabase(new StorageOptions(StorageBackend.PostgreSql, database)))
        {
            try
            {
                Console.WriteLine("load:");
                loaded = await SecondaryUseChainLoad.LoadAsync(ndi, persons, eventsPerPerson, objectingPercent, cancellationToken);
                Console.WriteLine($"  {loaded.Persons:N0} persons, {loaded.Events:N0} events, {loaded.Objecting:N0} objecting: {loaded.Seconds:N1} s "
                    + $"(register and records {loaded.RegisterAndRecordsSeconds:N1} s, consents {loaded.ConsentsSeconds:N1} s, VACUUM ANALYZE {loaded.VacuumSeconds:N1} s)");
                var objectors = await new ConsentStore(ndi).PatientsWithActiveAsync(Server.Consent.SecondaryUseObjections.OptOutKind, cancellationToken);
                using var statements = new StatementTimes();

                baselines.Add(await BaselineAsync(ndi, "before", cancellationToken));
                foreach (var form in forms)
                    chains.Add(await ChainAsync(ndi, form, objectors, statements, opened, cancellationToken));
                baselines.Add(await BaselineAsync(ndi, "after", cancellationToken));
            }
            finally
            {
                // Each run closed its own workspace; this is the net for one that failed half-way (closing twice is harmless).
                var workspaces = new PostgresWorkspaces(ndi, TimeProvider.System);
                foreach (var permit in opened)
                    await workspaces.CloseAsync(permit, CancellationToken.None);
            }
        }
        var rolesLeft = await RolesLeftAsync(admin, opened, cancellationToken);
        if (!args.Contains("--keep-database"))
            await DropAsync(admin, cancellationToken);

        var baselineSeconds = baselines.Average(b => b.Seconds);
        Print(chains, baselines, baselineSeconds);
        var loadAfter = Measurement.LoadAverage();
        Console.WriteLine($"\nload average before {loadBefore}, after {loadAfter}; workspace roles left: {rolesLeft}");
        Directory.CreateDirectory("bench/results");
        var file = $"bench/results/sdu-chain-{persons}-{DateTime.UtcNow:yyyyMMddTHHmmss}.json";
        await File.WriteAllTextAsync(file, JsonSerializer.Serialize(new
        {
            persons, eventsPerPerson, objectingPercent, cores = Environment.ProcessorCount, dotnet = Environment.Version.ToString(), loadBefore, loadAfter,
            goalSeconds = GoalSeconds, load = loaded, baselines, baselineSeconds, chains,
            ratios = chains.Select(c => new { c.Form, chainOverBaseline = c.Seconds / baselineSeconds }), workspaceRolesLeft = rolesLeft,
            errors = chains.Sum(c => c.Errors.Count),
        }, Measurement.ResultsJson));
        Console.WriteLine($"Raw results: {file}");
        return chains.Sum(c => c.Errors.Count) == 0 ? 0 : 1;
    }

    /// <summary>One form, approval to ready, through the real components; everything that goes wrong is an error of the run.</summary>
    private static async Task<ChainRun> ChainAsync(NdiDatabase ndi, OutputForm form, IReadOnlySet<string> objectors, StatementTimes statements, List<string> opened,
        CancellationToken cancellationToken)
    {
        var time = TimeProvider.System;
        var store = new SecondaryUseStore(ndi);
        var holders = new SimulatedHoldersForSecondaryUse(new SimulatorStore(ndi));
        var workspaces = new PostgresWorkspaces(ndi, time);
        var keys = PermitKeys.Generate();
        var settings = new SecondaryUseSettings();
        var queue = new PreparationQueue();
        var audit = new CountingAudit();
        var service = new DataPermitService(store, holders, workspaces, queue, settings, time);
        var worker = new PreparationWorker(queue, store, holders, new RegisterForSecondaryUse(new PopulationStore(ndi)),
            new Server.Consent.SecondaryUseObjections(new ConsentStore(ndi)), workspaces, keys, audit, settings, time, NullLogger<PreparationWorker>.Instance);
        var applicant = new ApplicantActor(PersonalIdentityNumber.Create(new DateOnly(1980, 4, 1), 239, false), "2021002114", AssuranceLevels.Loa3);
        var officer = new AccessBodyOfficerActor("hdab-officer-1");
        var errors = new List<string>();
        var loadBefore = Measurement.LoadAverage();
        Console.WriteLine($"chain, {form}:");

        var submitted = await service.SubmitAsync(applicant, "Bench researcher", new ApplicationContent(
            $"Diagnoses in the population ({form})", SecondaryUsePurposes.ScientificResearch,
            "Benchmark of the preparation chain: the whole register and one provider's diagnoses, every variable, the most precise levels.",
            [RegisterHolder.DatasetId, $"{SecondaryUseChainLoad.ProviderKey}.diagnoses"], ExtractVariables.All, From, DateOnly.FromDateTime(DateTime.UtcNow),
            form, new Generalisation(BirthDetail.Date, PlaceDetail.Municipality, EventDateDetail.Day)), cancellationToken);
        if (submitted.Value is not { State: ApplicationState.InReview } application)
            return Failed(form, [$"submit: {submitted.Status} {submitted.Value?.State} {string.Join("; ", submitted.Problems)} {submitted.Value?.History[^1].Note}"], loadBefore);

        await using var memory = MemoryProbe.Start();
        statements.Start();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        PreparationReport? report = null;
        double decide = 0, prepare = 0;
        string? permit = null;
        try
        {
            var decided = await service.DecideAsync(officer, application.Id, ApplicationDecision.Approve, "approved for the benchmark", null, null, cancellationToken);
            decide = clock.Elapsed.TotalSeconds;
            permit = decided.Value?.Permit;
            if (permit is null)
                errors.Add($"decide: {decided.Status} {string.Join("; ", decided.Problems)}");
            else
            {
                opened.Add(permit);
                report = await worker.PrepareAsync(permit, cancellationToken);
                prepare = clock.Elapsed.TotalSeconds - decide;
                if (report is null)
                    errors.Add("prepare: no report (the permit was not in force)");
                if (await store.PermitAsync(permit, cancellationToken) is not { Preparation: PreparationState.Ready })
                    errors.Add("the permit is not ready after its preparation");
            }
        }
        catch (Exception exception)
        {
            errors.Add($"{exception.GetType().Name}: {exception.Message}");
        }
        clock.Stop();
        var cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
        var times = statements.Stop();
        var figures = await memory.StopAsync();
        var total = clock.Elapsed.TotalSeconds;

        long workspacePersons = 0, workspaceEvents = 0, included = 0, objectorsIn = 0, objectorsIncluded = 0;
        if (permit is not null)
        {
            try
            {
                (workspacePersons, workspaceEvents, objectorsIn, objectorsIncluded) = await CheckWorkspaceAsync(ndi, permit, keys.For(permit), objectors, cancellationToken);
                included = await store.CountPersonsAsync(permit, cancellationToken);
                if (report is not null && (workspacePersons != report.Persons || workspaceEvents != report.Events || included != report.Persons))
                    errors.Add($"counts differ: report {report.Persons:N0} persons / {report.Events:N0} events, workspace {workspacePersons:N0} / {workspaceEvents:N0}, included {included:N0}");
                if (objectorsIn + objectorsIncluded > 0)
                    errors.Add($"{objectorsIn:N0} objectors' rows in the workspace, {objectorsIncluded:N0} in the included persons");
            }
            catch (Exception exception)
            {
                errors.Add($"check: {exception.GetType().Name}: {exception.Message}");
            }
            await workspaces.CloseAsync(permit, cancellationToken);
        }
        if (audit.Steps != 1 || audit.Failed != 0)
            errors.Add($"audit: {audit.Steps} steps recorded, {audit.Failed} failed");
        var steps = report?.StepSeconds ?? new Dictionary<string, double>();
        var run = new ChainRun(form.ToString().ToLowerInvariant(), total, errors.Count == 0 && total < GoalSeconds, decide, prepare, total - decide - prepare,
            steps, prepare - steps.Values.Sum(), report?.Persons ?? 0, report?.Events ?? 0, report?.PersonsSuppressed ?? 0,
            report is null ? null : $"{report.Applied.Birth}/{report.Applied.Place}/{report.Applied.EventDates}", report?.GeneralisedBeyondPermit ?? [],
            report?.EquivalenceClasses ?? 0, report?.SmallestClass ?? 0, report?.KAnonymous ?? false, workspacePersons, workspaceEvents, included, objectorsIn, objectorsIncluded,
            audit.Steps, cpuSeconds, figures, times, errors, loadBefore, Measurement.LoadAverage());
        Console.WriteLine($"  {total:N1} s (decide {decide:N2} s, prepare {prepare:N1} s); {run.Persons:N0} persons, {run.Events:N0} events, {run.Suppressed:N0} suppressed; "
            + $"applied {run.Applied}; peak RSS {Mib(figures.PeakWorkingSetBytes)}; errors {errors.Count}");
        foreach (var error in errors)
            Console.WriteLine($"  error: {error}");
        return run;
    }

    private static ChainRun Failed(OutputForm form, List<string> errors, string loadBefore)
    {
        Console.WriteLine($"  error: {errors[0]}");
        return new ChainRun(form.ToString().ToLowerInvariant(), 0, false, 0, 0, 0, new Dictionary<string, double>(), 0, 0, 0, 0, null, [], 0, 0, false, 0, 0, 0, 0, 0, 0, 0,
            new MemoryFigures(0, false, 0, 0, 0, 0, 0, 0), [], errors, loadBefore, Measurement.LoadAverage());
    }

    /// <summary>The rows in the workspace, by count(*), and how many of them (and of the included persons) are objectors', by their pseudonyms under the permit's key.</summary>
    private static async Task<(long Persons, long Events, long ObjectorsIn, long ObjectorsIncluded)> CheckWorkspaceAsync(NdiDatabase ndi, string permit, Pseudonymiser pseudonymiser,
        IReadOnlySet<string> objectors, CancellationToken cancellationToken)
    {
        var schema = PostgresText.Identifier(WorkspaceNames.Schema(permit));
        var subjects = objectors.Select(pseudonymiser.Pseudonym).ToArray();
        await using var connection = (NpgsqlConnection)await ndi.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"""
            SELECT (SELECT count(*) FROM {schema}.persons), (SELECT count(*) FROM {schema}.events),
                   (SELECT count(*) FROM {schema}.persons WHERE subject = ANY(@s)) + (SELECT count(*) FROM {schema}.events WHERE subject = ANY(@s)),
                   (SELECT count(*) FROM sdu.permit_persons WHERE permit = @permit AND person = ANY(@o))
            """, connection) { CommandTimeout = 0 };
        command.Parameters.AddWithValue("s", subjects);
        command.Parameters.AddWithValue("o", objectors.ToArray());
        command.Parameters.AddWithValue("permit", permit);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3));
    }

    /// <summary>
    /// The raw work: the ports' statements streamed, each row binary-COPYed unchanged into a plain table in one
    /// transaction (as the workspace writer does), events first and then the register, as the chain reads them. No
    /// objections, pseudonyms, generalisation, k-anonymity, index or included persons.
    /// </summary>
    private static async Task<BaselineRun> BaselineAsync(NdiDatabase ndi, string when, CancellationToken cancellationToken)
    {
        Console.WriteLine($"baseline ({when}):");
        await using var memory = MemoryProbe.Start();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        await using var writer = (NpgsqlConnection)await ndi.OpenConnectionAsync(cancellationToken);
        await using var transaction = await writer.BeginTransactionAsync(cancellationToken);
        await using (var create = new NpgsqlCommand("""
            DROP SCHEMA IF EXISTS bench_raw CASCADE;
            CREATE SCHEMA bench_raw;
            CREATE TABLE bench_raw.persons (LIKE population.persons);
            CREATE TABLE bench_raw.events (identifier text, date text, code text);
            """, writer, transaction))
            await create.ExecuteNonQueryAsync(cancellationToken);
        long events = 0, persons = 0;
        await using (var reader = await ndi.OpenConnectionAsync(cancellationToken))
        {
            await using (var select = new NpgsqlCommand(EventsSql, (NpgsqlConnection)reader) { CommandTimeout = 0 })
            {
                select.Parameters.AddWithValue("p", SecondaryUseChainLoad.ProviderKey);
                select.Parameters.AddWithValue("t", "Condition");
                select.Parameters.AddWithValue("from", From.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
                select.Parameters.AddWithValue("until", DateOnly.FromDateTime(DateTime.UtcNow).AddDays(1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
                await using var rows = await select.ExecuteReaderAsync(cancellationToken);
                await using var copy = await writer.BeginBinaryImportAsync("COPY bench_raw.events (identifier, date, code) FROM STDIN (FORMAT BINARY)", cancellationToken);
                while (await rows.ReadAsync(cancellationToken))
                {
                    await copy.StartRowAsync(cancellationToken);
                    await copy.WriteAsync(rows.GetString(0), NpgsqlTypes.NpgsqlDbType.Text, cancellationToken);
                    await copy.WriteAsync(rows.GetString(1), NpgsqlTypes.NpgsqlDbType.Text, cancellationToken);
                    if (rows.IsDBNull(2))
                        await copy.WriteNullAsync(cancellationToken);
                    else
                        await copy.WriteAsync(rows.GetString(2), NpgsqlTypes.NpgsqlDbType.Text, cancellationToken);
                    events++;
                }
                await copy.CompleteAsync(cancellationToken);
            }
            var eventsSeconds = clock.Elapsed.TotalSeconds;
            await using (var select = new NpgsqlCommand(PersonsSql, (NpgsqlConnection)reader) { CommandTimeout = 0 })
            {
                await using var rows = await select.ExecuteReaderAsync(cancellationToken);
                await using var copy = await writer.BeginBinaryImportAsync(
                    "COPY bench_raw.persons (id, given_name, family_name, sex, birth_date, street, postal_code, city, municipality_code, region_code) FROM STDIN (FORMAT BINARY)", cancellationToken);
                while (await rows.ReadAsync(cancellationToken))
                {
                    await copy.StartRowAsync(cancellationToken);
                    for (var i = 0; i < 10; i++)
                    {
                        if (i == 4)
                            await copy.WriteAsync(rows.GetFieldValue<DateOnly>(i), NpgsqlTypes.NpgsqlDbType.Date, cancellationToken);
                        else
                            await copy.WriteAsync(rows.GetString(i), NpgsqlTypes.NpgsqlDbType.Text, cancellationToken);
                    }
                    persons++;
                }
                await copy.CompleteAsync(cancellationToken);
            }
            await transaction.CommitAsync(cancellationToken);
            clock.Stop();
            var cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
            var run = new BaselineRun(when, clock.Elapsed.TotalSeconds, eventsSeconds, clock.Elapsed.TotalSeconds - eventsSeconds, events, persons, cpuSeconds, await memory.StopAsync());
            Console.WriteLine($"  {run.Seconds:N1} s (events {run.EventsSeconds:N1} s, register {run.PersonsSeconds:N1} s); {events:N0} events, {persons:N0} persons; peak RSS {Mib(run.Memory.PeakWorkingSetBytes)}");
            return run;
        }
    }

    private static void Print(List<ChainRun> chains, List<BaselineRun> baselines, double baselineSeconds)
    {
        Console.WriteLine();
        Console.WriteLine("| run | seconds | goal < 600 s | persons | events | suppressed | peak RSS | max GC in use / committed | allocated | client CPU s | vs baseline |");
        Console.WriteLine("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var b in baselines)
            Console.WriteLine($"| baseline ({b.When}) | {b.Seconds:N1} | | {b.Persons:N0} | {b.Events:N0} | | {Mib(b.Memory.PeakWorkingSetBytes)} | {Mib(b.Memory.MaxGcTotalMemoryBytes)} / {Mib(b.Memory.MaxCommittedBytes)} | {Mib(b.Memory.AllocatedBytes)} | {b.ClientCpuSeconds:N1} | {b.Seconds / baselineSeconds:P0} |");
        foreach (var c in chains)
            Console.WriteLine($"| chain, {c.Form} | {c.Seconds:N1} | {(c.GoalMet ? "met" : "missed")} | {c.Persons:N0} | {c.Events:N0} | {c.Suppressed:N0} | {Mib(c.Memory.PeakWorkingSetBytes)} | {Mib(c.Memory.MaxGcTotalMemoryBytes)} / {Mib(c.Memory.MaxCommittedBytes)} | {Mib(c.Memory.AllocatedBytes)} | {c.ClientCpuSeconds:N1} | {c.Seconds / baselineSeconds:N2}× |");

        Console.WriteLine();
        Console.WriteLine($"| where the time goes (s) | {string.Join(" | ", chains.Select(c => c.Form))} |");
        Console.WriteLine($"|---|{string.Concat(chains.Select(_ => "---:|"))}");
        Console.WriteLine($"| decide (approve, store the permit) | {string.Join(" | ", chains.Select(c => c.DecideSeconds.ToString("N2", CultureInfo.InvariantCulture)))} |");
        foreach (var step in chains.SelectMany(c => c.StepSeconds.Keys).Distinct())
            Console.WriteLine($"| step {step} | {string.Join(" | ", chains.Select(c => c.StepSeconds.TryGetValue(step, out var s) ? s.ToString("N2", CultureInfo.InvariantCulture) : ""))} |");
        Console.WriteLine($"| prepare, outside the steps (permit, open, clear, tables, ready) | {string.Join(" | ", chains.Select(c => c.OutsideStepsSeconds.ToString("N2", CultureInfo.InvariantCulture)))} |");
        Console.WriteLine($"| read the permit Ready | {string.Join(" | ", chains.Select(c => c.ReadReadySeconds.ToString("N3", CultureInfo.InvariantCulture)))} |");

        foreach (var c in chains)
        {
            Console.WriteLine($"\nstatements, {c.Form} (wall time each statement was open; reads and COPYs overlap):");
            Console.WriteLine("| statement | count | seconds |");
            Console.WriteLine("|---|---:|---:|");
            foreach (var s in c.Statements.Take(14))
                Console.WriteLine($"| `{s.Sql}` | {s.Count:N0} | {s.Seconds:N2} |");
        }
    }

    private static string Mib(long bytes) => $"{bytes / 1048576.0:N0} MiB";

    private static async Task<string> FreshAsync(string admin, CancellationToken cancellationToken)
    {
        var database = new NpgsqlConnectionStringBuilder(admin) { Database = DatabaseName }.ConnectionString;
        await CloseLeftoversAsync(admin, database, cancellationToken);
        await using (var server = new NpgsqlConnection(admin))
        {
            await server.OpenAsync(cancellationToken);
            await AuditAppendBenchmark.ExecuteAsync(server, $"DROP DATABASE IF EXISTS {DatabaseName} WITH (FORCE)");
            await AuditAppendBenchmark.ExecuteAsync(server, $"CREATE DATABASE {DatabaseName}");
        }
        return database;
    }

    /// <summary>A run that stopped half-way may have left workspaces (roles live in the cluster, not the database): closed before the database is made anew.</summary>
    private static async Task CloseLeftoversAsync(string admin, string database, CancellationToken cancellationToken)
    {
        await using (var server = new NpgsqlConnection(admin))
        {
            await server.OpenAsync(cancellationToken);
            await using var exists = new NpgsqlCommand("SELECT count(*) FROM pg_database WHERE datname = @d", server);
            exists.Parameters.AddWithValue("d", DatabaseName);
            if ((long)(await exists.ExecuteScalarAsync(cancellationToken))! == 0)
                return;
        }
        await using var ndi = new NdiDatabase(new StorageOptions(StorageBackend.PostgreSql, database));
        try
        {
            var workspaces = new PostgresWorkspaces(ndi, TimeProvider.System);
            foreach (var permit in await new SecondaryUseStore(ndi).PermitsAsync(null, cancellationToken))
                await workspaces.CloseAsync(permit.Id, cancellationToken);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            // Never migrated: no permits, no workspaces.
        }
        NpgsqlConnection.ClearAllPools();
    }

    private static async Task<int> RolesLeftAsync(string admin, IEnumerable<string> closed, CancellationToken cancellationToken)
    {
        await using var server = new NpgsqlConnection(admin);
        await server.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT count(*) FROM pg_roles WHERE rolname = ANY(@n)", server);
        command.Parameters.AddWithValue("n", closed.Select(WorkspaceNames.Schema).ToArray());
        return (int)(long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private static async Task DropAsync(string admin, CancellationToken cancellationToken)
    {
        NpgsqlConnection.ClearAllPools();
        await using var server = new NpgsqlConnection(admin);
        await server.OpenAsync(cancellationToken);
        await AuditAppendBenchmark.ExecuteAsync(server, $"DROP DATABASE IF EXISTS {DatabaseName} WITH (FORCE)");
    }
}
