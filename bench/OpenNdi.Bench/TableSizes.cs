using System.Globalization;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using Npgsql;
using OpenNdi.Core.Identifiers;
using OpenNdi.Data;
using OpenNdi.Data.Consent;
using OpenNdi.Fhir;
using OpenNdi.Synthetic;

namespace OpenNdi.Bench;

/// <summary>
/// <c>table-sizes</c>: measured bytes per row of every production table, for docs/scale-out.md. A fresh database
/// <c>ndi_bench_sizes</c> gets the real schema, a seeded population (<see cref="PopulationSeeder"/>), the index
/// benchmark's providers and care units in the directory, consents through <see cref="ConsentStore"/> (a share of the
/// persons: opt-outs, provider and category blocks, each a FHIR Consent as the API stores it) and synthetic token ids
/// in identity.used_assertions; the index and the audit log are measured in the loaded benchmark databases that
/// exist (index-load, audit-patient-view, and the _base and _part copies of docs/benchmarks.md's issue 14 section). Per table: rows, heap bytes per row (pg_table_size: tuples, headers, page
/// and free space, TOAST), index bytes per row (pg_indexes_size), and the mean pg_column_size of a row's tuple data;
/// a partitioned table is summed over pg_partition_tree.
/// </summary>
internal static class TableSizes
{
    private const string DatabaseName = "ndi_bench_sizes";

