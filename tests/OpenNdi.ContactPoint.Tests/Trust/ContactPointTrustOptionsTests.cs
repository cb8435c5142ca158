using Microsoft.Extensions.Configuration;
using OpenNdi.ContactPoint.Trust;
using System.Security.Cryptography.X509Certificates;

namespace OpenNdi.ContactPoint.Tests.Trust;

public sealed class ContactPointTrustOptionsTests(DemoEuFixture demo) : IClassFixture<DemoEuFixture>
{
    [Fact]
    public void Bind_FromTheContactPointSection_ReadsPeersAnchorsAndRevocation()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ContactPoint:Audience"] = "https://ncp.example.se/ncp/fhir",
            ["ContactPoint:TrustAnchors:0"] = demo.Options.TrustAnchors[0],
            ["ContactPoint:RevokedThumbprints:0"] = "ab:cd",
            ["ContactPoint:RevocationMode"] = "NoCheck",
            ["ContactPoint:Peers:0:Id"] = "urn:ehdsi:ncp:DE",
            ["ContactPoint:Peers:0:Country"] = "DE",
            ["ContactPoint:Peers:0:BaseUrl"] = "https://ncp.example.de/fhir",
            ["ContactPoint:Peers:0:Language"] = "de-DE",
            ["ContactPoint:Peers:0:Transport"] = "NcpFhir",
            ["ContactPoint:Peers:0:TlsCertificates:0"] = demo.Options.Peers[0].TlsCertificates[0],
            ["ContactPoint:Peers:0:SigningThumbprints:0"] = new string('A', 64),
        }).Build();

        var options = configuration.GetSection(ContactPointTrustOptions.Section).Get<ContactPointTrustOptions>()!;

        Assert.Equal(X509RevocationMode.NoCheck, options.RevocationMode);
        var peer = Assert.Single(options.Peers);
        Assert.Equal("DE", peer.Country);
        Assert.Equal(PeerTransportKind.NcpFhir, peer.Transport);
        Assert.Equal(["ContactPoint:RevokedThumbprints:0 must be a SHA-256 thumbprint (64 hex digits)."], options.Validate());
    }

    [Fact]
    public void Validate_WhenEmpty_ListsEveryProblem()
    {
        var options = new ContactPointTrustOptions { Peers = [new PeerOptions { Id = "urn:ehdsi:ncp:DE", Country = "de" }] };

        Assert.Equal(
        [
            "ContactPoint:Audience must be an absolute http(s) URL (our /ncp/fhir base as peers name it).",
            "ContactPoint:TrustAnchors must name at least one PEM file.",
            "ContactPoint:Peers:0:Country must be an ISO 3166-1 alpha-2 code in upper case.",
            "ContactPoint:Peers:0:Language is required (BCP 47, e.g. de-DE).",
            "ContactPoint:Peers:0:TlsCertificates must name at least one PEM file: its subject is what the peer is found by.",
            "ContactPoint:Peers:0 needs SigningCertificates or SigningThumbprints: the certificates its assertions may be signed with.",
        ], options.Validate());
    }

    [Fact]
    public void Validate_WhenTheDemoOptions_IsClean()
    {
        Assert.Empty(demo.Options.Validate());
        Assert.Equal(X509RevocationMode.Online, new ContactPointTrustOptions().RevocationMode);
    }

    [Fact]
    public void Load_WhenOneSubjectIsRegisteredForTwoPeers_Throws()
    {
        var options = DemoEuTrustWithFranceUsingGermanysCertificate();

        var error = Assert.Throws<InvalidOperationException>(() => PeerTrustList.Load(options));

        Assert.Contains("The TLS subject 'CN=ncp.demo.de, O=Demo NCP Germany, C=DE' is registered for both urn:ehdsi:ncp:DE and urn:ehdsi:ncp:FR.", error.Message);
    }

    private ContactPointTrustOptions DemoEuTrustWithFranceUsingGermanysCertificate()
    {
        var options = Demo.DemoEuTrust.Options(demo.Certificates, DemoEuFixture.Audience, new Uri("https://localhost:1/"), new Uri("https://localhost:2/"));
        options.Peers[1].TlsCertificates = [demo.Certificates.PathOf(Demo.DemoEuCertificates.GermanyOtherKeyFile)];
        return options;
    }
}
