namespace OpenNdi.Synthetic.Simulator;

/// <summary>A period during which a simulated provider system is down (answers 503).</summary>
public sealed record DowntimeWindow(DateTimeOffset From, DateTimeOffset To);

/// <summary>
/// How a simulated provider's EHR behaves on the wire, so that the national services can be tested against slow
/// and failing systems. Latency is log-normal, given by its median and 95th percentile (equal values give a
/// fixed latency); a share of requests fail with 500; a share hang for <see cref="TimeoutMs"/> and then answer 504
/// (a caller with a shorter deadline sees a timeout); while <see cref="Down"/> or inside a downtime window every
/// request gets 503. Two faults answer 200 with something a careful caller must not trust: a share of answers are
/// not FHIR at all (<see cref="InvalidRate"/>, a body cut off mid-JSON), and a share are about another patient
/// (<see cref="WrongPatientRate"/>: the EHR answers for a different patient it holds, as a mixed-up record would).
/// </summary>
public sealed record ProviderBehaviour(
    double LatencyMedianMs = 0,
    double LatencyP95Ms = 0,
    double ErrorRate = 0,
    double TimeoutRate = 0,
    int TimeoutMs = 30_000,
    bool Down = false,
    IReadOnlyList<DowntimeWindow>? Downtime = null,
    double InvalidRate = 0,
    double WrongPatientRate = 0)
{
    /// <summary>What seeded providers start with: a modest, realistic spread of latency and nothing failing.</summary>
    public static ProviderBehaviour Default { get; } = new(LatencyMedianMs: 20, LatencyP95Ms: 60);

    /// <summary>Problems with the settings, each naming the field; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (LatencyMedianMs is < 0 or > 600_000)
            problems.Add("latencyMedianMs must be between 0 and 600000");
        if (LatencyP95Ms < LatencyMedianMs || LatencyP95Ms > 600_000)
            problems.Add("latencyP95Ms must be at least latencyMedianMs and at most 600000");
        if (ErrorRate is < 0 or > 1 || double.IsNaN(ErrorRate))
            problems.Add("errorRate must be between 0 and 1");
        if (TimeoutRate is < 0 or > 1 || double.IsNaN(TimeoutRate))
            problems.Add("timeoutRate must be between 0 and 1");
        if (InvalidRate is < 0 or > 1 || double.IsNaN(InvalidRate))
            problems.Add("invalidRate must be between 0 and 1");
        if (WrongPatientRate is < 0 or > 1 || double.IsNaN(WrongPatientRate))
            problems.Add("wrongPatientRate must be between 0 and 1");
        if (ErrorRate + TimeoutRate + InvalidRate + WrongPatientRate > 1)
            problems.Add("errorRate + timeoutRate + invalidRate + wrongPatientRate must be at most 1");
        if (TimeoutMs is < 0 or > 600_000)
            problems.Add("timeoutMs must be between 0 and 600000");
        foreach (var window in Downtime ?? [])
        {
            if (window.To <= window.From)
                problems.Add($"downtime window {window.From:O}–{window.To:O} must end after it starts");
        }
        return problems;
    }

    public bool IsDownAt(DateTimeOffset now) => Down || (Downtime?.Any(w => w.From <= now && now < w.To) ?? false);

    /// <summary>A latency draw: log-normal with the configured median and 95th percentile.</summary>
    public TimeSpan SampleLatency(Random random)
    {
        if (LatencyMedianMs <= 0)
            return TimeSpan.Zero;
        if (LatencyP95Ms <= LatencyMedianMs)
            return TimeSpan.FromMilliseconds(LatencyMedianMs);
        // For a log-normal, p95 = median · e^(1.645 σ).
        var sigma = Math.Log(LatencyP95Ms / LatencyMedianMs) / 1.6448536;
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        var z = Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
        return TimeSpan.FromMilliseconds(Math.Min(600_000, LatencyMedianMs * Math.Exp(sigma * z)));
    }
}
