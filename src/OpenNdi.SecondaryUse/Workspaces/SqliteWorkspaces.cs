using System.Globalization;
using Microsoft.Data.Sqlite;
using OpenNdi.Data;

namespace OpenNdi.SecondaryUse.Workspaces;

/// <summary>Where the SQLite workspaces are kept.</summary>
/// <param name="Folder">A folder of the workspace files alone (made 0700 on Unix when missing).</param>
public sealed record SqliteWorkspacesOptions(string Folder);

/// <summary>
/// The secure processing environment on SQLite (ADR 0011 §6): per permit a file of its own,
/// <c>&lt;folder&gt;/sdu-ws-&lt;permit&gt;.db</c>, with the same <c>persons</c> and <c>events</c> tables as on PostgreSQL.
/// A file has no login: access to the file is the boundary. It is made readable and writable by the platform's
/// user only (0600 on Unix, like the platform's own database), and the "credentials" are its path; how a permit
/// holder reaches that file (a workstation or VM of the processing environment) is the deployment's to arrange.
/// </summary>
/// <remarks>
/// The validity is kept in the file, in table <c>sdu_workspace</c>, since there is no role to carry it. The holder
/// can change it there, which gains nothing: credentials are refused after the end, and expiry deletes the file.
/// </remarks>
public sealed class SqliteWorkspaces : IWorkspaces
{
    public const string Kind = "sqlite";

    private readonly string _folder;
    private readonly TimeProvider _time;

