using OpenNdi.ContactPoint.Domain;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace OpenNdi.ContactPoint.Trust;

/// <summary>
/// The loaded trust list (ADR 0010 §4): the anchors, the peers with the DER-encoded subjects and SHA-256 thumbprints
/// of their TLS certificates and the thumbprints of their assertion-signing certificates, the revoked thumbprints and
/// the revocation mode. Built once from <see cref="ContactPointTrustOptions"/>; read-only afterwards.
/// </summary>
public sealed class PeerTrustList : IDisposable
{
    private readonly IReadOnlyList<PeerEntry> _entries;
    private readonly HashSet<string> _revoked;

    private PeerTrustList(string audience, X509Certificate2Collection anchors, IReadOnlyList<PeerEntry> entries, HashSet<string> revoked, X509RevocationMode revocationMode)
    {
        Audience = audience;
        Anchors = anchors;
        _entries = entries;
        _revoked = revoked;
        RevocationMode = revocationMode;
    }

    /// <summary>The <c>aud</c> every incoming assertion must name.</summary>
    public string Audience { get; }

    public IReadOnlyList<Peer> Peers => [.. _entries.Select(e => e.Peer)];

    internal X509Certificate2Collection Anchors { get; }

    internal X509RevocationMode RevocationMode { get; }

    /// <summary>Reads the PEM files the options name; throws <see cref="InvalidOperationException"/> listing every problem of the options.</summary>
    public static PeerTrustList Load(ContactPointTrustOptions options)
    {
        var problems = options.Validate().ToList();
        if (problems.Count == 0)
            problems.AddRange(SubjectsRegisteredTwice(options));
        if (problems.Count > 0)
            throw new InvalidOperationException($"ContactPoint trust configuration: {string.Join(" ", problems)}");

        var anchors = new X509Certificate2Collection();
        foreach (var file in options.TrustAnchors)
            anchors.Add(X509CertificateLoader.LoadCertificateFromFile(file));
        var entries = options.Peers.Select(Entry).ToList();
        var revoked = options.RevokedThumbprints.Select(ContactPointTrustOptions.NormalizeThumbprint).ToHashSet(StringComparer.Ordinal);
        return new PeerTrustList(options.Audience!, anchors, entries, revoked, options.RevocationMode);
    }

    public Peer? Find(string id) => _entries.FirstOrDefault(e => e.Peer.Id == id)?.Peer;

    /// <summary>The SHA-256 thumbprint as the trust list writes it.</summary>
    public static string Thumbprint(X509Certificate2 certificate) => certificate.GetCertHashString(HashAlgorithmName.SHA256);

    internal bool IsRevoked(X509Certificate2 certificate) => _revoked.Contains(Thumbprint(certificate));

    /// <summary>
    /// The entry whose registered TLS subject is <paramref name="certificate"/>'s whole subject, byte for byte (its DER
    /// encoding): no attribute of the name is read (ADR 0010 §4, against OpenNCP's first-<c>C=</c> substring).
    /// </summary>
    internal PeerEntry? FindByTlsSubject(X509Certificate2 certificate)
    {
        var subject = certificate.SubjectName.RawData;
        return _entries.FirstOrDefault(e => e.TlsSubjects.Any(s => s.AsSpan().SequenceEqual(subject)));
    }

    /// <summary>The peer that registered <paramref name="certificate"/> (by its SHA-256 thumbprint) for signing assertions.</summary>
    internal Peer? FindBySigningCertificate(X509Certificate2 certificate)
    {
        var thumbprint = Thumbprint(certificate);
        return _entries.FirstOrDefault(e => e.SigningThumbprints.Contains(thumbprint))?.Peer;
    }

    private static PeerEntry Entry(PeerOptions options)
    {
        var peer = new Peer(options.Id, options.Country, options.BaseUrl is null ? null : new Uri(options.BaseUrl), options.Language);
        var subjects = new List<byte[]>();
        var tls = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in options.TlsCertificates)
        {
            using var certificate = X509CertificateLoader.LoadCertificateFromFile(file);
            if (!subjects.Any(s => s.AsSpan().SequenceEqual(certificate.SubjectName.RawData)))
                subjects.Add(certificate.SubjectName.RawData);
            tls.Add(Thumbprint(certificate));
        }
        tls.UnionWith(options.TlsThumbprints.Select(ContactPointTrustOptions.NormalizeThumbprint));
        var signing = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in options.SigningCertificates)
        {
            using var certificate = X509CertificateLoader.LoadCertificateFromFile(file);
            signing.Add(Thumbprint(certificate));
        }
        signing.UnionWith(options.SigningThumbprints.Select(ContactPointTrustOptions.NormalizeThumbprint));
        return new PeerEntry(peer, subjects, tls, signing);
    }

    /// <summary>One subject in two entries would make the peer a certificate speaks for depend on the order of the list.</summary>
    private static IEnumerable<string> SubjectsRegisteredTwice(ContactPointTrustOptions options)
    {
        var seen = new List<(byte[] Subject, string Peer)>();
        foreach (var peer in options.Peers)
        {
            foreach (var file in peer.TlsCertificates)
            {
                using var certificate = X509CertificateLoader.LoadCertificateFromFile(file);
                var subject = certificate.SubjectName.RawData;
                var other = seen.FirstOrDefault(s => s.Peer != peer.Id && s.Subject.AsSpan().SequenceEqual(subject));
                if (other.Subject is not null)
                    yield return $"The TLS subject '{certificate.Subject}' is registered for both {other.Peer} and {peer.Id}.";
                seen.Add((subject, peer.Id));
            }
        }
    }

    public void Dispose()
    {
        foreach (var anchor in Anchors)
            anchor.Dispose();
    }
}

internal sealed record PeerEntry(Peer Peer, IReadOnlyList<byte[]> TlsSubjects, IReadOnlySet<string> TlsThumbprints, IReadOnlySet<string> SigningThumbprints);
