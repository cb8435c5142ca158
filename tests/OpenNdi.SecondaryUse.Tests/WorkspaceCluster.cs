using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace OpenNdi.SecondaryUse.Tests;

/// <summary>
/// A PostgreSQL cluster of its own that asks for passwords: SCRAM-SHA-256 on loopback TCP, trust on its Unix socket
/// (which the platform, as the superuser, uses). The test server and CI's trust every connection, which shows neither
/// a password nor VALID UNTIL at work. Started as OpenNdi.Data.Tests' throwaway cluster is: initdb and pg_ctl as the
/// postgres user (initdb refuses root); without the binaries the tests fail and say so, they never skip.
/// </summary>
public sealed class WorkspaceCluster : IAsyncLifetime
{
    private string _bin = "";

    public string Root { get; private set; } = "";

    public int Port { get; private set; }

    private string DataDirectory => Path.Combine(Root, "data");

    /// <summary>The platform's connection: the superuser over the socket (trust).</summary>
    public string PlatformConnectionString => $"Host={Root};Port={Port};Username=postgres;Database=postgres;Pooling=false;Timeout=10";

    public async ValueTask InitializeAsync()
    {
        _bin = BinDirectory();
        Root = Directory.CreateTempSubdirectory("openndi-sdu-cluster-").FullName;
        if (Environment.UserName == "root")
            await RunAsync("chown", "postgres:postgres", Root);
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        await RunPostgresAsync("initdb", "-D", DataDirectory, "-U", "postgres", "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8");
        await RunPostgresAsync("pg_ctl", "-D", DataDirectory, "-l", Path.Combine(Root, "server.log"), "-w", "-t", "30", "start",
            "-o", $"-p {Port} -k {Root} -c listen_addresses=127.0.0.1 -c fsync=off");
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await RunPostgresAsync("pg_ctl", "-D", DataDirectory, "-m", "immediate", "stop");
        }
        catch (InvalidOperationException)
        {
            // Not running (a start that failed): nothing to stop; the folder still goes.
        }
        if (Root.Length > 0)
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

    /// <summary>A PostgreSQL program as the postgres user (through runuser when the tests run as root).</summary>
    private Task RunPostgresAsync(string program, params string[] arguments)
    {
        var path = Path.Combine(_bin, program);
        return Environment.UserName == "root" ? RunAsync("runuser", ["-u", "postgres", "--", path, .. arguments]) : RunAsync(path, arguments);
    }

    private static async Task RunAsync(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {file}");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{Path.GetFileName(file)} exited with {process.ExitCode}: {await error}{await output}");
    }
}
