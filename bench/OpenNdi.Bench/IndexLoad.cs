using System.Diagnostics;
using System.Globalization;
using Npgsql;
using NpgsqlTypes;
using OpenNdi.Core.ServiceDirectory;
using OpenNdi.Data;
using OpenNdi.Data.ServiceDirectory;

namespace OpenNdi.Bench;

/// <summary>
/// <c>index-load</c>: a fresh PostgreSQL database with the real schema (the migrations), pdi.entries filled with the
/// synthetic index by binary COPY, the providers' endpoints registered through the directory store, ANALYZE. A rerun
/// with the same size finds the load recorded in <c>bench_index_load</c> and does nothing.
/// </summary>
internal static class IndexLoad
{
    public const string DatabaseName = "ndi_bench_index";
    private const string EntryColumns = "patient, category, care_unit, source_system, source_reference, provider, first_date, latest_date, retracted, updated_at";
    private static readonly DateTimeOffset LoadedAt = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);

    public static async Task<int> RunAsync(string[] args)
    {
        var patients = int.Parse(BenchArgs.Get(args, "--patients") ?? "1000000", CultureInfo.InvariantCulture);
        var perPatient = int.Parse(BenchArgs.Get(args, "--entries-per-patient") ?? "10", CultureInfo.InvariantCulture);
        var admin = BenchArgs.Get(args, "--postgres") ?? throw new ArgumentException("--postgres CONNSTR is required");
        await EnsureLoadedAsync(admin, new IndexPopulation(patients, perPatient));
        return 0;
    }

    /// <summary>The bench database's connection string on the server of <paramref name="admin"/>.</summary>
    public static string BenchConnectionString(string admin) => new NpgsqlConnectionStringBuilder(admin) { Database = DatabaseName }.ConnectionString;

    /// <summary>The size recorded by the last completed load, or null when there is none.</summary>
    public static async Task<(int Patients, int PerPatient, long Rows)?> LoadedSizeAsync(string admin)
    {
        await using (var server = new NpgsqlConnection(admin))
        {
            await server.OpenAsync();
            await using var exists = new NpgsqlCommand($"SELECT 1 FROM pg_database WHERE datname = '{DatabaseName}'", server);
            if (await exists.ExecuteScalarAsync() is null)
                return null;
        }
        await using var connection = new NpgsqlConnection(BenchConnectionString(admin));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT patients, per_patient, rows FROM bench_index_load WHERE to_regclass('bench_index_load') IS NOT NULL", connection);
        try
        {
            await using var reader = await command.ExecuteReaderAsync();
            return await reader.ReadAsync() ? (reader.GetInt32(0), reader.GetInt32(1), reader.GetInt64(2)) : null;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            return null;
        }
    }

    public static async Task EnsureLoadedAsync(string admin, IndexPopulation population)
    {
        if (await LoadedSizeAsync(admin) is { } loaded && loaded.Patients == population.Patients && loaded.PerPatient == population.EntriesPerPatient)
        {
            Console.WriteLine($"{DatabaseName} already holds {loaded.Patients:N0} patients, {loaded.Rows:N0} index rows: load skipped");
            return;
        }
        Console.WriteLine($"# index-load: {population.Patients:N0} patients, about {population.EntriesPerPatient} entries each, into {DatabaseName}");
        var clock = Stopwatch.StartNew();
        await using (var server = new NpgsqlConnection(admin))
        {
            await server.OpenAsync();
            await Execute(server, $"DROP DATABASE IF EXISTS {DatabaseName} WITH (FORCE)");
            await Execute(server, $"CREATE DATABASE {DatabaseName}");
        }
        // The size check above pooled a connection to the database just dropped; the server has closed it.
        NpgsqlConnection.ClearAllPools();
        var connectionString = BenchConnectionString(admin);
        await using (var database = new NdiDatabase(new StorageOptions(StorageBackend.PostgreSql, connectionString)))
        {
            await MigrationRunner.ApplyAsync(database, DataModules.AllMigrations);
            await RegisterEndpointsAsync(database, population);
        }

        // The primary key is dropped for the load and rebuilt after it: one sort instead of ten million B-tree inserts.
        // It is rebuilt exactly as the migration declares it.
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await Execute(connection, "ALTER TABLE pdi.entries DROP CONSTRAINT entries_pkey");
        var rows = await CopyAsync(connectionString, population, clock);
        Console.WriteLine($"copied {rows:N0} rows in {clock.Elapsed.TotalSeconds:N0} s; building the primary key");
        await Execute(connection, "SET maintenance_work_mem = '2GB'");
        await Execute(connection, "ALTER TABLE pdi.entries ADD PRIMARY KEY (patient, category, care_unit, source_system, source_reference)");
        Console.WriteLine($"primary key built at {clock.Elapsed.TotalSeconds:N0} s; VACUUM ANALYZE");
        await Execute(connection, "VACUUM ANALYZE pdi.entries");
        await Execute(connection, "CREATE TABLE bench_index_load (patients integer NOT NULL, per_patient integer NOT NULL, rows bigint NOT NULL)");
        await Execute(connection, $"INSERT INTO bench_index_load VALUES ({population.Patients}, {population.EntriesPerPatient}, {rows})");
        await using var size = new NpgsqlCommand("SELECT pg_size_pretty(sum(pg_total_relation_size(relid))) FROM pg_partition_tree('pdi.entries')", connection);
        Console.WriteLine($"loaded {rows:N0} rows ({await size.ExecuteScalarAsync()} with index) in {clock.Elapsed.TotalSeconds:N0} s");
    }

    /// <summary>Two COPY streams over halves of the patients: generation and the server's work overlap on two cores.</summary>
    private static async Task<long> CopyAsync(string connectionString, IndexPopulation population, Stopwatch clock)
    {
        const int streams = 2;
        var done = 0L;
        var chunk = (population.Patients + streams - 1) / streams;
        var tasks = Enumerable.Range(0, streams).Select(s => Task.Run(async () =>
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            await using var writer = await connection.BeginBinaryImportAsync(CopyCommand);
            var rows = 0L;
            for (var i = s * chunk; i < Math.Min(population.Patients, (s + 1) * chunk); i++)
            {
                foreach (var row in population.Rows(i))
                {
                    await WriteRowAsync(writer, row, LoadedAt);
                    rows++;
                }
                if (Interlocked.Increment(ref done) % 100_000 == 0)
                    Console.WriteLine($"  {done:N0} patients, {clock.Elapsed.TotalSeconds:N0} s");
            }
            await writer.CompleteAsync();
            return rows;
        })).ToList();
        return (await Task.WhenAll(tasks)).Sum();
    }

    /// <summary>One index row in pdi.entries' column order (<see cref="EntryColumns"/>).</summary>
    public static async Task WriteRowAsync(NpgsqlBinaryImporter writer, IndexPopulation.Row row, DateTimeOffset updatedAt)
    {
        var entry = row.Entry;
        await writer.StartRowAsync();
        await writer.WriteAsync(entry.Key.Patient.Value, NpgsqlDbType.Text);
        await writer.WriteAsync(entry.Key.Category.Code, NpgsqlDbType.Text);
        await writer.WriteAsync(entry.Key.CareUnit.Value, NpgsqlDbType.Text);
        await writer.WriteAsync(entry.Key.SourceSystem, NpgsqlDbType.Text);
        await writer.WriteAsync(entry.Key.SourceReference, NpgsqlDbType.Text);
        await writer.WriteAsync(entry.Provider.Value, NpgsqlDbType.Text);
        await writer.WriteAsync(entry.FirstDate, NpgsqlDbType.Date);
        await writer.WriteAsync(entry.LatestDate, NpgsqlDbType.Date);
        await writer.WriteAsync(row.Retracted, NpgsqlDbType.Boolean);
        await writer.WriteAsync(updatedAt, NpgsqlDbType.TimestampTz);
    }

    public const string CopyCommand = $"COPY pdi.entries ({EntryColumns}) FROM STDIN (FORMAT BINARY)";

    /// <summary>
    /// Each provider's EHR system answers at its own address; each region's laboratory system has its own, and a
    /// category-specific endpoint sends the regions' imaging reports to a separate archive.
    /// </summary>
    internal static async Task RegisterEndpointsAsync(NdiDatabase database, IndexPopulation population)
    {
        var directory = new DirectoryStore(database);
        var count = 0;
        foreach (var provider in population.Providers)
        {
            var host = $"https://fhir.p{provider.Index}.example.se";
            await directory.SaveAsync(new DirectoryEndpoint($"ep-{provider.Index}", provider.Id, provider.SourceSystem, null, new Uri($"{host}/ehr/fhir"), DirectoryEndpoint.FhirRest, "4.0.1", EndpointStatus.Active), "bench");
            count++;
            if (provider.LabSystem is { } lab)
            {
                await directory.SaveAsync(new DirectoryEndpoint($"ep-{provider.Index}-lab", provider.Id, lab, null, new Uri($"{host}/lab/fhir"), DirectoryEndpoint.FhirRest, "4.0.1", EndpointStatus.Active), "bench");
                await directory.SaveAsync(new DirectoryEndpoint($"ep-{provider.Index}-img", provider.Id, provider.SourceSystem, Core.Index.DataCategory.ImagingReport, new Uri($"{host}/pacs/fhir"), DirectoryEndpoint.FhirRest, "4.0.1", EndpointStatus.Active), "bench");
                count += 2;
            }
        }
        Console.WriteLine($"registered {count} directory endpoints for {population.Providers.Count} providers");
        await RegisterCareUnitsAsync(database, population);
    }

    /// <summary>
    /// Every provider and its care units as mCSD Organizations (the care unit <c>partOf</c> its provider): the index
    /// accepts a provider's entries only for care units the directory places under it. Saving again changes nothing.
    /// </summary>
    public static async Task RegisterCareUnitsAsync(NdiDatabase database, IndexPopulation population)
    {
        var organizations = new CareServicesStore(database);
        var units = 0;
        foreach (var provider in population.Providers)
        {
            await organizations.SaveAsync(new DirectoryOrganization(provider.Id, $"Provider {provider.Index}", OrganizationRole.Provider), "bench");
            foreach (var unit in provider.CareUnits)
            {
                await organizations.SaveAsync(new DirectoryOrganization(unit, $"Care unit {unit.Value}", OrganizationRole.CareUnit, PartOf: provider.Id, CareUnitKind: "primary-care"), "bench");
                units++;
            }
        }
        Console.WriteLine($"registered {population.Providers.Count} providers and {units} care units in the directory");
    }

    private static async Task Execute(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        await command.ExecuteNonQueryAsync();
    }
}

/// <summary>Command-line options of the form <c>--name value</c>.</summary>
internal static class BenchArgs
{
    public static string? Get(string[] args, string name)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
    }

    public static int Int(string[] args, string name, int fallback) =>
        Get(args, name) is { } text ? int.Parse(text, CultureInfo.InvariantCulture) : fallback;
}
