using System.Diagnostics;

namespace OpenNdi.Bench;

/// <summary>Throughput and latency of one measured step.</summary>
internal sealed record Measurement(string Step, int Concurrency, long Operations, long Failures, double Seconds, double P50Ms, double P95Ms, double P99Ms, double MaxMs, string LoadBefore, string LoadAfter)
{
    public double PerSecond => Operations / Seconds;

    public override string ToString() =>
        $"{Step}: {PerSecond:N0}/s ({Operations:N0} in {Seconds:N1} s, {Failures} failed), p50 {P50Ms:N2} ms, p95 {P95Ms:N2} ms, p99 {P99Ms:N2} ms, max {MaxMs:N1} ms";

    /// <summary>How result files are written: indented, and an unbounded percentile (failures) as "Infinity".</summary>
    public static readonly System.Text.Json.JsonSerializerOptions ResultsJson = new()
    {
        WriteIndented = true,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>The 1-, 5- and 15-minute load averages, to spot runs disturbed by other work on the machine.</summary>
    public static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "";

    /// <summary>
    /// The step's figures: the rate counts the operations that succeeded; the percentiles count every operation, failed
    /// ones too (issue 16), each at the time it took to fail (<paramref name="failedLatenciesMs"/>), and a failure with
    /// no time of its own (an open loop's arrival that could not start, a failure reported only as a count) as unbounded
    /// (∞), so failures can only push the percentiles up, never out of sight.
    /// </summary>
    public static Measurement FromLatencies(string step, int concurrency, List<double> latenciesMs, long failures, double seconds, string loadBefore,
        IReadOnlyCollection<double>? failedLatenciesMs = null)
    {
        var all = new List<double>(latenciesMs.Count + (int)Math.Min(failures, int.MaxValue / 2));
        all.AddRange(latenciesMs);
        all.AddRange(failedLatenciesMs ?? []);
        for (var unmeasured = failures - (failedLatenciesMs?.Count ?? 0); unmeasured > 0; unmeasured--)
            all.Add(double.PositiveInfinity);
        all.Sort();
        double At(double q) => all.Count == 0 ? 0 : all[Math.Min(all.Count - 1, (int)Math.Ceiling(q * all.Count) - 1)];
        return new Measurement(step, concurrency, latenciesMs.Count, failures, seconds, At(0.50), At(0.95), At(0.99), all.Count == 0 ? 0 : all[^1], loadBefore, LoadAverage());
    }
}

/// <summary>
/// A closed-loop load: <c>concurrency</c> workers each run one operation after another, first for a warm-up whose
/// results are dropped, then for the measured time, recording each operation's latency. An operation returns false
/// (or throws) to count as failed. <c>phase</c>, when given, is called with true as the measured time starts and with
/// false as it ends (to sample processor time over exactly that window). <c>endEarly</c>, when cancelled (by an
/// operation that finds no more work, before it returns), closes the measured window at once: the rate is over the time
/// actually measured.
/// </summary>
internal static class LoadDriver
{
    public static async Task<Measurement> RunAsync(string step, int concurrency, TimeSpan warmup, TimeSpan duration, Func<int, Func<Task<bool>>> worker, Action<bool>? phase = null, CancellationToken endEarly = default)
    {
        var measuring = 0;
        var stop = 0;
        var failures = 0L;
        var closedAt = 0L;
        var ended = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var registration = endEarly.Register(() =>
        {
            Volatile.Write(ref measuring, 0);
            Interlocked.CompareExchange(ref closedAt, Stopwatch.GetTimestamp(), 0);
            ended.TrySetResult();
        });
        var latencies = new List<double>[concurrency];
        var failedLatencies = new List<double>[concurrency];
        var operations = Enumerable.Range(0, concurrency).Select(worker).ToArray();
        var tasks = Enumerable.Range(0, concurrency).Select(w => Task.Run(async () =>
        {
            var mine = latencies[w] = new List<double>(1 << 16);
            var mineFailed = failedLatencies[w] = [];
            var operation = operations[w];
            while (Volatile.Read(ref stop) == 0 && !endEarly.IsCancellationRequested)
            {
                var started = Stopwatch.GetTimestamp();
                bool ok;
                try
                {
                    ok = await operation();
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    ok = false;
                    if (Interlocked.Read(ref failures) < 3)
                        Console.WriteLine($"  {step}: {e.GetType().Name}: {e.Message}");
                }
                if (Volatile.Read(ref measuring) == 0)
                    continue;
                if (ok)
                    mine.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                else
                {
                    mineFailed.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                    Interlocked.Increment(ref failures);
                }
            }
        })).ToList();

        await Task.WhenAny(Task.Delay(warmup), ended.Task);
        var load = Measurement.LoadAverage();
        phase?.Invoke(true);
        var start = Stopwatch.GetTimestamp();
        if (!endEarly.IsCancellationRequested)
            Volatile.Write(ref measuring, 1);
        await Task.WhenAny(Task.Delay(duration), ended.Task);
        Volatile.Write(ref measuring, 0);
        Interlocked.CompareExchange(ref closedAt, Stopwatch.GetTimestamp(), 0);
        var seconds = Math.Max(0, closedAt - start) / (double)Stopwatch.Frequency;
        phase?.Invoke(false);
        Volatile.Write(ref stop, 1);
        await Task.WhenAll(tasks);
        var result = Measurement.FromLatencies(step, concurrency, [.. latencies.SelectMany(l => l)], failures, seconds, load, [.. failedLatencies.SelectMany(l => l)]);
        Console.WriteLine(result);
        return result;
    }
}

/// <summary>
/// An open-loop load: operations start at a fixed rate, each at its scheduled time whether or not earlier ones have
/// finished, so a slow server meets the same arrivals a real one would (no coordinated omission). Each latency runs
/// from the scheduled start, not the actual one: time spent queued behind a stall counts. An operation that fails,
/// throws, or cannot start because <c>maxInFlight</c> are already running counts as a failure. Operation <c>k</c> gets
/// its sequence number, so it can pick its input deterministically.
/// </summary>
internal static class OpenLoopDriver
{
    /// <param name="phase">Called with true when the measured window opens (the first measured arrival) and false when its last operation ended.</param>
    public static async Task<Measurement> RunAsync(string step, double ratePerSecond, TimeSpan warmup, TimeSpan duration, int maxInFlight, Func<long, Task<bool>> operation,
        Action<bool>? phase = null) =>
        (await RunMarkedAsync(step, ratePerSecond, warmup, duration, maxInFlight, async k => await operation(k) ? Stopwatch.GetTimestamp() : 0, null, phase)).Complete;

