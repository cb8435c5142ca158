using System.Security.Claims;
using OpenNdi.Core.Identifiers;
using OpenNdi.Core.Identity;
using OpenNdi.Core.Policy;

namespace OpenNdi.Server.Identity;

/// <summary>
/// Turns a validated token into the policy's <see cref="Actor"/>. The kind comes from <c>ndi_actor</c> when the issuer
/// sets it; tokens of federated issuers without it are read by their claims (a person id makes a person, a care unit
/// a professional, a provider without either a system). A token that fits no kind, or whose identifiers do not
/// parse, gives null: the caller answers 403 and nothing is decided on a guess.
/// </summary>
internal static class Actors
{
    /// <summary>The answer when a token fits no actor kind.</summary>
    public static IResult Unrecognised() => OpenNdi.Fhir.FhirResults.Error(403, "NDI-IAM-005", Hl7.Fhir.Model.OperationOutcome.IssueType.Forbidden,
        "The token does not say who is asking: it needs ndi_actor, or person_id (a person), or care_unit_id with subject_organization_id and an HSA-id sub (a professional), or subject_organization_id (a system).");

    /// <summary>
    /// True when the token's scopes grant the permissions in the context that fits the actor: professionals and
    /// operators act with <c>user/</c> scopes, persons with <c>patient/</c>, systems with <c>system/</c>. A federated
    /// token whose scopes do not fit its actor (a professional holding only patient/ scopes) is refused.
    /// </summary>
    public static bool ScopesFit(ClaimsPrincipal user, Actor actor, string resourceType, ScopePermissions permissions) =>
        TryReadScopes(user, out var scopes, out _) && scopes.Grants(ContextOf(actor), resourceType, permissions);

    /// <summary>The token's SMART scopes, from its <c>scope</c> claim (and <c>scp</c>, as some issuers name it); false with why when they are malformed.</summary>
    public static bool TryReadScopes(ClaimsPrincipal user, out ScopeSet scopes, out string? error) =>
        ScopeSet.TryParse(string.Join(' ', user.FindAll(NdiClaims.Scope).Concat(user.FindAll("scp")).Select(c => c.Value)), out scopes, out error);

    /// <summary>The scope an actor needs, e.g. <c>user/DocumentReference.rs</c>, for error messages.</summary>
    public static string NeededScope(Actor actor, string resourceType, string permissions) => $"{ContextOf(actor).ToString().ToLowerInvariant()}/{resourceType}.{permissions}";

    /// <summary>The scope context an actor acts in: user/ for professionals and operators, patient/ for persons, system/ for systems.</summary>
    internal static ScopeContext ContextOf(Actor actor) => actor switch
    {
        PersonActor => ScopeContext.Patient,
        SystemActor => ScopeContext.System,
        _ => ScopeContext.User,
    };

    public static Actor? From(ClaimsPrincipal user)
    {
        string? Claim(string type) => user.FindFirst(type)?.Value;
        var kind = Claim(NdiClaims.Actor) ?? (Claim(NdiClaims.PersonId) is not null ? "patient"
            : Claim(NdiClaims.CareUnitId) is not null ? "professional"
            : Claim(NdiClaims.SubjectOrganizationId) is not null ? "system" : null);
        switch (kind)
        {
            case "patient":
                return PersonalIdentityNumber.TryParse(Claim(NdiClaims.PersonId), out var person, out _) ? new PersonActor(person, Claim(NdiClaims.AssuranceLevel)) : null;
            case "professional":
                if (!HsaId.TryParse(Claim("sub"), out var id, out _) || !HsaId.TryParse(Claim(NdiClaims.SubjectOrganizationId), out var provider, out _)
                    || !HsaId.TryParse(Claim(NdiClaims.CareUnitId), out var unit, out _))
                    return null;
                var assignment = Claim(NdiClaims.AssignmentId) is { Length: > 0 } assignmentId
                    ? new Assignment(assignmentId, Claim(NdiClaims.AssignmentScope) == NdiClaims.CoherentRecords)
                    : null;
                var roles = user.FindAll(NdiClaims.Roles).SelectMany(c => c.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries));
                return new ProfessionalActor(id, provider, unit, assignment, Claim(NdiClaims.PurposeOfUse) ?? string.Empty,
                    LogReviewer: roles.Contains(NdiRoles.LogReviewer, StringComparer.Ordinal));
            case "system":
                return new SystemActor(Claim(NdiClaims.ClientId) ?? Claim("sub") ?? string.Empty,
                    HsaId.TryParse(Claim(NdiClaims.SubjectOrganizationId), out var owner, out _) ? owner : null);
            case "operator":
                return new OperatorActor(Claim("sub") ?? string.Empty);
            case "applicant":
                return PersonalIdentityNumber.TryParse(Claim(NdiClaims.PersonId), out var applicant, out _) && Claim(NdiClaims.ApplicantOrganization) is { Length: > 0 } organisation
                    ? new ApplicantActor(applicant, organisation, Claim(NdiClaims.AssuranceLevel), Claim(NdiClaims.SubjectOrganization))
                    : null;
            case "accessbodyofficer":
                return Claim("sub") is { Length: > 0 } officer ? new AccessBodyOfficerActor(officer) : null;
            // Only the contact point's own authentication makes this actor (mutual TLS with a trusted peer and its
            // signed assertion): the same claim in a national token names nobody.
            case NdiClaims.CrossBorderActorKind when user.Identity?.AuthenticationType == NdiClaims.CrossBorderAuthenticationType:
                return Claim("sub") is { Length: > 0 } foreign && Claim(NdiClaims.CrossBorderPeer) is { Length: > 0 } peer && Claim(NdiClaims.CrossBorderCountry) is { Length: 2 } country
                    ? new CrossBorderProfessionalActor(peer, country, foreign, Claim(NdiClaims.PurposeOfUse) ?? string.Empty,
                        PersonalIdentityNumber.TryParse(Claim(NdiClaims.CrossBorderTreatedPatient), out var treated, out _) ? treated : null)
                    : null;
            default:
                return null;
        }
    }
}
