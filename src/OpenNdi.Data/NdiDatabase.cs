using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace OpenNdi.Data;

/// <summary>
/// The one place that opens database connections, for either backend. Stores take this and keep their SQL
/// per backend; nothing else creates connections.
/// </summary>
public sealed class NdiDatabase : IAsyncDisposable
{
    private readonly NpgsqlDataSource? _postgres;
    private readonly string? _sqliteConnectionString;
    private volatile bool _sqliteFileExists;

    public NdiDatabase(StorageOptions options)
    {
        Options = options;
        if (options.Backend == StorageBackend.PostgreSql)
        {
            var builder = new NpgsqlDataSourceBuilder(options.ConnectionString);
            // Auto-prepare: hot lookups are the same few statements over and over.
            builder.ConnectionStringBuilder.MaxAutoPrepare = Math.Max(builder.ConnectionStringBuilder.MaxAutoPrepare, 64);
            builder.ConnectionStringBuilder.AutoPrepareMinUsages = 2;
            // No stores set session state (no SET, LISTEN or session-level locks: the migration lock is
            // transaction-scoped), so a pooled connection needs no reset before its next use. With prepared statements
            // alive Npgsql's reset is a batch of statements sent ahead of the next command, paid by every lookup that
            // opens a pooled connection for its one query (measured: 6–13 % more index lookups/s without it).
            builder.ConnectionStringBuilder.NoResetOnClose = true;
            _postgres = builder.Build();
        }
        else
        {
            CreateFolder(options.ConnectionString);
            _sqliteConnectionString = new SqliteConnectionStringBuilder
            {
                DataSource = options.ConnectionString,
                Mode = SqliteOpenMode.ReadWriteCreate,
                Pooling = true,
                DefaultTimeout = 30,
            }.ToString();
        }
    }

    public StorageOptions Options { get; }

    /// <summary>
    /// The SQLite file holds personal data: on Unix a new file is created readable and writable by its owner only
    /// (0600, and a new folder 0700), not with the process umask (commonly world-readable 0644). SQLite creates the
    /// -wal and -shm files with the main file's permissions. An existing file keeps the permissions it has. The file
    /// is made at the first connection, as SQLite would make it, so a database that is never opened is never created.
    /// </summary>
    private static void CreateFolder(string path)
    {
        var directory = Path.GetDirectoryName(path);
        if (string.IsNullOrEmpty(directory) || Directory.Exists(directory))
            return;
        if (OperatingSystem.IsWindows())
            Directory.CreateDirectory(directory);
        else
            Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    private void CreateOwnerOnlyFile()
    {
        if (_sqliteFileExists)
            return;
        PrivateFiles.CreateEmptyOnce(Options.ConnectionString);
        _sqliteFileExists = true;
    }

    public StorageBackend Backend => Options.Backend;

    /// <summary>
    /// A module's table by its one naming rule: schema <paramref name="schema"/> on PostgreSQL, and on SQLite (which
    /// has no schemas) the prefix <c>schema_</c>.
    /// </summary>
    public string Table(string schema, string table) => Backend == StorageBackend.Sqlite ? $"{schema}_{table}" : $"{schema}.{table}";

    public async Task<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken = default)
    {
        if (_postgres is not null)
            return await _postgres.OpenConnectionAsync(cancellationToken);

        CreateOwnerOnlyFile();
        var connection = new SqliteConnection(_sqliteConnectionString);
        await connection.OpenAsync(cancellationToken);
        // WAL lets readers (the simulator's FHIR searches) run while a seed writes; NORMAL sync is durable
        // across application crashes in WAL mode; busy_timeout waits for the single writer instead of failing.
        await using var pragma = connection.CreateCommand();
        pragma.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=30000;";
        await pragma.ExecuteNonQueryAsync(cancellationToken);
        return connection;
    }

    /// <summary>Runs one store's read on a pooled connection.</summary>
    public async Task<T> ReadAsync<T>(StoreRead<T> read, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var command = Command(connection, read);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await read.Read(reader, cancellationToken);
    }

    /// <summary>
    /// Runs two stores' reads together: on PostgreSQL as one batch (one round trip, both statements auto-prepared, both
    /// seeing the database as it is at that moment); on SQLite one after the other on one connection.
    /// </summary>
    public async Task<(T1 First, T2 Second)> ReadTogetherAsync<T1, T2>(StoreRead<T1> first, StoreRead<T2> second, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        if (connection is NpgsqlConnection postgres)
        {
            await using var batch = new NpgsqlBatch(postgres);
            batch.BatchCommands.Add(BatchCommand(first.Sql, first.Parameters));
            batch.BatchCommands.Add(BatchCommand(second.Sql, second.Parameters));
            await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
            var a = await first.Read(reader, cancellationToken);
            if (!await reader.NextResultAsync(cancellationToken))
                throw new InvalidOperationException("the batch's second statement returned no result");
            var b = await second.Read(reader, cancellationToken);
            return (a, b);
        }
        T1 one;
        await using (var command = Command(connection, first))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            one = await first.Read(reader, cancellationToken);
        await using (var command = Command(connection, second))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            return (one, await second.Read(reader, cancellationToken));
    }

    private static DbCommand Command<T>(DbConnection connection, StoreRead<T> read)
    {
        var command = connection.Command(read.Sql);
        foreach (var (name, value) in read.Parameters)
            command.With(name, value);
        return command;
    }

    private static NpgsqlBatchCommand BatchCommand(string sql, IReadOnlyList<(string Name, object Value)> parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var (name, value) in parameters)
            command.Parameters.AddWithValue(name.TrimStart('@'), value);
        return command;
    }

    /// <summary>The PostgreSQL data source (null on SQLite), for the identity module's EF Core context (ADR 0008).</summary>
    internal NpgsqlDataSource? PostgresDataSource => _postgres;

    /// <summary>The SQLite connection string (null on PostgreSQL), for the identity module's EF Core context; the file is made owner-only first.</summary>
    internal string? SqliteConnectionString
    {
        get
        {
            if (_sqliteConnectionString is not null)
                CreateOwnerOnlyFile();
            return _sqliteConnectionString;
        }
    }

    /// <summary>
    /// A PostgreSQL connection of its own, outside the pool, for <c>LISTEN</c> (<see cref="Changes.PostgresChangeListener"/>):
    /// LISTEN is session state, which the pool must never hand on (it skips the reset, see the constructor). Keepalives
    /// every 10 s make a connection that silently died fail its wait instead of hanging there.
    /// </summary>
    public async Task<NpgsqlConnection> OpenListeningConnectionAsync(CancellationToken cancellationToken = default)
    {
        if (Backend != StorageBackend.PostgreSql)
            throw new InvalidOperationException("only PostgreSQL delivers notifications to other processes");
        var builder = new NpgsqlConnectionStringBuilder(Options.ConnectionString) { Pooling = false, KeepAlive = 10 };
        var connection = new NpgsqlConnection(builder.ConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>The PostgreSQL connection as Npgsql's own type, for binary COPY.</summary>
    internal static NpgsqlConnection AsPostgres(DbConnection connection) => (NpgsqlConnection)connection;

    public ValueTask DisposeAsync()
    {
        if (_postgres is not null)
            return _postgres.DisposeAsync();
        SqliteConnection.ClearAllPools();
        return ValueTask.CompletedTask;
    }
}
