using System.CommandLine;
using System.Globalization;
using OpenNdi.Data;
using OpenNdi.Synthetic;
using Spectre.Console;

namespace OpenNdi.Cli;

/// <summary><c>ndi seed</c>: generates a synthetic population and loads it, with a progress bar and the rate.</summary>
internal static class SeedCommand
{
    public static Command Create()
    {
        var persons = new Option<long>("--persons", "-n") { Description = "Number of persons (1 to 25,000,000).", DefaultValueFactory = _ => 1_000 };
        var providers = new Option<int>("--providers", "-p") { Description = "Number of care providers (1 to 2,000).", DefaultValueFactory = _ => 20 };
        var seed = new Option<ulong>("--seed", "-s") { Description = "Random seed: the same seed gives the same population.", DefaultValueFactory = _ => 1 };
        var asOf = new Option<string>("--as-of") { Description = "The population's 'today' (YYYY-MM-DD).", DefaultValueFactory = _ => SeedOptions.DefaultReferenceDate.ToString("yyyy-MM-dd") };
        var years = new Option<int>("--history-years") { Description = "Years of clinical history per person (1 to 50).", DefaultValueFactory = _ => 10 };
        var database = CommonOptions.Database();
        var dryRun = new Option<bool>("--dry-run") { Description = "Generate and serialise everything but store nothing (measures generation alone)." };

        var command = new Command("seed", "Generate a synthetic Swedish population with clinical histories and load it into an empty database.")
        {
            persons, providers, seed, asOf, years, database, dryRun,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (!DateOnly.TryParseExact(parse.GetValue(asOf), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var referenceDate))
            {
                Console.Error.WriteLine($"error: --as-of must be a date as YYYY-MM-DD, not '{parse.GetValue(asOf)}'.");
                return 2;
            }
            var options = new SeedOptions(parse.GetValue(persons), parse.GetValue(providers), parse.GetValue(seed), referenceDate, parse.GetValue(years));
            if (options.Validate() is { } problem)
            {
                Console.Error.WriteLine($"error: {problem}.");
                return 2;
            }
            if (CommonOptions.ParseDatabase(parse.GetValue(database)!) is not { } storage)
                return 2;
            return await RunAsync(options, parse.GetValue(dryRun) ? null : storage, cancellationToken);
        });
        return command;
    }

    /// <param name="storage">Where to store; null for a dry run that only generates.</param>
    private static async Task<int> RunAsync(SeedOptions options, StorageOptions? storage, CancellationToken cancellationToken)
    {
        AnsiConsole.MarkupLineInterpolated($"Seeding [bold]{options.Persons:N0}[/] persons, [bold]{options.Providers}[/] providers, seed {options.Seed}, as of {options.ReferenceDate:yyyy-MM-dd} into {storage?.Describe() ?? "nothing (dry run)"}");
        await using var database = storage is null ? null : new NdiDatabase(storage);
        SeedProgress result;
        try
        {
            // No terminal to draw a bar on (CI, a log file): one line every few seconds instead.
            result = AnsiConsole.Profile.Capabilities.Interactive
                ? await RunWithProgressBarAsync(options, database, cancellationToken)
                : await RunWithProgressLinesAsync(options, database, cancellationToken);
        }
        catch (InvalidOperationException ex)
        {
            Console.Error.WriteLine($"error: {ex.Message}");
            return 1;
        }
        catch (Exception ex) when (ex is Npgsql.NpgsqlException or Microsoft.Data.Sqlite.SqliteException)
        {
            Console.Error.WriteLine($"error: database: {ex.Message}");
            return 1;
        }
        var r = result;
        using var process = System.Diagnostics.Process.GetCurrentProcess();
        AnsiConsole.MarkupLineInterpolated(
            $"[green]Done[/]: {r.PersonsDone:N0} persons and {r.ResourcesDone:N0} FHIR resources in {r.Elapsed.TotalSeconds:N1} s: {r.PersonsPerSecond:N0} persons/s, {r.ResourcesPerSecond:N0} resources/s; peak working set {process.PeakWorkingSet64 / 1048576.0:N0} MiB.");
        return 0;
    }

    private static Task<SeedProgress> SeedOrGenerateAsync(SeedOptions options, NdiDatabase? database, IProgress<SeedProgress> progress, CancellationToken cancellationToken) =>
        database is null
            ? GenerateOnlyAsync(options, progress, cancellationToken)
            : new PopulationSeeder(database).SeedAsync(options, progress, cancellationToken);

    private static async Task<SeedProgress> RunWithProgressBarAsync(SeedOptions options, NdiDatabase? database, CancellationToken cancellationToken)
    {
        SeedProgress? result = null;
        await AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask("persons", maxValue: options.Persons);
                var progress = new Progress<SeedProgress>(p =>
                {
                    task.Value = p.PersonsDone;
                    task.Description = $"{p.PersonsDone:N0} persons, {p.ResourcesDone:N0} resources ({p.PersonsPerSecond:N0} persons/s, {p.ResourcesPerSecond:N0} resources/s)";
                });
                result = await SeedOrGenerateAsync(options, database, progress, cancellationToken);
                task.Value = options.Persons;
            });
        return result!;
    }

    private static Task<SeedProgress> RunWithProgressLinesAsync(SeedOptions options, NdiDatabase? database, CancellationToken cancellationToken)
    {
        var last = TimeSpan.Zero;
        var lines = new Progress<SeedProgress>(p =>
        {
            if (p.Elapsed - last < TimeSpan.FromSeconds(5))
                return;
            last = p.Elapsed;
            Console.WriteLine($"{p.PersonsDone:N0}/{p.PersonsTotal:N0} persons ({100.0 * p.PersonsDone / p.PersonsTotal:F0} %), {p.ResourcesDone:N0} resources, {p.PersonsPerSecond:N0} persons/s, {p.ResourcesPerSecond:N0} resources/s");
        });
        return SeedOrGenerateAsync(options, database, lines, cancellationToken);
    }

    private static async Task<SeedProgress> GenerateOnlyAsync(SeedOptions options, IProgress<SeedProgress> progress, CancellationToken cancellationToken)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        long persons = 0, resources = 0;
        await foreach (var batch in new PopulationGenerator(options).GenerateAsync(cancellationToken: cancellationToken))
        {
            persons += batch.Persons.Count;
            resources += batch.Resources.Count;
            progress.Report(new SeedProgress(persons, options.Persons, resources, clock.Elapsed));
        }
        return new SeedProgress(persons, options.Persons, resources, clock.Elapsed);
    }
}
