using OpenNdi.ContactPoint.Domain;
using System.Security.Cryptography.X509Certificates;

namespace OpenNdi.ContactPoint.Trust;

/// <summary>
/// Finds the contact point a TLS certificate belongs to (ADR 0010 §4): the chain ends at a configured anchor, the
/// certificate is valid on our clock, for TLS, not revoked; its whole subject (DER bytes) is a registered peer's and
/// its SHA-256 thumbprint one that peer lists. The caller only hears "not a trusted contact point"; the refusal's
/// audit detail says which check failed, with the certificate's subject and thumbprint.
/// </summary>
public sealed class PeerAuthentication(PeerTrustList trust, TimeProvider time)
{
    /// <summary>The peer a client certificate presented on <c>/ncp/fhir</c> speaks for, or NDI-NCP-001 (403).</summary>
    public TrustDecision<Peer> IdentifyPeer(X509Certificate2? clientCertificate) =>
        Identify(clientCertificate, CertificateChecks.ClientAuthentication) is var (peer, detail) && peer is not null
            ? TrustDecision<Peer>.Trusted(peer)
            : TrustDecision<Peer>.Refused(new NcpRefusal(NcpTrustCodes.PeerNotTrusted, 403, "The client certificate is not that of a trusted contact point.", detail));

    /// <summary>
    /// Whether the server certificate a peer we call presented is that peer's registered one (ADR 0010 §4, Sweden as
    /// country B); the host name is TLS's own check. Refused with NDI-NCP-034 (502): nothing is sent on.
    /// </summary>
    public TrustDecision<Peer> VerifyPeerServer(Peer expected, X509Certificate2? serverCertificate)
    {
        var (peer, detail) = Identify(serverCertificate, CertificateChecks.ServerAuthentication);
        if (peer is not null && peer.Id != expected.Id)
        {
            detail = $"peer-untrusted: the certificate is registered for {peer.Id}, not {expected.Id}; {Describe(serverCertificate!)}";
            peer = null;
        }
        return peer is not null
            ? TrustDecision<Peer>.Trusted(peer)
            : TrustDecision<Peer>.Refused(new NcpRefusal(NcpTrustCodes.PeerServerUntrusted, 502, $"The contact point of {expected.Country} could not be verified.", detail));
    }

    private (Peer? Peer, string Detail) Identify(X509Certificate2? certificate, string usage)
    {
        if (certificate is null)
            return (null, "peer-untrusted: no certificate presented");
        if (CertificateChecks.Problem(certificate, trust, time, usage) is { } problem)
            return (null, $"peer-untrusted: {problem}; {Describe(certificate)}");
        if (trust.FindByTlsSubject(certificate) is not { } entry)
            return (null, $"peer-untrusted: subject not registered; {Describe(certificate)}");
        if (!entry.TlsThumbprints.Contains(PeerTrustList.Thumbprint(certificate)))
            return (null, $"peer-untrusted: subject registered for {entry.Peer.Id} but thumbprint not listed; {Describe(certificate)}");
        return (entry.Peer, "");
    }

    internal static string Describe(X509Certificate2 certificate) =>
        $"subject '{certificate.Subject}', issuer '{certificate.Issuer}', sha256 {PeerTrustList.Thumbprint(certificate)}";
}
