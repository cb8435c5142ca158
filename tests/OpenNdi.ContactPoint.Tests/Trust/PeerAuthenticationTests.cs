using OpenNdi.ContactPoint.Demo;
using OpenNdi.ContactPoint.Trust;
using System.Security.Cryptography.X509Certificates;

namespace OpenNdi.ContactPoint.Tests.Trust;

[Trait("Category", "Security")]
public sealed class PeerAuthenticationTests(DemoEuFixture demo) : IClassFixture<DemoEuFixture>
{
    private static readonly DateTimeOffset Later = DemoEuFixture.Made.AddDays(30);

    private PeerAuthentication Authentication(DateTimeOffset? now = null) => new(demo.Trust, new TestClock(now ?? Later));

    [Fact]
    public void IdentifyPeer_WhenGermanysRegisteredCertificate_IsGermany()
    {
        var decision = Authentication().IdentifyPeer(demo.Certificates.Germany);

        Assert.True(decision.IsTrusted);
        Assert.Equal("urn:ehdsi:ncp:DE", decision.Value.Id);
        Assert.Equal("DE", decision.Value.Country);
        Assert.Equal("de-DE", decision.Value.Language);
        Assert.Equal(new Uri("https://localhost:7101/ncp/fhir"), decision.Value.BaseUrl);
    }

    [Fact]
    public void IdentifyPeer_WhenTheSubjectHoldsCEqualsSeText_IsFranceByTheWholeSubject()
    {
        // OpenNCP's first "C=" substring would read this name as Sweden ("OU=\"NCP, C=SE interop\"") or "de" (DC=demo).
        Assert.Equal("CN=ncp.demo.fr, OU=\"NCP, C=SE interop\", DC=demo, O=Demo NCP France, C=FR", demo.Certificates.France.Subject);

        var decision = Authentication().IdentifyPeer(demo.Certificates.France);

        Assert.True(decision.IsTrusted);
        Assert.Equal("urn:ehdsi:ncp:FR", decision.Value.Id);
        Assert.Equal("FR", decision.Value.Country);
    }

    [Fact]
    public void IdentifyPeer_WhenNoCertificate_IsRefused()
    {
        var refusal = Refused(null);

        Assert.Equal("peer-untrusted: no certificate presented", refusal.AuditDetail);
    }

    [Fact]
    public void IdentifyPeer_WhenGermanysSubjectFromAnotherCa_IsRefusedAsNotChainingToAnAnchor()
    {
        var refusal = Refused(demo.Certificates.GermanyOtherAuthority);

        Assert.StartsWith("peer-untrusted: chain does not end at a configured trust anchor;", refusal.AuditDetail);
    }

    [Fact]
    public void IdentifyPeer_WhenGermanysSubjectWithAnotherKey_IsRefusedByThumbprint()
    {
        Assert.Equal(demo.Certificates.Germany.SubjectName.RawData, demo.Certificates.GermanyOtherKey.SubjectName.RawData);

        var refusal = Refused(demo.Certificates.GermanyOtherKey);

        Assert.StartsWith("peer-untrusted: subject registered for urn:ehdsi:ncp:DE but thumbprint not listed;", refusal.AuditDetail);
        Assert.Contains(PeerTrustList.Thumbprint(demo.Certificates.GermanyOtherKey), refusal.AuditDetail);
        Assert.Contains("CN=ncp.demo.de, O=Demo NCP Germany, C=DE", refusal.AuditDetail);
    }

    [Fact]
    public void IdentifyPeer_WhenRegisteredButRevoked_IsRefused()
    {
        var refusal = Refused(demo.Certificates.GermanyRevoked);

        Assert.StartsWith("peer-untrusted: revoked (in ContactPoint:RevokedThumbprints);", refusal.AuditDetail);
    }

    [Fact]
    public void IdentifyPeer_WhenExpiredOnTheClock_IsRefused()
    {
        var refusal = Refused(demo.Certificates.Germany, DemoEuFixture.Made.AddYears(1).AddDays(1));

        Assert.StartsWith("peer-untrusted: expired or not yet valid;", refusal.AuditDetail);
    }

    [Fact]
    public void IdentifyPeer_WhenNotYetValidOnTheClock_IsRefused()
    {
        var refusal = Refused(demo.Certificates.Germany, DemoEuFixture.Made.AddHours(-1));

        Assert.StartsWith("peer-untrusted: expired or not yet valid;", refusal.AuditDetail);
    }

    [Fact]
    public void IdentifyPeer_WhenAnAssertionSigningCertificate_IsRefusedForItsKeyUsage()
    {
        var refusal = Refused(demo.Certificates.GermanySigning);

        Assert.StartsWith("peer-untrusted: wrong key usage;", refusal.AuditDetail);
    }

    [Fact]
    public void IdentifyPeer_WhenAValidCertificateOfAnUnregisteredSubject_IsRefused()
    {
        // Sweden's own certificate: from the EU CA, valid, but not a peer.
        var refusal = Refused(demo.Certificates.Sweden);

        Assert.StartsWith("peer-untrusted: subject not registered; subject 'CN=ncp.demo.se, O=Demo NCP Sweden, C=SE'", refusal.AuditDetail);
    }

    [Fact]
    public void IdentifyPeer_WhenTheAnchorIsTheOtherCaItself_IsRefused()
    {
        var refusal = Refused(demo.Certificates.OtherAuthority);

        Assert.StartsWith("peer-untrusted: chain does not end at a configured trust anchor;", refusal.AuditDetail);
    }

    [Fact]
    public void VerifyPeerServer_WhenFranceAnswersForGermany_IsRefusedWith034()
    {
        var germany = demo.Trust.Find(DemoEuTrust.GermanyId)!;

        var decision = Authentication().VerifyPeerServer(germany, demo.Certificates.France);

        Assert.False(decision.IsTrusted);
        Assert.Equal("NDI-NCP-034", decision.Refusal.Code);
        Assert.Equal(502, decision.Refusal.Status);
        Assert.Equal("The contact point of DE could not be verified.", decision.Refusal.Message);
        Assert.StartsWith("peer-untrusted: the certificate is registered for urn:ehdsi:ncp:FR, not urn:ehdsi:ncp:DE;", decision.Refusal.AuditDetail);
    }

    [Fact]
    public void VerifyPeerServer_WhenGermanyAnswers_IsGermany()
    {
        var germany = demo.Trust.Find(DemoEuTrust.GermanyId)!;

        var decision = Authentication().VerifyPeerServer(germany, demo.Certificates.Germany);

        Assert.True(decision.IsTrusted);
        Assert.Equal("urn:ehdsi:ncp:DE", decision.Value.Id);
    }

    private Domain.NcpRefusal Refused(X509Certificate2? certificate, DateTimeOffset? now = null)
    {
        var decision = Authentication(now).IdentifyPeer(certificate);

        Assert.False(decision.IsTrusted);
        Assert.Equal("NDI-NCP-001", decision.Refusal.Code);
        Assert.Equal(403, decision.Refusal.Status);
        // The caller never learns which check failed.
        Assert.Equal("The client certificate is not that of a trusted contact point.", decision.Refusal.Message);
        return decision.Refusal;
    }
}
