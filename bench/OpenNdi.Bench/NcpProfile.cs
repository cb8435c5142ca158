using System.Diagnostics;
using OpenNdi.ContactPoint.Demo;
using OpenNdi.ContactPoint.Domain;
using OpenNdi.ContactPoint.Terminology;
using OpenNdi.ContactPoint.Trust;
using OpenNdi.Core.Index;
using OpenNdi.Data;
using OpenNdi.Fhir;
using static OpenNdi.Server.Tests.ProviderAnswerPipeline;

namespace OpenNdi.Bench;

/// <summary>
/// The second part of <c>ncp-roundtrip</c>: what the contact point's own code costs per request, in one process,
/// single-threaded, without HTTP, after as many iterations to warm up: the peer's TLS certificate judged against the
/// trust list (<see cref="PeerAuthentication.IdentifyPeer"/>) and its assertion validated
/// (<see cref="CrossBorderAssertionValidator.ValidateAsync"/>), both once per request, three times a round trip; and
/// for the document, what the retrieval does beyond the national summary: the code mapping to the eHDSI catalogue
/// (<see cref="CrossBorderSummary.ForPeer"/>, i.e. <see cref="DocumentCodeMapper.Map"/>) and the write (Firely's
/// serialisation, <c>FhirResults.Resource</c>) in place of the national write from the providers' bytes
/// (<see cref="BundleJson"/>). The document is the one the access service assembles from the fixture's provider
/// answers (<see cref="SummaryStages"/>' answers, through <see cref="OpenNdi.Server.Tests.ProviderAnswerPipeline"/>).
/// </summary>
internal static class NcpProfile
{
    public static async Task<object> RunAsync(string databasePath, int providers, DemoEuCertificates eu, string audience, int iterations)
    {
        using var trust = PeerTrustList.Load(DemoEuTrust.Options(eu, audience, new Uri("https://de.example/ncp/fhir"), new Uri("https://fr.example/ncp/fhir")));
        var peers = new PeerAuthentication(trust, TimeProvider.System);
        var validator = new CrossBorderAssertionValidator(trust, TimeProvider.System);
        var germany = trust.Find(DemoEuTrust.GermanyId)!;
        var assertion = CrossBorderAssertion.Issue(new CrossBorderAssertionContent(DemoEuTrust.GermanyId, audience, "de-arzt-4711", "Dr. Anna Schmidt", "221", "Medical doctors",
            "Klinikum Lübeck", "urn:oid:1.2.276.0.76.4.8", CrossBorderPurpose.Treatment, "urn:oid:1.2.276.0.76.3.1.91", $"{Patient.IdentifierSystem}|{Patient.Value}",
            TimeSpan.FromMinutes(60)), eu.GermanySigning, TimeProvider.System);
        var folder = FindUpwards(Path.Combine("shared", "fhir-examples", "terminology-ehdsi"))
            ?? throw new DirectoryNotFoundException("shared/fhir-examples/terminology-ehdsi (the eHDSI catalogue the demo maps against) not found above the working directory");
        var summaries = new CrossBorderSummary(new DocumentCodeMapper(new MasterValueSetCatalogue(folder), DisplayTranslations.Default));

        var peerCheck = Time(iterations, () =>
        {
            if (peers.IdentifyPeer(eu.Germany).Value is null)
                throw new InvalidOperationException("the German certificate was not recognised");
        });
        var assertionCheck = TimeSynchronously(iterations, async () =>
        {
            if ((await validator.ValidateAsync(assertion, germany)).Value is null)
                throw new InvalidOperationException("the assertion was refused");
        });
        var issue = Time(iterations, () => CrossBorderAssertion.Issue(new CrossBorderAssertionContent(DemoEuTrust.GermanyId, audience, "de-arzt-4711", "Dr. Anna Schmidt", "221",
            "Medical doctors", "Klinikum Lübeck", null, CrossBorderPurpose.Treatment, "urn:oid:1.2.276.0.76.3.1.91", "a|b", TimeSpan.FromMinutes(5)), eu.GermanySigning, TimeProvider.System));

        await using var database = new NdiDatabase(StorageOptions.Sqlite(databasePath));
        var answers = await SummaryStages.AnswersAsync(database, providers);
        var ticks = new long[4];
        var cpuNs = new long[4];
        var (walked, mapped, unmapped, nationalBytes, crossBytes) = (0, 0, 0, 0, 0);
        for (var i = 0; i < 2 * iterations; i++)
        {
            var measured = i >= iterations;
            var (at, cpuAt) = (Stopwatch.GetTimestamp(), ThreadCpu.Now());
            void Lap(int stage)
            {
                var (now, cpuNow) = (Stopwatch.GetTimestamp(), ThreadCpu.Now());
                if (measured)
                    (ticks[stage], cpuNs[stage]) = (ticks[stage] + now - at, cpuNs[stage] + cpuNow - cpuAt);
                (at, cpuAt) = (now, cpuNow);
            }
            var lookup = Lookup(Settings());
            var (document, _) = Summary(Gather(lookup, [.. answers.Select(a => Answer(a.Json, a.System, a.LocalId, lookup, DataCategory.PatientSummary))]));
            Lap(0);
            nationalBytes = BundleJson.SerializeToUtf8(document).Length;
            Lap(1);
            var (converted, report) = summaries.ForPeer(document, germany, "de-DE");
            Lap(2);
            crossBytes = FhirJson.SerializeToUtf8(converted).Length;
            Lap(3);
            (walked, mapped, unmapped) = (report.Walked, report.Mapped, report.Unmapped.Count);
        }
        double Ms(long t) => t * 1000.0 / Stopwatch.Frequency / iterations;
        double Cpu(int stage) => cpuNs[stage] / 1e6 / iterations;
        string Both(int stage) => $"{Ms(ticks[stage]):N3} / {Cpu(stage):N3}";
        Console.WriteLine();
        Console.WriteLine($"The contact point's own work, one thread, no HTTP, mean of {iterations} after {iterations} to warm up (load {Measurement.LoadAverage()}):");
        Console.WriteLine("| step | wall / CPU ms | CPU ms per round trip |");
        Console.WriteLine("|---|---:|---:|");
        Console.WriteLine($"| peer certificate judged (`PeerAuthentication.IdentifyPeer`) | {peerCheck.WallMs:N3} / {peerCheck.CpuMs:N3} | × 3 = {3 * peerCheck.CpuMs:N3} |");
        Console.WriteLine($"| assertion validated (`CrossBorderAssertionValidator.ValidateAsync`) | {assertionCheck.WallMs:N3} / {assertionCheck.CpuMs:N3} | × 3 = {3 * assertionCheck.CpuMs:N3} |");
        Console.WriteLine($"| (the peer's side: an assertion made, `CrossBorderAssertion.Issue`) | {issue.WallMs:N3} / {issue.CpuMs:N3} | |");
        Console.WriteLine($"| national summary assembled from {answers.Count} answers (read, screen, merge, assemble; both paths) | {Both(0)} | |");
        Console.WriteLine($"| national write (`BundleJson`, providers' bytes), {nationalBytes / 1024.0:N1} KiB | {Both(1)} | (national only) |");
        Console.WriteLine($"| code mapping (`CrossBorderSummary.ForPeer` → `DocumentCodeMapper.Map`): {walked} codings, {mapped} in the MVC, {unmapped} unmapped | {Both(2)} | × 1 |");
        Console.WriteLine($"| cross-border write (`FhirJson.SerializeToUtf8`), {crossBytes / 1024.0:N1} KiB | {Both(3)} | × 1 |");
        return new
        {
            iterations, answers = answers.Count, peerCertificate = peerCheck, assertionValidation = assertionCheck, assertionIssue = issue,
            nationalAssemblyMs = Ms(ticks[0]), nationalWriteMs = Ms(ticks[1]), codeMappingMs = Ms(ticks[2]), crossBorderWriteMs = Ms(ticks[3]),
            nationalAssemblyCpuMs = Cpu(0), nationalWriteCpuMs = Cpu(1), codeMappingCpuMs = Cpu(2), crossBorderWriteCpuMs = Cpu(3),
            codings = walked, mappedCodings = mapped, unmappedCodings = unmapped, nationalKiB = nationalBytes / 1024.0, crossBorderKiB = crossBytes / 1024.0,
        };
    }

