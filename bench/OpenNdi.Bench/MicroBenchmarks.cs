using BenchmarkDotNet.Attributes;
using OpenNdi.Core.Identifiers;
using OpenNdi.Synthetic;

namespace OpenNdi.Bench;

/// <summary>Hot paths of the foundation: parsing identity numbers at the edge, and generating one person with history.</summary>
[MemoryDiagnoser]
public class MicroBenchmarks
{
    private readonly PopulationGenerator _generator = new(new SeedOptions(100_000, 20, 1, SeedOptions.DefaultReferenceDate));
    private long _next;

    [Benchmark]
    public PersonalIdentityNumber ParsePersonnummer12() => PersonalIdentityNumber.Parse("19121212-1212", new DateOnly(2026, 11, 1));

    [Benchmark]
    public PersonalIdentityNumber ParsePersonnummer10() => PersonalIdentityNumber.Parse("121212-1212", new DateOnly(2026, 11, 1));

    [Benchmark]
    public int GenerateOnePersonWithHistory() => _generator.GenerateBatch(_next++ % 100_000, 1).Resources.Count;
}
