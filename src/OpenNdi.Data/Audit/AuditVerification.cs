using OpenNdi.Core.Audit;

namespace OpenNdi.Data.Audit;

/// <summary>The outcome of verifying one partition: how many records held, and the first break if any.</summary>
public sealed record PartitionVerification(string Partition, long Verified, AuditChainBreak? Break)
{
    public bool Intact => Break is null;
}

/// <summary>Verifies every partition of the stored log from its first record to its head.</summary>
public static class AuditVerification
{
    /// <param name="progress">Called with the number of records checked so far in the partition, every 10,000 records.</param>
    public static async Task<IReadOnlyList<PartitionVerification>> VerifyAsync(AuditStore store, Action<string, long>? progress = null, CancellationToken cancellationToken = default)
    {
        var results = new List<PartitionVerification>();
        foreach (var partition in await store.PartitionsAsync(cancellationToken))
            results.Add(await VerifyPartitionAsync(store, partition, progress, cancellationToken));
        return results;
    }

    public static async Task<PartitionVerification> VerifyPartitionAsync(AuditStore store, string partition, Action<string, long>? progress = null, CancellationToken cancellationToken = default)
    {
        var verifier = new AuditChainVerifier(partition, await store.CheckpointsAsync(partition, cancellationToken));
        await foreach (var record in store.ReadChainAsync(partition, cancellationToken))
        {
            if (!verifier.Check(record))
                break;
            if (verifier.Verified % 10_000 == 0)
                progress?.Invoke(partition, verifier.Verified);
        }
        verifier.Finish(await store.HeadAsync(partition, cancellationToken));
        progress?.Invoke(partition, verifier.Verified);
        return new PartitionVerification(partition, verifier.Verified, verifier.Break);
    }
}
