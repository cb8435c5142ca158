using OpenNdi.ContactPoint.Domain;

namespace OpenNdi.ContactPoint.Tests;

public sealed class PeerRecordTests
{
    [Fact]
    public void APeer_KeepsTheCountryOfItsTrustListEntry()
    {
        var peer = new Peer("urn:ehdsi:ncp:DE", "DE", new Uri("https://ncp.example.de/fhir"), "de-DE");
        Assert.Equal("DE", peer.Country);
    }
}
