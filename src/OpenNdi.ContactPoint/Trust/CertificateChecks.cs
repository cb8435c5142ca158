using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace OpenNdi.ContactPoint.Trust;

/// <summary>
/// The checks every peer certificate passes, TLS or assertion-signing (ADR 0010 §4, §5): a chain that ends at one of
/// the configured MyHealth@EU anchors and nowhere else (custom root trust, never the machine's roots), valid on our
/// clock, for the usage asked, not revoked. Answers null when it holds, else the reason for the audit record.
/// </summary>
internal static class CertificateChecks
{
    /// <summary>Extended key usage OIDs (RFC 5280 §4.2.1.12).</summary>
    public const string ServerAuthentication = "1.3.6.1.5.5.7.3.1";
    public const string ClientAuthentication = "1.3.6.1.5.5.7.3.2";

    public static string? Problem(X509Certificate2 certificate, PeerTrustList trust, TimeProvider time, string? extendedUsage, IEnumerable<X509Certificate2>? intermediates = null)
    {
        using var chain = new X509Chain();
        var policy = chain.ChainPolicy;
        policy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        policy.CustomTrustStore.AddRange(trust.Anchors);
        if (intermediates is not null)
            policy.ExtraStore.AddRange(intermediates.ToArray());
        // Our clock, not the machine's: the tests move it, and every replica judges alike.
        policy.VerificationTime = time.GetUtcNow().UtcDateTime;
        policy.VerificationTimeIgnored = false;
        policy.RevocationMode = trust.RevocationMode;
        policy.RevocationFlag = X509RevocationFlag.ExcludeRoot;
        policy.DisableCertificateDownloads = true; // intermediates come from the trust list or the x5c, never from a URL in the certificate
        if (extendedUsage is not null)
            policy.ApplicationPolicy.Add(new Oid(extendedUsage));

        var built = chain.Build(certificate);
        var flags = chain.ChainStatus.Aggregate(X509ChainStatusFlags.NoError, (all, s) => all | s.Status);
        if (!built || !EndsAtAnchor(chain, trust))
            return Reason(flags);
        if (chain.ChainElements.Any(e => trust.IsRevoked(e.Certificate)))
            return "revoked (in ContactPoint:RevokedThumbprints)";
        if (certificate.Extensions.OfType<X509KeyUsageExtension>().FirstOrDefault() is { } usage
            && !usage.KeyUsages.HasFlag(X509KeyUsageFlags.DigitalSignature))
            return "wrong key usage (no digitalSignature)";
        return null;
    }

    private static bool EndsAtAnchor(X509Chain chain, PeerTrustList trust)
    {
        var root = chain.ChainElements[^1].Certificate;
        return trust.Anchors.Any(a => a.RawData.AsSpan().SequenceEqual(root.RawData));
    }

    /// <summary>The first reason that explains a failed chain, the most fundamental first.</summary>
    private static string Reason(X509ChainStatusFlags flags) => flags switch
    {
        _ when flags.HasFlag(X509ChainStatusFlags.UntrustedRoot) || flags.HasFlag(X509ChainStatusFlags.PartialChain) || flags.HasFlag(X509ChainStatusFlags.NotSignatureValid)
            => "chain does not end at a configured trust anchor",
        _ when flags.HasFlag(X509ChainStatusFlags.NotTimeValid) => "expired or not yet valid",
        _ when flags.HasFlag(X509ChainStatusFlags.NotValidForUsage) => "wrong key usage",
        _ when flags.HasFlag(X509ChainStatusFlags.Revoked) => "revoked (by its issuer)",
        _ when flags.HasFlag(X509ChainStatusFlags.RevocationStatusUnknown) || flags.HasFlag(X509ChainStatusFlags.OfflineRevocation)
            => "revocation status unknown",
        X509ChainStatusFlags.NoError => "chain does not end at a configured trust anchor",
        _ => $"chain not valid ({flags})",
    };
}
