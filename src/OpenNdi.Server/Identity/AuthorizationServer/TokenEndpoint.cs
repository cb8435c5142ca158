using Microsoft.AspNetCore.Http.HttpResults;
using OpenNdi.Core.Identity;

namespace OpenNdi.Server.Identity.AuthorizationServer;

/// <summary>
/// <c>POST /oauth/token</c> (RFC 6749 §3.2): redeems an authorization code with its PKCE verifier, or authenticates
/// a backend service by <c>private_key_jwt</c> for <c>client_credentials</c>. Errors are the RFC's JSON
/// (<c>error</c>, <c>error_description</c>); nothing is ever cached.
/// </summary>
internal static class TokenEndpoint
{
    public static async Task<IResult> HandleAsync(HttpContext http, OAuthClients clients, AuthorizationCodes codes, ClientAssertionValidator assertions, AccessTokenIssuer issuer)
    {
        http.Response.Headers.CacheControl = "no-store";
        http.Response.Headers.Pragma = "no-cache";
        if (!http.Request.HasFormContentType)
            return Error("invalid_request", "the token request must be application/x-www-form-urlencoded");
        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        return form["grant_type"].ToString() switch
        {
            "authorization_code" => RedeemCode(form, clients, codes, issuer),
            "client_credentials" => await ClientCredentialsAsync(form, assertions, issuer),
            "" => Error("invalid_request", "grant_type is required"),
            var other => Error("unsupported_grant_type", $"grant_type {other} is not supported; use authorization_code or client_credentials"),
        };
    }

    private static IResult RedeemCode(IFormCollection form, OAuthClients clients, AuthorizationCodes codes, AccessTokenIssuer issuer)
    {
        if (!clients.TryGet(form["client_id"], out var client) || client.IsBackendService)
            return Error("invalid_client", "client_id names no registered app", 401);
        if (!codes.TryRedeem(form["code"], out var pending))
            return Error("invalid_grant", "the code is unknown, expired or already used");
        if (pending.ClientId != client.ClientId || pending.RedirectUri != form["redirect_uri"])
            return Error("invalid_grant", "the code was issued to another client or redirect_uri");
        if (!AuthorizationCodes.VerifierMatches(form["code_verifier"], pending.CodeChallenge))
            return Error("invalid_grant", "code_verifier does not match the code_challenge (PKCE S256)");
        return Issued(issuer.Issue(pending.Subject, client, pending.Scope), pending.Subject.PatientContext);
    }

    private static async Task<IResult> ClientCredentialsAsync(IFormCollection form, ClientAssertionValidator assertions, AccessTokenIssuer issuer)
    {
        var clientId = form["client_id"].ToString();
        var (client, error) = await assertions.ValidateAsync(form["client_assertion_type"], form["client_assertion"], clientId.Length == 0 ? null : clientId);
        if (client is null)
            return Error("invalid_client", error!, 401);
        var claims = new Dictionary<string, string>(StringComparer.Ordinal) { [NdiClaims.SubjectName] = client.Name };
        if (client.Organization is { } organization)
            claims[NdiClaims.SubjectOrganizationId] = organization.Value;
        var subject = new TokenSubject(ActorKind.System, client.ClientId, claims);
        var (granted, scopeError) = ScopeGrant.Decide(form["scope"], ActorKind.System, client);
        return granted is null ? Error("invalid_scope", scopeError!) : Issued(issuer.Issue(subject, client, granted), null);
    }

    private static IResult Issued(IssuedToken token, string? patient)
    {
        var body = new Dictionary<string, object>
        {
            ["access_token"] = token.AccessToken,
            ["token_type"] = "Bearer",
            ["expires_in"] = token.ExpiresIn,
            ["scope"] = token.Scope,
        };
        if (patient is not null && token.Scope.Split(' ').Contains("launch/patient"))
            body["patient"] = patient;
        return TypedResults.Json(body);
    }

    private static JsonHttpResult<Dictionary<string, string>> Error(string error, string description, int status = 400) =>
        TypedResults.Json(new Dictionary<string, string> { ["error"] = error, ["error_description"] = description }, statusCode: status);
}
