using OpenNdi.Data;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace OpenNdi.Synthetic.Simulator;

/// <summary>
/// The demo's small public key infrastructure for mutual TLS between the access service and the simulated EHRs
/// (issue 14): a demo certificate authority, a server certificate for the simulator's host names and a client
/// certificate for the access service. Made with .NET's <see cref="CertificateRequest"/> on first use and kept as PEM
/// files in one folder (<c>ca.crt</c>, <c>simulator.crt</c>, <c>access-service.crt</c>, each key beside it in a
/// <c>.key</c> file readable by the owner only), so a restart and a second process (the server beside
/// <c>ndi simulate</c>) use the same ones. For the demo only: real provider systems and the national service use
/// certificates of the national PKI (SITHS function certificates), configured as files.
/// </summary>
public sealed class DemoCertificates : IDisposable
{
    public const string AuthorityFile = "ca.crt";
    public const string SimulatorFile = "simulator.crt";
    public const string AccessServiceFile = "access-service.crt";

    /// <summary>The names the simulator's server certificate is valid for (RFC 6125 §6.4: DNS names and IP addresses in subjectAltName).</summary>
    private static readonly string[] ServerNames = ["localhost", "127.0.0.1", "::1"];

    private DemoCertificates(X509Certificate2 authority, X509Certificate2 simulator, X509Certificate2 accessService, string origin)
    {
        Authority = authority;
        Simulator = simulator;
        AccessService = accessService;
        Origin = origin;
    }

    /// <summary>The demo CA's certificate (public part only once loaded by others).</summary>
    public X509Certificate2 Authority { get; }

    /// <summary>The simulator's TLS server certificate, with its private key.</summary>
    public X509Certificate2 Simulator { get; }

    /// <summary>The access service's TLS client certificate, with its private key.</summary>
    public X509Certificate2 AccessService { get; }

    /// <summary>Where they came from, for the start-up log.</summary>
    public string Origin { get; }

    /// <summary>Loads the certificates from <paramref name="folder"/>, creating what is missing (the CA first, then the two it issues).</summary>
    public static DemoCertificates LoadOrCreate(string folder, TimeProvider time)
    {
        Directory.CreateDirectory(folder);
        var created = new List<string>();
        var authority = LoadOrCreate(folder, AuthorityFile, created, () => CreateAuthority(time));
        var simulator = LoadOrCreate(folder, SimulatorFile, created, () => Issue(authority, "OpenNdi demo simulated EHR", server: true, time));
        var accessService = LoadOrCreate(folder, AccessServiceFile, created, () => Issue(authority, "OpenNdi demo national access service", server: false, time));
        return new DemoCertificates(authority, simulator, accessService, created.Count == 0 ? $"loaded from {folder}" : $"created {string.Join(", ", created)} in {folder}");
    }

    /// <summary>
    /// True when <paramref name="certificate"/> chains to <paramref name="authority"/> alone (not to any root of the
    /// machine's store), is valid now and may be used for <paramref name="usage"/> (RFC 5280 §4.2.1.12).
    /// </summary>
    public static bool IsIssuedBy(X509Certificate2 certificate, X509Certificate2 authority, string usage)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck; // the demo CA publishes no revocation list
        chain.ChainPolicy.ApplicationPolicy.Add(new Oid(usage));
        return chain.Build(certificate) && chain.ChainElements[^1].Certificate.Thumbprint == authority.Thumbprint;
    }

    /// <summary>Extended key usage OIDs (RFC 5280 §4.2.1.12).</summary>
    public const string ServerAuthentication = "1.3.6.1.5.5.7.3.1";
    public const string ClientAuthentication = "1.3.6.1.5.5.7.3.2";

    private static X509Certificate2 CreateAuthority(TimeProvider time)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=OpenNdi demo CA, O=OpenNdi demo", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: true, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        var now = time.GetUtcNow();
        return request.CreateSelfSigned(now.AddMinutes(-5), now.AddYears(5));
    }

    private static X509Certificate2 Issue(X509Certificate2 authority, string name, bool server, TimeProvider time)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}, O=OpenNdi demo", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(server ? ServerAuthentication : ClientAuthentication)], critical: false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(authority, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        if (server)
        {
            var names = new SubjectAlternativeNameBuilder();
            foreach (var host in ServerNames)
            {
                if (IPAddress.TryParse(host, out var address))
                    names.AddIpAddress(address);
                else
                    names.AddDnsName(host);
            }
            request.CertificateExtensions.Add(names.Build());
        }
        var now = time.GetUtcNow();
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f; // a positive serial number (RFC 5280 §4.1.2.2)
        using var issued = request.Create(authority, now.AddMinutes(-5), now.AddYears(1), serial);
        return issued.CopyWithPrivateKey(key);
    }

    private static X509Certificate2 LoadOrCreate(string folder, string file, List<string> created, Func<X509Certificate2> create)
    {
        var certificatePath = Path.Combine(folder, file);
        var keyPath = Path.ChangeExtension(certificatePath, ".key");
        if (File.Exists(certificatePath) && File.Exists(keyPath))
            return Usable(X509Certificate2.CreateFromPemFile(certificatePath, keyPath));
        using var certificate = create();
        // The key first, private from its creation; each file written aside and moved into place, so a second process
        // starting at the same moment never reads half a file. If it wins the race, its certificate is the one kept.
        if (PrivateFiles.WriteOnce(keyPath, certificate.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem())
            & PrivateFiles.WriteOnce(certificatePath, certificate.ExportCertificatePem(), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead))
            created.Add(file);
        return Usable(X509Certificate2.CreateFromPemFile(certificatePath, keyPath));
    }

    /// <summary>
    /// A certificate whose key TLS can use on every platform: a key loaded from PEM is ephemeral, which SslStream on
    /// Windows refuses, so it goes through PKCS#12 once (no password: it never leaves memory).
    /// </summary>
    private static X509Certificate2 Usable(X509Certificate2 fromPem)
    {
        using (fromPem)
            return X509CertificateLoader.LoadPkcs12(fromPem.Export(X509ContentType.Pkcs12), password: null);
    }

    public void Dispose()
    {
        Authority.Dispose();
        Simulator.Dispose();
        AccessService.Dispose();
    }
}
