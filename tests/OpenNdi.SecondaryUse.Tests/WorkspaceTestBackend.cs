using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using OpenNdi.Data;
using OpenNdi.SecondaryUse.Workspaces;

namespace OpenNdi.SecondaryUse.Tests;

/// <summary>
/// Workspaces on a fresh database of either backend, for one test. PostgreSQL roles belong to the whole cluster, not
/// to the test's database, so every permit gets a unique id and every workspace opened here is closed on dispose,
/// before the database goes.
/// </summary>
internal sealed class WorkspaceTestBackend : IAsyncDisposable
{
    private readonly TestDatabase? _database;
    private readonly string? _folder;
    private readonly List<string> _opened = [];

    private WorkspaceTestBackend(string backend, IWorkspaces workspaces, FakeTimeProvider time, TestDatabase? database, string? folder)
    {
        Backend = backend;
        Workspaces = workspaces;
        Time = time;
        _database = database;
        _folder = folder;
    }

    public string Backend { get; }

    public IWorkspaces Workspaces { get; }

    /// <summary>
    /// The clock the workspaces go by. It starts at the real time: on PostgreSQL the server compares VALID UNTIL with
    /// its own clock, which a fake clock cannot move.
    /// </summary>
    public FakeTimeProvider Time { get; }

    /// <summary>The platform's database (PostgreSQL only).</summary>
    public NdiDatabase Platform => _database?.Database ?? throw new InvalidOperationException("the platform database is PostgreSQL's only");

    public static async Task<WorkspaceTestBackend> CreateAsync(string backend, int personBatch = 50_000)
    {
        var time = new FakeTimeProvider(TimeProvider.System.GetUtcNow());
        if (backend == "sqlite")
        {
            var folder = Directory.CreateTempSubdirectory("openndi-sdu-ws-").FullName;
            return new WorkspaceTestBackend(backend, new SqliteWorkspaces(new SqliteWorkspacesOptions(Path.Combine(folder, "workspaces")), time), time, null, folder);
        }
        var database = await TestDatabase.CreateAsync("postgres");
        var workspaces = new PostgresWorkspaces(database.Database, time, new PostgresWorkspacesOptions { PersonBatch = personBatch });
        return new WorkspaceTestBackend(backend, workspaces, time, database, null);
    }

    /// <summary>A permit id no other test (and no earlier run on the same server) uses.</summary>
    public static string NewPermit() => "t" + Guid.NewGuid().ToString("N");

    public async Task<(string Permit, WorkspaceInfo Info)> OpenAsync(TimeSpan? validFor = null)
    {
        var permit = NewPermit();
        _opened.Add(permit);
        var info = await Workspaces.OpenAsync(permit, Time.GetUtcNow() + (validFor ?? TimeSpan.FromHours(1)), CancellationToken.None);
        return (permit, info);
    }

    public void Track(string permit) => _opened.Add(permit);

    /// <summary>A connection as the permit holder makes it, from the answered connection string (not pooled: a closed role's pooled session would outlive the test).</summary>
    public static async Task<DbConnection> ConnectAsHolderAsync(string connectionString, string backend)
    {
        DbConnection connection = backend == "sqlite"
            ? new SqliteConnection(new SqliteConnectionStringBuilder(connectionString) { Pooling = false }.ToString())
            : new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, Timeout = 10 }.ConnectionString);
        try
        {
            await connection.OpenAsync();
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public static async Task<List<string?[]>> QueryAsync(DbConnection connection, string sql)
    {
        await using var command = connection.Command(sql);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string?[]>();
        while (await reader.ReadAsync())
        {
            var row = new string?[reader.FieldCount];
            for (var i = 0; i < row.Length; i++)
                row[i] = reader.IsDBNull(i) ? null : Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture);
            rows.Add(row);
        }
        return rows;
    }

    public static async Task ExecuteAsync(DbConnection connection, string sql)
    {
        await using var command = connection.Command(sql);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>A statement as the platform (PostgreSQL's superuser in the tests) runs it.</summary>
    public async Task<List<string?[]>> QueryAsPlatformAsync(string sql)
    {
        await using var connection = await Platform.OpenConnectionAsync();
        return await QueryAsync(connection, sql);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            foreach (var permit in _opened)
                await Workspaces.CloseAsync(permit, CancellationToken.None);
        }
        finally
        {
            if (_database is not null)
                await _database.DisposeAsync();
            if (_folder is not null)
                Directory.Delete(_folder, recursive: true);
        }
    }
}
