using System.Security.Cryptography.X509Certificates;

namespace OpenNdi.ContactPoint.Trust;

/// <summary>
/// Who the contact point trusts (ADR 0010 §4, §5), bound from the <c>ContactPoint</c> section: the MyHealth@EU trust
/// anchors, the registered peers with their certificates, the audience our assertions must name, and how revocation is
/// checked. Certificates are PEM files; thumbprints are SHA-256 in hex (colons and spaces ignored, any case).
/// </summary>
public sealed class ContactPointTrustOptions
{
    public const string Section = "ContactPoint";

    /// <summary><c>ContactPoint:Audience</c>: our NCPeH base as peers name it in <c>aud</c>, e.g. <c>https://ncp.example.se/ncp/fhir</c>.</summary>
    public string? Audience { get; set; }

    /// <summary><c>ContactPoint:TrustAnchors</c>: PEM files of the MyHealth@EU trust anchors (root CAs). No machine root is ever used.</summary>
    public List<string> TrustAnchors { get; set; } = [];

    /// <summary><c>ContactPoint:RevokedThumbprints</c>: certificates refused whatever else holds (the demo's revocation list; in production beside the online check).</summary>
    public List<string> RevokedThumbprints { get; set; } = [];

    /// <summary>
    /// <c>ContactPoint:RevocationMode</c>: <c>Online</c> (the default, for production: CRL/OCSP of the issuing CA, and a
    /// certificate whose status cannot be learnt is refused) or <c>NoCheck</c> (the demo CA publishes no revocation
    /// information; the list above still applies).
    /// </summary>
    public X509RevocationMode RevocationMode { get; set; } = X509RevocationMode.Online;

    /// <summary><c>ContactPoint:Peers</c>: the other member states' contact points.</summary>
    public List<PeerOptions> Peers { get; set; } = [];

    /// <summary>Every problem of the configuration (not only the first); empty when it can be used.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (!Uri.TryCreate(Audience, UriKind.Absolute, out var audience) || audience.Scheme != Uri.UriSchemeHttps && audience.Scheme != Uri.UriSchemeHttp)
            problems.Add("ContactPoint:Audience must be an absolute http(s) URL (our /ncp/fhir base as peers name it).");
        if (TrustAnchors.Count == 0)
            problems.Add("ContactPoint:TrustAnchors must name at least one PEM file.");
        for (var i = 0; i < TrustAnchors.Count; i++)
            RequireFile(problems, $"ContactPoint:TrustAnchors:{i}", TrustAnchors[i]);
        for (var i = 0; i < RevokedThumbprints.Count; i++)
            RequireThumbprint(problems, $"ContactPoint:RevokedThumbprints:{i}", RevokedThumbprints[i]);
        if (RevocationMode == X509RevocationMode.Offline)
            problems.Add("ContactPoint:RevocationMode must be Online or NoCheck.");
        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < Peers.Count; i++)
        {
            var peer = Peers[i];
            var at = $"ContactPoint:Peers:{i}";
            if (string.IsNullOrWhiteSpace(peer.Id))
                problems.Add($"{at}:Id is required (the iss of its assertions, e.g. urn:ehdsi:ncp:DE).");
            else if (!ids.Add(peer.Id))
                problems.Add($"{at}:Id '{peer.Id}' is registered twice.");
            if (peer.Country is not { Length: 2 } country || !country.All(char.IsAsciiLetterUpper))
                problems.Add($"{at}:Country must be an ISO 3166-1 alpha-2 code in upper case.");
            if (peer.BaseUrl is not null && !Uri.TryCreate(peer.BaseUrl, UriKind.Absolute, out _))
                problems.Add($"{at}:BaseUrl must be an absolute URL.");
            if (string.IsNullOrWhiteSpace(peer.Language))
                problems.Add($"{at}:Language is required (BCP 47, e.g. de-DE).");
            if (peer.TlsCertificates.Count == 0)
                problems.Add($"{at}:TlsCertificates must name at least one PEM file: its subject is what the peer is found by.");
            for (var j = 0; j < peer.TlsCertificates.Count; j++)
                RequireFile(problems, $"{at}:TlsCertificates:{j}", peer.TlsCertificates[j]);
            for (var j = 0; j < peer.TlsThumbprints.Count; j++)
                RequireThumbprint(problems, $"{at}:TlsThumbprints:{j}", peer.TlsThumbprints[j]);
            if (peer.SigningCertificates.Count == 0 && peer.SigningThumbprints.Count == 0)
                problems.Add($"{at} needs SigningCertificates or SigningThumbprints: the certificates its assertions may be signed with.");
            for (var j = 0; j < peer.SigningCertificates.Count; j++)
                RequireFile(problems, $"{at}:SigningCertificates:{j}", peer.SigningCertificates[j]);
            for (var j = 0; j < peer.SigningThumbprints.Count; j++)
                RequireThumbprint(problems, $"{at}:SigningThumbprints:{j}", peer.SigningThumbprints[j]);
        }
        return problems;
    }

    /// <summary>A thumbprint as compared: upper-case hex, separators dropped.</summary>
    internal static string NormalizeThumbprint(string thumbprint) =>
        string.Concat(thumbprint.Where(c => c is not (':' or ' ' or '-'))).ToUpperInvariant();

    private static void RequireFile(List<string> problems, string key, string path)
    {
        if (string.IsNullOrWhiteSpace(path) || !File.Exists(path))
            problems.Add($"{key}: no file at '{path}'.");
    }

    private static void RequireThumbprint(List<string> problems, string key, string thumbprint)
    {
        var normalized = NormalizeThumbprint(thumbprint ?? "");
        if (normalized.Length != 64 || !normalized.All(char.IsAsciiHexDigit))
            problems.Add($"{key} must be a SHA-256 thumbprint (64 hex digits).");
    }
}

/// <summary>How we talk to a peer (ADR 0010 §2): the NCPeH FHIR API now; IHE SOAP later.</summary>
public enum PeerTransportKind
{
    NcpFhir,
}

/// <summary>One entry of <c>ContactPoint:Peers</c>.</summary>
public sealed class PeerOptions
{
    /// <summary>The peer's id and the <c>iss</c> of its assertions, e.g. <c>urn:ehdsi:ncp:DE</c>.</summary>
    public string Id { get; set; } = "";

    /// <summary>ISO 3166-1 alpha-2, upper case: the country is the entry's, never a certificate's (ADR 0010 §4).</summary>
    public string Country { get; set; } = "";

    public string? BaseUrl { get; set; }

    public string Language { get; set; } = "";

    public PeerTransportKind Transport { get; set; } = PeerTransportKind.NcpFhir;

    /// <summary>PEM files of its TLS certificates: each gives a subject the peer is found by, and its thumbprint.</summary>
    public List<string> TlsCertificates { get; set; } = [];

    /// <summary>Further SHA-256 thumbprints accepted for those same subjects (e.g. a renewed certificate announced before its file).</summary>
    public List<string> TlsThumbprints { get; set; } = [];

    /// <summary>PEM files of the certificates its assertions are signed with.</summary>
    public List<string> SigningCertificates { get; set; } = [];

    /// <summary>Further SHA-256 thumbprints of assertion-signing certificates.</summary>
    public List<string> SigningThumbprints { get; set; } = [];
}
