using Microsoft.AspNetCore;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using OpenNdi.Core.Audit;
using OpenNdi.Core.Identifiers;
using OpenNdi.Core.Identity;
using OpenNdi.Core.Policy;
using OpenNdi.Server.Audit;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace OpenNdi.Server.Identity.AuthorizationServer;

/// <summary>
/// <c>POST /oauth/token</c>, reached only after OpenIddict has validated the request and authenticated the client
/// (PKCE for apps, <c>private_key_jwt</c> for backend services, <see cref="ClientAssertionRules"/>), redeemed the code
/// or refresh token (single use; a reused refresh token revokes its chain), or validated the subject token. Here
/// OpenNdi decides what the token says:
/// <list type="bullet">
/// <item><c>client_credentials</c>: the backend service as a system of its provider, with the scopes its registration allows;</item>
/// <item><c>authorization_code</c>, <c>refresh_token</c>: the principal of the login, as it was;</item>
/// <item>token exchange (RFC 8693): break-glass, the IHE PCF way: a professional's access token exchanged for a
/// short-lived one whose purpose of use is <c>BTG</c> or <c>ETREAT</c>, with the reason, bound to one patient.</item>
/// </list>
/// </summary>
internal static class TokenEndpoint
{
    /// <summary>Set on the request when this handler answered, so <see cref="TokenErrorAudit"/> does not log an error twice.</summary>
    public const string HandledKey = "openndi.token.handled";

    /// <summary>Token exchange parameters of ours (RFC 8693 §2.1 allows extensions): why, and for whom.</summary>
    public const string PurposeParameter = "purpose_of_use";
    public const string ReasonParameter = "emergency_reason";
    public const string PatientParameter = "patient";

    public static async Task<IResult> HandleAsync(HttpContext http, OAuthClients clients, AuthorizationServerOptions options, IdentityOptions identity, AuditScope audit)
    {
        http.Items[HandledKey] = true;
        var request = http.GetOpenIddictServerRequest()!;
        if (request.IsClientCredentialsGrantType())
            return ClientCredentials(request, clients, options, identity, audit);
        var authenticated = await http.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        if (authenticated.Principal is not { } principal)
            return Refuse(audit, Errors.InvalidGrant, "the grant is no longer valid");
        if (request.IsAuthorizationCodeGrantType() || request.IsRefreshTokenGrantType())
        {
            ClaimDestinations.Apply(principal);
            return Issued(audit, principal, request.IsRefreshTokenGrantType() ? "refresh" : "code");
        }
        if (request.IsTokenExchangeGrantType())
            return BreakTheGlass(request, principal, options, identity, audit);
        return Refuse(audit, Errors.UnsupportedGrantType, $"grant_type {request.GrantType} is not supported");
    }

    private static IResult ClientCredentials(OpenIddictRequest request, OAuthClients clients, AuthorizationServerOptions options, IdentityOptions identity, AuditScope audit)
    {
        if (!clients.TryGet(request.ClientId, out var client) || !client.IsBackendService)
            return Refuse(audit, Errors.InvalidClient, "client_id names no registered backend service");
        var claims = new Dictionary<string, string>(StringComparer.Ordinal) { [NdiClaims.SubjectName] = client.Name };
        if (client.Organization is { } organization)
            claims[NdiClaims.SubjectOrganizationId] = organization.Value;
        var subject = new TokenSubject(ActorKind.System, client.ClientId, claims);
        audit.Record = audit.Record with { Who = TokenAgent(subject) };
        var (granted, error) = ScopeGrant.Decide(request.Scope, ActorKind.System, client);
        if (granted is null)
            return Refuse(audit, Errors.InvalidScope, error!);
        var principal = SubjectPrincipal.Create(subject, granted, options, identity);
        // A client whose tokens are for another audience (the access service towards provider systems) gets only that
        // one: its tokens open no national API, and national tokens open no provider system (RFC 9068 §4).
        if (client.Audience is { } audience)
            principal.SetResources(audience);
        return Issued(audit, principal, "client_credentials");
    }

