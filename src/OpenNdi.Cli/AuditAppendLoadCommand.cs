using System.CommandLine;
using System.Data.Common;
using System.Diagnostics;
using System.Text;
using System.Threading.Channels;
using OpenNdi.Core.Audit;
using OpenNdi.Data;
using OpenNdi.Data.Audit;

namespace OpenNdi.Cli;

/// <summary>
/// <c>ndi audit append-load</c>: concurrent producers append synthetic index-lookup records to one partition through
/// the group-committing <see cref="AuditWriter"/> for a while. Each acknowledged record's id goes to stdout, one line
/// per acknowledgement, only after its batch committed; so whatever kills the process, every whole line it printed
/// names a stored record (the crash test relies on this). The summary goes to stderr.
/// </summary>
internal static class AuditAppendLoadCommand
{
    public static Command Create()
    {
        var partition = new Option<string>("--partition", "-p") { Description = "The partition (chain) to append to, e.g. the writing node's name.", Required = true };
        var duration = new Option<double>("--duration") { Description = "Seconds to keep appending (at most 86,400).", Required = true };
        var concurrency = new Option<int>("--concurrency", "-c") { Description = "Concurrent producers, each waiting for its record's acknowledgement before the next (1 to 1,024).", DefaultValueFactory = _ => 32 };
        var database = CommonOptions.Database();
        var command = new Command("append-load",
            "Append synthetic audit records concurrently for a while; print each acknowledged record's id on stdout and a summary on stderr.")
        {
            partition, duration, concurrency, database,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var problem = AuditChain.ValidatePartition(parse.GetValue(partition))
                ?? (parse.GetValue(duration) is > 0 and <= 86_400 ? null : "--duration must be more than 0 and at most 86,400 seconds")
                ?? (parse.GetValue(concurrency) is >= 1 and <= 1_024 ? null : "--concurrency must be 1 to 1,024");
            if (problem is not null)
            {
                Console.Error.WriteLine($"error: {problem}.");
                return 2;
            }
            if (CommonOptions.ParseDatabase(parse.GetValue(database)!) is not { } storage)
                return 2;
            await using var db = new NdiDatabase(storage);
            try
            {
                await MigrationRunner.ApplyAsync(db, DataModules.AllMigrations, cancellationToken);
            }
            catch (DbException ex)
            {
                Console.Error.WriteLine($"error: database: {ex.Message}");
                return 1;
            }
            return await RunAsync(new AuditStore(db), parse.GetValue(partition)!, TimeSpan.FromSeconds(parse.GetValue(duration)), parse.GetValue(concurrency), cancellationToken);
        });
        return command;
    }

    private static async Task<int> RunAsync(AuditStore store, string partition, TimeSpan duration, int concurrency, CancellationToken cancellationToken)
    {
        // Producers stop starting appends when the time is up or on Ctrl+C; appends already queued are awaited to
        // their acknowledgement (no token passed), so every record this run stored is printed.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        stop.CancelAfter(duration);
        var acknowledged = Channel.CreateUnbounded<AuditReceipt>(new UnboundedChannelOptions { SingleReader = true });
        var printer = PrintAsync(acknowledged.Reader, stop);
        var clock = Stopwatch.StartNew();
        long started = 0, acks = 0;
        AuditWriteException? failure = null;
        var writer = new AuditWriter(store, partition);
        await using (writer)
        {
            var producers = Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    var n = Interlocked.Increment(ref started);
                    try
                    {
                        var receipt = await writer.AppendAsync(SyntheticAuditRecords.IndexLookup(n, DateTimeOffset.UtcNow), CancellationToken.None);
                        Interlocked.Increment(ref acks);
                        acknowledged.Writer.TryWrite(receipt);
                    }
                    catch (AuditWriteException ex)
                    {
                        Interlocked.CompareExchange(ref failure, ex, null);
                        await stop.CancelAsync();
                    }
                }
            }, CancellationToken.None)).ToArray();
            await Task.WhenAll(producers);
        }
        clock.Stop();
        acknowledged.Writer.Complete();
        var printed = await printer;
        var seconds = clock.Elapsed.TotalSeconds;
        Console.Error.WriteLine($"append-load: {acks:N0} records acknowledged in partition {partition} in {seconds:N1} s ({acks / seconds:N0}/s), "
            + $"{writer.BatchesWritten:N0} batches, {concurrency} producers; {printed:N0} ids printed.");
        if (failure is not null)
        {
            Console.Error.WriteLine($"error: {failure.Message}");
            return 1;
        }
        return printed == acks ? 0 : 1;
    }

    /// <summary>
    /// The one writer of stdout: a line per acknowledged id, flushed each time the queue runs dry, so a line is never
    /// held back behind a quiet spell and a burst of acknowledgements costs one write. Returns how many it printed.
    /// </summary>
    private static async Task<long> PrintAsync(ChannelReader<AuditReceipt> acknowledged, CancellationTokenSource stop)
    {
        long printed = 0;
        // Not disposed: stdout stays open for the summary, and everything written is flushed below.
        var stdout = new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false), 1 << 16, leaveOpen: true) { NewLine = "\n" };
        try
        {
            while (await acknowledged.WaitToReadAsync())
            {
                var lines = 0;
                while (acknowledged.TryRead(out var receipt))
                {
                    await stdout.WriteLineAsync(receipt.Id);
                    lines++;
                }
                await stdout.FlushAsync();
                printed += lines;
            }
        }
        catch (IOException ex)
        {
            // Nobody reads stdout any more (a closed pipe): stop appending rather than store records no one hears about.
            Console.Error.WriteLine($"error: stdout: {ex.Message}");
            await stop.CancelAsync();
            while (await acknowledged.WaitToReadAsync())
            {
                while (acknowledged.TryRead(out _))
                {
                }
            }
        }
        return printed;
    }
}