    public SqliteWorkspaces(SqliteWorkspacesOptions options, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Folder, nameof(options));
        ArgumentNullException.ThrowIfNull(timeProvider);
        _folder = Path.GetFullPath(options.Folder);
        _time = timeProvider;
    }

    public async Task<WorkspaceInfo> OpenAsync(string permit, DateTimeOffset validUntil, CancellationToken cancellationToken)
    {
        var path = PathOf(permit);
        CreateOwnerOnly(path);
        await using var connection = await OpenFileAsync(path, SqliteOpenMode.ReadWrite, cancellationToken);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        await ExecuteAsync(connection, transaction, "CREATE TABLE IF NOT EXISTS sdu_workspace (permit TEXT NOT NULL, valid_until TEXT NOT NULL); DELETE FROM sdu_workspace", cancellationToken);
        await using (var insert = connection.Command("INSERT INTO sdu_workspace (permit, valid_until) VALUES (@p, @v)", transaction)
            .With("@p", permit).With("@v", validUntil.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture)))
            await insert.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return Info(permit, path, validUntil);
    }

    public async Task<WorkspaceInfo?> FindAsync(string permit, CancellationToken cancellationToken)
    {
        var path = PathOf(permit);
        if (!File.Exists(path))
            return null;
        await using var connection = await OpenFileAsync(path, SqliteOpenMode.ReadOnly, cancellationToken);
        DateTimeOffset validUntil;
        try
        {
            await using var command = connection.Command("SELECT valid_until FROM sdu_workspace LIMIT 1");
            var value = await command.ExecuteScalarAsync(cancellationToken) as string;
            validUntil = DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var parsed) ? parsed : DateTimeOffset.MinValue;
        }
        catch (SqliteException)
        {
            // The holder dropped the table (or the file is not a database): the workspace counts as ended.
            validUntil = DateTimeOffset.MinValue;
        }
        return Info(permit, path, validUntil);
    }

    public async Task<IExtractWriter> WriteExtractAsync(string permit, CancellationToken cancellationToken)
    {
        var path = PathOf(permit);
        if (!File.Exists(path))
            throw new InvalidOperationException($"permit '{permit}' has no workspace");
        return await SqliteExtractWriter.StartAsync(await OpenFileAsync(path, SqliteOpenMode.ReadWrite, cancellationToken), cancellationToken);
    }

    /// <summary>The file's path as the connection string: there is no user or password (see the class).</summary>
    public async Task<WorkspaceCredentials> IssueCredentialsAsync(string permit, CancellationToken cancellationToken)
    {
        var workspace = await FindAsync(permit, cancellationToken)
            ?? throw new InvalidOperationException($"permit '{permit}' has no workspace");
        if (_time.GetUtcNow() >= workspace.ValidUntil)
            throw new InvalidOperationException($"the workspace of permit '{permit}' was valid until {workspace.ValidUntil:O}");
        return new WorkspaceCredentials(workspace, null, null, new SqliteConnectionStringBuilder { DataSource = workspace.Location }.ToString());
    }

    public async Task<WorkspaceTable?> ReadTableAsync(string permit, string table, int maxRows, CancellationToken cancellationToken)
    {
        var path = PathOf(permit);
        WorkspaceNames.RequireTableName(table);
        ArgumentOutOfRangeException.ThrowIfNegative(maxRows);
        if (!File.Exists(path))
            return null;
        await using var connection = await OpenFileAsync(path, SqliteOpenMode.ReadOnly, cancellationToken);
        await using (var kind = connection.Command("SELECT type FROM sqlite_schema WHERE name = @t COLLATE NOCASE").With("@t", table))
        {
            switch (await kind.ExecuteScalarAsync(cancellationToken) as string)
            {
                case null:
                    return null;
                case not "table":
                    // A view can hide a recursive query of any cost; an ordinary table is what the holder submits.
                    throw new WorkspaceTableRefusedException(table, "it is not an ordinary table");
            }
        }
        var columns = new List<string>();
        await using (var info = connection.Command("SELECT name FROM pragma_table_info(@t)").With("@t", table))
        await using (var reader = await info.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
                columns.Add(reader.GetString(0));
        }
        var select = columns.Count == 0 ? "NULL" : string.Join(", ", columns.Select(c => $"CAST({Identifier(c)} AS TEXT)"));
        List<IReadOnlyList<string?>> rows;
        await using (var command = connection.Command($"SELECT {select} FROM {Identifier(table)} LIMIT @n").With("@n", maxRows))
            rows = await WorkspaceTableRows.ReadAsync(command, columns.Count, cancellationToken);
        return new WorkspaceTable(table, columns, rows);
    }

    /// <summary>Deletes the file and SQLite's companions of it (rollback journal, WAL and shared memory), whichever exist.</summary>
    public Task CloseAsync(string permit, CancellationToken cancellationToken)
    {
        var path = PathOf(permit);
        foreach (var file in new[] { path, path + "-journal", path + "-wal", path + "-shm" })
            File.Delete(file);
        return Task.CompletedTask;
    }

    private string PathOf(string permit) => Path.Combine(_folder, WorkspaceNames.FileName(permit));

    private WorkspaceInfo Info(string permit, string path, DateTimeOffset validUntil) =>
        new(permit, Kind, path, null, null, null, null, validUntil);

    /// <summary>
    /// The file, made readable by its owner only (0600, the folder 0700) before SQLite first opens it, as
    /// <see cref="NdiDatabase"/> makes its own: SQLite would create it with the process umask, commonly 0644.
    /// </summary>
    private void CreateOwnerOnly(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(_folder);
            return;
        }
        Directory.CreateDirectory(_folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        PrivateFiles.CreateEmptyOnce(path);
    }

    /// <summary>
    /// A connection of its own, not pooled, so that closing the workspace leaves no handle on the file. The file is
    /// the holder's to change, so its schema is not trusted: no functions or virtual tables it names run from views,
    /// triggers or indexes (<c>trusted_schema</c>).
    /// </summary>
    private static async Task<SqliteConnection> OpenFileAsync(string path, SqliteOpenMode mode, CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = mode, Pooling = false, DefaultTimeout = 30 }.ToString());
        try
        {
            await connection.OpenAsync(cancellationToken);
            await ExecuteAsync(connection, null, "PRAGMA trusted_schema = OFF; PRAGMA busy_timeout = 30000", cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    private static string Identifier(string name) => "\"" + name.Replace("\"", "\"\"") + "\"";

    internal static async Task ExecuteAsync(SqliteConnection connection, SqliteTransaction? transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.Command(sql, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
