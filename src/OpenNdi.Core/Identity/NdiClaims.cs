namespace OpenNdi.Core.Identity;

/// <summary>Who a token speaks for. Each kind gets its own SMART scope context and its own claims.</summary>
public enum ActorKind
{
    /// <summary>A health professional acting in an assignment at a care unit (<c>user/</c> scopes).</summary>
    Professional,

    /// <summary>A patient, or someone logged in as a person who may act for a patient (<c>patient/</c> scopes).</summary>
    Patient,

    /// <summary>A provider's or an agency's system without a user (SMART Backend Services, <c>system/</c> scopes).</summary>
    System,

    /// <summary>Someone who runs the infrastructure: the directory and its health, never patient data.</summary>
    Operator,

    /// <summary>A person applying for a data permit for secondary use, for an organisation (issue 18; <c>user/</c> scopes on the secondary-use resources only).</summary>
    Applicant,

    /// <summary>A case officer of the health data access body (HDAB): reviews applications and outputs, never sees patient data.</summary>
    AccessBodyOfficer,
}

/// <summary>
/// The claims our access tokens carry beyond the registered JWT ones. Names follow IHE IUA's JWT extension
/// (<c>subject_name</c>, <c>subject_role</c>, <c>subject_organization_id</c>, <c>purpose_of_use</c>, <c>person_id</c>)
/// so that federated national identity providers can issue the same shape; what IUA lacks (care unit, assignment)
/// has an <c>ndi</c>-neutral name of its own.
/// </summary>
public static class NdiClaims
{
    public const string Scope = "scope";
    public const string ClientId = "client_id";
    public const string Actor = "ndi_actor";
    public const string SubjectName = "subject_name";
    public const string SubjectRole = "subject_role";

    /// <summary>The care provider (vårdgivare) the actor works for or the system belongs to: its HSA-id.</summary>
    public const string SubjectOrganizationId = "subject_organization_id";

    public const string SubjectOrganization = "subject_organization";

    /// <summary>The care unit (vårdenhet) the professional is logged in at: its HSA-id.</summary>
    public const string CareUnitId = "care_unit_id";

    /// <summary>The professional's assignment (medarbetaruppdrag) that gives the right to access patient data.</summary>
    public const string AssignmentId = "assignment_id";

    /// <summary>
    /// What the assignment covers: <c>coherent-records</c> (sammanhållen journalföring: other providers' data too,
    /// given a care relationship) or <c>own-provider</c>. Absent means own provider only.
    /// </summary>
    public const string AssignmentScope = "assignment_scope";

    public const string CoherentRecords = "coherent-records";

    /// <summary>HL7 v3 PurposeOfUse code: <see cref="PurposeOfUse"/>.</summary>
    public const string PurposeOfUse = "purpose_of_use";

    /// <summary>The organisation (organisation number) an applicant for a data permit applies for (issue 18).</summary>
    public const string ApplicantOrganization = "applicant_organization_id";

    /// <summary>The person logged in, as a personnummer or samordningsnummer (12 digits).</summary>
    public const string PersonId = "person_id";

    /// <summary>OIDC authentication context class: the assurance level of the login.</summary>
    public const string AssuranceLevel = "acr";

    /// <summary>The roles given to a professional beyond the assignment, space-separated (<see cref="NdiRoles"/>).</summary>
    public const string Roles = "ndi_roles";

    /// <summary>
    /// Why a professional breaks the glass (IHE PCF: the emergency override), in words: with <see cref="PurposeOfUse"/>
    /// <c>BTG</c> or <c>ETREAT</c>, and only together with <see cref="PatientBinding"/>: a break is for one patient.
    /// </summary>
    public const string EmergencyReason = "ndi_emergency_reason";

    /// <summary>The one patient (personnummer or samordningsnummer) a break-glass token is good for.</summary>
    public const string PatientBinding = "ndi_patient";

    /// <summary>
    /// The patient (personnummer or samordningsnummer) with whom the EHR that launched the app attests a care
    /// relationship (PDL 6 kap.), carried from the launch context into the token.
    /// </summary>
    public const string CareRelationship = "ndi_care_relationship";

    /// <summary>The actor kind of a professional abroad, asking through their country's contact point (issue 17).</summary>
    public const string CrossBorderActorKind = "foreign-professional";

