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
    public static Actor? From(ClaimsPrincipal user)
    {
        string? Claim(string type) => user.FindFirst(type)?.Value;
        var kind = Claim(NdiClaims.Actor) ?? (Claim(NdiClaims.PersonId) is not null ? "patient"
            : Claim(NdiClaims.CareUnitId) is not null ? "professional"
            : Claim(NdiClaims.SubjectOrganizationId) is not null ? "system" : null);
        switch (kind)
        {
            case "patient":
                return PersonalIdentityNumber.TryParse(Claim(NdiClaims.PersonId), out var person, out _) ? new PersonActor(person) : null;
            case "professional":
                if (!HsaId.TryParse(Claim("sub"), out var id, out _) || !HsaId.TryParse(Claim(NdiClaims.SubjectOrganizationId), out var provider, out _)
                    || !HsaId.TryParse(Claim(NdiClaims.CareUnitId), out var unit, out _))
                    return null;
                var assignment = Claim(NdiClaims.AssignmentId) is { Length: > 0 } assignmentId
                    ? new Assignment(assignmentId, Claim(NdiClaims.AssignmentScope) == NdiClaims.CoherentRecords)
                    : null;
                return new ProfessionalActor(id, provider, unit, assignment, Claim(NdiClaims.PurposeOfUse) ?? string.Empty);
            case "system":
                return new SystemActor(Claim(NdiClaims.ClientId) ?? Claim("sub") ?? string.Empty,
                    HsaId.TryParse(Claim(NdiClaims.SubjectOrganizationId), out var owner, out _) ? owner : null);
            case "operator":
                return new OperatorActor(Claim("sub") ?? string.Empty);
            default:
                return null;
        }
    }
}
