using OpenNdi.ContactPoint.Trust;
using System.Security.Cryptography.X509Certificates;

namespace OpenNdi.ContactPoint.Demo;

/// <summary>The trust configuration (<c>ContactPoint:*</c>) of the demo: the demo EU CA as the only anchor, Germany and France as peers, the revoked German certificate in the list.</summary>
public static class DemoEuTrust
{
    public const string SwedenId = "urn:ehdsi:ncp:SE";
    public const string GermanyId = "urn:ehdsi:ncp:DE";
    public const string FranceId = "urn:ehdsi:ncp:FR";

    /// <param name="audience">Our <c>/ncp/fhir</c> base as the peers name it in <c>aud</c>.</param>
    public static ContactPointTrustOptions Options(DemoEuCertificates certificates, string audience, Uri germanyBaseUrl, Uri franceBaseUrl) => new()
    {
        Audience = audience,
        TrustAnchors = [certificates.PathOf(DemoEuCertificates.AuthorityFile)],
        RevokedThumbprints = [PeerTrustList.Thumbprint(certificates.GermanyRevoked)],
        // The demo EU CA publishes no CRL or OCSP responder; production keeps the default, Online.
        RevocationMode = X509RevocationMode.NoCheck,
        Peers =
        [
            new PeerOptions
            {
                Id = GermanyId,
                Country = "DE",
                BaseUrl = germanyBaseUrl.ToString(),
                Language = "de-DE",
                // The revoked certificate stays registered, as a superseded one would until it expires: revocation alone refuses it.
                TlsCertificates = [certificates.PathOf(DemoEuCertificates.GermanyFile), certificates.PathOf(DemoEuCertificates.GermanyRevokedFile)],
                SigningCertificates = [certificates.PathOf(DemoEuCertificates.GermanySigningFile)],
            },
            new PeerOptions
            {
                Id = FranceId,
                Country = "FR",
                BaseUrl = franceBaseUrl.ToString(),
                Language = "fr-FR",
                TlsCertificates = [certificates.PathOf(DemoEuCertificates.FranceFile)],
                SigningCertificates = [certificates.PathOf(DemoEuCertificates.FranceSigningFile)],
            },
        ],
    };
}
