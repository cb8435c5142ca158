using System.Text;
using OpenNdi.Core.Audit;

namespace OpenNdi.Core.Tests.Audit;

[Trait("Category", "Security")]
public class AuditChainTests
{
    private const string Partition = "node-a";

    internal static AuditRecord Record(int n, string patient = "191212121212", string? emergency = null) => new(
        new DateTimeOffset(2026, 11, 23, 8, 0, 0, TimeSpan.Zero).AddSeconds(n).AddTicks(1234567 % 10_000_000),
        "index-lookup", AuditAction.Execute, AuditOutcome.Success,
        new AuditAgent(AuditAgentKind.Professional, $"SE2321000016-{n:D4}", "Dr Åsa Öberg", "doctor", "SE2321000016-1000", "SE2321000016-15CQ", "A-1"),
        Patient: patient, PurposeOfUse: emergency is null ? "TREAT" : "ETREAT", Source: "10.0.0.7", EmergencyReason: emergency,
        Entities: [new AuditEntity("index-entry", "ref-1", "SE2321000016-1000", "laboratory", "released")]);

    /// <summary>A chain as a store would hold it, built with the same functions the store uses.</summary>
    internal static List<ChainedAuditRecord> Chain(int count, string partition = Partition)
    {
        var previous = AuditChain.Genesis(partition);
        var chain = new List<ChainedAuditRecord>();
        for (var sequence = 1; sequence <= count; sequence++)
        {
            var record = Record(sequence, emergency: sequence == 3 ? "unconscious patient, no relatives reachable" : null);
            var canonical = AuditJson.Write(record);
            var hash = AuditChain.Link(previous, partition, sequence, canonical);
            chain.Add(new ChainedAuditRecord(partition, sequence, AuditChain.Hex(previous), AuditChain.Hex(hash), Encoding.UTF8.GetString(canonical), AuditColumns.Of(record)));
            previous = hash;
        }
        return chain;
    }

    private static AuditCheckpoint Head(List<ChainedAuditRecord> chain) => new(Partition, chain[^1].Sequence, chain[^1].Hash, DateTimeOffset.UnixEpoch);

    private static AuditChainBreak? Verify(IEnumerable<ChainedAuditRecord> stored, AuditCheckpoint? head, params AuditCheckpoint[] checkpoints)
    {
        var verifier = new AuditChainVerifier(Partition, checkpoints);
        foreach (var record in stored)
        {
            if (!verifier.Check(record))
                break;
        }
        verifier.Finish(head);
        return verifier.Break;
    }

    [Fact]
    public void CanonicalJson_RoundTrips_ToTheSameBytes_WithNonAsciiNames()
    {
        var record = Record(1, emergency: "medvetslös");
        var bytes = AuditJson.Write(record);

        var read = AuditJson.Read(bytes);

        Assert.Equal(bytes, AuditJson.Write(read));
        Assert.Equal("Dr Åsa Öberg", read.Who.Name);
        Assert.Equal(AuditJson.Truncate(record.Recorded), read.Recorded);
        Assert.True(read.EmergencyBreak);
    }

    [Fact]
    public void AnIntactChain_Verifies()
    {
        var chain = Chain(20);
        Assert.Null(Verify(chain, Head(chain), new AuditCheckpoint(Partition, 10, chain[9].Hash, DateTimeOffset.UnixEpoch)));
    }

    [Fact]
    public void EditingARecord_IsCaughtAtThatRecord()
    {
        var chain = Chain(10);
        chain[4] = chain[4] with { Json = chain[4].Json.Replace("SE2321000016-0005", "SE2321000016-9999", StringComparison.Ordinal) };

        var found = Verify(chain, Head(chain));

        Assert.Equal(5, found?.Sequence);
        Assert.Contains("edited", found?.Problem);
    }

    [Fact]
    public void EditingARecordAndRehashingIt_IsCaughtAtTheNextLink()
    {
        var chain = Chain(10);
        var forged = Record(5) with { Patient = "198005172349" };
        var canonical = AuditJson.Write(forged);
        chain[4] = chain[4] with { Json = Encoding.UTF8.GetString(canonical), Columns = AuditColumns.Of(forged), Hash = AuditChain.Hex(AuditChain.Link(Convert.FromHexString(chain[4].PreviousHash), Partition, 5, canonical)) };

        Assert.Equal(6, Verify(chain, Head(chain))?.Sequence);
    }