    /// <summary>The query behind every row of the table (docs/scale-out.md quotes it).</summary>
    public const string SizeSql = """
        SELECT count(*) AS rows,
               coalesce((SELECT sum(pg_table_size(relid)) FROM pg_partition_tree(@table::regclass)), pg_table_size(@table::regclass)) AS heap_bytes,
               coalesce((SELECT sum(pg_indexes_size(relid)) FROM pg_partition_tree(@table::regclass)), pg_indexes_size(@table::regclass)) AS index_bytes,
               avg(pg_column_size(t.*)) AS tuple_bytes
        FROM {0} AS t
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        var admin = BenchArgs.Get(args, "--postgres") ?? throw new ArgumentException("--postgres CONNSTR is required");
        var persons = BenchArgs.Int(args, "--persons", 20_000);
        var database = await FreshAsync(admin);
        await using (var ndi = new NdiDatabase(new StorageOptions(StorageBackend.PostgreSql, database)))
        {
            await MigrationRunner.ApplyAsync(ndi, DataModules.AllMigrations);
            await new PopulationSeeder(ndi).SeedAsync(new SeedOptions(persons, 20, 7, SeedOptions.DefaultReferenceDate));
            await IndexLoad.RegisterEndpointsAsync(ndi, new IndexPopulation(1, 1));
            await ConsentsAsync(ndi, persons);
        }
        await using (var connection = new NpgsqlConnection(database))
        {
            await connection.OpenAsync();
            await AuditAppendBenchmark.ExecuteAsync(connection, $"""
                INSERT INTO identity.used_assertions (id, expires_at)
                SELECT gen_random_uuid()::text, 1796000000 + n FROM generate_series(1, {persons}) AS n
                """);
            await AuditAppendBenchmark.ExecuteAsync(connection, "VACUUM ANALYZE");
        }
        Console.WriteLine("| database | table | rows | heap B/row | index B/row | total B/row | tuple data B/row |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|---:|");
        foreach (var table in (string[])["population.persons", "population.guardianships", "consent.consents", "consent.history", "directory.entries", "directory.entry_history", "directory.endpoints", "identity.used_assertions", "audit.heads", "audit.checkpoints"])
            await PrintAsync(database, DatabaseName, table);
        foreach (var (name, table) in new (string, string)[]
            {
                (IndexLoad.DatabaseName, "pdi.entries"), (IndexLoad.DatabaseName + "_base", "pdi.entries"), (IndexLoad.DatabaseName + "_part", "pdi.entries"),
                (AuditViewBenchmark.DatabaseName, "audit.events"), (AuditViewBenchmark.DatabaseName + "_base", "audit.events"), (AuditViewBenchmark.DatabaseName + "_part", "audit.events"),
                ("ndi_bench_ab_append_part", "audit.heads"), ("ndi_bench_ab_append_part", "audit.checkpoints"),
            })
        {
            var other = new NpgsqlConnectionStringBuilder(admin) { Database = name }.ConnectionString;
            try
            {
                await PrintAsync(other, name, table);
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InvalidCatalogName)
            {
                // Not loaded under this name (the issue 14 runs keep an unpartitioned _base and a partitioned _part copy).
            }
        }
        return 0;
    }

    private static async Task PrintAsync(string connectionString, string databaseName, string table)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(string.Format(CultureInfo.InvariantCulture, SizeSql, table), connection) { CommandTimeout = 0 };
        command.Parameters.AddWithValue("table", table);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        var rows = reader.GetInt64(0);
        var heap = reader.IsDBNull(1) ? 0 : reader.GetDecimal(1);
        var index = reader.IsDBNull(2) ? 0 : reader.GetDecimal(2);
        var tuple = reader.IsDBNull(3) ? 0 : reader.GetDecimal(3);
        string PerRow(decimal bytes) => rows == 0 ? "" : (bytes / rows).ToString("N0", CultureInfo.InvariantCulture);
        Console.WriteLine($"| {databaseName} | {table} | {rows:N0} | {PerRow(heap)} | {PerRow(index)} | {PerRow(heap + index)} | {tuple:N0} |");
    }

    /// <summary>One person in 50 opts out, one in 20 blocks a provider, one in 40 a category: each a Consent as the API stores it.</summary>
    private static async Task ConsentsAsync(NdiDatabase ndi, int persons)
    {
        var store = new ConsentStore(ndi);
        var random = new Random(14);
        var saved = 0;
        for (var i = 0; i < persons; i++)
        {
            var kind = (i % 50, i % 20, i % 40) switch
            {
                (0, _, _) => "optout-primary",
                (_, 0, _) => "block-provider",
                (_, _, 0) => "block-category",
                _ => null,
            };
            if (kind is null)
                continue;
            var patient = IndexPopulation.Patient(i);
            var json = FhirJson.Serialize(Consent(patient, kind, random));
            await store.SaveAsync($"c-{i}", patient, kind.StartsWith("block", StringComparison.Ordinal) ? "block" : kind, true, json, patient.Value, null);
            saved++;
        }
        Console.WriteLine($"saved {saved:N0} consents for {persons:N0} persons");
    }

    private static Consent Consent(PersonalIdentityNumber patient, string kind, Random random)
    {
        var consent = new Consent
        {
            Status = Hl7.Fhir.Model.Consent.ConsentState.Active,
            Scope = new CodeableConcept("http://terminology.hl7.org/CodeSystem/consentscope", "patient-privacy"),
            Category = [new CodeableConcept("http://loinc.org", "59284-0")],
            Patient = new ResourceReference { Identifier = new Identifier("http://electronichealth.se/identifier/personnummer", patient.Value) },
            DateTime = new DateTime(2026, 1, 1).AddDays(random.Next(300)).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            Provision = new Hl7.Fhir.Model.Consent.provisionComponent { Type = Hl7.Fhir.Model.Consent.ConsentProvisionType.Deny },
        };
        if (kind == "block-provider")
            consent.Provision.Actor = [new Hl7.Fhir.Model.Consent.provisionActorComponent
            {
                Role = new CodeableConcept("http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "CST"),
                Reference = new ResourceReference { Identifier = new Identifier("urn:oid:1.2.752.29.4.19", $"SE2321000016-{random.Next(1000, 9999)}") },
            }];
        if (kind == "block-category")
            consent.Provision.Class = [new Coding("http://loinc.org", "11502-2")];
        return consent;
    }

    private static async Task<string> FreshAsync(string admin)
    {
        await using (var server = new NpgsqlConnection(admin))
        {
            await server.OpenAsync();
            await AuditAppendBenchmark.ExecuteAsync(server, $"DROP DATABASE IF EXISTS {DatabaseName} WITH (FORCE)");
            await AuditAppendBenchmark.ExecuteAsync(server, $"CREATE DATABASE {DatabaseName}");
        }
        return new NpgsqlConnectionStringBuilder(admin) { Database = DatabaseName }.ConnectionString;
    }
}
