using OpenNdi.Data;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace OpenNdi.ContactPoint.Demo;

/// <summary>
/// The demo's MyHealth@EU public key infrastructure (ADR 0010 §4, §5), apart from the national demo CA: a demo EU CA,
/// Sweden's contact point certificate (TLS server and client) and assertion-signing certificate, the same pair for the
/// simulated peers Germany and France, and for the refusal tests a revoked German certificate, one with Germany's
/// subject under the EU CA but another key, one with Germany's subject under another CA. All ECDSA P-256, made with
/// <see cref="CertificateRequest"/> on first use and kept as PEM files in one folder (keys readable by the owner only),
/// as <c>DemoCertificates</c> does for the national demo.
/// France's subject is deliberately awkward (<c>OU="NCP, C=SE interop"</c> and a <c>DC=</c>): OpenNCP's first-<c>C=</c>
/// substring would read it as Sweden; we match whole subjects and never parse a name.
/// </summary>
public sealed class DemoEuCertificates : IDisposable
{
    public const string AuthorityFile = "eu-ca.crt";
    public const string OtherAuthorityFile = "other-ca.crt";
    public const string SwedenFile = "ncp-se.crt";
    public const string SwedenSigningFile = "ncp-se-signing.crt";
    public const string GermanyFile = "ncp-de.crt";
    public const string GermanySigningFile = "ncp-de-signing.crt";
    public const string FranceFile = "ncp-fr.crt";
    public const string FranceSigningFile = "ncp-fr-signing.crt";
    public const string GermanyRevokedFile = "ncp-de-revoked.crt";
    public const string GermanyOtherKeyFile = "ncp-de-other-key.crt";
    public const string GermanyOtherAuthorityFile = "ncp-de-other-ca.crt";

    /// <summary>id-kp-documentSigning (RFC 9336): assertion-signing certificates are not TLS certificates.</summary>
    private const string DocumentSigning = "1.3.6.1.5.5.7.3.36";

    /// <summary>The names the contact points' demo TLS certificates are valid for (RFC 6125 §6.4).</summary>
    private static readonly string[] ServerNames = ["localhost", "127.0.0.1", "::1"];

    private readonly Dictionary<string, X509Certificate2> _certificates;

    private DemoEuCertificates(string folder, Dictionary<string, X509Certificate2> certificates, string origin)
    {
        Folder = folder;
        _certificates = certificates;
        Origin = origin;
    }

    public string Folder { get; }

    /// <summary>Where they came from, for the start-up log.</summary>
    public string Origin { get; }

    public X509Certificate2 Authority => _certificates[AuthorityFile];
    public X509Certificate2 OtherAuthority => _certificates[OtherAuthorityFile];
    public X509Certificate2 Sweden => _certificates[SwedenFile];
    public X509Certificate2 SwedenSigning => _certificates[SwedenSigningFile];
    public X509Certificate2 Germany => _certificates[GermanyFile];
    public X509Certificate2 GermanySigning => _certificates[GermanySigningFile];
    public X509Certificate2 France => _certificates[FranceFile];
    public X509Certificate2 FranceSigning => _certificates[FranceSigningFile];

    /// <summary>Germany's subject, registered for Germany, but in the revocation list.</summary>
    public X509Certificate2 GermanyRevoked => _certificates[GermanyRevokedFile];

    /// <summary>Germany's subject from the demo EU CA, another key: its thumbprint is not registered.</summary>
    public X509Certificate2 GermanyOtherKey => _certificates[GermanyOtherKeyFile];

    /// <summary>Germany's subject from another CA.</summary>
    public X509Certificate2 GermanyOtherAuthority => _certificates[GermanyOtherAuthorityFile];

    public string PathOf(string file) => Path.Combine(Folder, file);

    public static X500DistinguishedName GermanySubject() => Name("DE", "Demo NCP Germany", "ncp.demo.de");

    public static X500DistinguishedName FranceSubject()
    {
        // Shown as CN=ncp.demo.fr, OU="NCP, C=SE interop", DC=demo, O=Demo NCP France, C=FR (the builder's first is shown first).
        var name = new X500DistinguishedNameBuilder();
        name.AddCommonName("ncp.demo.fr");
        name.AddOrganizationalUnitName("NCP, C=SE interop");
        name.AddDomainComponent("demo");
        name.AddOrganizationName("Demo NCP France");
        name.AddCountryOrRegion("FR");
        return name.Build();
    }

