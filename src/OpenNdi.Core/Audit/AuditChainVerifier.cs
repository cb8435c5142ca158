using System.Text;

namespace OpenNdi.Core.Audit;

/// <summary>The columns a store keeps beside a record for its queries; derived from the record, so a verifier can check them.</summary>
public sealed record AuditColumns(DateTimeOffset Recorded, string Event, int Outcome, string Actor, string? ActorProvider, string? Patient, bool Emergency)
{
    public static AuditColumns Of(AuditRecord record) =>
        new(AuditJson.Truncate(record.Recorded), record.Event, (int)record.Outcome, record.Who.Id, record.ActorProvider, record.Patient, record.EmergencyBreak);
}

/// <summary>One record as stored: its place in the chain, the hashes, the canonical JSON and the query columns.</summary>
public sealed record ChainedAuditRecord(string Partition, long Sequence, string PreviousHash, string Hash, string Json, AuditColumns Columns)
{
    public AuditReceipt Receipt => new(Partition, Sequence);
}

/// <summary>A hash of the chain written down at a sequence number: the newest one is the partition's head.</summary>
public sealed record AuditCheckpoint(string Partition, long Sequence, string Hash, DateTimeOffset At);

/// <summary>The first place where a partition's stored chain is not what was written.</summary>
public sealed record AuditChainBreak(string Partition, long Sequence, string Problem)
{
    public override string ToString() => $"partition {Partition}, record {Sequence}: {Problem}";
}

/// <summary>
/// Checks one partition's chain record by record, in sequence order, without holding it in memory: every sequence
/// number present once and in order, every link and hash recomputed from the canonical JSON, the query columns equal
/// to what the JSON says, every checkpoint met, and the head at the last record (so deleting the newest records is
/// caught too). Stops at the first break, which names the record.
/// </summary>
public sealed class AuditChainVerifier
{
    private readonly string _partition;
    private readonly Dictionary<long, string> _checkpoints;
    private byte[] _previous;

    public AuditChainVerifier(string partition, IEnumerable<AuditCheckpoint> checkpoints)
    {
        _partition = partition;
        _previous = AuditChain.Genesis(partition);
        _checkpoints = checkpoints.Where(c => c.Partition == partition).ToDictionary(c => c.Sequence, c => c.Hash);
    }

    public long Verified { get; private set; }

    public AuditChainBreak? Break { get; private set; }

    /// <summary>Checks the next stored record; false once the chain is broken (see <see cref="Break"/>).</summary>
    public bool Check(ChainedAuditRecord stored)
    {
        if (Break is not null)
            return false;
        var expected = Verified + 1;
        if (stored.Partition != _partition)
            return Fail(stored.Sequence, $"belongs to partition {stored.Partition}");
        if (stored.Sequence != expected)
            return Fail(expected, stored.Sequence > expected
                ? $"missing: the next stored record is {stored.Sequence} (deleted records?)"
                : $"out of order: record {stored.Sequence} follows {Verified}");
        var previous = AuditChain.Hex(_previous);
        if (stored.PreviousHash != previous)
            return Fail(stored.Sequence, "its link to the previous record does not match (a record before it was changed, removed or reordered)");
        var canonical = Encoding.UTF8.GetBytes(stored.Json);
        var hash = AuditChain.Link(_previous, _partition, stored.Sequence, canonical);
        if (stored.Hash != AuditChain.Hex(hash))
            return Fail(stored.Sequence, "its content does not match its hash (the record was edited)");
        AuditRecord record;
        try
        {
            record = AuditJson.Read(canonical);
        }
        catch (FormatException e)
        {
            return Fail(stored.Sequence, e.Message);
        }
        if (!canonical.AsSpan().SequenceEqual(AuditJson.Write(record)))
            return Fail(stored.Sequence, "its JSON is not in canonical form");
        if (AuditColumns.Of(record) != stored.Columns)
            return Fail(stored.Sequence, "its query columns differ from the record (edited outside the log)");
        if (_checkpoints.TryGetValue(stored.Sequence, out var checkpoint) && checkpoint != stored.Hash)
            return Fail(stored.Sequence, "its hash differs from the checkpoint written for it");
        _previous = hash;
        Verified = stored.Sequence;
        return true;
    }

    /// <summary>After the last stored record: the head and every checkpoint must lie within what was verified.</summary>
    public bool Finish(AuditCheckpoint? head)
    {
        if (Break is not null)
            return false;
        var beyond = _checkpoints.Keys.Where(s => s > Verified).DefaultIfEmpty(0).Max();
        if (beyond > 0)
            return Fail(Verified + 1, $"missing: a checkpoint names record {beyond} but the chain ends at {Verified} (newest records deleted?)");
        if (head is null)
            return Verified == 0 || Fail(Verified, "the partition has records but no head");
        if (head.Sequence != Verified)
            return Fail(Math.Min(head.Sequence, Verified) + 1, $"missing: the head says the chain ends at {head.Sequence} but the stored records end at {Verified}");
        if (head.Hash != AuditChain.Hex(_previous))
            return Fail(Verified, "the head's hash differs from the last record's");
        return true;
    }

    private bool Fail(long sequence, string problem)
    {
        Break = new AuditChainBreak(_partition, sequence, problem);
        return false;
    }
}
