using OpenNdi.Core.Index;
using OpenNdi.Core.Identifiers;
using OpenNdi.Core.Identity;

namespace OpenNdi.Core.Policy;

/// <summary>
/// The one decision point every access flow calls: pure, no I/O, the same answer for the same facts. The rules, in
/// the order they are applied to an item of another provider:
/// <list type="number">
/// <item><b>Own data</b>: a patient sees their own data; a representative sees it within their representation.</item>
/// <item><b>Own provider</b>: a professional or system sees its own provider's records, whatever the patient decided
/// about other providers (opt-out and blocks are about making data available to <i>other</i> providers).</item>
/// <item><b>Opt-out</b> (primary use) is absolute: no role, flag or emergency opens another provider's data.</item>
/// <item><b>Care relationship</b>: a professional needs an active assignment covering other providers, a treatment
/// purpose, and a declared care relationship with the patient (Patientdatalagen 6 kap.).</item>
/// <item><b>Blocks</b> hide what they name from other providers; an emergency with a stated reason (<see cref="EmergencyReason"/>) breaks them for
/// this request only, and every item released that way is marked.</item>
/// </list>
/// Systems see only their own provider's data; operators see none.
/// </summary>
public static class AccessPolicy
{
    public static AccessDecision Decide(AccessRequest request, PatientPrivacy privacy)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(privacy);
        if (privacy.Patient != request.Patient)
            throw new ArgumentException($"the privacy facts are about {privacy.Patient}, the request about {request.Patient}", nameof(privacy));

