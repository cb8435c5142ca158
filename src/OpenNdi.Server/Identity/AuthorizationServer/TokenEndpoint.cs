using Microsoft.AspNetCore.Http.HttpResults;
using OpenNdi.Core.Audit;
using OpenNdi.Core.Identity;
using OpenNdi.Server.Audit;

namespace OpenNdi.Server.Identity.AuthorizationServer;

/// <summary>
/// <c>POST /oauth/token</c> (RFC 6749 §3.2): redeems an authorization code with its PKCE verifier, or authenticates
/// a backend service by <c>private_key_jwt</c> for <c>client_credentials</c>. Errors are the RFC's JSON
/// (<c>error</c>, <c>error_description</c>); nothing is ever cached.
/// </summary>
internal static class TokenEndpoint
{
    public static async Task<IResult> HandleAsync(HttpContext http, OAuthClients clients, AuthorizationCodes codes, ClientAssertionValidator assertions, AccessTokenIssuer issuer, AuditScope audit)
    {
        http.Response.Headers.CacheControl = "no-store";
        http.Response.Headers.Pragma = "no-cache";
        if (!http.Request.HasFormContentType)
            return Error("invalid_request", "the token request must be application/x-www-form-urlencoded");
        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        return form["grant_type"].ToString() switch
        {
            "authorization_code" => RedeemCode(form, clients, codes, issuer, audit),
            "client_credentials" => await ClientCredentialsAsync(form, assertions, issuer, audit),
            "" => Error("invalid_request", "grant_type is required"),
            var other => Error("unsupported_grant_type", $"grant_type {other} is not supported; use authorization_code or client_credentials"),
        };
    }

    private static IResult RedeemCode(IFormCollection form, OAuthClients clients, AuthorizationCodes codes, AccessTokenIssuer issuer, AuditScope audit)
    {
        if (!clients.TryGet(form["client_id"], out var client) || client.IsBackendService)
            return Error("invalid_client", "client_id names no registered app", 401);
        if (!codes.TryRedeem(form["code"], out var pending))
            return Error("invalid_grant", "the code is unknown, expired or already used");
        if (pending.ClientId != client.ClientId || pending.RedirectUri != form["redirect_uri"])
            return Error("invalid_grant", "the code was issued to another client or redirect_uri");
        if (!AuthorizationCodes.VerifierMatches(form["code_verifier"], pending.CodeChallenge))
            return Error("invalid_grant", "code_verifier does not match the code_challenge (PKCE S256)");
        return Issued(audit, pending.Subject, client, issuer.Issue(pending.Subject, client, pending.Scope), pending.Subject.PatientContext);
    }

    private static async Task<IResult> ClientCredentialsAsync(IFormCollection form, ClientAssertionValidator assertions, AccessTokenIssuer issuer, AuditScope audit)
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
        return granted is null ? Error("invalid_scope", scopeError!) : Issued(audit, subject, client, issuer.Issue(subject, client, granted), null);
    }

    private static IResult Issued(AuditScope audit, TokenSubject subject, OAuthClient client, IssuedToken token, string? patient)
    {
        // The log names whom the token speaks for and what it grants; never the token itself.
        audit.Record = audit.Record with
        {
            Who = TokenAgent(subject),
            Entities = [new AuditEntity("token", client.ClientId, subject.Claims.GetValueOrDefault(NdiClaims.SubjectOrganizationId), Detail: $"scope {token.Scope}; expires in {token.ExpiresIn} s")],
        };
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

    /// <summary>The audit agent for a token's subject, in the log's words.</summary>
    internal static AuditAgent TokenAgent(TokenSubject subject)
    {
        var claims = subject.Claims;
        return subject.Actor switch
        {
            ActorKind.Professional => new AuditAgent(AuditAgentKind.Professional, subject.Subject, claims.GetValueOrDefault(NdiClaims.SubjectName), claims.GetValueOrDefault(NdiClaims.SubjectRole),
                claims.GetValueOrDefault(NdiClaims.SubjectOrganizationId), claims.GetValueOrDefault(NdiClaims.CareUnitId), claims.GetValueOrDefault(NdiClaims.AssignmentId)),
            ActorKind.Patient => new AuditAgent(AuditAgentKind.Person, claims.GetValueOrDefault(NdiClaims.PersonId) ?? subject.Subject, claims.GetValueOrDefault(NdiClaims.SubjectName)),
            ActorKind.System => new AuditAgent(AuditAgentKind.System, subject.Subject, claims.GetValueOrDefault(NdiClaims.SubjectName), Provider: claims.GetValueOrDefault(NdiClaims.SubjectOrganizationId)),
            _ => new AuditAgent(AuditAgentKind.Operator, subject.Subject, claims.GetValueOrDefault(NdiClaims.SubjectName)),
        };
    }

    private static JsonHttpResult<Dictionary<string, string>> Error(string error, string description, int status = 400) =>
        TypedResults.Json(new Dictionary<string, string> { ["error"] = error, ["error_description"] = description }, statusCode: status);
}