    /// <summary>
    /// Break-glass by token exchange: only a professional's access token, only for an emergency purpose, only with a
    /// reason, only for one patient, never wider scopes than the subject token's, and for minutes
    /// (<see cref="AuthorizationServerOptions.EmergencyTokenMinutes"/>). The policy still holds: an opt-out stays closed.
    /// </summary>
    private static IResult BreakTheGlass(OpenIddictRequest request, ClaimsPrincipal subjectToken, AuthorizationServerOptions options, IdentityOptions identity, AuditScope audit)
    {
        audit.Record = audit.Record with { Who = AgentOf(subjectToken) };
        if (subjectToken.GetClaim(NdiClaims.Actor) != "professional")
            return Refuse(audit, Errors.InvalidRequest, "only a professional's access token is exchanged for a break-glass token");
        var purpose = (string?)request.GetParameter(PurposeParameter);
        if (!PurposeOfUse.IsEmergency(purpose))
            return Refuse(audit, Errors.InvalidRequest, $"{PurposeParameter} must be {PurposeOfUse.BreakTheGlass} or {PurposeOfUse.EmergencyTreatment}");
        if (!EmergencyReason.TryParse(Uri.EscapeDataString((string?)request.GetParameter(ReasonParameter) ?? string.Empty), out var reason, out var reasonError))
            return Refuse(audit, Errors.InvalidRequest, $"{ReasonParameter}: {reasonError}");
        if (!PersonalIdentityNumber.TryParse((string?)request.GetParameter(PatientParameter), out var patient, out var patientError))
            return Refuse(audit, Errors.InvalidRequest, $"{PatientParameter}: {patientError}");
        var held = subjectToken.GetScopes();
        var wanted = request.GetScopes();
        if (wanted.Any(s => !held.Contains(s, StringComparer.Ordinal)))
            return Refuse(audit, Errors.InvalidScope, "a break-glass token gets no scope the subject token lacks");

        var claims = new ClaimsIdentity(authenticationType: "openndi", nameType: Claims.Name, roleType: Claims.Role);
        foreach (var claim in subjectToken.Claims.Where(c => Carried(c.Type)))
            claims.AddClaim(new Claim(claim.Type, claim.Value, claim.ValueType));
        claims.SetClaim(NdiClaims.PurposeOfUse, purpose);
        claims.SetClaim(NdiClaims.EmergencyReason, reason.Text);
        claims.SetClaim(NdiClaims.PatientBinding, patient.Value);
        var principal = new ClaimsPrincipal(claims);
        principal.SetScopes(wanted.IsDefaultOrEmpty ? held : wanted);
        principal.SetResources([identity.Audience, .. options.ResourceServers]);
        principal.SetAccessTokenLifetime(TimeSpan.FromMinutes(options.EmergencyTokenMinutes));
        ClaimDestinations.Apply(principal);
        audit.Record = audit.Record with { Patient = patient.Value, PurposeOfUse = purpose, EmergencyReason = reason.Text };
        return Issued(audit, principal, $"break-glass ({purpose}) for one patient, {options.EmergencyTokenMinutes} minutes");
    }

    /// <summary>The subject token's claims about the person that a break-glass token keeps (not the token's own, nor an earlier break).</summary>
    private static bool Carried(string type) => !type.StartsWith("oi_", StringComparison.Ordinal) && type is not (Claims.Audience or Claims.ExpiresAt or Claims.IssuedAt
        or Claims.NotBefore or Claims.JwtId or Claims.Issuer or Claims.Scope or Claims.ClientId or Claims.AuthorizedParty or "typ"
        or NdiClaims.EmergencyReason or NdiClaims.PatientBinding or NdiClaims.PurposeOfUse);

    private static IResult Issued(AuditScope audit, ClaimsPrincipal principal, string grant)
    {
        // The log names whom the token speaks for and what it grants; never the token itself.
        audit.Record = audit.Record with
        {
            Who = audit.Record.Who.Kind == AuditAgentKind.Unidentified ? AgentOf(principal) : audit.Record.Who,
            Entities = [new AuditEntity("token", principal.GetClaim(Claims.ClientId) ?? principal.GetPresenters().FirstOrDefault(), principal.GetClaim(NdiClaims.SubjectOrganizationId),
                Detail: $"{grant}; scope {string.Join(' ', principal.GetScopes())}")],
        };
        var properties = new AuthenticationProperties();
        // SMART's launch context parameter (App Launch §2.0.9): the patient the login or launch put in context.
        if (principal.GetClaim(SubjectPrincipal.PatientContext) is { } patient && (principal.HasScope("launch/patient") || principal.HasScope("launch")))
            properties.Parameters["patient"] = patient;
        return Results.SignIn(principal, properties, OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    private static IResult Refuse(AuditScope audit, string error, string description) => OAuthRefusal.Refuse(audit, error, description);

    private static AuditAgent AgentOf(ClaimsPrincipal principal)
    {
        var claims = principal.Claims.Where(c => !c.Type.StartsWith("oi_", StringComparison.Ordinal)).GroupBy(c => c.Type).ToDictionary(g => g.Key, g => g.First().Value, StringComparer.Ordinal);
        var kind = Enum.TryParse<ActorKind>(principal.GetClaim(NdiClaims.Actor), ignoreCase: true, out var parsed) ? parsed : ActorKind.Operator;
        return TokenAgent(new TokenSubject(kind, principal.GetClaim(Claims.Subject) ?? string.Empty, claims));
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
            ActorKind.Applicant => new AuditAgent(AuditAgentKind.Applicant, claims.GetValueOrDefault(NdiClaims.PersonId) ?? subject.Subject, claims.GetValueOrDefault(NdiClaims.SubjectName),
                Provider: claims.GetValueOrDefault(NdiClaims.ApplicantOrganization)),
            ActorKind.AccessBodyOfficer => new AuditAgent(AuditAgentKind.AccessBodyOfficer, subject.Subject, claims.GetValueOrDefault(NdiClaims.SubjectName)),
            _ => new AuditAgent(AuditAgentKind.Operator, subject.Subject, claims.GetValueOrDefault(NdiClaims.SubjectName)),
        };
    }
}
