namespace OpenNdi.Synthetic.Simulator;

/// <summary>
/// The simulator's random draws (which request times out, fails or answers wrongly, and each latency), from one
/// seeded generator so that a run with the same seed and the same request order draws the same faults: a test that
/// sets rates sees reproducible outcomes, never those of the unseeded shared generator.
/// </summary>
public sealed class SimulatorDraws(int seed)
{
    /// <summary>The seed unless <c>Simulator:RandomSeed</c> says otherwise.</summary>
    public const int DefaultSeed = 1;

    private readonly Random _random = new(seed);
    private readonly Lock _gate = new();

    /// <summary>A draw in [0, 1) for choosing the request's fault.</summary>
    public double NextFault()
    {
        lock (_gate)
            return _random.NextDouble();
    }

    /// <summary>A latency draw from <paramref name="behaviour"/>'s distribution.</summary>
    public TimeSpan NextLatency(ProviderBehaviour behaviour)
    {
        lock (_gate)
            return behaviour.SampleLatency(_random);
    }
}
