namespace OpenNdi.Server.Identity.AuthorizationServer;

/// <summary>
/// What clients read before they ask for a token: OpenID Connect discovery, SMART's
/// <c>.well-known/smart-configuration</c> (SMART App Launch 2.0 §2.1) and the signing keys.
/// </summary>
internal static class DiscoveryEndpoints
{
    public static readonly string[] SigningAlgorithms = ["RS256", "RS384", "ES256", "ES384"];

    public static IResult OpenIdConfiguration(AuthorizationServerOptions options) => Results.Json(new Dictionary<string, object>
    {
        ["issuer"] = options.Issuer,
        ["authorization_endpoint"] = options.AuthorizationEndpoint.AbsoluteUri,
        ["token_endpoint"] = options.TokenEndpoint.AbsoluteUri,
        ["jwks_uri"] = options.JwksUri.AbsoluteUri,
        ["response_types_supported"] = new[] { "code" },
        ["grant_types_supported"] = new[] { "authorization_code", "client_credentials" },
        ["subject_types_supported"] = new[] { "public" },
        ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
        ["token_endpoint_auth_methods_supported"] = new[] { "private_key_jwt", "none" },
        ["token_endpoint_auth_signing_alg_values_supported"] = SigningAlgorithms,
        ["code_challenge_methods_supported"] = new[] { "S256" },
        ["scopes_supported"] = new[] { "openid", "fhirUser", "launch/patient", "patient/*.rs", "user/*.rs", "system/*.rs", "system/DocumentReference.c" },
    });

    public static IResult SmartConfiguration(AuthorizationServerOptions options) => Results.Json(new Dictionary<string, object>
    {
        ["issuer"] = options.Issuer,
        ["jwks_uri"] = options.JwksUri.AbsoluteUri,
        ["authorization_endpoint"] = options.AuthorizationEndpoint.AbsoluteUri,
        ["token_endpoint"] = options.TokenEndpoint.AbsoluteUri,
        ["grant_types_supported"] = new[] { "authorization_code", "client_credentials" },
        ["token_endpoint_auth_methods_supported"] = new[] { "private_key_jwt", "none" },
        ["token_endpoint_auth_signing_alg_values_supported"] = SigningAlgorithms,
        ["scopes_supported"] = new[] { "openid", "fhirUser", "launch/patient", "patient/*.rs", "user/*.rs", "system/*.rs", "system/DocumentReference.c" },
        ["response_types_supported"] = new[] { "code" },
        ["code_challenge_methods_supported"] = new[] { "S256" },
        ["capabilities"] = new[]
        {
            "launch-standalone", "client-public", "client-confidential-asymmetric", "context-standalone-patient",
            "sso-openid-connect", "permission-patient", "permission-user", "permission-v2",
        },
    });

    public static IResult Jwks(IssuerSigningKey key) => Results.Content(key.Jwks, "application/jwk-set+json");
}
