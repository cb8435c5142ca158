using Hl7.Fhir.Model;
using OpenNdi.Core.Identifiers;
using OpenNdi.Core.Index;
using OpenNdi.Core.Policy;

namespace OpenNdi.Server.Consent;

/// <summary>What a Consent resource says, read into the policy's terms.</summary>
internal sealed record ParsedConsent(PersonalIdentityNumber Patient, string Kind, bool Active, Block? Block, Proxy? Proxy, Share? Share = null);

/// <summary>
/// The patient's privacy settings as FHIR R4 Consent resources (IHE PCF): the kind is a category coding, what is
/// denied or permitted is the provision. Kinds and their shape:
/// <code>
/// optout-primary    scope patient-privacy, provision deny                          (no data to other providers)
/// optout-secondary  scope research, provision deny                                 (no secondary use)
/// optout-research-contact  scope research, provision deny, action of contact       (not to be contacted about research)
/// block             scope patient-privacy, provision deny, [period], one of:
///                     actor role CST + block-target provider|care-unit, HSA-id     (a provider / a care unit)
///                     code LOINC category [+ provider actor]                       (a category)
///                     data reference identifier item id + provider actor           (one item)
///                   + category block-reach|cross-border: only sharing across EU borders (MyHealth@EU)
/// proxy             scope patient-privacy, provision permit, period (start required),
///                     actor role HPOWATT, personnummer; action access (view) [+ correct (manage)]
/// share             scope patient-privacy, provision permit, period start and end (at most a year), code LOINC 60591-5,
///                     actor role IRCP: a provider's HSA-id, or urn:openndi:eu-professional "CC:identifier"
/// </code>
/// </summary>
internal static class ConsentResources
{
    public const string KindSystem = "urn:openndi:consent-kind";
    public const string BlockTargetSystem = "urn:openndi:consent-block-target";
    public const string ItemSystem = "urn:openndi:index:item";
    public const string BlockReachSystem = "urn:openndi:consent-block-reach";
    private const string ScopeSystem = "http://terminology.hl7.org/CodeSystem/consentscope";
    private const string ParticipationSystem = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType";
    private const string RoleCodeSystem = "http://terminology.hl7.org/CodeSystem/v3-RoleCode";
    private const string ActionSystem = "http://terminology.hl7.org/CodeSystem/consentaction";

    public static readonly string[] Kinds = ["optout-primary", "optout-secondary", "optout-research-contact", "block", "proxy", "share"];
    public const string ForeignProfessionalSystem = "urn:openndi:eu-professional";

    /// <summary>How long a share may last: it is for a stay abroad or a consultation, not a standing permission.</summary>
    public const int MaxShareDays = 366;

    public static (ParsedConsent? Consent, string? Error, string? Expression) Read(Hl7.Fhir.Model.Consent consent)
    {
        var kind = consent.Category.SelectMany(c => c.Coding).FirstOrDefault(c => c.System == KindSystem)?.Code;
        if (kind is null || !Kinds.Contains(kind))
            return Fail($"category must hold a coding of {KindSystem}: one of {string.Join(", ", Kinds)}", "Consent.category");
        var expectedScope = ScopeOf(kind);
        if (consent.Scope?.Coding.Any(c => c.System == ScopeSystem && c.Code == expectedScope) != true)
            return Fail($"a {kind} consent has scope {ScopeSystem}|{expectedScope}", "Consent.scope");
        var subject = consent.Patient?.Identifier;
        if (subject?.Value is null || subject.System is not (null or PersonalIdentityNumber.PersonnummerSystem or PersonalIdentityNumber.SamordningsnummerSystem))
            return Fail("patient.identifier must be the patient's personnummer or samordningsnummer", "Consent.patient.identifier");
        if (!PersonalIdentityNumber.TryParse(subject.Value, out var patient, out var patientError))
            return Fail($"patient.identifier: {patientError}", "Consent.patient.identifier");
        bool active;
        switch (consent.Status)
        {
            case Hl7.Fhir.Model.Consent.ConsentState.Active: active = true; break;
            case Hl7.Fhir.Model.Consent.ConsentState.Inactive or Hl7.Fhir.Model.Consent.ConsentState.Rejected or Hl7.Fhir.Model.Consent.ConsentState.EnteredInError: active = false; break;
            default: return Fail("status must be active, or inactive to revoke", "Consent.status");
        }
        var provision = consent.Provision;
        var expectedType = kind is "proxy" or "share" ? Hl7.Fhir.Model.Consent.ConsentProvisionType.Permit : Hl7.Fhir.Model.Consent.ConsentProvisionType.Deny;
        if (provision?.Type != expectedType)
            return Fail($"a {kind} consent needs provision.type {expectedType.ToString().ToLowerInvariant()}", "Consent.provision.type");
        if (!TryDay(provision.Period?.Start, out var start) || !TryDay(provision.Period?.End, out var end))
            return Fail("provision.period start and end must be dates", "Consent.provision.period");

        return kind switch
        {
            "block" => ReadBlock(consent, patient, active, provision, start, end),
            "proxy" => ReadProxy(consent, patient, active, provision, start, end),
            "share" => ReadShare(patient, active, consent.Id, provision, start, end),
            _ => (new ParsedConsent(patient, kind, active, null, null), null, null),
        };
    }

