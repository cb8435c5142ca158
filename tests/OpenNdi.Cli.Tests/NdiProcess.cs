using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace OpenNdi.Cli.Tests;

/// <summary>
/// The built <c>ndi</c> program run as a child process (<c>dotnet ndi.dll</c>, copied beside the tests by the project
/// reference), for what an in-process run cannot show: a process killed mid-write, and stdout and exit codes exactly
/// as an operator's script sees them.
/// </summary>
internal sealed class NdiProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Task _stdout;
    private readonly Task<string> _stderr;
    private readonly List<string> _lines = [];

    private NdiProcess(Process process)
    {
        _process = process;
        _stdout = ReadCompleteLinesAsync(process.StandardOutput);
        _stderr = process.StandardError.ReadToEndAsync();
    }

    /// <summary>The whole lines written to stdout so far. A line cut off by a kill (no newline yet) is not among them.</summary>
    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lines)
                return [.. _lines];
        }
    }

    public int LineCount
    {
        get
        {
            lock (_lines)
                return _lines.Count;
        }
    }

    public static NdiProcess Start(params string[] args)
    {
        var start = new ProcessStartInfo(DotnetHost)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(typeof(NdiCommands).Assembly.Location);
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        return new NdiProcess(Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start"));
    }

    /// <summary>Runs ndi to its end; returns its exit code, stdout and stderr.</summary>
    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args)
    {
        await using var ndi = Start(args);
        var (exitCode, error) = await ndi.WaitAsync(TimeSpan.FromMinutes(2));
        return (exitCode, string.Join('\n', ndi.Lines), error);
    }

    /// <summary>Waits for the process to end on its own and for its output to be read.</summary>
    public async Task<(int ExitCode, string Error)> WaitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cancel.Token);
        await _stdout;
        return (_process.ExitCode, await _stderr);
    }

    /// <summary>SIGKILL on Linux: no handler runs, nothing is flushed, as when the machine's power goes.</summary>
    public async Task<string> KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        await _stdout;
        return await _stderr;
    }

    public async Task WaitForLinesAsync(int count, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (LineCount < count)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"ndi exited with {_process.ExitCode} after {LineCount} lines: {await _stderr}");
            if (clock.Elapsed > timeout)
                throw new TimeoutException($"ndi wrote {LineCount} lines in {timeout}, not {count}");
            await Task.Delay(20);
        }
    }

    private async Task ReadCompleteLinesAsync(StreamReader output)
    {
        var buffer = new char[8192];
        var line = new StringBuilder();
        int read;
        while ((read = await output.ReadAsync(buffer)) > 0)
        {
            for (var i = 0; i < read; i++)
            {
                if (buffer[i] != '\n')
                {
                    line.Append(buffer[i]);
                    continue;
                }
                lock (_lines)
                    _lines.Add(line.ToString());
                line.Clear();
            }
        }
        // What follows the last newline was cut off: a prefix of an id could name another record, so it is dropped.
    }

    // The muxer of the runtime the tests run on: <dotnet root>/shared/Microsoft.NETCore.App/<version>/ is three levels down.
    private static string DotnetHost
    {
        get
        {
            var host = Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", "..", OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet"));
            return File.Exists(host) ? host : "dotnet";
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
