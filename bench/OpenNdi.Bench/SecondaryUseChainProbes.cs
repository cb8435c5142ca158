using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using OpenNdi.SecondaryUse.Ports;

namespace OpenNdi.Bench;

/// <summary>What <c>sdu-chain</c> watches while a step runs: the database statements, the memory, and the audit port.</summary>
internal static partial class SecondaryUseChainProbes
{
    /// <summary>One statement shape: how many ran and how long they were open in all.</summary>
    public sealed record StatementTime(string Sql, int Count, double Seconds);

    /// <summary>
    /// Memory while a step ran. <paramref name="PeakWorkingSetBytes"/> is the kernel's high-water mark of the resident
    /// set (VmHWM, <see cref="Process.PeakWorkingSet64"/>) read after the step, reset before it through
    /// /proc/self/clear_refs ("5", Linux 4.0+) when <paramref name="PeakReset"/>; otherwise it is the process's peak
    /// since start. The maxima are sampled every 100 ms: the resident set, the GC heap size and committed bytes as of
    /// the last collection (<see cref="GC.GetGCMemoryInfo()"/>), and the bytes the GC counts as in use now.
    /// </summary>
    public sealed record MemoryFigures(long PeakWorkingSetBytes, bool PeakReset, long MaxWorkingSetSampledBytes, long AllocatedBytes, long MaxHeapSizeBytes,
        long MaxCommittedBytes, long MaxGcTotalMemoryBytes, int Samples);

    /// <summary>Samples memory every 100 ms from <see cref="Start"/> to <see cref="StopAsync"/>, after a full collection so that the step starts clean.</summary>
    public sealed class MemoryProbe : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly bool _peakReset;
        private readonly long _allocated;
        private Task? _sampling;
        private long _workingSet, _heap, _committed, _total;
        private int _samples;

        private MemoryProbe()
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            _peakReset = ResetPeak();
            _allocated = GC.GetTotalAllocatedBytes(true);
        }

        public static MemoryProbe Start()
        {
            var probe = new MemoryProbe();
            probe._sampling = probe.SampleAsync();
            return probe;
        }

        private async Task SampleAsync()
        {
            using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
            try
            {
                do
                    Sample();
                while (await timer.WaitForNextTickAsync(_stop.Token));
            }
            catch (OperationCanceledException)
            {
                // Stopped.
            }
        }

        private void Sample()
        {
            var info = GC.GetGCMemoryInfo();
            _workingSet = Math.Max(_workingSet, Environment.WorkingSet);
            _heap = Math.Max(_heap, info.HeapSizeBytes);
            _committed = Math.Max(_committed, info.TotalCommittedBytes);
            _total = Math.Max(_total, GC.GetTotalMemory(false));
            _samples++;
        }

        public async Task<MemoryFigures> StopAsync()
        {
            await _stop.CancelAsync();
            await _sampling!;
            Sample();
            using var process = Process.GetCurrentProcess();
            return new MemoryFigures(process.PeakWorkingSet64, _peakReset, _workingSet, GC.GetTotalAllocatedBytes(true) - _allocated, _heap, _committed, _total, _samples);
        }

        private static bool ResetPeak()
        {
            try
            {
                File.WriteAllText("/proc/self/clear_refs", "5");
                return true;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return false;
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (!_stop.IsCancellationRequested)
                await StopAsync();
            _stop.Dispose();
        }
    }

    /// <summary>
    /// Every statement the process runs on PostgreSQL while recording, from Npgsql's own tracing (ActivitySource
    /// "Npgsql": one activity per command, from execution until its reader closes, and one per COPY, from its start to
    /// its completion), grouped by the statement's text with the workspace's name masked. The times overlap where a
    /// read streams into a COPY; they show what the report's steps hold, not a partition of the total.
    /// </summary>
    public sealed partial class StatementTimes : IDisposable
    {
        private readonly ActivityListener _listener;
        private ConcurrentDictionary<string, (int Count, double Seconds)> _times = new(StringComparer.Ordinal);
        private volatile bool _recording;

        public StatementTimes()
        {
            _listener = new ActivityListener
            {
                ShouldListenTo = source => source.Name == "Npgsql",
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
                ActivityStopped = Stopped,
            };
            ActivitySource.AddActivityListener(_listener);
        }

        public void Start()
        {
            _times = new(StringComparer.Ordinal);
            _recording = true;
        }

        /// <summary>The statements since <see cref="Start"/>, longest first.</summary>
        public IReadOnlyList<StatementTime> Stop()
        {
            _recording = false;
            return [.. _times.Select(t => new StatementTime(t.Key, t.Value.Count, t.Value.Seconds)).OrderByDescending(t => t.Seconds)];
        }

        private void Stopped(Activity activity)
        {
            if (!_recording)
                return;
            var sql = activity.GetTagItem("db.query.text") as string ?? activity.GetTagItem("db.statement") as string ?? activity.DisplayName;
            var key = Shape(sql);
            _times.AddOrUpdate(key, (1, activity.Duration.TotalSeconds), (_, t) => (t.Count + 1, t.Seconds + activity.Duration.TotalSeconds));
        }

        private static string Shape(string sql)
        {
            var text = Workspace().Replace(Whitespace().Replace(sql, " ").Trim(), "sdu_ws_…");
            return text.Length <= 110 ? text : text[..110] + "…";
        }

        [GeneratedRegex(@"\s+")]
        private static partial Regex Whitespace();

        [GeneratedRegex(@"""?sdu_ws_[a-z0-9_]+""?")]
        private static partial Regex Workspace();

        public void Dispose() => _listener.Dispose();
    }

    /// <summary>
    /// The audit port of the benchmark: counts the steps the body records (<see cref="ISecondaryUseAudit.RecordStepAsync"/>:
    /// one per preparation) instead of writing them to the audit log, where the host writes one record. Requests are
    /// not audited here: none comes over HTTP.
    /// </summary>
    public sealed class CountingAudit : ISecondaryUseAudit
    {
        private int _steps, _failed;

        public int Steps => _steps;

        public int Failed => _failed;

        public void Entity(HttpContext http, string kind, string? reference, string? detail)
        {
        }

        public void Refused(HttpContext http, string why)
        {
        }

        public Task RecordStepAsync(string @event, string permit, string detail, bool failed, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _steps);
            if (failed)
                Interlocked.Increment(ref _failed);
            return Task.CompletedTask;
        }
    }
}
