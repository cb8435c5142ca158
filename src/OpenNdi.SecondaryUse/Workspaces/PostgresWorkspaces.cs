using System.Buffers.Text;
using System.Data.Common;
using System.Security.Cryptography;
using Npgsql;
using OpenNdi.Data;
using static OpenNdi.SecondaryUse.Workspaces.PostgresText;

namespace OpenNdi.SecondaryUse.Workspaces;

/// <summary>Where the permit holder connects to a PostgreSQL workspace, and how many sessions the role may hold.</summary>
public sealed record PostgresWorkspacesOptions
{
    /// <summary>The host the permit holder is told to connect to; by default the platform's own (from its connection string).</summary>
    public string? Host { get; init; }

    public int? Port { get; init; }

    public string? Database { get; init; }

    /// <summary>The role's <c>CONNECTION LIMIT</c>: a permit holder's analysis needs a few sessions, never the server's.</summary>
    public int ConnectionLimit { get; init; } = 4;

    /// <summary>How many persons are held in memory before they are copied in (see <see cref="PostgresExtractWriter"/>).</summary>
    internal int PersonBatch { get; init; } = 50_000;
}

/// <summary>
/// The secure processing environment on PostgreSQL (ADR 0011 §6): per permit a schema and a login role of the same
/// name, <c>sdu_ws_&lt;permit&gt;</c>. The schema belongs to the platform's user; the role may use it, create its own
/// tables in it and read the extract, and its <c>search_path</c> is that schema alone. It reaches nothing else
/// because nothing else is granted to it: the platform's schemas grant nothing to PUBLIC, another permit's schema
/// grants only to its own role, and since PostgreSQL 15 nobody but the owner may create in <c>public</c>. What
/// PUBLIC holds by default (CONNECT on databases, USAGE on <c>public</c>, TEMP) is the database administrator's to
/// revoke; the tests show that it gives a workspace role no platform data.
/// </summary>
/// <remarks>
/// The role is created <c>NOLOGIN</c> and becomes <c>LOGIN</c> only when credentials are issued: a role that may log
/// in with no password could log in under <c>trust</c>, <c>peer</c> or <c>ident</c> lines of pg_hba.conf. Likewise
/// PostgreSQL checks <c>VALID UNTIL</c> only when it authenticates by password, so expiry is enforced by
/// <see cref="CloseAsync"/> (run when the permit expires or is revoked) and by refusing credentials after the end;
/// <c>VALID UNTIL</c> is the server's own second line where pg_hba asks for passwords.
/// The platform's user is made a member of each role, so a platform user that is not a superuser can still read
/// the tables the holder made, end the role's sessions and drop what it owns. Needs PostgreSQL 14 or later
/// (<c>pg_terminate_backend</c> with a wait; the platform's own floor is 15).
/// </remarks>
public sealed class PostgresWorkspaces : IWorkspaces
{
    public const string Kind = "postgresql";

    private readonly NdiDatabase _database;
    private readonly TimeProvider _time;
    private readonly PostgresWorkspacesOptions _options;
    private readonly string _host;
    private readonly int _port;
    private readonly string _databaseName;

