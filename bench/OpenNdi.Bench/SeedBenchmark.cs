using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Npgsql;
using OpenNdi.Data;
using OpenNdi.Data.Simulator;
using OpenNdi.Synthetic;

namespace OpenNdi.Bench;

/// <summary>
/// Generation + storage rate of the seed pipeline, with two baselines measured in the same run on the same rows:
/// generation alone (no storage), and raw bulk storage of already generated rows (binary COPY on PostgreSQL, one
/// prepared INSERT transaction on SQLite). Each run uses a fresh database.
/// </summary>
internal static class SeedBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var persons = long.Parse(Arg(args, "--persons") ?? "5000", CultureInfo.InvariantCulture);
        var providers = int.Parse(Arg(args, "--providers") ?? "20", CultureInfo.InvariantCulture);
        var postgres = Arg(args, "--postgres");
        var sqlite = Arg(args, "--sqlite");
        var options = new SeedOptions(persons, providers, 1, SeedOptions.DefaultReferenceDate);
        var results = new List<Result>();

        Console.WriteLine($"# Seed benchmark: {persons:N0} persons, {providers} providers, {Environment.ProcessorCount} cores, .NET {Environment.Version}");

        // The pipelines run first, while this process holds nothing else: the baselines below keep every generated
        // batch in memory, and that garbage-collector pressure must not be charged to the pipeline.
        if (sqlite is not null)
            results.Add(await SeedAsync("SQLite", await FreshSqliteAsync(sqlite, "seed"), options));
        if (postgres is not null)
            results.Add(await SeedAsync("PostgreSQL", await FreshPostgresAsync(postgres, "ndi_bench_seed"), options));

        // Baseline 1: generation and serialisation alone, on all cores, nothing stored.
        var generated = await GenerateAsync(options);
        results.Insert(0, generated.Result);

        // Baseline 2: raw bulk storage of the very rows just generated.
        if (sqlite is not null)
            results.Add(await StoreRawAsync("SQLite", await FreshSqliteAsync(sqlite, "raw"), generated.Batches));
        if (postgres is not null)
            results.Add(await StoreRawAsync("PostgreSQL", await FreshPostgresAsync(postgres, "ndi_bench_raw"), generated.Batches));

        Console.WriteLine();
        Console.WriteLine("| step | backend | persons/s | resources/s | seconds | vs generation only | vs raw bulk store |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|---:|");
        foreach (var r in results.OrderBy(r => r.Backend).ThenBy(r => r.Step))
        {
            var raw = results.FirstOrDefault(x => x.Step == "raw bulk store" && x.Backend == r.Backend);
            var vsGeneration = r.ResourcesPerSecond / generated.Result.ResourcesPerSecond;
            var vsRaw = raw is null ? "" : $"{r.ResourcesPerSecond / raw.ResourcesPerSecond:P0}";
            Console.WriteLine($"| {r.Step} | {r.Backend} | {r.PersonsPerSecond:N0} | {r.ResourcesPerSecond:N0} | {r.Seconds:N1} | {vsGeneration:P0} | {vsRaw} |");
        }
        Directory.CreateDirectory("bench/results");
        var file = $"bench/results/seed-{persons}-{DateTime.UtcNow:yyyyMMddTHHmmss}.json";
        await File.WriteAllTextAsync(file, JsonSerializer.Serialize(new { persons, providers, cores = Environment.ProcessorCount, results }, Measurement.ResultsJson));
        Console.WriteLine($"\nRaw results: {file}");
        return 0;
    }

    private sealed record Result(string Step, string Backend, long Persons, long Resources, double Seconds)
    {
        public double PersonsPerSecond => Persons / Seconds;
        public double ResourcesPerSecond => Resources / Seconds;
    }

    private static async Task<(Result Result, List<GeneratedBatch> Batches)> GenerateAsync(SeedOptions options)
    {
        var generator = new PopulationGenerator(options);
        var batches = new List<GeneratedBatch>();
        var clock = Stopwatch.StartNew();
        await foreach (var batch in generator.GenerateAsync())
            batches.Add(batch);
        clock.Stop();
        var resources = batches.Sum(b => (long)b.Resources.Count);
        Console.WriteLine($"generation only: {resources:N0} resources in {clock.Elapsed.TotalSeconds:N1} s");
        return (new Result("generation only", "-", options.Persons, resources, clock.Elapsed.TotalSeconds), batches);
    }

    private static async Task<Result> StoreRawAsync(string backend, NdiDatabase database, List<GeneratedBatch> batches)
    {
        await using var _ = database;
        var store = new SimulatorStore(database);
        var rows = batches.Sum(b => (long)b.Resources.Count);
        var clock = Stopwatch.StartNew();
        foreach (var batch in batches)
            await store.AddResourcesAsync(batch.Resources);
        clock.Stop();
        Console.WriteLine($"{backend} raw bulk store: {rows:N0} rows in {clock.Elapsed.TotalSeconds:N1} s");
        return new Result("raw bulk store", backend, batches.Sum(b => (long)b.Persons.Count), rows, clock.Elapsed.TotalSeconds);
    }

    private static async Task<Result> SeedAsync(string backend, NdiDatabase database, SeedOptions options)
    {
        await using var _ = database;
        var result = await new PopulationSeeder(database).SeedAsync(options);
        Console.WriteLine($"{backend} seed pipeline: {result.ResourcesDone:N0} resources in {result.Elapsed.TotalSeconds:N1} s");
        return new Result("seed pipeline (generate + store)", backend, result.PersonsDone, result.ResourcesDone, result.Elapsed.TotalSeconds);
    }

    private static async Task<NdiDatabase> FreshSqliteAsync(string directory, string name)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, $"bench-{name}.db");
        foreach (var file in new[] { path, path + "-wal", path + "-shm" })
            File.Delete(file);
        var database = new NdiDatabase(StorageOptions.Sqlite(path));
        await MigrationRunner.ApplyAsync(database, DataModules.AllMigrations);
        return database;
    }

    private static async Task<NdiDatabase> FreshPostgresAsync(string admin, string name)
    {
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", connection);
            await drop.ExecuteNonQueryAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await create.ExecuteNonQueryAsync();
        }
        var database = new NdiDatabase(new StorageOptions(StorageBackend.PostgreSql, new NpgsqlConnectionStringBuilder(admin) { Database = name }.ConnectionString));
        await MigrationRunner.ApplyAsync(database, DataModules.AllMigrations);
        return database;
    }

    private static string? Arg(string[] args, string name)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
    }
}
