using BenchmarkDotNet.Running;
using OpenNdi.Bench;

// OpenNdi benchmarks. Load-style measurements (throughput against a baseline measured in the same run) are plain
// commands; hot-path micro-benchmarks go through BenchmarkDotNet.
//   seed   --persons N --providers M [--postgres CONNSTR] [--sqlite PATH]   generation + storage rate vs baselines
//   micro  [BenchmarkDotNet arguments]                                        identifier parsing, one person's history
return args.FirstOrDefault() switch
{
    "seed" => await SeedBenchmark.RunAsync(args[1..]),
    "micro" => RunMicro(args[1..]),
    _ => Usage(),
};

static int RunMicro(string[] args)
{
    BenchmarkSwitcher.FromAssembly(typeof(MicroBenchmarks).Assembly).Run(args.Length == 0 ? ["--filter", "*"] : args);
    return 0;
}

static int Usage()
{
    Console.Error.WriteLine("usage: OpenNdi.Bench seed --persons N --providers M [--postgres CONNSTR] [--sqlite PATH] | micro [BenchmarkDotNet args]");
    return 2;
}
