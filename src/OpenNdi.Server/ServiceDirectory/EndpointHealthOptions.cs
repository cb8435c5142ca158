namespace OpenNdi.Server.ServiceDirectory;

/// <summary>Settings of section <c>Directory:HealthCheck</c>: how often and how patiently endpoints are probed.</summary>
public sealed class EndpointHealthOptions
{
    /// <summary>Seconds between probe rounds; 0 turns the background probing off (probes can still be run on demand).</summary>
    public int IntervalSeconds { get; set; } = 60;

    /// <summary>How long one probe waits for the CapabilityStatement before the endpoint counts as down.</summary>
    public int TimeoutMilliseconds { get; set; } = 5_000;

    /// <summary>
    /// An answer slower than this counts as degraded: a clinician's fan-out waits for the slowest provider, so a
    /// system that answers at all but slowly is worth an operator's attention before it turns into timeouts.
    /// </summary>
    public int DegradedAfterMilliseconds { get; set; } = 2_000;

    /// <summary>Why the settings cannot work; empty when they can.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (IntervalSeconds < 0)
            problems.Add("Directory:HealthCheck:IntervalSeconds must be 0 (off) or more");
        if (TimeoutMilliseconds is < 1 or > 120_000)
            problems.Add("Directory:HealthCheck:TimeoutMilliseconds must be between 1 and 120000");
        if (DegradedAfterMilliseconds < 0)
            problems.Add("Directory:HealthCheck:DegradedAfterMilliseconds must be 0 or more");
        return problems;
    }
}
