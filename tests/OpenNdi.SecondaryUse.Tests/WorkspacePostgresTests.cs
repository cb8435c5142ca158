using System.Data.Common;
using Npgsql;
using OpenNdi.SecondaryUse.Workspaces;

namespace OpenNdi.SecondaryUse.Tests;

/// <summary>
/// The PostgreSQL workspace's isolation, as the permit holder meets it: logged in as the permit's role, against a
/// database that holds the platform's real schemas (all migrations applied).
/// </summary>
/// <remarks>
/// The test server (here and in <c>.ci/run</c>) authenticates every connection by <c>trust</c>: passwords are not
/// checked, and neither is VALID UNTIL, which PostgreSQL checks only in password authentication. What these tests
/// show holds under any pg_hba.conf: privileges (SQLSTATE 42501), and a role that may not log in
/// (<c>NOLOGIN</c>, or dropped: 28000). <see cref="WorkspacePasswordTests"/> shows the password and VALID UNTIL on a
/// cluster of its own that asks for SCRAM passwords.
/// </remarks>
[Trait("Category", "Security")]
public sealed class WorkspacePostgresTests
{
    private const string InsufficientPrivilege = "42501";
    private const string InvalidAuthorization = "28000";
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task Holder_ReadsTheExtract_AndCreatesTablesInItsOwnSchemaOnly()
    {
        await using var test = await WorkspaceTestBackend.CreateAsync("postgres");
        var (permit, info) = await test.OpenAsync();
        await WriteOnePersonAsync(test, permit, "P1");
        var credentials = await test.Workspaces.IssueCredentialsAsync(permit, None);
        Assert.Equal(info.Role, credentials.User);
        Assert.Matches("^[A-Za-z0-9_-]{32}$", credentials.Password!);

        await using var holder = await WorkspaceTestBackend.ConnectAsHolderAsync(credentials.ConnectionString, "postgres");

        Assert.Equal([[info.Role]], await WorkspaceTestBackend.QueryAsync(holder, "SELECT current_user"));
        Assert.Equal([["{" + info.Location + "}"]], await WorkspaceTestBackend.QueryAsync(holder, "SELECT current_schemas(false)::text"));
        Assert.Equal([["P1"]], await WorkspaceTestBackend.QueryAsync(holder, "SELECT subject FROM persons"));
        await WorkspaceTestBackend.ExecuteAsync(holder, "CREATE TABLE counts AS SELECT count(*) AS n FROM events");
        Assert.Equal([[info.Location]], await WorkspaceTestBackend.QueryAsync(holder, "SELECT schemaname FROM pg_tables WHERE tablename = 'counts'"));
        // The extract is the platform's: the holder reads it and cannot change it.
        await AssertDeniedAsync(holder, "DELETE FROM persons");
        await AssertDeniedAsync(holder, "DROP TABLE events", "42501");
        // Since PostgreSQL 15 only public's owner may create in it (on 14 and older the administrator revokes that).
        await AssertDeniedAsync(holder, "CREATE TABLE public.escape (x int)");
        await AssertDeniedAsync(holder, $"CREATE SCHEMA {info.Location}_more");

        var roles = await test.QueryAsPlatformAsync($"""
            SELECT rolcanlogin, rolsuper, rolinherit, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls, rolconnlimit, array_to_string(rolconfig, ',')
            FROM pg_roles WHERE rolname = '{info.Role}'
            """);
        Assert.Equal([["True", "False", "False", "False", "False", "False", "False", "4", "search_path=" + info.Location]], roles);
    }

    [Fact]
    public async Task Holder_CannotReadAnotherPermitsWorkspace()
    {
        await using var test = await WorkspaceTestBackend.CreateAsync("postgres");
        var (mine, _) = await test.OpenAsync();
        var (other, otherInfo) = await test.OpenAsync();
        await WriteOnePersonAsync(test, mine, "mine");
        await WriteOnePersonAsync(test, other, "theirs");
        var credentials = await test.Workspaces.IssueCredentialsAsync(mine, None);
        await test.Workspaces.IssueCredentialsAsync(other, None);

        await using var holder = await WorkspaceTestBackend.ConnectAsHolderAsync(credentials.ConnectionString, "postgres");

        await AssertDeniedAsync(holder, $"SELECT * FROM {otherInfo.Location}.persons");
        await AssertDeniedAsync(holder, $"SELECT * FROM {otherInfo.Location}.events");
        await AssertDeniedAsync(holder, $"CREATE TABLE {otherInfo.Location}.planted (x int)");
        await AssertDeniedAsync(holder, $"SET ROLE {otherInfo.Role}");
    }

    [Fact]
    public async Task Holder_CannotReadThePlatformsTables()
    {
        await using var test = await WorkspaceTestBackend.CreateAsync("postgres");
        var (permit, _) = await test.OpenAsync();
        var credentials = await test.Workspaces.IssueCredentialsAsync(permit, None);
        await using var holder = await WorkspaceTestBackend.ConnectAsHolderAsync(credentials.ConnectionString, "postgres");

        // The platform's schemas grant nothing to PUBLIC; the migrations' own table is in public, where PUBLIC may
        // look up names but has no SELECT on it.
        foreach (var table in new[] { "population.persons", "pdi.entries", "consent.consents", "audit.events", "patientdata.observations", "identity.keys", "directory.endpoints", "public.ndi_schema_migrations" })
            await AssertDeniedAsync(holder, $"SELECT count(*) FROM {table}");
        // Unqualified, nothing outside its schema is even found.
        var notFound = await Assert.ThrowsAsync<PostgresException>(() => WorkspaceTestBackend.QueryAsync(holder, "SELECT count(*) FROM ndi_schema_migrations"));
        Assert.Equal(PostgresErrorCodes.UndefinedTable, notFound.SqlState);
    }

