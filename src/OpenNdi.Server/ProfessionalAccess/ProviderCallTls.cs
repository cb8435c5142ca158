using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace OpenNdi.Server.ProfessionalAccess;

/// <summary>
/// The TLS side of provider calls (issue 14): the connection to a provider system presents the access service's client
/// certificate when one is configured (mutual TLS, RFC 8446 §4.4.2), and trusts, besides the machine's roots, the one
/// configured CA for provider servers (the demo CA); host names are checked either way (RFC 6125).
/// </summary>
internal static class ProviderCallTls
{
    public static SocketsHttpHandler CreateHandler(ProviderCallOptions options)
    {
        var handler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5), MaxConnectionsPerServer = 256 };
        if (options.ClientCertificate.Length > 0)
        {
            var certificate = Load(options.ClientCertificate, options.ClientCertificateKey);
            // Always this certificate, whatever CAs the server names in its request: a provider that does not know it refuses the handshake.
            handler.SslOptions.LocalCertificateSelectionCallback = (_, _, _, _, _) => certificate;
            handler.SslOptions.ClientCertificates = [certificate];
        }
        if (options.TrustedAuthority.Length > 0)
        {
            var authority = X509CertificateLoader.LoadCertificateFromFile(options.TrustedAuthority);
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                errors == SslPolicyErrors.None
                || (errors == SslPolicyErrors.RemoteCertificateChainErrors && certificate is X509Certificate2 server && IssuedBy(server, authority));
        }
        return handler;
    }

    /// <summary>A server certificate for server authentication that chains to <paramref name="authority"/> alone.</summary>
    internal static bool IssuedBy(X509Certificate2 certificate, X509Certificate2 authority)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck; // the demo CA publishes no revocation list
        chain.ChainPolicy.ApplicationPolicy.Add(new System.Security.Cryptography.Oid("1.3.6.1.5.5.7.3.1")); // id-kp-serverAuth, RFC 5280 §4.2.1.12
        return chain.Build(certificate) && chain.ChainElements[^1].Certificate.Thumbprint == authority.Thumbprint;
    }

    /// <summary>A certificate and key from PEM, through PKCS#12 so its key is usable for TLS on every platform.</summary>
    private static X509Certificate2 Load(string certificateFile, string keyFile)
    {
        using var pem = keyFile.Length > 0 ? X509Certificate2.CreateFromPemFile(certificateFile, keyFile) : X509Certificate2.CreateFromPemFile(certificateFile);
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), password: null);
    }
}
