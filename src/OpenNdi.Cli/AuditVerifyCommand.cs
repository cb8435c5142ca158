using System.CommandLine;
using System.Data.Common;
using System.Diagnostics;
using OpenNdi.Data;
using OpenNdi.Data.Audit;
using Spectre.Console;

namespace OpenNdi.Cli;

/// <summary>
/// <c>ndi audit verify</c>: checks every partition's hash chain from its first record to its head and names the first
/// broken record of each. It reports on every partition, not only the first broken one.
/// </summary>
/// <remarks>
/// Unlike the other commands it applies no migrations and creates nothing: a verifier may run with read-only rights,
/// and pointed at the wrong database it must fail rather than create an empty log and call it intact.
/// </remarks>
internal static class AuditVerifyCommand
{
    public const int Intact = 0;
    public const int Broken = 1;
    public const int BadArguments = 2;
    public const int CouldNotVerify = 3;

    public static Command Create()
    {
        var database = CommonOptions.Database();
        var command = new Command("verify",
            "Verify every partition's hash chain. Exit code 0: all intact; 1: a chain is broken (the first broken record of each partition is named); 2: bad arguments; 3: the log could not be read.")
        {
            database,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (CommonOptions.ParseDatabase(parse.GetValue(database)!) is not { } storage)
                return BadArguments;
            if (storage.Backend == StorageBackend.Sqlite && !File.Exists(storage.ConnectionString))
            {
                Console.Error.WriteLine($"error: database: no SQLite database at {Path.GetFullPath(storage.ConnectionString)}");
                return CouldNotVerify;
            }
            await using var db = new NdiDatabase(storage);
            IReadOnlyList<PartitionVerification> results;
            try
            {
                results = await VerifyAsync(new AuditStore(db), cancellationToken);
            }
            catch (DbException ex)
            {
                // PostgreSQL's message goes on with position details; the first line is the error.
                Console.Error.WriteLine($"error: database: {ex.Message.Split('\n')[0]}");
                if (IsMissingTable(ex))
                    Console.Error.WriteLine("The database holds no audit log; 'ndi migrate' or the server's start creates it.");
                return CouldNotVerify;
            }
            return Report(results);
        });
        return command;
    }

    private static async Task<IReadOnlyList<PartitionVerification>> VerifyAsync(AuditStore store, CancellationToken cancellationToken)
    {
        var partitions = await store.PartitionsAsync(cancellationToken);
        var results = new List<PartitionVerification>(partitions.Count);
        if (AnsiConsole.Profile.Capabilities.Interactive)
        {
            await AnsiConsole.Progress()
                .AutoClear(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
                .StartAsync(async context =>
                {
                    foreach (var partition in partitions)
                    {
                        var total = await store.CountAsync(partition, cancellationToken);
                        var task = context.AddTask(Markup.Escape(partition), maxValue: Math.Max(total, 1));
                        var result = await AuditVerification.VerifyPartitionAsync(store, partition, (_, verified) => task.Value = verified, cancellationToken);
                        task.Value = task.MaxValue;
                        task.Description = Markup.Escape(partition) + (result.Intact ? " [green]intact[/]" : " [red]broken[/]");
                        results.Add(result);
                    }
                });
            return results;
        }
        // No terminal to draw a bar on (CI, cron, a log file): a line per partition and one every few seconds.
        foreach (var partition in partitions)
        {
            var total = await store.CountAsync(partition, cancellationToken);
            Console.WriteLine($"{partition}: verifying {total:N0} records");
            var clock = Stopwatch.StartNew();
            var last = TimeSpan.Zero;
            results.Add(await AuditVerification.VerifyPartitionAsync(store, partition, (_, verified) =>
            {
                if (clock.Elapsed - last < TimeSpan.FromSeconds(5))
                    return;
                last = clock.Elapsed;
                Console.WriteLine($"{partition}: {verified:N0}/{total:N0} records verified");
            }, cancellationToken));
        }
        return results;
    }

    private static int Report(IReadOnlyList<PartitionVerification> results)
    {
        foreach (var result in results)
        {
            Console.WriteLine(result.Break is { } broken
                ? $"{result.Partition}: {result.Verified:N0} records verified, then BROKEN at {broken}"
                : $"{result.Partition}: {result.Verified:N0} records verified, intact");
        }
        var brokenCount = results.Count(r => !r.Intact);
        if (results.Count == 0)
            Console.WriteLine("The audit log is empty.");
        else if (brokenCount == 0)
            Console.WriteLine($"Audit log intact: {results.Count} partition(s), {results.Sum(r => r.Verified):N0} records.");
        else
            Console.Error.WriteLine($"Audit log BROKEN in {brokenCount} of {results.Count} partition(s).");
        return brokenCount == 0 ? Intact : Broken;
    }

    // SQLite: "no such table"; PostgreSQL: undefined table (42P01) or schema (3F000).
    private static bool IsMissingTable(DbException ex) =>
        ex is Npgsql.PostgresException { SqlState: "42P01" or "3F000" } || ex.Message.Contains("no such table", StringComparison.Ordinal);
}
