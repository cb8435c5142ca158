using System.Diagnostics;

namespace OpenNdi.Bench;

/// <summary>
/// The simulated provider EHRs as their own process (<c>ndi simulate</c>, the Release build of src/OpenNdi.Cli) over
/// the bench database, listening on the providers' local ports, answering only the access service's token from the
/// server under test (its issuer is the server's public base URL). With the EHRs here, the server's processor time is
/// the access service's alone, and the two processes do not share one runtime's thread pool and garbage collector.
/// </summary>
internal sealed class SimulatorProcess : IAsyncDisposable
{
    public const string DefaultDll = "src/OpenNdi.Cli/bin/Release/net10.0/ndi.dll";
    private readonly ChildProcess _process;

    private SimulatorProcess(ChildProcess process) => _process = process;

    /// <summary>The first address it listens on (the behaviour routes answer on every one).</summary>
    public Uri Address => _process.Address;

    public static async Task<SimulatorProcess> StartAsync(string dll, string database, Uri issuer, IReadOnlyCollection<int> ports)
    {
        var path = Path.GetFullPath(dll);
        if (!File.Exists(path))
            throw new FileNotFoundException($"CLI not built: run dotnet build -c Release src/OpenNdi.Cli first ({path})");
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = Path.GetDirectoryName(path)!, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in (string[])[path, "simulate", "--database", database, "--urls", string.Join(';', ports.Select(p => $"http://127.0.0.1:{p}")),
            "--issuer", issuer.AbsoluteUri.TrimEnd('/')])
            start.ArgumentList.Add(argument);
        // As the server: no request log lines (they would cost more than the answers).
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        start.Environment["Logging__LogLevel__Microsoft.AspNetCore"] = "Warning";
        return new SimulatorProcess(await ChildProcess.StartAsync(start, "simulate", new Uri($"http://127.0.0.1:{ports.First()}"), "/sim"));
    }

    /// <summary>Total processor time the simulator process has used so far.</summary>
    public TimeSpan CpuTime => _process.CpuTime;

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
