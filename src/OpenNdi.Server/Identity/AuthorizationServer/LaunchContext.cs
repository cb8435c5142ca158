using OpenNdi.Core.Identifiers;
using OpenNdi.Core.Identity;

namespace OpenNdi.Server.Identity.AuthorizationServer;

/// <summary>
/// What an EHR says about a launch (SMART App Launch 2.2 §2.0.4): the professional logged in there, the patient open
/// there, whether the EHR attests a care relationship with that patient (PDL 6 kap.), and the purpose. Stored under
/// the launch id and turned into the professional's token when the app comes back with <c>launch</c>.
/// </summary>
public sealed record LaunchContext(
    LaunchProfessional Professional,
    string Patient,
    bool CareRelationship,
    string PurposeOfUse = Core.Identity.PurposeOfUse.Treatment,
    string? AppClientId = null)
{
    /// <summary>Null when it holds together, else what is wrong, in words for the EHR's developer.</summary>
    public string? Problem()
    {
        if (!HsaId.TryParse(Professional.Id, out _, out var id))
            return $"professional.id: {id}";
        if (!HsaId.TryParse(Professional.Organization, out _, out var organization))
            return $"professional.organization: {organization}";
        if (!HsaId.TryParse(Professional.CareUnit, out _, out var unit))
            return $"professional.careUnit: {unit}";
        if (string.IsNullOrWhiteSpace(Professional.Name))
            return "professional.name is required";
        if (!PersonalIdentityNumber.TryParse(Patient, out _, out var patient))
            return $"patient: {patient}";
        if (!Core.Identity.PurposeOfUse.IsKnown(PurposeOfUse))
            return $"purposeOfUse {PurposeOfUse} is not TREAT or ETREAT (break the glass by token exchange, for one patient with a reason)";
        return null;
    }

    /// <summary>The professional as a token subject, with the care relationship attested for this patient only.</summary>
    public TokenSubject Subject()
    {
        var claims = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [NdiClaims.SubjectName] = Professional.Name,
            [NdiClaims.SubjectOrganizationId] = Professional.Organization,
            [NdiClaims.CareUnitId] = Professional.CareUnit,
            [NdiClaims.PurposeOfUse] = PurposeOfUse,
            // The EHR's own login (SITHS card) is what the launch rests on: level 3 of the framework.
            [NdiClaims.AssuranceLevel] = AssuranceLevels.Loa3,
        };
        void Optional(string name, string? value)
        {
            if (!string.IsNullOrWhiteSpace(value))
                claims[name] = value;
        }
        Optional(NdiClaims.SubjectRole, Professional.Role);
        Optional(NdiClaims.SubjectOrganization, Professional.OrganizationName);
        Optional(NdiClaims.AssignmentId, Professional.AssignmentId);
        Optional(NdiClaims.AssignmentScope, Professional.AssignmentScope);
        if (CareRelationship)
            claims[NdiClaims.CareRelationship] = PersonalIdentityNumber.Parse(Patient).Value;
        return new TokenSubject(ActorKind.Professional, Professional.Id, claims);
    }
}

/// <summary>The professional logged in to the EHR: HSA-id, name, role, provider, care unit and assignment.</summary>
public sealed record LaunchProfessional(string Id, string Name, string Organization, string CareUnit, string? Role = null, string? OrganizationName = null,
    string? AssignmentId = null, string? AssignmentScope = null);