    private static (ParsedConsent?, string?, string?) ReadBlock(Hl7.Fhir.Model.Consent consent, PersonalIdentityNumber patient, bool active, Hl7.Fhir.Model.Consent.provisionComponent provision, DateOnly? start, DateOnly? end)
    {
        HsaId? provider = null, unit = null;
        foreach (var actor in provision.Actor)
        {
            var target = actor.Role?.Coding.FirstOrDefault(c => c.System == BlockTargetSystem)?.Code;
            if (!HsaId.TryParse(actor.Reference?.Identifier?.Value, out var hsaId, out var hsaError))
                return Fail($"provision.actor: the reference.identifier must be an HSA-id: {hsaError}", "Consent.provision.actor");
            switch (target)
            {
                case "provider": provider = hsaId; break;
                case "care-unit": unit = hsaId; break;
                default: return Fail($"provision.actor.role must hold a coding of {BlockTargetSystem}: provider or care-unit", "Consent.provision.actor.role");
            }
        }
        DataCategory? category = null;
        if (provision.Code.FirstOrDefault()?.Coding.FirstOrDefault() is { } code)
        {
            if (!DataCategory.TryParse(code.Code, out var parsed, out var categoryError))
                return Fail($"provision.code: {categoryError}", "Consent.provision.code");
            category = parsed;
        }
        var item = provision.Data.FirstOrDefault()?.Reference?.Identifier?.Value;
        var scope = item is not null ? BlockScope.Item : category is not null ? BlockScope.Category : unit is not null ? BlockScope.CareUnit : BlockScope.Provider;
        var reach = consent.Category.SelectMany(c => c.Coding).FirstOrDefault(c => c.System == BlockReachSystem)?.Code;
        if (reach is not (null or "all" or "cross-border"))
            return Fail($"a category coding of {BlockReachSystem} is all or cross-border", "Consent.category");
        var block = new Block(consent.Id ?? string.Empty, scope, provider, unit, category, item, start, end) { CrossBorderOnly = reach == "cross-border" };
        if (block.Validate() is { } problem)
            return Fail(problem, "Consent.provision");
        return (new ParsedConsent(patient, "block", active, block, null), null, null);
    }

    private static (ParsedConsent?, string?, string?) ReadProxy(Hl7.Fhir.Model.Consent consent, PersonalIdentityNumber patient, bool active, Hl7.Fhir.Model.Consent.provisionComponent provision, DateOnly? start, DateOnly? end)
    {
        if (start is not { } from)
            return Fail("a proxy needs provision.period.start", "Consent.provision.period.start");
        if (end is { } to && to < from)
            return Fail("the proxy ends before it starts", "Consent.provision.period");
        var actor = provision.Actor.FirstOrDefault(a => a.Role?.Coding.Any(c => c.System == RoleCodeSystem && c.Code == "HPOWATT") == true);
        if (actor is null || !PersonalIdentityNumber.TryParse(actor.Reference?.Identifier?.Value, out var representative, out var error))
            return Fail($"a proxy needs provision.actor with role {RoleCodeSystem}|HPOWATT and the representative's personnummer as reference.identifier", "Consent.provision.actor");
        if (representative == patient)
            return Fail("a patient cannot be their own proxy", "Consent.provision.actor");
        var actions = provision.Action.SelectMany(a => a.Coding).Where(c => c.System == ActionSystem).Select(c => c.Code).ToHashSet();
        if (!actions.Contains("access"))
            return Fail($"a proxy's provision.action must include {ActionSystem}|access (and correct to manage)", "Consent.provision.action");
        var scope = actions.Contains("correct") ? ProxyScope.Manage : ProxyScope.View;
        return (new ParsedConsent(patient, "proxy", active, null, new Proxy(consent.Id ?? string.Empty, representative, scope, from, end)), null, null);
    }

