namespace OpenNdi.Server.Identity.AuthorizationServer;

/// <summary>Settings of section <c>Identity:Server</c>: the embedded authorization server.</summary>
public sealed class AuthorizationServerOptions
{
    /// <summary>On by default so the demo works alone; in production national identity providers issue tokens instead.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The issuer identifier, the base URL clients reach us at. Tokens carry it as <c>iss</c>.</summary>
    public string Issuer { get; set; } = "http://localhost:5080";

    /// <summary>
    /// Where the RSA signing key is kept (PEM, created on first start), for an operator who mounts it as a secret.
    /// Empty (the default): the key is kept in the database and shared by every replica (ADR 0008).
    /// </summary>
    public string SigningKeyFile { get; set; } = string.Empty;

    public int AccessTokenMinutes { get; set; } = 15;

    /// <summary>How long a refresh token lives (rotated at every use: each use gives a new one and retires the old).</summary>
    public int RefreshTokenHours { get; set; } = 8;

    /// <summary>How long a break-glass token from token exchange lives: one emergency, not a shift.</summary>
    public int EmergencyTokenMinutes { get; set; } = 5;

    /// <summary>How long an EHR launch context waits for the app to be launched with it.</summary>
    public int LaunchMinutes { get; set; } = 5;

    /// <summary>
    /// Backend clients that act as resource servers and introspect tokens (RFC 7662) instead of validating them: every
    /// access token names them as audiences beside <c>Identity:Audience</c>, since OpenIddict answers an introspection
    /// only to an audience or the presenter of the token.
    /// </summary>
    public List<string> ResourceServers { get; set; } = [];

    /// <summary>Registered clients besides the built-in demo portal.</summary>
    public List<OAuthClientOptions> Clients { get; set; } = [];

    public Uri TokenEndpoint => new($"{Issuer.TrimEnd('/')}/oauth/token");

    public Uri AuthorizationEndpoint => new($"{Issuer.TrimEnd('/')}/oauth/authorize");

    public Uri JwksUri => new($"{Issuer.TrimEnd('/')}/oauth/jwks");

    public Uri UserinfoEndpoint => new($"{Issuer.TrimEnd('/')}/oauth/userinfo");

    public Uri RevocationEndpoint => new($"{Issuer.TrimEnd('/')}/oauth/revoke");

    public Uri IntrospectionEndpoint => new($"{Issuer.TrimEnd('/')}/oauth/introspect");

    public Uri LaunchEndpoint => new($"{Issuer.TrimEnd('/')}/oauth/launch");
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

    /// <summary>A backend service that may introspect and revoke tokens (a resource server, RFC 7662/7009).</summary>
    public bool Introspection { get; set; }

    /// <summary>
    /// The audience (<c>aud</c>) of this client's access tokens when they are not for the national APIs; empty means
    /// <c>Identity:Audience</c>. The access service's client for provider calls has <c>openndi-providers</c>, so its
    /// tokens open no national API and national tokens open no provider system (RFC 9068 §4, audience restriction).
    /// </summary>
    public string Audience { get; set; } = string.Empty;
}