    /// <summary>Loads the certificates from <paramref name="folder"/>, creating what is missing (the CAs first, then what they issue).</summary>
    public static DemoEuCertificates LoadOrCreate(string folder, TimeProvider time)
    {
        Directory.CreateDirectory(folder);
        var created = new List<string>();
        var all = new Dictionary<string, X509Certificate2>();
        X509Certificate2 Get(string file, Func<X509Certificate2> create) => all[file] = LoadOrCreate(folder, file, created, create);

        var eu = Get(AuthorityFile, () => CreateAuthority("CN=OpenNdi demo MyHealth@EU CA, O=OpenNdi demo EU", time));
        var other = Get(OtherAuthorityFile, () => CreateAuthority("CN=OpenNdi demo other CA, O=Not MyHealth@EU", time));
        Get(SwedenFile, () => Issue(eu, Name("SE", "Demo NCP Sweden", "ncp.demo.se"), tls: true, time));
        Get(SwedenSigningFile, () => Issue(eu, Name("SE", "Demo NCP Sweden", "assertions.ncp.demo.se"), tls: false, time));
        Get(GermanyFile, () => Issue(eu, GermanySubject(), tls: true, time));
        Get(GermanySigningFile, () => Issue(eu, Name("DE", "Demo NCP Germany", "assertions.ncp.demo.de"), tls: false, time));
        Get(FranceFile, () => Issue(eu, FranceSubject(), tls: true, time));
        Get(FranceSigningFile, () => Issue(eu, Name("FR", "Demo NCP France", "assertions.ncp.demo.fr"), tls: false, time));
        Get(GermanyRevokedFile, () => Issue(eu, GermanySubject(), tls: true, time));
        Get(GermanyOtherKeyFile, () => Issue(eu, GermanySubject(), tls: true, time));
        Get(GermanyOtherAuthorityFile, () => Issue(other, GermanySubject(), tls: true, time));
        return new DemoEuCertificates(folder, all, created.Count == 0 ? $"loaded from {folder}" : $"created {string.Join(", ", created)} in {folder}");
    }

    private static X500DistinguishedName Name(string country, string organization, string commonName)
    {
        var name = new X500DistinguishedNameBuilder();
        name.AddCommonName(commonName);
        name.AddOrganizationName(organization);
        name.AddCountryOrRegion(country);
        return name.Build();
    }

    private static X509Certificate2 CreateAuthority(string name, TimeProvider time)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(name, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: true, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        var now = time.GetUtcNow();
        return request.CreateSelfSigned(now.AddMinutes(-5), now.AddYears(5));
    }

    /// <summary>A TLS certificate (server and client: a contact point is both) or an assertion-signing one.</summary>
    private static X509Certificate2 Issue(X509Certificate2 authority, X500DistinguishedName subject, bool tls, TimeProvider time)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(tls ? X509KeyUsageFlags.DigitalSignature : X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.NonRepudiation, critical: true));
        var usages = tls ? new OidCollection { new("1.3.6.1.5.5.7.3.1"), new("1.3.6.1.5.5.7.3.2") } : [new(DocumentSigning)];
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(usages, critical: false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(authority, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        if (tls)
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
        // The key first, private from its creation; each file written aside and moved into place (PrivateFiles), so two
        // processes starting at once agree on one pair.
        if (PrivateFiles.WriteOnce(keyPath, certificate.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem())
            & PrivateFiles.WriteOnce(certificatePath, certificate.ExportCertificatePem(), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead))
            created.Add(file);
        return Usable(X509Certificate2.CreateFromPemFile(certificatePath, keyPath));
    }

    /// <summary>A key loaded from PEM is ephemeral, which SslStream on Windows refuses: through PKCS#12 once (no password: it never leaves memory).</summary>
    private static X509Certificate2 Usable(X509Certificate2 fromPem)
    {
        using (fromPem)
            return X509CertificateLoader.LoadPkcs12(fromPem.Export(X509ContentType.Pkcs12), password: null);
    }

    public void Dispose()
    {
        foreach (var certificate in _certificates.Values)
            certificate.Dispose();
    }
}
