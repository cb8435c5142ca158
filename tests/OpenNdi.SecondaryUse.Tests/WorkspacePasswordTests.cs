using Microsoft.Extensions.Time.Testing;
using Npgsql;
using OpenNdi.Data;
using OpenNdi.SecondaryUse.Workspaces;

namespace OpenNdi.SecondaryUse.Tests;

/// <summary>
/// The workspace role's password and VALID UNTIL, on a cluster that asks for SCRAM-SHA-256 passwords over TCP
/// (<see cref="WorkspaceCluster"/>): what the trust-only test server cannot show.
/// </summary>
[Trait("Category", "Security")]
public sealed class WorkspacePasswordTests(WorkspaceCluster cluster) : IClassFixture<WorkspaceCluster>
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task Login_NeedsTheIssuedPassword_AndIsRefusedPastValidUntil_AndAfterClose()
    {
        var time = new FakeTimeProvider(TimeProvider.System.GetUtcNow());
        await using var platform = new NdiDatabase(new StorageOptions(StorageBackend.PostgreSql, cluster.PlatformConnectionString));
        var workspaces = new PostgresWorkspaces(platform, time, new PostgresWorkspacesOptions { Host = "127.0.0.1", Port = cluster.Port });
        var permit = WorkspaceTestBackend.NewPermit();
        var info = await workspaces.OpenAsync(permit, time.GetUtcNow().AddHours(1), None);
        Assert.Equal(("127.0.0.1", cluster.Port, "postgres"), (info.Host, info.Port, info.Database));
        try
        {
            var guess = new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = cluster.Port, Database = "postgres", Username = info.Role, Password = "guess" }.ConnectionString;
            await AssertRefusedAsync(guess);

            var credentials = await workspaces.IssueCredentialsAsync(permit, None);
            // The SCRAM secret was built here, not by the server: logging in shows the server accepts it.
            await AssertLogsInAsync(credentials.ConnectionString, info.Role!);
            await AssertRefusedAsync(new NpgsqlConnectionStringBuilder(credentials.ConnectionString) { Password = credentials.Password + "x" }.ConnectionString);

            // Issued again: the old password no longer works.
            var reissued = await workspaces.IssueCredentialsAsync(permit, None);
            Assert.NotEqual(credentials.Password, reissued.Password);
            await AssertRefusedAsync(credentials.ConnectionString);
            await AssertLogsInAsync(reissued.ConnectionString, info.Role!);

            // The permit's end moved into the past (a reopen sets VALID UNTIL): the right password is refused by the
            // server itself, and allowed again once the end is moved back.
            await workspaces.OpenAsync(permit, time.GetUtcNow().AddMinutes(-1), None);
            await AssertRefusedAsync(reissued.ConnectionString);
            await workspaces.OpenAsync(permit, time.GetUtcNow().AddHours(1), None);
            await AssertLogsInAsync(reissued.ConnectionString, info.Role!);

            await workspaces.CloseAsync(permit, None);
            await AssertRefusedAsync(reissued.ConnectionString);
        }
        finally
        {
            await workspaces.CloseAsync(permit, None);
        }
    }

    [Fact]
    public async Task ScramSecret_IsTheOnePostgreSqlItselfStoresForThePassword()
    {
        await using var connection = new NpgsqlConnection(cluster.PlatformConnectionString);
        await connection.OpenAsync();
        var role = "scram_probe_" + Guid.NewGuid().ToString("N");
        const string Password = "Zm9v-YmFy_0123456789abcdefABCDEF";
        await using (var create = new NpgsqlCommand($"SET password_encryption = 'scram-sha-256'; CREATE ROLE {role} PASSWORD '{Password}'", connection))
            await create.ExecuteNonQueryAsync();
        await using var read = new NpgsqlCommand($"SELECT rolpassword FROM pg_authid WHERE rolname = '{role}'", connection);
        var stored = (string)(await read.ExecuteScalarAsync())!;

        // SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>, with the server's own random salt.
        var parts = stored.Split('$', ':');
        var secret = PostgresText.ScramSecret(Password, Convert.FromBase64String(parts[2]), int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture));

        Assert.Equal(stored, secret);
    }

    private static async Task AssertLogsInAsync(string connectionString, string role)
    {
        await using var connection = await WorkspaceTestBackend.ConnectAsHolderAsync(connectionString, "postgres");
        Assert.Equal([[role]], await WorkspaceTestBackend.QueryAsync(connection, "SELECT current_user"));
    }

    /// <summary>28P01 for every refusal: under password authentication the server does not say why (no password, wrong one, expired, no such role).</summary>
    private static async Task AssertRefusedAsync(string connectionString)
    {
        var refused = await Assert.ThrowsAsync<PostgresException>(() => WorkspaceTestBackend.ConnectAsHolderAsync(connectionString, "postgres"));
        Assert.Equal(PostgresErrorCodes.InvalidPassword, refused.SqlState);
    }
}