    [Fact]
    public void EditingOnlyAQueryColumn_IsCaught()
    {
        var chain = Chain(10);
        chain[2] = chain[2] with { Columns = chain[2].Columns with { Emergency = false } }; // hide an emergency break from the follow-up list

        var found = Verify(chain, Head(chain));

        Assert.Equal(3, found?.Sequence);
        Assert.Contains("query columns", found?.Problem);
    }

    [Fact]
    public void DeletingARecord_IsCaughtWhereItWas()
    {
        var chain = Chain(10);
        var head = Head(chain);
        chain.RemoveAt(6);

        var found = Verify(chain, head);

        Assert.Equal(7, found?.Sequence);
        Assert.Contains("missing", found?.Problem);
    }

    [Fact]
    public void DeletingTheNewestRecords_IsCaughtByTheHead()
    {
        var chain = Chain(10);
        var head = Head(chain);

        var found = Verify(chain.Take(8), head);

        Assert.Equal(9, found?.Sequence);
    }

    [Fact]
    public void DeletingTheNewestRecordsAndTheHead_IsCaughtByACheckpoint()
    {
        var chain = Chain(10);
        var checkpoint = new AuditCheckpoint(Partition, 10, chain[9].Hash, DateTimeOffset.UnixEpoch);

        var found = Verify(chain.Take(8), Head(chain.Take(8).ToList()), checkpoint);

        Assert.Equal(9, found?.Sequence);
    }

    [Fact]
    public void ReorderingTwoRecords_IsCaught()
    {
        var chain = Chain(10);
        (chain[3], chain[4]) = (chain[4], chain[3]);

        Assert.Equal(4, Verify(chain, Head(chain))?.Sequence);
    }

    [Fact]
    public void RenumberingSwappedRecords_IsCaughtByTheLinks()
    {
        var chain = Chain(10);
        (chain[3], chain[4]) = (chain[4] with { Sequence = 4 }, chain[3] with { Sequence = 5 });

        Assert.Equal(4, Verify(chain, Head(chain))?.Sequence);
    }

    [Fact]
    public void ARecordFromAnotherPartitionsChain_IsCaught()
    {
        var chain = Chain(5);
        var other = Chain(5, "node-b");
        chain[2] = other[2] with { Partition = Partition };

        Assert.Equal(3, Verify(chain, Head(chain))?.Sequence);
    }

    [Fact]
    public void AnEmptyPartition_WithoutAHead_Verifies() => Assert.Null(Verify([], null));

    [Theory]
    [InlineData("node-a-7-12", "node-a-7", 12L)]
    [InlineData("x-1", "x", 1L)]
    public void Receipt_IdsRoundTrip(string id, string partition, long sequence)
    {
        Assert.True(AuditReceipt.TryParse(id, out var receipt));
        Assert.Equal(new AuditReceipt(partition, sequence), receipt);
        Assert.Equal(id, receipt.Id);
    }

    [Theory]
    [InlineData("")]
    [InlineData("node")]
    [InlineData("node-")]
    [InlineData("node-0")]
    [InlineData("-5")]
    [InlineData("node-+5")]
    public void Receipt_RefusesWhatIsNotAnId(string id) => Assert.False(AuditReceipt.TryParse(id, out _));

    [Theory]
    [InlineData("", false)]
    [InlineData("-a", false)]
    [InlineData("node a", false)]
    [InlineData("node-1.prod_eu", true)]
    public void Partition_Names(string name, bool valid) => Assert.Equal(valid, AuditChain.ValidatePartition(name) is null);

    [Fact]
    public void Validate_RefusesRecordsThatCouldNotBeExplainedLater()
    {
        Assert.NotNull((Record(1) with { Event = " " }).Validate());
        Assert.NotNull((Record(1) with { Who = new AuditAgent("", "x") }).Validate());
        Assert.NotNull((Record(1) with { Recorded = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.FromHours(1)) }).Validate());
        Assert.NotNull((Record(1) with { EmergencyReason = "  " }).Validate());
        Assert.Null(Record(1).Validate());
    }
}
