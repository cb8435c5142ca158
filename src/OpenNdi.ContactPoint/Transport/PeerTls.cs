using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using OpenNdi.ContactPoint.Trust;

namespace OpenNdi.ContactPoint.Transport;

/// <summary>
/// The TLS of Sweden's calls to peers (ADR 0010 §4): Sweden's own certificate as the client certificate, and a peer's
/// server certificate accepted only when it is that peer's registered one (chain to a MyHealth@EU anchor, exact
/// subject, thumbprint) and valid for the host name called. The machine's roots play no part.
/// </summary>
public static class PeerTls
{
    public static HttpClientHandler Handler(X509Certificate2 swedenTls, PeerAuthentication peers) => new()
    {
        ClientCertificateOptions = ClientCertificateOption.Manual,
        ClientCertificates = { swedenTls },
        ServerCertificateCustomValidationCallback = (request, certificate, _, errors) =>
            request.Options.TryGetValue(NcpFhirTransport.PeerOption, out var peer)
            && (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) == SslPolicyErrors.None // the host name; the chain is ours to check
            && peers.VerifyPeerServer(peer, certificate).IsTrusted,
    };
}
