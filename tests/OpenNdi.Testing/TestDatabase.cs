using Npgsql;
using OpenNdi.Data;

namespace OpenNdi.Testing;

/// <summary>
/// A fresh, empty database for one test, on either backend: a SQLite file in a temporary folder, or a new
/// database on the PostgreSQL server named by <c>NDI_TEST_POSTGRES</c> (which <c>bash .ci/run</c> starts).
/// PostgreSQL tests never skip: without that variable they fail and say how to run them.
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    public const string PostgresVariable = "NDI_TEST_POSTGRES";

    private readonly string? _directory;
    private readonly string? _postgresName;
    private readonly string? _adminConnectionString;

    private TestDatabase(NdiDatabase database, string? directory, string? postgresName, string? adminConnectionString)
    {
        Database = database;
        _directory = directory;
        _postgresName = postgresName;
        _adminConnectionString = adminConnectionString;
    }

    public NdiDatabase Database { get; }

    public StorageOptions Options => Database.Options;

    /// <summary>The string the server's <c>Storage:Database</c> or the CLI's <c>--database</c> takes for this database.</summary>
    public string ConfigurationValue => Options.ConnectionString;

    public static async Task<TestDatabase> CreateAsync(string backend, bool migrate = true)
    {
        var test = backend switch
        {
            "sqlite" => CreateSqlite(),
            "postgres" => await CreatePostgresAsync(),
            _ => throw new ArgumentOutOfRangeException(nameof(backend), backend, "sqlite or postgres"),
        };
        if (migrate)
            await MigrationRunner.ApplyAsync(test.Database, DataModules.AllMigrations);
        return test;
    }

    private static TestDatabase CreateSqlite()
    {
        var directory = Path.Combine(Path.GetTempPath(), "openndi-test-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        return new TestDatabase(new NdiDatabase(StorageOptions.Sqlite(Path.Combine(directory, "test.db"))), directory, null, null);
    }

    private static async Task<TestDatabase> CreatePostgresAsync()
    {
        var admin = Environment.GetEnvironmentVariable(PostgresVariable);
        if (string.IsNullOrWhiteSpace(admin))
            throw new InvalidOperationException(
                $"{PostgresVariable} is not set: PostgreSQL tests need a real server. Run 'bash .ci/run', which starts one, or set {PostgresVariable} to a connection string of a server where you may create databases.");
        var name = "ndi_test_" + Guid.NewGuid().ToString("N");
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await create.ExecuteNonQueryAsync();
        }
        var builder = new NpgsqlConnectionStringBuilder(admin) { Database = name };
        return new TestDatabase(new NdiDatabase(new StorageOptions(StorageBackend.PostgreSql, builder.ConnectionString)), null, name, admin);
    }

    public async ValueTask DisposeAsync()
    {
        await Database.DisposeAsync();
        if (_directory is not null)
        {
            try
            {
                Directory.Delete(_directory, recursive: true);
            }
            catch (IOException)
            {
                // A file still held open by a pooled connection: the temp folder is cleaned up by the OS.
            }
        }
        if (_postgresName is not null)
        {
            NpgsqlConnection.ClearAllPools();
            await using var connection = new NpgsqlConnection(_adminConnectionString);
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {_postgresName} WITH (FORCE)", connection);
            await drop.ExecuteNonQueryAsync();
        }
    }
}
