namespace OpenNdi.Server.Identity.AuthorizationServer;

/// <summary>Settings of section <c>Identity:Server</c>: the embedded authorization server.</summary>
public sealed class AuthorizationServerOptions
{
    /// <summary>On by default so the demo works alone; in production national identity providers issue tokens instead.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The issuer identifier, the base URL clients reach us at. Tokens carry it as <c>iss</c>.</summary>
    public string Issuer { get; set; } = "http://localhost:5080";

    /// <summary>Where the RSA signing key is kept (PEM, created on first start). Empty: a new key each start.</summary>
    public string SigningKeyFile { get; set; } = string.Empty;

    public int AccessTokenMinutes { get; set; } = 15;

    /// <summary>Registered clients besides the built-in demo portal.</summary>
    public List<OAuthClientOptions> Clients { get; set; } = [];

    public Uri TokenEndpoint => new($"{Issuer.TrimEnd('/')}/oauth/token");

    public Uri AuthorizationEndpoint => new($"{Issuer.TrimEnd('/')}/oauth/authorize");

    public Uri JwksUri => new($"{Issuer.TrimEnd('/')}/oauth/jwks");
}

/// <summary>
/// One registered client. A backend service (SMART Backend Services) authenticates with <c>private_key_jwt</c> against
/// its <see cref="Jwks"/> and acts for <see cref="Organization"/>; a user-facing app is public and uses PKCE.
/// </summary>
public sealed class OAuthClientOptions
{
    public string ClientId { get; set; } = string.Empty;

    public string Name { get; set; } = string.Empty;

    /// <summary>The client's public keys (JWKS JSON) for <c>private_key_jwt</c>; empty for a public client.</summary>
    public string Jwks { get; set; } = string.Empty;

    /// <summary>The HSA-id of the care provider a backend service belongs to (its tokens' <c>subject_organization_id</c>).</summary>
    public string Organization { get; set; } = string.Empty;

    /// <summary>The widest scopes this client may be granted, space separated.</summary>
    public string Scopes { get; set; } = string.Empty;

    public List<string> RedirectUris { get; set; } = [];

    /// <summary>
    /// The audience (<c>aud</c>) of this client's access tokens when they are not for the national APIs; empty means
    /// <c>Identity:Audience</c>. The access service's client for provider calls has <c>openndi-providers</c>, so its
    /// tokens open no national API and national tokens open no provider system (RFC 9068 §4, audience restriction).
    /// </summary>
    public string Audience { get; set; } = string.Empty;
}