        var decision = request.Actor switch
        {
            PersonActor person => DecideForPerson(request, privacy, person),
            ProfessionalActor professional => All(request, item => DecideForProfessional(request, privacy, professional, item)),
            CrossBorderProfessionalActor foreign => All(request, item => DecideForForeignProfessional(request, privacy, foreign, item)),
            SystemActor system => All(request, item => system.Provider == item.Provider
                ? Permit(item, DecisionReason.OwnProvider)
                : Deny(item, privacy.PrimaryUseOptOut ? DecisionReason.OptedOut : DecisionReason.SystemOtherProvider)),
            _ => All(request, item => Deny(item, DecisionReason.NotADataActor)),
        };
        return decision with { Disclosure = Disclose(request, privacy, decision) };
    }

    /// <summary>
    /// What the caller is told (<see cref="Disclosure"/>): limits that follow from who they are and what the request
    /// declared, and counts only of blocks, only to a professional whose request would otherwise see other providers'
    /// information (who can break them in an emergency). Never a count of an opt-out, never anything to a person who
    /// does not represent the patient (but that they do not), to a provider's system or to an operator (but that they see nothing).
    /// </summary>
    private static Disclosure Disclose(AccessRequest request, PatientPrivacy privacy, AccessDecision decision)
    {
        switch (request.Actor)
        {
            case PersonActor { LoggedInHighEnough: false }:
                return new Disclosure([DecisionReason.LoginTooWeak], []);
            case PersonActor person when person.Person == request.Patient:
                return Disclosure.Nothing;
            case PersonActor person:
                return Representatives.Find(person.Person, privacy, request.At) is null ? new Disclosure([DecisionReason.NotRepresentative], []) : Disclosure.Nothing;
            case ProfessionalActor professional:
                var limits = ProfessionalLimits(request, professional);
                if (limits.Count > 0)
                    return new Disclosure(limits, []);
                // An opt-out withholds everything else, blocks included: counting the blocks would tell of the data behind it.
                var counted = privacy.PrimaryUseOptOut
                    ? []
                    : decision.Withheld.Where(d => d.Reason is DecisionReason.Blocked or DecisionReason.EmergencyReasonMissing)
                        .GroupBy(d => d.Reason).Select(g => (g.Key, g.Count())).ToList();
                return new Disclosure([], counted) { TellsBlocks = !privacy.PrimaryUseOptOut };
            case SystemActor:
                return Disclosure.Nothing; // a provider's system sees its own provider's data only, always: nothing to tell
            case CrossBorderProfessionalActor foreign:
                // Told only the limits of their own request, never a count: blocks abroad cannot be broken, so a count
                // would only tell of data the patient keeps from other countries.
                return ForeignLimits(request, foreign) is [var limit, ..] ? new Disclosure([limit], []) : Disclosure.Nothing;
            default:
                return new Disclosure([DecisionReason.NotADataActor], []);
        }
    }

    /// <summary>Why a professional's request sees no other provider's information, from the professional and the request alone (in the order <see cref="DecideForProfessional"/> applies them).</summary>
    private static List<DecisionReason> ProfessionalLimits(AccessRequest request, ProfessionalActor professional)
    {
        if (professional.Assignment is not { CoversOtherProviders: true } assignment || !assignment.ActiveOn(DateOnly.FromDateTime(request.At.UtcDateTime)))
            return [DecisionReason.NoAssignment];
        if (professional.PurposeOfUse is not (PurposeOfUse.Treatment or PurposeOfUse.EmergencyTreatment or PurposeOfUse.BreakTheGlass))
            return [DecisionReason.PurposeNotTreatment];
        if (!request.CareRelationshipDeclared)
            return [DecisionReason.NoCareRelationship];
        return [];
    }

    /// <summary>
    /// Whether <paramref name="actor"/> may change the patient's settings (opt-out, blocks, proxies): the patient,
    /// a guardian of a young child, or a proxy with manage scope, each logged in high enough (<see cref="LoginProblem"/>).
    /// Professionals and systems may not.
    /// </summary>
    public static (bool Allowed, Representation? ActingAs) MayManage(Actor actor, PatientPrivacy privacy, DateTimeOffset at)
    {
        if (actor is not PersonActor { LoggedInHighEnough: true } person)
            return (false, null);
        if (person.Person == privacy.Patient)
            return (true, null);
        var representation = Representatives.Find(person.Person, privacy, at);
        return representation is { Scope: ProxyScope.Manage } ? (true, representation) : (false, null);
    }

    /// <summary>
    /// Whether <paramref name="actor"/> may write a directory entry (Endpoint, Organization, Location,
    /// HealthcareService) that belongs to <paramref name="newOwner"/>, and, when it exists, now belongs to
    /// <paramref name="storedOwner"/>. The directory decides where every summary fetch goes, so: a provider's system
    /// writes only its own provider's entries, and never takes over another's; an operator writes only with the
    /// explicit administrative scope (<see cref="DirectoryScopes.Administration"/>); professionals, persons and systems
    /// that belong to no provider never write.
    /// </summary>
    public static ChangeDecision MayChangeDirectory(Actor actor, bool administrator, HsaId? storedOwner, HsaId newOwner) => actor switch
    {
        OperatorActor when administrator => ChangeDecision.Allow,
        OperatorActor => ChangeDecision.Deny($"an operator changes the directory only with the administrative scope {DirectoryScopes.Administration}"),
        SystemActor { Provider: { } own } when own != newOwner =>
            ChangeDecision.Deny($"the entry would belong to provider {newOwner.Value}; a system of provider {own.Value} writes only its own provider's entries"),
        SystemActor { Provider: { } own } when storedOwner is { } stored && stored != own =>
            ChangeDecision.Deny($"the entry belongs to provider {stored.Value}; a system of provider {own.Value} cannot take it over"),
        SystemActor { Provider: not null } => ChangeDecision.Allow,
        SystemActor => ChangeDecision.Deny("the system's token names no provider (subject_organization_id), so it owns no directory entry"),
        ProfessionalActor => ChangeDecision.Deny("professionals read the directory; its entries are changed by their provider's system or an administrator"),
        _ => ChangeDecision.Deny("only a provider's system or a directory administrator changes the directory"),
    };

    /// <summary>
    /// Whether <paramref name="actor"/> may answer a patient's request to correct a record (a FHIR Task owned by
    /// <paramref name="owner"/>, the provider whose record it is): only that provider's own system, which is where the
    /// provider's staff handle it under PDL. Nobody else moves a request on, and a patient only makes and reads them.
    /// </summary>
    public static ChangeDecision MayAnswerCorrection(Actor actor, HsaId owner) => actor switch
    {
        SystemActor { Provider: { } own } when own == owner => ChangeDecision.Allow,
        SystemActor { Provider: { } own } => ChangeDecision.Deny($"the request is to provider {owner.Value}; a system of provider {own.Value} answers only its own provider's"),
        SystemActor => ChangeDecision.Deny("the system's token names no provider (subject_organization_id), so it owns no request"),
        _ => ChangeDecision.Deny("a correction request is answered by the owning provider's system"),
    };

    /// <summary>
    /// Whether <paramref name="actor"/> may start an EHR launch (SMART App Launch §2.0.4) for a professional of
    /// <paramref name="professionalProvider"/>: the launch logs that professional in without a second login, on the
    /// EHR's word. So only an EHR system registered for launches (<paramref name="mayLaunch"/>, scope
    /// <see cref="EhrLaunchScopes.CreateLaunch"/>) vouches, and only for its own provider's staff.
    /// </summary>
    public static ChangeDecision MayCreateLaunch(Actor actor, bool mayLaunch, HsaId professionalProvider) => actor switch
    {
        SystemActor when !mayLaunch => ChangeDecision.Deny($"the system's token lacks the scope {EhrLaunchScopes.CreateLaunch}"),
        SystemActor { Provider: null } => ChangeDecision.Deny("the system's token names no provider (subject_organization_id), so it vouches for no one"),
        SystemActor { Provider: { } own } when own != professionalProvider =>
            ChangeDecision.Deny($"the professional works for provider {professionalProvider.Value}; an EHR of provider {own.Value} launches only for its own staff"),
        SystemActor => ChangeDecision.Allow,
        _ => ChangeDecision.Deny("only an EHR system starts a launch"),
    };

    /// <summary>
    /// Whether <paramref name="actor"/> may publish (or republish, or retract) an index entry of
    /// <paramref name="careUnit"/>. The index says where a patient's data is, so: only a provider's system writes,
    /// only for a care unit the service directory places under that provider (<paramref name="careUnitProvider"/>,
    /// null when the directory does not know the unit), and never an entry another provider already holds
    /// (<paramref name="storedOwner"/>): it can be neither taken over nor retracted by anyone else. The index store
    /// holds the owner rule in the same statement that writes, so two publishers racing cannot both win.
    /// </summary>
    public static ChangeDecision MayPublishIndexEntry(Actor actor, HsaId careUnit, HsaId? careUnitProvider, HsaId? storedOwner) => actor switch
    {
        SystemActor { Provider: null } => ChangeDecision.Deny("the system's token names no provider (subject_organization_id), so it publishes for no one"),
        SystemActor { Provider: { } own } when storedOwner is { } stored && stored != own =>
            ChangeDecision.Deny($"the entry belongs to provider {stored.Value}; only its own provider may republish or retract it"),
        SystemActor when careUnitProvider is null =>
            ChangeDecision.Deny($"care unit {careUnit.Value} is not in the service directory; its provider registers it (Organization partOf the provider) before publishing for it"),
        SystemActor { Provider: { } own } when careUnitProvider != own =>
            ChangeDecision.Deny($"care unit {careUnit.Value} belongs to provider {careUnitProvider!.Value.Value} in the service directory, not to provider {own.Value}"),
        SystemActor => ChangeDecision.Allow,
        _ => ChangeDecision.Deny("only a provider's system publishes to the index"),
    };

    /// <summary>
    /// Why this login may not reach health data at all, or null when it may: a person must have logged in at a level in
    /// <see cref="AssuranceLevels.ForHealthData"/> (the national API refuses a weaker token before anything is looked
    /// at; <see cref="Decide"/> and <see cref="MayManage"/> hold the same rule for any other caller).
    /// </summary>
    public static string? LoginProblem(Actor actor) => actor switch
    {
        PersonActor { LoggedInHighEnough: false, AssuranceLevel: var level } => level is null
            ? "the login does not say its assurance level (acr); health data needs e-identification at level 3 or higher (Tillitsramverk för Svensk e-legitimation) or eIDAS substantial or high"
            : $"the login's assurance level {level} is not enough; health data needs e-identification at level 3 or higher (Tillitsramverk för Svensk e-legitimation) or eIDAS substantial or high",
        ApplicantActor { LoggedInHighEnough: false } => "an application for health data needs e-identification at level 3 or higher (Tillitsramverk för Svensk e-legitimation) or eIDAS substantial or high",
        _ => null,
    };

    /// <summary>
    /// Whether <paramref name="actor"/> may apply for a data permit (secondary use, EHDS art. 67, issue 18): an
    /// applicant logged in high enough. Professionals, patients, systems and operators apply as applicants, not in
    /// their other roles, so that a clinician's access to patient data never mixes with a research application.
    /// </summary>
    public static ChangeDecision MayApplyForData(Actor actor) => actor switch
    {
        ApplicantActor { LoggedInHighEnough: true } => ChangeDecision.Allow,
        ApplicantActor => ChangeDecision.Deny("an application for health data needs a login at assurance level 3 or higher"),
        _ => ChangeDecision.Deny("only an applicant (logged in as one, for an organisation) applies for a data permit"),
    };

    /// <summary>
    /// Whether <paramref name="actor"/> may see or change a secondary-use case (an application, its permit, the
    /// permit's workspace and outputs) applied for by <paramref name="applicant"/> for <paramref name="organisation"/>:
    /// the applicant who applied, for the same organisation, and the body's officers (who review, and see no patient
    /// data). A case of another applicant is answered as if it did not exist.
    /// </summary>
    public static bool MaySeeSecondaryUseCase(Actor actor, string applicant, string organisation) => actor switch
    {
        ApplicantActor { LoggedInHighEnough: true } own => own.Person.Value == applicant && own.Organisation == organisation,
        AccessBodyOfficerActor => true,
        _ => false,
    };

    /// <summary>Whether <paramref name="actor"/> may act as the case's applicant (revise, submit output, get credentials): the applicant alone, never an officer.</summary>
    public static bool ActsAsSecondaryUseApplicant(Actor actor, string applicant, string organisation) =>
        actor is ApplicantActor { LoggedInHighEnough: true } own && own.Person.Value == applicant && own.Organisation == organisation;

    /// <summary>
    /// Whether <paramref name="actor"/> may check a dataset's description in the catalogue (the holder's yearly
    /// check): the holder's own system (its provider is <paramref name="holder"/>), or an officer of the body on the
    /// holder's behalf. Another holder's system never touches it.
    /// </summary>
    public static ChangeDecision MayDescribeDataset(Actor actor, string holder) => actor switch
    {
        SystemActor { Provider: { } own } when own.Value == holder => ChangeDecision.Allow,
        AccessBodyOfficerActor => ChangeDecision.Allow,
        SystemActor => ChangeDecision.Deny($"the dataset is held by {holder}: a holder checks only its own descriptions"),
        _ => ChangeDecision.Deny("a dataset's description is checked by its holder's system or by an officer of the body"),
    };

    /// <summary>Whether <paramref name="actor"/> may decide on applications and outputs: an officer of the health data access body.</summary>
    public static ChangeDecision MayReviewSecondaryUse(Actor actor) => actor is AccessBodyOfficerActor
        ? ChangeDecision.Allow
        : ChangeDecision.Deny("only an officer of the health data access body reviews applications and outputs");

    /// <summary>
    /// Whether <paramref name="actor"/> may read which permits used <paramref name="patient"/>'s data (the transparency
    /// duty, EHDS art. 58): the patient themselves, logged in high enough.
    /// </summary>
    public static bool MaySeeSecondaryUseOf(Actor actor, PersonalIdentityNumber patient) =>
        actor is PersonActor { LoggedInHighEnough: true } person && person.Person == patient;

    /// <summary>
    /// How much of the access log <paramref name="actor"/> may read. A person reads the records about themselves and
    /// about patients they represent (<see cref="AuditReach.PatientsRepresented"/>: which those are, the caller checks
    /// with <see cref="Representatives"/>); a professional with the log-reviewer role reads every record of their
    /// provider's staff and systems (PDL 4 kap. 3 §: the provider reviews access systematically), any other
    /// professional only the records of their own accesses; a provider's system, its provider's records (the provider's
    /// log-review tooling); an operator, standing in for the supervisory authority, every record. Nothing else.
    /// </summary>
    public static AuditReadRight MayReadAuditLog(Actor actor) => actor switch
    {
        PersonActor { LoggedInHighEnough: false } => AuditReadRight.None,
        PersonActor => new AuditReadRight(AuditReach.PatientsRepresented),
        ProfessionalActor { LogReviewer: true } p => new AuditReadRight(AuditReach.OwnProvider, p.Provider.Value),
        ProfessionalActor p => new AuditReadRight(AuditReach.OwnAccesses, p.Provider.Value, p.Id.Value),
        SystemActor { Provider: { } provider } => new AuditReadRight(AuditReach.OwnProvider, provider.Value),
        OperatorActor => new AuditReadRight(AuditReach.Everything),
        _ => AuditReadRight.None,
    };

    private static AccessDecision DecideForPerson(AccessRequest request, PatientPrivacy privacy, PersonActor person)
    {
        if (!person.LoggedInHighEnough)
            return All(request, item => Deny(item, DecisionReason.LoginTooWeak));
        if (person.Person == request.Patient)
            return All(request, item => Permit(item, DecisionReason.OwnData));
        var representation = Representatives.Find(person.Person, privacy, request.At);
        return representation is null
            ? All(request, item => Deny(item, DecisionReason.NotRepresentative))
            : new AccessDecision([.. request.Items.Select(item => Permit(item, DecisionReason.Representative))], representation);
    }

    private static ItemDecision DecideForProfessional(AccessRequest request, PatientPrivacy privacy, ProfessionalActor professional, RequestedItem item)
    {
        if (item.Provider == professional.Provider)
            return Permit(item, DecisionReason.OwnProvider);
        // An opt-out gives way only to the patient's own share of their summary with this provider, while it lasts.
        if (privacy.PrimaryUseOptOut && !privacy.Shares.Any(share => share.ActiveAt(request.At) && share.Covers(professional.Provider, item.Category)))
            return Deny(item, DecisionReason.OptedOut);
        if (ProfessionalLimits(request, professional) is [var limit, ..])
            return Deny(item, limit);
        if (privacy.Blocks.Any(b => b.InForceAt(request.At) && (request.CrossBorder || !b.CrossBorderOnly) && b.Covers(item)))
        {
            return request.Emergency switch
            {
                null => Deny(item, DecisionReason.Blocked),
                // The API refuses such a reason before asking (400); the policy holds the same rule for any other caller.
                { Reason: var reason } when !EmergencyReason.IsAcceptable(reason) => Deny(item, DecisionReason.EmergencyReasonMissing),
                _ => Permit(item, DecisionReason.EmergencyBreak),
            };
        }
        return Permit(item, DecisionReason.CareRelationship);
    }

    /// <summary>
    /// A professional abroad, through their country's contact point (issue 17): the summary's parts and the patient's
    /// prescriptions only; never while the patient has opted out (unless the patient shared their summary with this
    /// very professional, while the share lasts); only for the patient of the assertion's treatment relationship and
    /// for treatment or emergency treatment; every block applies, including those made for sharing across EU
    /// borders only, and an emergency abroad breaks none (the emergency break is a Swedish professional's, followed
    /// up by their own provider under PDL).
    /// </summary>
    private static ItemDecision DecideForForeignProfessional(AccessRequest request, PatientPrivacy privacy, CrossBorderProfessionalActor foreign, RequestedItem item)
    {
        if (!CrossBorderCategories.Contains(item.Category))
            return Deny(item, DecisionReason.NotCrossBorderData);
        if (privacy.PrimaryUseOptOut && !privacy.Shares.Any(share => share.ActiveAt(request.At) && share.ForeignProfessional == foreign.ShareName && DataCategory.SummaryParts.Contains(item.Category)))
            return Deny(item, DecisionReason.OptedOut);
        if (ForeignLimits(request, foreign) is [var limit, ..])
            return Deny(item, limit);
        if (privacy.Blocks.Any(b => b.InForceAt(request.At) && b.Covers(item)))
            return Deny(item, DecisionReason.Blocked);
        return Permit(item, DecisionReason.CareRelationship);
    }

    /// <summary>
    /// Whether the national contact point may tell a professional abroad that it knows this patient at all: not while
    /// the patient has opted out (unless they shared their summary with this very professional, while the share
    /// lasts). Such a patient is answered exactly like one the register does not hold; the audit keeps the reason.
    /// </summary>
    public static bool MayIdentifyAcrossBorder(CrossBorderProfessionalActor foreign, PatientPrivacy privacy, DateTimeOffset at) =>
        !privacy.PrimaryUseOptOut || privacy.Shares.Any(share => share.ActiveAt(at) && share.ForeignProfessional == foreign.ShareName);

    /// <summary>
    /// Whether <paramref name="actor"/> may ask another member state's contact point for a visitor's data (Sweden as
    /// the country of treatment, issue 17): a professional, for treatment or emergency treatment, who declared a care
    /// relationship with the visitor; null when allowed, else why not. Persons, systems and operators never ask.
    /// </summary>
    public static DecisionReason? MayAskAcrossBorder(Actor actor, bool careRelationshipDeclared) => actor switch
    {
        ProfessionalActor { PurposeOfUse: not (PurposeOfUse.Treatment or PurposeOfUse.EmergencyTreatment) } => DecisionReason.PurposeNotTreatment,
        ProfessionalActor when !careRelationshipDeclared => DecisionReason.NoCareRelationship,
        ProfessionalActor => null,
        _ => DecisionReason.NotADataActor,
    };

    /// <summary>What a professional abroad may be given: the patient summary's parts, ePrescriptions among them (SOU 2026:6 §2.6.1; the EHDS priority categories due first).</summary>
    public static IReadOnlyList<DataCategory> CrossBorderCategories => DataCategory.SummaryParts;

    private static List<DecisionReason> ForeignLimits(AccessRequest request, CrossBorderProfessionalActor foreign)
    {
        if (foreign.PurposeOfUse is not (PurposeOfUse.Treatment or PurposeOfUse.EmergencyTreatment))
            return [DecisionReason.PurposeNotTreatment];
        if (foreign.TreatmentRelationshipWith != request.Patient)
            return [DecisionReason.NoCareRelationship];
        return [];
    }

    private static AccessDecision All(AccessRequest request, Func<RequestedItem, ItemDecision> decide) =>
        new([.. request.Items.Select(decide)], null);

    private static ItemDecision Permit(RequestedItem item, DecisionReason reason) => new(item, true, reason);

    private static ItemDecision Deny(RequestedItem item, DecisionReason reason) => new(item, false, reason);
}

