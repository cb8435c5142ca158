using BenchmarkDotNet.Running;
using OpenNdi.Bench;

// OpenNdi benchmarks. Load-style measurements (throughput against a baseline measured in the same run) are plain
// commands; hot-path micro-benchmarks go through BenchmarkDotNet.
//   seed   --persons N --providers M [--postgres CONNSTR] [--sqlite PATH]   generation + storage rate vs baselines
//   micro  [BenchmarkDotNet arguments]                                        identifier parsing, one person's history
//   index-load   --patients N --entries-per-patient M --postgres CONNSTR       the patient data index at scale (issue 4)
//   index-lookup --postgres CONNSTR [--concurrency 16] [--seconds 30]          HTTP lookup vs raw SQL (Npgsql, pgbench)
//   index-bulk   --postgres CONNSTR [--entries 200000]                         NDJSON bulk publish vs raw binary COPY
//   audit-append --postgres CONNSTR [--producers 16,64,256] [--seconds 30]     AuditWriter (chain, group commit) vs raw COPY
//   audit-patient-view --postgres CONNSTR --records N [--concurrency 1,16]    a patient's last 100 accesses vs raw SQL
//   summary [--latency 50] [--providers 1,10,50] [--extra LxN,…] [--simulators in-process]   Patient/$summary across providers vs a raw fan-out (SQLite; EHRs in their own process)
//   replicas --postgres CONNSTR [--concurrency 16] [--rate 200] [--failover-runs 5]  1 vs 2 replicas behind YARP; failover time
//   partition-ab --postgres CONNSTR [--rounds 4] [--seconds 5]                 unpartitioned vs partitioned layout, same data, alternating slices (issue 14)
//   table-sizes --postgres CONNSTR [--persons 20000]                          measured bytes per row of every table (docs/scale-out.md)
//   summary-stages [--data DB] [--providers 10] [--iterations 300] [--parsers]  the summary's processor time by stage, without HTTP (issue 16)
//   answer-fidelity [--iterations 200]                                          every published example as a provider answer: items in/out, cost vs strict parse
//   patient-log --postgres CONNSTR [--records 10000000] [--rate 20]            a patient's "who accessed my data" over HTTP vs the raw SQL (issue 15)
//   patient-overview [--rate 5] [--providers 10]                               the patient's record page (server-rendered) vs the $summary it wraps (issue 15)
//   ncp-roundtrip [--rate 5] [--providers 10] [--latency 50] [--rounds 2]        a cross-border summary through the contact point (identify, search, retrieve over mutual TLS) vs the national $summary (issue 17)
//   token-issuance [--postgres CONNSTR] [--server-dll PATH] [--rate 100]       client credentials, login, code redemption per second (issue 14), two builds
//   pseudonymisation [--ids 1000000] [--rounds 5]                              a permit's pseudonyms vs raw HMAC-SHA256; one k-anonymity enforcement (issue 18)
//   sdu-chain --postgres CONNSTR [--persons 1000000] [--events-per-person 3] [--objecting-percent 1] [--form anonymised|pseudonymised|both] [--keep-database]
//                                                                              approval to extract ready in the workspace vs raw stream + COPY of the same rows (issue 18)
return args.FirstOrDefault() switch
{
    "seed" => await SeedBenchmark.RunAsync(args[1..]),
    "micro" => RunMicro(args[1..]),
    "index-load" => await IndexLoad.RunAsync(args[1..]),
    "index-lookup" => await IndexLookupBenchmark.RunAsync(args[1..]),
    "index-bulk" => await IndexBulkBenchmark.RunAsync(args[1..]),
    "audit-append" => await AuditAppendBenchmark.RunAsync(args[1..]),
    "audit-patient-view" => await AuditViewBenchmark.RunAsync(args[1..]),
    "summary" => await SummaryBenchmark.RunAsync(args[1..]),
    "summary-stages" => await SummaryStages.RunAsync(args[1..]),
    "answer-fidelity" => await AnswerFidelityBenchmark.RunAsync(args[1..]),
    "ncp-roundtrip" => await NcpRoundTripBenchmark.RunAsync(args[1..]),
    "token-issuance" => await TokenIssuanceBenchmark.RunAsync(args[1..]),
    "replicas" => await ReplicaBenchmark.RunAsync(args[1..]),
    "table-sizes" => await TableSizes.RunAsync(args[1..]),
    "patient-log" => await PatientLogBenchmark.RunAsync(args[1..]),
    "patient-overview" => await PatientOverviewBenchmark.RunAsync(args[1..]),
    "partition-ab" => await PartitionAbBenchmark.RunAsync(args[1..]),
    "pseudonymisation" => await PseudonymisationBenchmark.RunAsync(args[1..]),
    "sdu-chain" => await SecondaryUseChainBenchmark.RunAsync(args[1..]),
    _ => Usage(),
};

static int RunMicro(string[] args)
{
    BenchmarkSwitcher.FromAssembly(typeof(MicroBenchmarks).Assembly).Run(args.Length == 0 ? ["--filter", "*"] : args);
    return 0;
}

static int Usage()
{
    Console.Error.WriteLine("usage: OpenNdi.Bench seed --persons N --providers M [--postgres CONNSTR] [--sqlite PATH] | micro [BenchmarkDotNet args]"
        + " | index-load --patients N --entries-per-patient M --postgres CONNSTR | index-lookup --postgres CONNSTR [--concurrency C] [--seconds S]"
        + " | index-bulk --postgres CONNSTR [--entries N] | audit-append --postgres CONNSTR [--producers 16,64,256] [--seconds S]"
        + " | audit-patient-view --postgres CONNSTR --records N [--concurrency 1,16] [--seconds S]"
        + " | summary [--latency 50] [--providers 1,10,50] [--extra LxN,...] [--concurrency C] [--seconds S] [--rate R] [--simulators in-process] [--server-dll PATH] | answer-fidelity [--iterations N]"
        + " | token-issuance [--postgres CONNSTR] [--server-dll PATH] [--current-dll PATH] [--concurrency C] [--seconds S] [--rate R]"
        + " | ncp-roundtrip [--rate R] [--providers N] [--latency L] [--rounds N] [--seconds S]"
        + " | patient-log --postgres CONNSTR [--records N] [--rate R] [--rounds N] | patient-overview [--rate R] [--providers N] [--latency L] [--rounds N]"
        + " | replicas --postgres CONNSTR [--concurrency C] [--rate R] [--failover-runs N] | table-sizes --postgres CONNSTR [--persons N] | partition-ab --postgres CONNSTR [--rounds N] [--seconds S]"
        + " | pseudonymisation [--ids N] [--rounds N]"
        + " | sdu-chain --postgres CONNSTR [--persons N] [--events-per-person M] [--objecting-percent P] [--form anonymised|pseudonymised|both] [--keep-database]");
    return 2;
}
