using OpenNdi.Core.Identifiers;

namespace OpenNdi.Core.Policy;

/// <summary>Who asks for a patient's data. Built from a validated token at the edge; the policy trusts nothing else.</summary>
public abstract record Actor;

/// <summary>
/// A health professional (HSA-id) logged in at a care unit of a provider, with the assignment (medarbetaruppdrag)
/// that gives access to patient data, and the declared purpose of use.
/// </summary>
/// <param name="LogReviewer">Holds the log-reviewer role (<see cref="Identity.NdiRoles.LogReviewer"/>): reads the whole provider's access log.</param>
public sealed record ProfessionalActor(HsaId Id, HsaId Provider, HsaId CareUnit, Assignment? Assignment, string PurposeOfUse, bool LogReviewer = false) : Actor;

/// <summary>
/// An assignment. Only one that covers coherent record keeping (sammanhållen journalföring, PDL 6 kap.) gives access
/// to other providers' data; it may end.
/// </summary>
public sealed record Assignment(string Id, bool CoversOtherProviders, DateOnly? ValidTo = null)
{
    public bool ActiveOn(DateOnly day) => ValidTo is not { } end || day <= end;
}

/// <summary>
/// A person logged in with e-identification: the patient, or someone who may represent them. <paramref name="AssuranceLevel"/>
/// is the login's <c>acr</c>; only <see cref="Identity.AssuranceLevels.ForHealthData"/> reach health data.
/// </summary>
public sealed record PersonActor(PersonalIdentityNumber Person, string? AssuranceLevel) : Actor
{
    public bool LoggedInHighEnough => AssuranceLevel is { } level && Identity.AssuranceLevels.ForHealthData.Contains(level);
}

/// <summary>A system without a user (SMART Backend Services), belonging to a provider or to none.</summary>
public sealed record SystemActor(string ClientId, HsaId? Provider) : Actor;

/// <summary>
/// A health professional in another member state, asking through that country's national contact point
/// (MyHealth@EU, issue 17): their id at that contact point, the contact point's trust-list id (whose entry gives the
/// country), the eHDSI purpose of use (<see cref="PurposeOfUse.Treatment"/> or <see cref="PurposeOfUse.EmergencyTreatment"/>)
/// and the patient the signed assertion says they treat. Everything they ask crosses the border.
/// </summary>
/// <param name="Peer">The contact point's id in our trust list, e.g. <c>urn:ehdsi:ncp:DE</c>.</param>
/// <param name="Country">ISO 3166-1 alpha-2, from the trust list, never from a certificate's name.</param>
/// <param name="TreatmentRelationshipWith">The patient of the assertion's treatment relationship, when it names a Swedish identity number.</param>
public sealed record CrossBorderProfessionalActor(string Peer, string Country, string Id, string PurposeOfUse, PersonalIdentityNumber? TreatmentRelationshipWith) : Actor
{
    /// <summary>How a patient's share names this professional (<see cref="Share.ForeignProfessional"/>): <c>CC:identifier</c>.</summary>
    public string ShareName => $"{Country}:{Id}";
}

/// <summary>
/// A person applying for a data permit for secondary use (EHDS art. 67), logged in with e-identification, for an
/// organisation (a university, an authority, a company: its organisation number), or for themselves when
/// <paramref name="Organisation"/> is their own identity number; <paramref name="OrganisationName"/> is the identity provider's name for it. Sees their own applications, permits, workspaces
/// and outputs, and never a patient's data: what reaches them is the body's pseudonymised or anonymised extract.
/// </summary>
public sealed record ApplicantActor(PersonalIdentityNumber Person, string Organisation, string? AssuranceLevel, string? OrganisationName = null) : Actor
{
    public bool LoggedInHighEnough => AssuranceLevel is { } level && Identity.AssuranceLevels.ForHealthData.Contains(level);
}

/// <summary>A case officer of the health data access body: reviews applications and outputs; never sees patient data.</summary>
public sealed record AccessBodyOfficerActor(string Id) : Actor;

/// <summary>Someone who runs the infrastructure. Operators never see patient data.</summary>
public sealed record OperatorActor(string Id) : Actor;
