using System.Diagnostics;

namespace OpenNdi.Bench;

/// <summary>
/// A process the bench starts and measures (the server, the simulated EHRs): its output echoed with a label, its
/// processor time, started only once it answers a readiness path, killed with its children when disposed.
/// </summary>
internal sealed class ChildProcess : IAsyncDisposable
{
    private readonly Process _process;

    private ChildProcess(Process process, Uri address)
    {
        _process = process;
        Address = address;
    }

    public Uri Address { get; }

    public int ProcessId => _process.Id;

    /// <summary>Total processor time the process has used so far.</summary>
    public TimeSpan CpuTime
    {
        get
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }
    }

    /// <summary>Starts <paramref name="start"/> (output redirected) and waits, up to a minute, until <paramref name="readyPath"/> answers with success.</summary>
    public static async Task<ChildProcess> StartAsync(ProcessStartInfo start, string label, Uri address, string readyPath)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start the {label}");
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) Console.WriteLine($"  [{label}] {e.Data}"); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.WriteLine($"  [{label}] {e.Data}"); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var child = new ChildProcess(process, address);
        using var probe = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(2) };
        for (var attempt = 0; attempt < 120; attempt++)
        {
            if (process.HasExited)
                throw new InvalidOperationException($"the {label} exited with code {process.ExitCode}");
            try
            {
                using var response = await probe.GetAsync(readyPath);
                if (response.IsSuccessStatusCode)
                    return child;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // not listening yet, or too busy starting to answer within the probe's timeout
            }
            await Task.Delay(500);
        }
        await child.DisposeAsync();
        throw new TimeoutException($"the {label} did not answer {readyPath} within a minute");
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