/// <summary>The answer of <see cref="AccessPolicy.MayChangeDirectory"/> and <see cref="AccessPolicy.MayPublishIndexEntry"/>: allowed, or refused with why.</summary>
public sealed record ChangeDecision(bool Allowed, string? Reason)
{
    public static ChangeDecision Allow { get; } = new(true, null);

    public static ChangeDecision Deny(string reason) => new(false, reason);
}

/// <summary>How far into the access log a caller reaches (<see cref="AccessPolicy.MayReadAuditLog"/>).</summary>
public enum AuditReach
{
    Nothing,

    /// <summary>The records of the caller's own accesses (<see cref="AuditReadRight.Actor"/> at <see cref="AuditReadRight.Provider"/>).</summary>
    OwnAccesses,

    /// <summary>Every record of <see cref="AuditReadRight.Provider"/>'s staff and systems.</summary>
    OwnProvider,

    /// <summary>The records about the person and about the patients they represent.</summary>
    PatientsRepresented,

    Everything,
}

/// <summary>What part of the access log a caller may read: the reach, and the provider and actor it is bound to.</summary>
public sealed record AuditReadRight(AuditReach Reach, string? Provider = null, string? Actor = null)
{
    public static AuditReadRight None { get; } = new(AuditReach.Nothing);

    /// <summary>
    /// Whether a record by <paramref name="recordActor"/> of <paramref name="recordProvider"/> is within reach. Never
    /// for <see cref="AuditReach.PatientsRepresented"/>: whether a record is about a patient the person represents is
    /// not a matter of who wrote it, and the caller decides it with the patient's representation.
    /// </summary>
    public bool Covers(string recordActor, string? recordProvider) => Reach switch
    {
        AuditReach.Everything => true,
        AuditReach.OwnProvider => recordProvider == Provider,
        AuditReach.OwnAccesses => recordProvider == Provider && recordActor == Actor,
        _ => false,
    };
}
