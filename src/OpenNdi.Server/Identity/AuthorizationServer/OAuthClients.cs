using Microsoft.IdentityModel.Tokens;
using OpenNdi.Core.Identifiers;
using OpenNdi.Core.Identity;

namespace OpenNdi.Server.Identity.AuthorizationServer;

/// <summary>A registered client, validated: parsed scopes, keys and provider.</summary>
public sealed record OAuthClient(string ClientId, string Name, ScopeSet AllowedScopes, IReadOnlyList<SecurityKey> Keys, HsaId? Organization, IReadOnlyList<string> RedirectUris,
    string? Jwks = null, bool Introspection = false)
{
    /// <summary>The audience of this client's access tokens when it is not the national APIs' (see <see cref="OAuthClientOptions.Audience"/>).</summary>
    public string? Audience { get; init; }

    /// <summary>A backend service: authenticates with its keys, never on behalf of a user.</summary>
    public bool IsBackendService => Keys.Count > 0;
}

/// <summary>
/// A public app that ships with the server (authorization code with PKCE, no secret): its redirect URI is
/// <see cref="RedirectPath"/> under the issuer, so it follows wherever the server is reached.
/// </summary>
public sealed record BuiltInApp(string ClientId, string Name, string Scopes, string RedirectPath);

/// <summary>
/// The clients the authorization server knows: those in configuration (validated at start, so a typo fails the
/// start rather than a token request), the built-in apps and the backend services a module contributes (an
/// <see cref="OAuthClientOptions"/> singleton, e.g. the access service's own client). The same on every replica, since
/// it is made from configuration and code; <see cref="ClientRegistrations"/> writes it into OpenIddict's
/// application store at start, where OpenIddict authenticates clients against it.
/// </summary>
public sealed class OAuthClients
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, OAuthClient> _clients = new(StringComparer.Ordinal);

    /// <param name="apps">Built-in apps (the demo page, the clinician portal), contributed by the modules that serve them.</param>
    /// <param name="contributed">Backend services a module of this host registers as <see cref="OAuthClientOptions"/> singletons (the access service's client for provider calls).</param>
    public OAuthClients(AuthorizationServerOptions options, IEnumerable<BuiltInApp>? apps = null, IEnumerable<OAuthClientOptions>? contributed = null)
    {
        foreach (var app in apps ?? [])
        {
            Register(new OAuthClientOptions
            {
                ClientId = app.ClientId,
                Name = app.Name,
                Scopes = app.Scopes,
                RedirectUris = [$"{options.Issuer.TrimEnd('/')}{app.RedirectPath}"],
            });
        }
        foreach (var client in options.Clients.Concat(contributed ?? []))
            Register(client);
    }

    public bool TryGet(string? clientId, out OAuthClient client)
    {
        client = null!;
        return clientId is not null && _clients.TryGetValue(clientId, out client!);
    }

    public IReadOnlyCollection<OAuthClient> All => [.. _clients.Values];

    /// <summary>
    /// Adds or replaces a client; throws with the reason when its settings are invalid. After start, only a demo module
    /// adds one (the simulated EHR, once the population it belongs to is loaded), the same on every replica, and writes
    /// it to the store itself (<see cref="ClientRegistrations.WriteAsync"/>).
    /// </summary>
    public OAuthClient Register(OAuthClientOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.ClientId))
            throw new ArgumentException("a client needs a ClientId", nameof(options));
        if (!ScopeSet.TryParse(options.Scopes, out var scopes, out var error))
            throw new ArgumentException($"client {options.ClientId}: {error}", nameof(options));
        IReadOnlyList<SecurityKey> keys = string.IsNullOrWhiteSpace(options.Jwks) ? [] : [.. new JsonWebKeySet(options.Jwks).GetSigningKeys()];
        if (!string.IsNullOrWhiteSpace(options.Jwks) && keys.Count == 0)
            throw new ArgumentException($"client {options.ClientId}: its JWKS holds no signing key", nameof(options));
        HsaId? organization = null;
        if (!string.IsNullOrWhiteSpace(options.Organization))
        {
            if (!HsaId.TryParse(options.Organization, out var parsed, out var problem))
                throw new ArgumentException($"client {options.ClientId}: Organization: {problem}", nameof(options));
            organization = parsed;
        }
        if (keys.Count == 0 && options.RedirectUris.Count == 0)
            throw new ArgumentException($"client {options.ClientId}: a client needs either keys (backend service) or redirect URIs (app)", nameof(options));
        if (options.Introspection && keys.Count == 0)
            throw new ArgumentException($"client {options.ClientId}: a resource server that introspects must authenticate with keys", nameof(options));
        var client = new OAuthClient(options.ClientId, string.IsNullOrWhiteSpace(options.Name) ? options.ClientId : options.Name, scopes, keys, organization, [.. options.RedirectUris],
            keys.Count == 0 ? null : options.Jwks, options.Introspection)
        {
            Audience = string.IsNullOrWhiteSpace(options.Audience) ? null : options.Audience,
        };
        _clients[client.ClientId] = client;
        return client;
    }
}