    /// <summary>Wall and processor time per call (the processor time this thread used: the machine is shared, and waiting for a core is not the code's cost).</summary>
    private static (double WallMs, double CpuMs) Time(int iterations, Action action)
    {
        for (var i = 0; i < iterations; i++)
            action();
        var (watch, cpu) = (Stopwatch.StartNew(), ThreadCpu.Now());
        for (var i = 0; i < iterations; i++)
            action();
        return (watch.Elapsed.TotalMilliseconds / iterations, (ThreadCpu.Now() - cpu) / 1e6 / iterations);
    }

    /// <summary>As <see cref="Time"/>; the validation completes without waiting, on this thread (checked: the thread's clock would miss work elsewhere).</summary>
    private static (double WallMs, double CpuMs) TimeSynchronously(int iterations, Func<Task> action) => Time(iterations, () =>
    {
        var task = action();
        if (!task.IsCompleted)
            throw new InvalidOperationException("expected to complete synchronously");
        task.GetAwaiter().GetResult();
    });

    private static string? FindUpwards(string relative)
    {
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            if (Directory.Exists(Path.Combine(dir.FullName, relative)))
                return Path.Combine(dir.FullName, relative);
        }
        return null;
    }
}

/// <summary>This thread's processor time (Linux <c>CLOCK_THREAD_CPUTIME_ID</c>), in nanoseconds.</summary>
internal static partial class ThreadCpu
{
    private const int ThreadCpuTimeClock = 3;

    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out TimeSpec time);

    public static long Now() => ClockGetTime(ThreadCpuTimeClock, out var time) == 0 ? time.Seconds * 1_000_000_000 + time.Nanoseconds : 0;
}
