using static OpenIddict.Abstractions.OpenIddictConstants;

namespace OpenNdi.Server.Identity.AuthorizationServer;

/// <summary>
/// SMART's <c>.well-known/smart-configuration</c> (SMART App Launch 2.2 §2.1): the same endpoints and abilities
/// OpenIddict's OpenID Connect discovery document states, plus SMART's capabilities. OpenID discovery and the JWKS are
/// OpenIddict's own.
/// </summary>
internal static class DiscoveryEndpoints
{
    public static readonly string[] SigningAlgorithms = ["RS256", "RS384", "ES256", "ES384"];

    public static IResult SmartConfiguration(AuthorizationServerOptions options) => Results.Json(new Dictionary<string, object>
    {
        ["issuer"] = options.Issuer,
        ["jwks_uri"] = options.JwksUri.AbsoluteUri,
        ["authorization_endpoint"] = options.AuthorizationEndpoint.AbsoluteUri,
        ["token_endpoint"] = options.TokenEndpoint.AbsoluteUri,
        ["userinfo_endpoint"] = options.UserinfoEndpoint.AbsoluteUri,
        ["revocation_endpoint"] = options.RevocationEndpoint.AbsoluteUri,
        ["introspection_endpoint"] = options.IntrospectionEndpoint.AbsoluteUri,
        ["grant_types_supported"] = new[] { GrantTypes.AuthorizationCode, GrantTypes.ClientCredentials, GrantTypes.RefreshToken, GrantTypes.TokenExchange },
        ["token_endpoint_auth_methods_supported"] = new[] { ClientAuthenticationMethods.PrivateKeyJwt, ClientAuthenticationMethods.None },
        ["token_endpoint_auth_signing_alg_values_supported"] = SigningAlgorithms,
        ["scopes_supported"] = SmartScopes.Advertised,
        ["response_types_supported"] = new[] { ResponseTypes.Code },
        ["code_challenge_methods_supported"] = new[] { CodeChallengeMethods.Sha256 },
        ["capabilities"] = new[]
        {
            "launch-ehr", "launch-standalone", "client-public", "client-confidential-asymmetric", "context-ehr-patient", "context-standalone-patient",
            "sso-openid-connect", "permission-offline", "permission-online", "permission-patient", "permission-user", "permission-v2",
        },
    });
}
