using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;
using OpenNdi.SecondaryUse.Workspaces;

namespace OpenNdi.SecondaryUse.Tests;

/// <summary>The SQLite workspace: a file per permit, the platform's user's alone, gone when the workspace closes.</summary>
[Trait("Category", "Security")]
public sealed class WorkspaceSqliteTests : IDisposable
{
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly string _root = Directory.CreateTempSubdirectory("openndi-sdu-ws-").FullName;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 7, 9, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task Open_MakesAFileOfThePermitsOwn_ReadableByItsOwnerOnly()
    {
        var folder = Path.Combine(_root, "workspaces");
        var workspaces = new SqliteWorkspaces(new SqliteWorkspacesOptions(folder), _time);

        var info = await workspaces.OpenAsync("2026-0001", _time.GetUtcNow().AddDays(90), None);

        Assert.Equal(Path.Combine(folder, "sdu-ws-2026_0001.db"), info.Location);
        Assert.Null(info.Role);
        Assert.True(File.Exists(info.Location));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(info.Location));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(folder));
        }
        var other = await workspaces.OpenAsync("2026-0002", _time.GetUtcNow().AddDays(90), None);
        Assert.NotEqual(info.Location, other.Location);
    }

    [Fact]
    public async Task Credentials_AreTheFilesPath_WithNoUserOrPassword_AndTheExtractIsInIt()
    {
        var workspaces = new SqliteWorkspaces(new SqliteWorkspacesOptions(_root), _time);
        var info = await workspaces.OpenAsync("p1", _time.GetUtcNow().AddDays(1), None);
        await using (var writer = await workspaces.WriteExtractAsync("p1", None))
        {
            await writer.WriteEventAsync(new ExtractEvent("S1", "diagnoses", "C50", "2024", null), None);
            await writer.WritePersonAsync(new ExtractPerson("S1", "1960-1969", "female", "01"), None);
            await writer.CompleteAsync(None);
        }

        var credentials = await workspaces.IssueCredentialsAsync("p1", None);

        Assert.Null(credentials.User);
        Assert.Null(credentials.Password);
        Assert.Equal(info.Location, new SqliteConnectionStringBuilder(credentials.ConnectionString).DataSource);
        await using var holder = await WorkspaceTestBackend.ConnectAsHolderAsync(credentials.ConnectionString, "sqlite");
        Assert.Equal([["S1", "1960-1969", "female", "01"]], await WorkspaceTestBackend.QueryAsync(holder, "SELECT subject, birth, sex, place FROM persons"));
        Assert.Equal([["events_subject"]], await WorkspaceTestBackend.QueryAsync(holder, "SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'events'"));
    }

    [Fact]
    public async Task Close_DeletesTheFile_AndWhatSqliteKeepsBesideIt()
    {
        var workspaces = new SqliteWorkspaces(new SqliteWorkspacesOptions(_root), _time);
        var info = await workspaces.OpenAsync("p1", _time.GetUtcNow().AddDays(1), None);
        // The holder switched the file to WAL and left a session open: -wal and -shm beside it.
        var holder = await WorkspaceTestBackend.ConnectAsHolderAsync($"Data Source={info.Location}", "sqlite");
        await WorkspaceTestBackend.ExecuteAsync(holder, "PRAGMA journal_mode = WAL; CREATE TABLE notes (x TEXT); INSERT INTO notes VALUES ('a')");
        Assert.True(File.Exists(info.Location + "-wal"));
        await holder.DisposeAsync();
        File.WriteAllText(info.Location + "-wal", "left behind");
        File.WriteAllText(info.Location + "-shm", "left behind");

        await workspaces.CloseAsync("p1", None);
        await workspaces.CloseAsync("p1", None);

        Assert.Empty(Directory.GetFiles(_root));
        Assert.Null(await workspaces.FindAsync("p1", None));
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
