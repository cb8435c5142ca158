namespace OpenNdi.Synthetic;

/// <summary>
/// A small, fast, seedable generator (SplitMix64) whose output is fixed by its seed on every platform and .NET
/// version, which <see cref="Random"/> does not promise. Each person gets its own stream derived from the
/// population seed and the person's index, so persons can be generated in any order or in parallel and still
/// come out byte-identical.
/// </summary>
public sealed class DeterministicRandom(ulong seed)
{
    private ulong _state = seed;

    /// <summary>A stream for one purpose of one entity: <paramref name="seed"/> mixed with up to three keys.</summary>
    public static DeterministicRandom For(ulong seed, ulong a, ulong b = 0, ulong c = 0) => new(Hash(seed, a, b, c));

    /// <summary>A well-mixed 64-bit hash of the inputs (SplitMix64 finaliser applied in sequence).</summary>
    public static ulong Hash(ulong seed, ulong a, ulong b = 0, ulong c = 0)
    {
        var h = Mix(seed ^ 0x9E3779B97F4A7C15UL);
        h = Mix(h ^ a);
        h = Mix(h ^ (b + 0x632BE59BD9B4E019UL));
        return Mix(h ^ (c + 0x8CB92BA72F3D8DD7UL));
    }

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    public ulong NextUInt64()
    {
        _state += 0x9E3779B97F4A7C15UL;
        return Mix(_state);
    }

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform integer in [0, maxExclusive).</summary>
    public int Next(int maxExclusive)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxExclusive);
        return (int)((NextUInt64() >> 1) % (ulong)maxExclusive);
    }

    /// <summary>Uniform integer in [min, maxExclusive).</summary>
    public int Next(int min, int maxExclusive) => min + Next(maxExclusive - min);

    public long NextLong(long maxExclusive) => (long)((NextUInt64() >> 1) % (ulong)maxExclusive);

    public bool Chance(double probability) => NextDouble() < probability;

    public T Pick<T>(IReadOnlyList<T> items) => items[Next(items.Count)];

    /// <summary>Standard normal deviate (Box–Muller).</summary>
    public double NextGaussian()
    {
        var u1 = 1.0 - NextDouble();
        var u2 = NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    /// <summary>Poisson-distributed count with the given mean (Knuth for small means, normal approximation above 30).</summary>
    public int Poisson(double mean)
    {
        if (mean <= 0)
            return 0;
        if (mean > 30)
            return Math.Max(0, (int)Math.Round(mean + Math.Sqrt(mean) * NextGaussian()));
        var limit = Math.Exp(-mean);
        var product = NextDouble();
        var count = 0;
        while (product > limit)
        {
            count++;
            product *= NextDouble();
        }
        return count;
    }
}
