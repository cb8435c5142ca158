using System.Security.Claims;
using OpenIddict.Abstractions;
using OpenNdi.Core.Identity;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace OpenNdi.Server.Identity.AuthorizationServer;

/// <summary>
/// The principal OpenIddict turns into tokens: the subject's claims (IHE IUA names, <see cref="NdiClaims"/>), the
/// granted scopes, the audiences, and where each claim may go (<see cref="ClaimDestinations"/>).
/// </summary>
internal static class SubjectPrincipal
{
    /// <summary>A launch or login's patient in context (SMART's <c>patient</c> token response parameter), kept in the code and refresh token.</summary>
    public const string PatientContext = "ndi_launch_patient";

    public static ClaimsPrincipal Create(TokenSubject subject, string grantedScope, AuthorizationServerOptions options, IdentityOptions identity, string? patientContext = null)
    {
        var claims = new ClaimsIdentity(authenticationType: "openndi", nameType: Claims.Name, roleType: Claims.Role);
        claims.SetClaim(Claims.Subject, subject.Subject);
        claims.SetClaim(NdiClaims.Actor, subject.Actor.ToString().ToLowerInvariant());
        foreach (var (name, value) in subject.Claims)
            claims.SetClaim(name, value);
        if (subject.Claims.TryGetValue(NdiClaims.SubjectName, out var name2))
            claims.SetClaim(Claims.Name, name2);
        if (FhirUser(subject, options) is { } fhirUser)
            claims.SetClaim("fhirUser", fhirUser);
        if ((patientContext ?? subject.PatientContext) is { } patient)
            claims.SetClaim(PatientContext, patient);
        var principal = new ClaimsPrincipal(claims);
        principal.SetScopes(grantedScope.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        principal.SetResources([identity.Audience, .. options.ResourceServers]);
        ClaimDestinations.Apply(principal);
        return principal;
    }

    /// <summary>
    /// SMART's <c>fhirUser</c>: the FHIR resource of the person logged in (a Practitioner by HSA-id, a Patient by
    /// personnummer), on the national FHIR API. Systems and operators have none.
    /// </summary>
    private static string? FhirUser(TokenSubject subject, AuthorizationServerOptions options) => subject.Actor switch
    {
        ActorKind.Professional => $"{options.Issuer.TrimEnd('/')}/fhir/Practitioner/{subject.Subject}",
        ActorKind.Patient when subject.Claims.TryGetValue(NdiClaims.PersonId, out var person) => $"{options.Issuer.TrimEnd('/')}/fhir/Patient/{person}",
        _ => null,
    };
}

/// <summary>
/// Which claims go into which token. Access tokens carry everything the national APIs decide on; ID tokens (only with
/// <c>openid</c>) say who logged in: <c>sub</c>, name, <c>fhirUser</c> (with that scope), the assurance level, and the
/// professional's provider, care unit and role. Break-glass and launch claims stay in the access token.
/// </summary>
internal static class ClaimDestinations
{
    private static readonly HashSet<string> InIdentityToken = new(StringComparer.Ordinal)
    {
        Claims.Subject, Claims.Name, NdiClaims.SubjectName, NdiClaims.SubjectRole, NdiClaims.SubjectOrganizationId, NdiClaims.SubjectOrganization,
        NdiClaims.CareUnitId, NdiClaims.PersonId, NdiClaims.AssuranceLevel, NdiClaims.Actor,
    };

    /// <summary>The claims discovery lists (OpenID Connect Discovery §3, <c>claims_supported</c>).</summary>
    public static readonly string[] Advertised =
    [
        Claims.Subject, Claims.Name, "fhirUser", NdiClaims.Actor, NdiClaims.SubjectName, NdiClaims.SubjectRole, NdiClaims.SubjectOrganizationId,
        NdiClaims.SubjectOrganization, NdiClaims.CareUnitId, NdiClaims.AssignmentId, NdiClaims.AssignmentScope, NdiClaims.PurposeOfUse,
        NdiClaims.PersonId, NdiClaims.AssuranceLevel, NdiClaims.Roles, NdiClaims.EmergencyReason, NdiClaims.PatientBinding, NdiClaims.CareRelationship,
    ];

    public static void Apply(ClaimsPrincipal principal)
    {
        var openId = principal.HasScope(Scopes.OpenId);
        var fhirUser = principal.HasScope("fhirUser");
        principal.SetDestinations(claim => claim.Type switch
        {
            SubjectPrincipal.PatientContext => [],
            "fhirUser" => fhirUser && openId ? [Destinations.AccessToken, Destinations.IdentityToken] : [Destinations.AccessToken],
            var type when openId && InIdentityToken.Contains(type) => [Destinations.AccessToken, Destinations.IdentityToken],
            _ => [Destinations.AccessToken],
        });
    }
}