    [Fact]
    public async Task Login_BeforeCredentials_IsRefused_AndAfterClose_IsRefused_AndTheSessionAndSchemaAreGone()
    {
        await using var test = await WorkspaceTestBackend.CreateAsync("postgres");
        var (permit, info) = await test.OpenAsync();
        var noPassword = new NpgsqlConnectionStringBuilder(test.Platform.Options.ConnectionString) { Username = info.Role, Password = null }.ConnectionString;

        // NOLOGIN until credentials are issued: refused even where pg_hba.conf would let it in without a password.
        var before = await Assert.ThrowsAsync<PostgresException>(() => WorkspaceTestBackend.ConnectAsHolderAsync(noPassword, "postgres"));
        Assert.Equal(InvalidAuthorization, before.SqlState);

        var credentials = await test.Workspaces.IssueCredentialsAsync(permit, None);
        await using var session = await WorkspaceTestBackend.ConnectAsHolderAsync(credentials.ConnectionString, "postgres");
        Assert.Equal([["1"]], await WorkspaceTestBackend.QueryAsync(session, "SELECT 1"));

        await test.Workspaces.CloseAsync(permit, None);

        // The open session was ended, the role is gone (28000 under trust; 28P01 where passwords are asked, which
        // does not tell whether the role exists), and so is the schema.
        await Assert.ThrowsAnyAsync<NpgsqlException>(() => WorkspaceTestBackend.QueryAsync(session, "SELECT 1"));
        var after = await Assert.ThrowsAsync<PostgresException>(() => WorkspaceTestBackend.ConnectAsHolderAsync(credentials.ConnectionString, "postgres"));
        Assert.Contains(after.SqlState, new[] { InvalidAuthorization, PostgresErrorCodes.InvalidPassword });
        Assert.Empty(await test.QueryAsPlatformAsync($"SELECT 1 FROM pg_namespace WHERE nspname = '{info.Location}' UNION ALL SELECT 1 FROM pg_roles WHERE rolname = '{info.Role}'"));
    }

    [Fact]
    public async Task Open_WithAnEndInThePast_GivesARoleThatNeverLogsIn()
    {
        await using var test = await WorkspaceTestBackend.CreateAsync("postgres");
        var (permit, info) = await test.OpenAsync(TimeSpan.FromMinutes(-1));

        var role = await test.QueryAsPlatformAsync($"SELECT rolcanlogin, rolvaliduntil < now() FROM pg_roles WHERE rolname = '{info.Role}'");
        Assert.Equal([["False", "True"]], role);
        // No credentials past the end, so the role stays NOLOGIN: refused whatever pg_hba.conf asks for.
        await Assert.ThrowsAsync<InvalidOperationException>(() => test.Workspaces.IssueCredentialsAsync(permit, None));
        var login = new NpgsqlConnectionStringBuilder(test.Platform.Options.ConnectionString) { Username = info.Role }.ConnectionString;
        var refused = await Assert.ThrowsAsync<PostgresException>(() => WorkspaceTestBackend.ConnectAsHolderAsync(login, "postgres"));
        Assert.Equal(InvalidAuthorization, refused.SqlState);
    }

    [Fact]
    public async Task ReadTable_RefusesWhatCouldRunTheHoldersCode()
    {
        await using var test = await WorkspaceTestBackend.CreateAsync("postgres");
        var (permit, _) = await test.OpenAsync();
        var credentials = await test.Workspaces.IssueCredentialsAsync(permit, None);
        await using (var holder = await WorkspaceTestBackend.ConnectAsHolderAsync(credentials.ConnectionString, "postgres"))
        {
            await WorkspaceTestBackend.ExecuteAsync(holder, """
                CREATE DOMAIN small AS integer CHECK (VALUE < 10);
                CREATE TABLE typed (n small);
                CREATE TABLE guarded (n integer);
                ALTER TABLE guarded ENABLE ROW LEVEL SECURITY;
                CREATE FUNCTION probe() RETURNS boolean LANGUAGE sql AS 'SELECT true';
                CREATE POLICY everyone ON guarded USING (probe());
                CREATE VIEW shown AS SELECT probe() AS p;
                CREATE MATERIALIZED VIEW kept AS SELECT 1 AS n;
                CREATE SEQUENCE numbers;
                """);
        }

        foreach (var table in new[] { "typed", "guarded", "shown", "kept", "numbers" })
            await Assert.ThrowsAsync<WorkspaceTableRefusedException>(() => test.Workspaces.ReadTableAsync(permit, table, 10, None));
    }

    private static async Task WriteOnePersonAsync(WorkspaceTestBackend test, string permit, string subject)
    {
        await using var writer = await test.Workspaces.WriteExtractAsync(permit, None);
        await writer.WritePersonAsync(new ExtractPerson(subject, null, null, null), None);
        await writer.WriteEventAsync(new ExtractEvent(subject, "diagnoses", "J45", "2025", null), None);
        await writer.CompleteAsync(None);
    }

    private static async Task AssertDeniedAsync(DbConnection holder, string sql, string sqlState = InsufficientPrivilege)
    {
        var denied = await Assert.ThrowsAsync<PostgresException>(() => WorkspaceTestBackend.QueryAsync(holder, sql));
        Assert.True(denied.SqlState == sqlState, $"{sql}: {denied.SqlState} {denied.MessageText}");
    }
}