    /// <summary>
    /// As <see cref="RunAsync"/>, for an operation that also marks a moment of its own (its <see cref="Stopwatch"/>
    /// timestamp, or 0 when it failed), such as the first byte of an answer it then reads to the end: two latencies per
    /// operation from the same scheduled start, to the mark and to completion. With <paramref name="mark"/> null only
    /// the completion is printed.
    /// </summary>
    public static async Task<(Measurement Complete, Measurement Marked)> RunMarkedAsync(string step, double ratePerSecond, TimeSpan warmup, TimeSpan duration, int maxInFlight,
        Func<long, Task<long>> operation, string? mark, Action<bool>? phase = null)
    {
        var failures = 0L;
        var inFlight = 0;
        var latencies = new List<double>(1 << 16);
        var marked = new List<double>(1 << 16);
        var failedLatencies = new List<double>();
        var running = new List<Task>(1 << 16);
        var interval = Stopwatch.Frequency / ratePerSecond;
        var start = Stopwatch.GetTimestamp();
        var warmupEnd = start + (long)(warmup.TotalSeconds * Stopwatch.Frequency);
        var end = warmupEnd + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var load = "";
        for (long k = 0; ; k++)
        {
            var scheduled = start + (long)(k * interval);
            if (scheduled >= end)
                break;
            var wait = scheduled - Stopwatch.GetTimestamp();
            if (wait > Stopwatch.Frequency / 1000)
                await Task.Delay(TimeSpan.FromTicks(wait * TimeSpan.TicksPerSecond / Stopwatch.Frequency));
            var measured = scheduled >= warmupEnd;
            if (measured && load.Length == 0)
            {
                load = Measurement.LoadAverage();
                phase?.Invoke(true);
            }
            if (Interlocked.Increment(ref inFlight) > maxInFlight)
            {
                Interlocked.Decrement(ref inFlight);
                if (measured)
                    Interlocked.Increment(ref failures);
                continue;
            }
            var sequence = k;
            running.Add(Task.Run(async () =>
            {
                long at;
                try
                {
                    at = await operation(sequence);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    at = 0;
                    if (Interlocked.Read(ref failures) < 3)
                        Console.WriteLine($"  {step}: {e.GetType().Name}: {e.Message}");
                }
                var now = Stopwatch.GetTimestamp();
                Interlocked.Decrement(ref inFlight);
                if (!measured)
                    return;
                if (at == 0)
                {
                    Interlocked.Increment(ref failures);
                    lock (latencies)
                        failedLatencies.Add((now - scheduled) * 1000.0 / Stopwatch.Frequency);
                    return;
                }
                lock (latencies)
                {
                    latencies.Add((now - scheduled) * 1000.0 / Stopwatch.Frequency);
                    marked.Add((at - scheduled) * 1000.0 / Stopwatch.Frequency);
                }
            }));
        }
        await Task.WhenAll(running);
        if (load.Length > 0)
            phase?.Invoke(false);
        var name = $"{step} (open loop, {ratePerSecond:N0}/s offered)";
        var complete = Measurement.FromLatencies(name, maxInFlight, latencies, failures, duration.TotalSeconds, load, failedLatencies);
        var atMark = Measurement.FromLatencies($"{name}, to {mark ?? "completion"}", maxInFlight, marked, failures, duration.TotalSeconds, load, failedLatencies);
        Console.WriteLine(complete);
        if (mark is not null)
            Console.WriteLine(atMark);
        return (complete, atMark);
    }
}

/// <summary>
/// A server process's CPU time over a load step's measured window only: <see cref="Phase"/> goes to the driver, which
/// calls it when the window opens and closes, so warm-up and drain are left out.
/// </summary>
internal sealed class CpuWindow(BenchServer server)
{
    private TimeSpan _start, _end;

    public void Phase(bool opening)
    {
        if (opening)
            _start = server.CpuTime;
        else
            _end = server.CpuTime;
    }

    /// <summary>CPU milliseconds per operation of the window (0 when nothing ran).</summary>
    public double PerOperationMs(long operations) => operations <= 0 || _end <= _start ? 0 : (_end - _start).TotalMilliseconds / operations;
}