    private static (ParsedConsent?, string?, string?) ReadShare(PersonalIdentityNumber patient, bool active, string? id, Hl7.Fhir.Model.Consent.provisionComponent provision, DateOnly? start, DateOnly? end)
    {
        if (start is not { } from || end is not { } to)
            return Fail("a share is for a limited time: provision.period needs start and end", "Consent.provision.period");
        if (to < from || to.DayNumber - from.DayNumber > MaxShareDays)
            return Fail($"a share ends after it starts and lasts at most {MaxShareDays} days", "Consent.provision.period");
        if (provision.Code.SelectMany(c => c.Coding).Any(c => !(c.System == "http://loinc.org" && c.Code == DataCategory.PatientSummary.Loinc)))
            return Fail($"a share is of the patient summary (provision.code LOINC {DataCategory.PatientSummary.Loinc}) only", "Consent.provision.code");
        var recipient = provision.Actor.FirstOrDefault(a => a.Role?.Coding.Any(c => c.System == ParticipationSystem && c.Code == "IRCP") == true)?.Reference?.Identifier;
        if (recipient?.Value is not { } value)
            return Fail($"a share names its recipient: provision.actor with role {ParticipationSystem}|IRCP and reference.identifier", "Consent.provision.actor");
        if (recipient.System == ForeignProfessionalSystem)
        {
            if (!System.Text.RegularExpressions.Regex.IsMatch(value, "^[A-Z]{2}:[A-Za-z0-9._/-]{1,64}$"))
                return Fail($"a professional abroad is named as {ForeignProfessionalSystem} \"CC:identifier\" (the member state's ISO 3166 code and their identifier there)", "Consent.provision.actor");
            return (new ParsedConsent(patient, "share", active, null, null, new Share(id ?? string.Empty, null, value, from, to)), null, null);
        }
        if (!HsaId.TryParse(value, out var provider, out var error))
            return Fail($"the recipient is a provider's HSA-id, or a professional abroad ({ForeignProfessionalSystem}): {error}", "Consent.provision.actor");
        return (new ParsedConsent(patient, "share", active, null, null, new Share(id ?? string.Empty, provider, null, from, to)), null, null);
    }

    /// <summary>Fills in what the server owns: the id, the standard category and the date, before storing.</summary>
    public static void Complete(Hl7.Fhir.Model.Consent consent, string id, string kind)
    {
        consent.Id = id;
        if (!consent.Category.Any(c => c.Coding.Any(x => x.System == "http://loinc.org" && x.Code == "59284-0")))
            consent.Category.Add(new CodeableConcept("http://loinc.org", "59284-0", "Patient Consent"));
        consent.DateTimeElement ??= new FhirDateTime(DateTimeOffset.UtcNow);
    }

    /// <summary>Secondary use is research and registries; everything else is about who sees the patient's records.</summary>
    private static string ScopeOf(string kind) => kind is "optout-secondary" or "optout-research-contact" ? "research" : "patient-privacy";

    private static bool TryDay(string? value, out DateOnly? day)
    {
        day = null;
        if (value is null)
            return true;
        if (value.Length < 10 || !DateOnly.TryParseExact(value[..10], "yyyy-MM-dd", out var parsed))
            return false;
        day = parsed;
        return true;
    }

    private static (ParsedConsent?, string?, string?) Fail(string error, string expression) => (null, error, expression);
}
