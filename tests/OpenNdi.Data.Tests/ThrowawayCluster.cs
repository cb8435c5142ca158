using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace OpenNdi.Data.Tests;

/// <summary>
/// A PostgreSQL cluster of its own, from Debian's binaries, the way <c>.ci/run</c> starts its throwaway one: initdb
/// and pg_ctl as the postgres user (initdb refuses root), on a free loopback port, removed on dispose. Without the
/// binaries the test fails and says so; it never skips.
/// </summary>
internal sealed class ThrowawayCluster : IAsyncDisposable
{
    private readonly string _bin;

    private ThrowawayCluster(string bin, string directory, int port)
    {
        _bin = bin;
        Root = directory;
        Port = port;
    }

    public string Root { get; }

    public string DataDirectory => Path.Combine(Root, "data");

    public int Port { get; }

    public string ConnectionString(string database = "postgres") =>
        $"Host=127.0.0.1;Port={Port};Username=postgres;Database={database};Pooling=false;Timeout=10";

    /// <summary>A new primary: initdb's defaults already allow streaming replication on loopback (wal_level replica, replication lines in pg_hba.conf).</summary>
    public static async Task<ThrowawayCluster> StartPrimaryAsync(params string[] settings)
    {
        var cluster = new ThrowawayCluster(BinDirectory(), OwnedDirectory(), FreePort());
        await cluster.RunAsync("initdb", "-D", cluster.DataDirectory, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8");
        await cluster.StartAsync(settings);
        return cluster;
    }

    /// <summary>A hot standby streaming from <paramref name="primary"/>: pg_basebackup -R writes standby.signal and primary_conninfo.</summary>
    public static async Task<ThrowawayCluster> StartStandbyAsync(ThrowawayCluster primary)
    {
        var standby = new ThrowawayCluster(primary._bin, OwnedDirectory(), FreePort());
        await standby.RunAsync("pg_basebackup", "-h", "127.0.0.1", "-p", $"{primary.Port}", "-U", "postgres", "-D", standby.DataDirectory, "-R", "-X", "stream", "-c", "fast");
        await standby.StartAsync();
        return standby;
    }

    private Task StartAsync(params string[] settings) =>
        RunAsync("pg_ctl", "-D", DataDirectory, "-l", Path.Combine(Root, "server.log"), "-w", "-t", "30", "start",
            "-o", string.Join(' ', new[] { $"-p {Port}", $"-k {Root}", "-c listen_addresses=127.0.0.1", "-c fsync=off" }.Concat(settings.Select(s => $"-c {s}"))));

    public async ValueTask DisposeAsync()
    {
        try
        {
            await RunAsync("pg_ctl", "-D", DataDirectory, "-m", "immediate", "stop");
        }
        catch (InvalidOperationException)
        {
            // Not running (a start that failed): nothing to stop; the folder still goes.
        }
        Directory.Delete(Root, recursive: true);
    }

    private static string BinDirectory()
    {
        var found = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).Where(d => File.Exists(Path.Combine(d, "initdb")))
                .OrderBy(d => int.TryParse(Path.GetFileName(Path.GetDirectoryName(d)), out var v) ? v : 0).LastOrDefault()
            : null;
        return found ?? throw new InvalidOperationException("PostgreSQL's server binaries are not installed (/usr/lib/postgresql/*/bin/initdb): apt-get install postgresql, or run 'bash .ci/run', which installs them.");
    }

    /// <summary>A folder the postgres user owns (the server refuses a data directory owned by anyone else).</summary>
    private static string OwnedDirectory()
    {
        var directory = Directory.CreateTempSubdirectory("openndi-cluster-").FullName;
        if (Environment.UserName == "root")
        {
            using var chown = Run("chown", ["postgres:postgres", directory]);
            chown.WaitForExit();
        }
        return directory;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Runs a PostgreSQL program as the postgres user (through runuser when the tests run as root).</summary>
    private async Task RunAsync(string program, params string[] arguments)
    {
        var path = Path.Combine(_bin, program);
        using var process = Environment.UserName == "root" ? Run("runuser", ["-u", "postgres", "--", path, .. arguments]) : Run(path, arguments);
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{program} exited with {process.ExitCode}: {await error}{await output}");
    }

    private static Process Run(string file, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        return Process.Start(start) ?? throw new InvalidOperationException($"could not start {file}");
    }
}