    /// <summary>The authentication type of principals the contact point builds from a peer's certificate and assertion; no other source makes a cross-border actor.</summary>
    public const string CrossBorderAuthenticationType = "ncp-peer";

    /// <summary>The requesting contact point's trust-list id.</summary>
    public const string CrossBorderPeer = "ncp_peer";

    /// <summary>The requesting contact point's country, from the trust list.</summary>
    public const string CrossBorderCountry = "ncp_country";

    /// <summary>The patient of the assertion's treatment relationship, when it is a Swedish identity number.</summary>
    public const string CrossBorderTreatedPatient = "ncp_treated_patient";
}

/// <summary>HL7 v3 ActReason codes for why a professional accesses data (system 2.16.840.1.113883.1.11.20448).</summary>
public static class PurposeOfUse
{
    public const string Treatment = "TREAT";
    public const string EmergencyTreatment = "ETREAT";

    /// <summary>Break the glass: access beyond what the patient allows, in an emergency, with a reason (IHE PCF, BALP).</summary>
    public const string BreakTheGlass = "BTG";

    public static bool IsKnown(string? code) => code is Treatment or EmergencyTreatment;

    /// <summary>The purposes a break-glass token exchange may ask for.</summary>
    public static bool IsEmergency(string? code) => code is EmergencyTreatment or BreakTheGlass;
}

/// <summary>
/// The assurance levels of electronic identification, as the <c>acr</c> URIs of the Swedish framework (Tillitsramverk
/// för Svensk e-legitimation, DIGG) and of eIDAS logins through the Swedish eIDAS node.
/// </summary>
public static class AssuranceLevels
{
    public const string Loa2 = "http://id.elegnamnden.se/loa/1.0/loa2";
    public const string Loa3 = "http://id.elegnamnden.se/loa/1.0/loa3";
    public const string Loa4 = "http://id.elegnamnden.se/loa/1.0/loa4";
    public const string EidasSubstantial = "http://id.elegnamnden.se/loa/1.0/eidas-sub";
    public const string EidasHigh = "http://id.elegnamnden.se/loa/1.0/eidas-high";
    public const string EidasNotifiedSubstantial = "http://id.elegnamnden.se/loa/1.0/eidas-nf-sub";
    public const string EidasNotifiedHigh = "http://id.elegnamnden.se/loa/1.0/eidas-nf-high";

    /// <summary>
    /// The levels a person's login must have to reach health data: level 3 or 4 of the Swedish framework, or eIDAS
    /// substantial or high (which the framework maps to 3 and 4). Level 2 and below, unknown URIs and no <c>acr</c> at all are not enough.
    /// </summary>
    public static IReadOnlySet<string> ForHealthData { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        Loa3, Loa4, EidasSubstantial, EidasHigh, EidasNotifiedSubstantial, EidasNotifiedHigh,
    };
}

/// <summary>Roles a professional's token carries in <see cref="NdiClaims.Roles"/> beyond their assignment.</summary>
public static class NdiRoles
{
    /// <summary>
    /// Reviews the access log of the whole provider (the provider's duty of systematic log review, PDL 4 kap. 3 §).
    /// Other professionals read only the records of their own accesses.
    /// </summary>
    public const string LogReviewer = "log-reviewer";
}

/// <summary>
/// The resource types of the secondary-use chain's scopes (issue 18), SMART-shaped (<c>user/DataApplication.crus</c>):
/// applicants and the body's officers are granted these and nothing else.
/// </summary>
public static class SecondaryUseScopes
{
    public const string Application = "DataApplication";
    public const string Permit = "DataPermit";
    public const string Output = "DataOutput";

    /// <summary>A dataset's description in the national catalogue (the holder's yearly check).</summary>
    public const string Dataset = "DatasetDescription";

    /// <summary>What an applicant's token carries: apply and follow their case, use their permit, submit and fetch outputs.</summary>
    public const string ForApplicant = "openid user/DataApplication.crus user/DataPermit.crus user/DataOutput.crus";

    /// <summary>What an officer's token carries: read and decide on applications, permits and outputs.</summary>
    public const string ForOfficer = "openid user/DataApplication.rus user/DataPermit.rus user/DataOutput.rus user/DatasetDescription.ru";
}
