using System.Diagnostics;

namespace OpenNdi.Replica.Tests;

/// <summary>
/// One replica: the Release build of src/OpenNdi.Server run as its own process (<c>dotnet OpenNdi.Server.dll</c>) on a
/// local port, with the settings the cluster gives it. Its output is kept (the last lines) to explain a failure.
/// </summary>
public sealed class ServerNode : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Queue<string> _output = new();

    private ServerNode(string name, Process process, Uri address)
    {
        Name = name;
        _process = process;
        Address = address;
    }

    public string Name { get; }

    /// <summary>The node's own address, bypassing the proxy.</summary>
    public Uri Address { get; }

    public bool HasExited => _process.HasExited;

    /// <summary>The last lines the node wrote, for failure messages.</summary>
    public string RecentOutput
    {
        get
        {
            lock (_output)
                return string.Join('\n', _output);
        }
    }

    public static ServerNode Start(string name, int port, IReadOnlyDictionary<string, string> environment, string? dll = null)
    {
        dll ??= Repository.Built("src/OpenNdi.Server", "OpenNdi.Server.dll");
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = Path.GetDirectoryName(dll)!, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(dll);
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add($"http://127.0.0.1:{port}");
        foreach (var (key, value) in environment)
            start.Environment[key] = value;
        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        var node = new ServerNode(name, process, new Uri($"http://127.0.0.1:{port}"));
        process.OutputDataReceived += (_, e) => node.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => node.Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return node;
    }

    /// <summary>Waits until <c>/health</c> answers 200 (migrations, demo seed and the change listener done), or fails at the deadline.</summary>
    public async Task WaitReadyAsync(TimeSpan deadline)
    {
        using var probe = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(2) };
        var until = Stopwatch.StartNew();
        while (until.Elapsed < deadline)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"node {Name} exited with code {_process.ExitCode}:\n{RecentOutput}");
            try
            {
                using var response = await probe.GetAsync("/health");
                if (response.IsSuccessStatusCode)
                    return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // not listening yet
            }
            await Task.Delay(TimeSpan.FromMilliseconds(200)); // the polling interval of a deadline-bound wait, not a synchronisation guess
        }
        throw new TimeoutException($"node {Name} was not ready within {deadline.TotalSeconds:N0} s:\n{RecentOutput}");
    }

    /// <summary>Ends the process at once, as a crash or an OOM kill would: no graceful shutdown, nothing flushed.</summary>
    public async Task KillAsync()
    {
        if (_process.HasExited)
            return;
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    private void Keep(string? line)
    {
        if (line is null)
            return;
        lock (_output)
        {
            _output.Enqueue(line);
            while (_output.Count > 60)
                _output.Dequeue();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }
}

/// <summary>Where the repository and the built programs are, from the test's own output folder.</summary>
internal static class Repository
{
    public static string Root
    {
        get
        {
            var directory = new DirectoryInfo(AppContext.BaseDirectory);
            while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "OpenNdi.slnx")))
                directory = directory.Parent;
            return directory?.FullName ?? throw new InvalidOperationException("the repository root (OpenNdi.slnx) is not above the test binaries");
        }
    }

    /// <summary>A program built in the same configuration as these tests (Release in CI).</summary>
    public static string Built(string project, string file)
    {
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Debug" : "Release";
        var path = Path.Combine(Root, project, "bin", configuration, "net10.0", file);
        return File.Exists(path) ? path : throw new FileNotFoundException($"{project} is not built ({path}): dotnet build OpenNdi.slnx -c {configuration}");
    }

    public static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
