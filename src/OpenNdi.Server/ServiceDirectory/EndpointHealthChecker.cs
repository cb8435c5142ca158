using System.Diagnostics;
using Hl7.Fhir.Model;
using OpenNdi.Core.ServiceDirectory;
using OpenNdi.Data.ServiceDirectory;
using OpenNdi.Fhir;
using Task = System.Threading.Tasks.Task;

namespace OpenNdi.Server.ServiceDirectory;

/// <summary>
/// Probes every active directory endpoint with <c>GET {address}/metadata</c> (FHIR R4 capabilities interaction,
/// which every FHIR server must answer) and records what it found: up, degraded (slow, or not a
/// CapabilityStatement) or down (an HTTP error, refused, or no answer within the deadline). The background
/// <see cref="EndpointHealthService"/> calls <see cref="CheckAllAsync"/> on a timer; tests call it directly.
/// </summary>
internal sealed class EndpointHealthChecker(
    IDirectoryStore directory,
    IEndpointHealthStore health,
    IHttpClientFactory clients,
    EndpointHealthOptions options,
    TimeProvider time,
    ILogger<EndpointHealthChecker> logger)
{
    /// <summary>The named HttpClient probes use (tests route it to the in-memory server).</summary>
    public const string HttpClientName = "directory-health";

    // Enough to probe a few hundred endpoints well inside one interval, few enough not to look like an attack.
    private const int Parallelism = 8;

    /// <summary>Probes every active endpoint, a few at a time, and records each result; returns them by endpoint id.</summary>
    public async Task<IReadOnlyList<EndpointHealth>> CheckAllAsync(CancellationToken cancellationToken = default)
    {
        var active = (await directory.ListAsync(null, cancellationToken)).Where(e => e.Status == EndpointStatus.Active).ToList();
        var results = new EndpointHealth[active.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, active.Count), new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken },
            async (i, token) =>
            {
                results[i] = await CheckAsync(active[i], token);
                await health.RecordAsync(results[i], token);
            });
        logger.LogInformation("Endpoint health: {Up} up, {Degraded} degraded, {Down} down of {Count} active endpoints",
            results.Count(r => r.Outcome == EndpointHealthOutcome.Up), results.Count(r => r.Outcome == EndpointHealthOutcome.Degraded),
            results.Count(r => r.Outcome == EndpointHealthOutcome.Down), results.Length);
        return results;
    }

    /// <summary>Probes one endpoint; never throws for what the endpoint does, only when <paramref name="cancellationToken"/> is cancelled.</summary>
    public async Task<EndpointHealth> CheckAsync(DirectoryEndpoint endpoint, CancellationToken cancellationToken = default)
    {
        var checkedAt = time.GetUtcNow();
        var started = time.GetTimestamp();
        int Elapsed() => (int)time.GetElapsedTime(started).TotalMilliseconds;
        EndpointHealth Result(EndpointHealthOutcome outcome, int? status, string? reason) => new(endpoint.Id, checkedAt, outcome, status, Elapsed(), reason);

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(options.TimeoutMilliseconds);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(endpoint.Address.AbsoluteUri.TrimEnd('/') + "/metadata"));
            request.Headers.Accept.ParseAdd("application/fhir+json");
            using var response = await clients.CreateClient(HttpClientName).SendAsync(request, deadline.Token);
            var body = await response.Content.ReadAsStringAsync(deadline.Token);
            var status = (int)response.StatusCode;
            if (!response.IsSuccessStatusCode)
                return Result(EndpointHealthOutcome.Down, status, $"answered HTTP {status} {response.ReasonPhrase}");
            if (FhirJson.TryParse(body, out _) is not CapabilityStatement)
                return Result(EndpointHealthOutcome.Degraded, status, "answered, but not with a FHIR CapabilityStatement");
            var latency = Elapsed();
            return latency > options.DegradedAfterMilliseconds
                ? Result(EndpointHealthOutcome.Degraded, status, $"slow: answered in {latency} ms (degraded above {options.DegradedAfterMilliseconds} ms)")
                : Result(EndpointHealthOutcome.Up, status, null);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return Result(EndpointHealthOutcome.Down, null, $"timeout: no answer within {options.TimeoutMilliseconds} ms");
        }
        catch (HttpRequestException ex)
        {
            return Result(EndpointHealthOutcome.Down, null, $"unreachable ({ex.HttpRequestError}): {ex.Message}");
        }
    }
}

/// <summary>Runs <see cref="EndpointHealthChecker.CheckAllAsync"/> every <see cref="EndpointHealthOptions.IntervalSeconds"/>, once the host has started.</summary>
internal sealed class EndpointHealthService(
    EndpointHealthChecker checker,
    EndpointHealthOptions options,
    IHostApplicationLifetime lifetime,
    TimeProvider time,
    ILogger<EndpointHealthService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.IntervalSeconds <= 0)
        {
            logger.LogInformation("Endpoint health checks are off (Directory:HealthCheck:IntervalSeconds = 0)");
            return;
        }
        // Wait until start-up is done, so that the first round sees the endpoints the demo seed registers.
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
            await started.Task.WaitAsync(stoppingToken);

        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.IntervalSeconds), time);
        do
        {
            try
            {
                await checker.CheckAllAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // A failing round (e.g. the database briefly away) must not end the checks for good.
                logger.LogError(ex, "Endpoint health round failed (trace {TraceId})", Activity.Current?.TraceId.ToString());
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