    public PostgresWorkspaces(NdiDatabase database, TimeProvider timeProvider, PostgresWorkspacesOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(timeProvider);
        if (database.Backend != StorageBackend.PostgreSql)
            throw new ArgumentException("PostgreSQL workspaces need the platform on PostgreSQL", nameof(database));
        _options = options ?? new PostgresWorkspacesOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.ConnectionLimit, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.PersonBatch, 1, nameof(options));
        _database = database;
        _time = timeProvider;
        var platform = new NpgsqlConnectionStringBuilder(database.Options.ConnectionString);
        _host = _options.Host ?? platform.Host ?? "localhost";
        _port = _options.Port ?? platform.Port;
        _databaseName = _options.Database ?? platform.Database ?? platform.Username
            ?? throw new ArgumentException("the platform's connection string names no database", nameof(database));
    }

    public async Task<WorkspaceInfo> OpenAsync(string permit, DateTimeOffset validUntil, CancellationToken cancellationToken)
    {
        var name = WorkspaceNames.Schema(permit);
        var q = Identifier(name);
        var attributes = $"CONNECTION LIMIT {_options.ConnectionLimit} VALID UNTIL {Timestamp(validUntil)}";
        await using var connection = await _database.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // Two opens of one permit at once would both find no role; the second then waits here instead of failing.
        await using (var lockCommand = connection.Command("SELECT pg_advisory_xact_lock(hashtextextended(@n, 18))", transaction).With("@n", name))
            await lockCommand.ExecuteNonQueryAsync(cancellationToken);
        var create = await RoleExistsAsync(connection, transaction, name, cancellationToken)
            ? $"ALTER ROLE {q} {attributes}"
            : $"CREATE ROLE {q} NOLOGIN NOSUPERUSER NOINHERIT NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS {attributes}";
        await ExecuteAsync(connection, transaction, $"""
            {create};
            GRANT {q} TO CURRENT_USER;
            ALTER ROLE {q} SET search_path = {q};
            CREATE SCHEMA IF NOT EXISTS {q} AUTHORIZATION CURRENT_USER;
            REVOKE ALL ON SCHEMA {q} FROM PUBLIC;
            GRANT USAGE, CREATE ON SCHEMA {q} TO {q};
            ALTER DEFAULT PRIVILEGES IN SCHEMA {q} GRANT SELECT ON TABLES TO {q};
            """, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return Info(permit, name, validUntil);
    }

    public async Task<WorkspaceInfo?> FindAsync(string permit, CancellationToken cancellationToken)
    {
        var name = WorkspaceNames.Schema(permit);
        await using var connection = await _database.OpenConnectionAsync(cancellationToken);
        await using var command = connection.Command("""
            SELECT r.rolvaliduntil FROM pg_roles r
            WHERE r.rolname = @n AND EXISTS (SELECT 1 FROM pg_namespace s WHERE s.nspname = @n)
            """).With("@n", name);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
            return null;
        // Open always sets VALID UNTIL; a role without one (set by hand) is shown as never ending, as PostgreSQL treats it.
        var validUntil = reader.IsDBNull(0) ? DateTimeOffset.MaxValue : reader.GetFieldValue<DateTimeOffset>(0);
        return Info(permit, name, validUntil);
    }

    public async Task<IExtractWriter> WriteExtractAsync(string permit, CancellationToken cancellationToken)
    {
        var name = WorkspaceNames.Schema(permit);
        return await PostgresExtractWriter.StartAsync(_database, name, _options.PersonBatch, cancellationToken);
    }

    public async Task<WorkspaceCredentials> IssueCredentialsAsync(string permit, CancellationToken cancellationToken)
    {
        var workspace = await FindAsync(permit, cancellationToken)
            ?? throw new InvalidOperationException($"permit '{permit}' has no workspace");
        if (_time.GetUtcNow() >= workspace.ValidUntil)
            throw new InvalidOperationException($"the workspace of permit '{permit}' was valid until {workspace.ValidUntil:O}");
        // 24 random bytes: 192 bits, 32 characters of base64url, which a literal can hold as it is.
        var password = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(24));
        var secret = ScramSecret(password, RandomNumberGenerator.GetBytes(16));
        await using (var connection = await _database.OpenConnectionAsync(cancellationToken))
            await ExecuteAsync(connection, null, $"ALTER ROLE {Identifier(workspace.Role!)} WITH LOGIN PASSWORD {Literal(secret)}", cancellationToken);
        var connectionString = new NpgsqlConnectionStringBuilder
        {
            Host = _host,
            Port = _port,
            Database = _databaseName,
            Username = workspace.Role,
            Password = password,
        }.ConnectionString;
        return new WorkspaceCredentials(workspace, workspace.Role, password, connectionString);
    }

    public async Task<WorkspaceTable?> ReadTableAsync(string permit, string table, int maxRows, CancellationToken cancellationToken)
    {
        var schema = WorkspaceNames.Schema(permit);
        WorkspaceNames.RequireTableName(table);
        ArgumentOutOfRangeException.ThrowIfNegative(maxRows);
        await using var connection = await _database.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // Transaction-local: nothing is left on the pooled connection, which is not reset (NdiDatabase).
        await ExecuteAsync(connection, transaction, "SET LOCAL lock_timeout = '10s'", cancellationToken);
        var kind = await RelationAsync(connection, transaction, schema, table, cancellationToken);
        if (kind is null)
            return null;
        if (kind.Value.Kind != 'r')
            throw new WorkspaceTableRefusedException(table, "it is not an ordinary table");
        var qualified = Identifier(schema) + "." + Identifier(table);
        // Locked, the table cannot become something else (a view by a rule, row-level security, another column type)
        // between the checks below and the read; SHARE only holds off the holder's writes for that moment.
        await ExecuteAsync(connection, transaction, $"LOCK TABLE ONLY {qualified} IN SHARE MODE", cancellationToken);
        kind = await RelationAsync(connection, transaction, schema, table, cancellationToken);
        if (kind is not { Kind: 'r', RowSecurity: false })
            throw new WorkspaceTableRefusedException(table, "it is not an ordinary table without row-level security");
        var columns = new List<string>();
        await using (var command = connection.Command("""
            SELECT a.attname, t.typnamespace = 'pg_catalog'::regnamespace
            FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
            WHERE a.attrelid = (SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = @s AND c.relname = @t)
              AND a.attnum > 0 AND NOT a.attisdropped
            ORDER BY a.attnum
            """, transaction).With("@s", schema).With("@t", table))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                // A type the holder made can carry a cast to text of its own, which would run as the platform.
                if (!reader.GetBoolean(1))
                    throw new WorkspaceTableRefusedException(table, $"column '{reader.GetString(0)}' has a type that is not built in");
                columns.Add(reader.GetString(0));
            }
        }
        var select = string.Join(", ", columns.Select(c => Identifier(c) + "::text"));
        List<IReadOnlyList<string?>> rows;
        await using (var command = connection.Command($"SELECT {select} FROM ONLY {qualified} LIMIT @n", transaction).With("@n", maxRows))
            rows = await WorkspaceTableRows.ReadAsync(command, columns.Count, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new WorkspaceTable(table, columns, rows);
    }

    public async Task CloseAsync(string permit, CancellationToken cancellationToken)
    {
        var name = WorkspaceNames.Schema(permit);
        var q = Identifier(name);
        await using var connection = await _database.OpenConnectionAsync(cancellationToken);
        var exists = await RoleExistsAsync(connection, null, name, cancellationToken);
        // NOLOGIN is committed before the sessions are ended, so none can start between the two.
        if (exists)
            await ExecuteAsync(connection, null, $"ALTER ROLE {q} NOLOGIN", cancellationToken);
        // The role's sessions in every database of the cluster; each is waited for (up to 5 s), so its locks are gone
        // before the schema is dropped.
        await using (var terminate = connection.Command("SELECT count(pg_terminate_backend(pid, 5000)) FROM pg_stat_activity WHERE usename = @n").With("@n", name))
            await terminate.ExecuteNonQueryAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // CASCADE: the holder's own tables and views in the schema go with it (the schema's owner may drop them).
        await ExecuteAsync(connection, transaction, $"DROP SCHEMA IF EXISTS {q} CASCADE", cancellationToken);
        // DROP OWNED clears what the role still owns or was granted in this database (temporary objects, default
        // privileges). Anything it owns in another database of the cluster makes DROP ROLE fail: that is left to
        // be seen, with the role already unable to log in.
        if (exists)
            await ExecuteAsync(connection, transaction, $"DROP OWNED BY {q}; DROP ROLE IF EXISTS {q}", cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    private WorkspaceInfo Info(string permit, string name, DateTimeOffset validUntil) =>
        new(permit, Kind, name, name, _host, _port, _databaseName, validUntil);

    private static async Task<bool> RoleExistsAsync(DbConnection connection, DbTransaction? transaction, string name, CancellationToken cancellationToken)
    {
        await using var command = connection.Command("SELECT count(*) FROM pg_roles WHERE rolname = @n", transaction).With("@n", name);
        return await command.ScalarLongAsync(cancellationToken) > 0;
    }

    private static async Task<(char Kind, bool RowSecurity)?> RelationAsync(DbConnection connection, DbTransaction transaction, string schema, string table, CancellationToken cancellationToken)
    {
        await using var command = connection.Command("""
            SELECT c.relkind, c.relrowsecurity FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = @s AND c.relname = @t
            """, transaction).With("@s", schema).With("@t", table);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
            return null;
        return (reader.GetChar(0), reader.GetBoolean(1));
    }

    internal static async Task ExecuteAsync(DbConnection connection, DbTransaction? transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.Command(sql, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
