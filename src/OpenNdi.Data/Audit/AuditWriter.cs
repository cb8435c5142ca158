using System.Threading.Channels;
using OpenNdi.Core.Audit;

namespace OpenNdi.Data.Audit;

/// <summary>
/// Appends audit records to one partition with group commit: callers queue records and wait; one loop takes
/// whatever has queued (up to <see cref="MaxBatch"/>) and stores it in one transaction. A caller's task completes only
/// after that transaction committed, so an acknowledged record is stored; if the batch fails, every caller in it
/// gets the error (the access it records must then not be given).
/// </summary>
public sealed class AuditWriter : IAsyncDisposable
{
    public const int MaxBatch = 1_000;

    private readonly AuditStore _store;
    private readonly Channel<Queued> _queue;
    private readonly Task _loop;

    public AuditWriter(AuditStore store, string partition, int capacity = 100_000)
    {
        if (AuditChain.ValidatePartition(partition) is { } problem)
            throw new ArgumentException(problem, nameof(partition));
        _store = store;
        Partition = partition;
        // Bounded: when the database cannot keep up, callers wait here instead of the process growing without limit.
        _queue = Channel.CreateBounded<Queued>(new BoundedChannelOptions(capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        _loop = Task.Run(WriteLoopAsync);
    }

    public string Partition { get; }

    /// <summary>Batches stored and records in them, for metrics.</summary>
    public long BatchesWritten { get; private set; }

    public long RecordsWritten { get; private set; }

    /// <summary>Stores the record at the end of the chain; completes when it is committed.</summary>
    public async Task<AuditReceipt> AppendAsync(AuditRecord record, CancellationToken cancellationToken = default)
    {
        if (record.Validate() is { } problem)
            throw new ArgumentException(problem, nameof(record));
        // Canonical form is made on the caller's thread, so the single writer loop only hashes and stores.
        var queued = new Queued(new AuditStore.Pending(record, AuditJson.Write(record)), new TaskCompletionSource<AuditReceipt>(TaskCreationOptions.RunContinuationsAsynchronously));
        await _queue.Writer.WriteAsync(queued, cancellationToken);
        // Once queued the record will be written whatever the caller does; the caller may stop waiting, not unwrite it.
        return await queued.Done.Task.WaitAsync(cancellationToken);
    }

    private async Task WriteLoopAsync()
    {
        var batch = new List<Queued>(MaxBatch);
        var pending = new List<AuditStore.Pending>(MaxBatch);
        while (await _queue.Reader.WaitToReadAsync())
        {
            batch.Clear();
            pending.Clear();
            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var queued))
            {
                batch.Add(queued);
                pending.Add(queued.Record);
            }
            try
            {
                var sequences = await _store.AppendAsync(Partition, pending);
                BatchesWritten++;
                RecordsWritten += batch.Count;
                for (var i = 0; i < batch.Count; i++)
                    batch[i].Done.SetResult(new AuditReceipt(Partition, sequences[i]));
            }
            catch (Exception e)
            {
                var failure = new AuditWriteException($"the audit log could not store {batch.Count} record(s): {e.Message}", e);
                foreach (var queued in batch)
                    queued.Done.SetException(failure);
            }
        }
    }

    /// <summary>Stops taking records and waits until every queued one is stored or failed.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop;
    }

    private sealed record Queued(AuditStore.Pending Record, TaskCompletionSource<AuditReceipt> Done);
}

/// <summary>An audit record could not be stored; what it records must not be treated as done.</summary>
public sealed class AuditWriteException(string message, Exception inner) : Exception(message, inner);
