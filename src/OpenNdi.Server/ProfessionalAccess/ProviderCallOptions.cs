namespace OpenNdi.Server.ProfessionalAccess;

/// <summary>
/// How the access service authenticates to provider systems (section <c>ProfessionalAccess:ProviderCalls</c>, issue
/// 14): as a SMART Backend Services client (client credentials with a <c>private_key_jwt</c> assertion) for a token of
/// the providers' audience, and optionally with a TLS client certificate.
/// </summary>
public sealed class ProviderCallOptions
{
    /// <summary>Its client id at the authorization server.</summary>
    public string ClientId { get; set; } = "openndi-access-service";

    /// <summary>The audience of its tokens: the provider side, never the national APIs' audience.</summary>
    public string Audience { get; set; } = "openndi-providers";

    /// <summary>The scopes it asks for: read and search on everything a provider holds, for systems.</summary>
    public string Scope { get; set; } = "system/*.rs";

    /// <summary>The token endpoint; empty means the embedded authorization server's (<c>{Identity:Server:Issuer}/oauth/token</c>).</summary>
    public string TokenEndpoint { get; set; } = string.Empty;

    /// <summary>Its signing key (PEM, P-384), created on first start; empty means a new key each start.</summary>
    public string SigningKeyFile { get; set; } = string.Empty;

    /// <summary>A token is renewed this long before it expires, so none expires on the way to a provider.</summary>
    public int RenewSecondsBeforeExpiry { get; set; } = 60;

    /// <summary>The TLS client certificate presented to provider systems (PEM); empty means none.</summary>
    public string ClientCertificate { get; set; } = string.Empty;

    /// <summary>Its private key (PEM); empty means the key is in <see cref="ClientCertificate"/>.</summary>
    public string ClientCertificateKey { get; set; } = string.Empty;

    /// <summary>A CA certificate (PEM) trusted for provider systems' server certificates, besides the machine's roots (the demo CA).</summary>
    public string TrustedAuthority { get; set; } = string.Empty;

    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(ClientId))
            problems.Add("ProfessionalAccess:ProviderCalls:ClientId is required");
        if (string.IsNullOrWhiteSpace(Audience))
            problems.Add("ProfessionalAccess:ProviderCalls:Audience is required");
        if (TokenEndpoint.Length > 0 && (!Uri.TryCreate(TokenEndpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
            problems.Add("ProfessionalAccess:ProviderCalls:TokenEndpoint must be an absolute http(s) URL");
        if (RenewSecondsBeforeExpiry is < 0 or > 3600)
            problems.Add("ProfessionalAccess:ProviderCalls:RenewSecondsBeforeExpiry must be between 0 and 3600");
        foreach (var (name, file) in new[] { ("ClientCertificate", ClientCertificate), ("ClientCertificateKey", ClientCertificateKey), ("TrustedAuthority", TrustedAuthority) })
        {
            if (file.Length > 0 && !File.Exists(file))
                problems.Add($"ProfessionalAccess:ProviderCalls:{name} names a file that does not exist: {file}");
        }
        if (ClientCertificateKey.Length > 0 && ClientCertificate.Length == 0)
            problems.Add("ProfessionalAccess:ProviderCalls:ClientCertificateKey needs ClientCertificate");
        return problems;
    }
}
