using OpenNdi.ContactPoint.Demo;
using OpenNdi.ContactPoint.Trust;
using System.Security.Cryptography.X509Certificates;

namespace OpenNdi.ContactPoint.Simulation;

/// <summary>
/// <c>SimulatedPeers</c>: how the simulated foreign contact points trust their only client, Sweden. Each peer builds
/// its own trust list from these (ADR 0010 §4, §5, seen from the other side): the MyHealth@EU anchors, Sweden's TLS
/// certificate (found by exact subject and thumbprint) and Sweden's assertion-signing certificate; the <c>aud</c> it
/// requires is its own base URL, <see cref="PeerBaseUrl"/>.
/// </summary>
public sealed class SimulatedPeerOptions
{
    public const string Section = "SimulatedPeers";

    /// <summary>Sweden's contact point as the peers register it: the <c>iss</c> of the assertions they accept.</summary>
    public const string SwedenId = "urn:ehdsi:ncp:SE";

    /// <summary>Where the host serving the peers is reached, e.g. <c>https://localhost:7100</c>: the peers' <c>aud</c> and document urls start with it.</summary>
    public string PublicBaseUrl { get; set; } = "";

    /// <summary>Where one country's peer is reached instead, by country code (the demo gives each its own TLS port and certificate).</summary>
    public Dictionary<string, string> CountryBaseUrls { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>PEM files of the MyHealth@EU trust anchors.</summary>
    public List<string> TrustAnchors { get; set; } = [];

    /// <summary>SHA-256 thumbprints refused whatever else holds.</summary>
    public List<string> RevokedThumbprints { get; set; } = [];

    /// <summary>The demo EU CA publishes no revocation information: <c>NoCheck</c> there.</summary>
    public X509RevocationMode RevocationMode { get; set; } = X509RevocationMode.Online;

    /// <summary>PEM file of Sweden's contact point TLS (client) certificate.</summary>
    public string SwedenTlsCertificate { get; set; } = "";

    /// <summary>PEM file of Sweden's assertion-signing certificate.</summary>
    public string SwedenSigningCertificate { get; set; } = "";

    /// <summary>The seed the populations are made from (<see cref="SimulatedPopulation"/>).</summary>
    public int Seed { get; set; } = SimulatedPopulation.DefaultSeed;

    /// <summary>A peer's NCPeH base: <c>{PublicBaseUrl}/sim-ncp/{cc}/fhir</c>, no trailing slash (compared exactly as <c>aud</c>).</summary>
    public static string PeerBaseUrl(string publicBaseUrl, string countryCode) =>
        $"{publicBaseUrl.TrimEnd('/')}/sim-ncp/{countryCode.ToLowerInvariant()}/fhir";

    /// <summary>The demo's settings: the demo EU CA, Sweden's demo certificates, revocation by list only.</summary>
    public static SimulatedPeerOptions FromDemo(DemoEuCertificates certificates, string publicBaseUrl) => new()
    {
        PublicBaseUrl = publicBaseUrl,
        TrustAnchors = [certificates.PathOf(DemoEuCertificates.AuthorityFile)],
        RevokedThumbprints = [PeerTrustList.Thumbprint(certificates.GermanyRevoked)],
        RevocationMode = X509RevocationMode.NoCheck,
        SwedenTlsCertificate = certificates.PathOf(DemoEuCertificates.SwedenFile),
        SwedenSigningCertificate = certificates.PathOf(DemoEuCertificates.SwedenSigningFile),
    };

    /// <summary>The trust configuration of the peer at <paramref name="baseUrl"/>: Sweden its only peer, itself the audience.</summary>
    internal ContactPointTrustOptions TrustFor(string baseUrl) => new()
    {
        Audience = baseUrl,
        TrustAnchors = TrustAnchors,
        RevokedThumbprints = RevokedThumbprints,
        RevocationMode = RevocationMode,
        Peers =
        [
            new PeerOptions
            {
                Id = SwedenId,
                Country = "SE",
                Language = "sv-SE",
                TlsCertificates = [SwedenTlsCertificate],
                SigningCertificates = [SwedenSigningCertificate],
            },
        ],
    };

    /// <summary>Every problem of the settings, the trust list's included; empty when they can be used.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (!Uri.TryCreate(PublicBaseUrl, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp)
            problems.Add($"{Section}:PublicBaseUrl must be an absolute http(s) URL.");
        else
            problems.AddRange(TrustFor(PeerBaseUrl(PublicBaseUrl, "de")).Validate().Select(p => p.Replace("ContactPoint:Peers:0", $"{Section}:Sweden", StringComparison.Ordinal)
                .Replace("ContactPoint:", $"{Section}:", StringComparison.Ordinal)));
        return problems;
    }
}
