using OpenNdi.Core.Identifiers;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OpenNdi.Core.Audit;
using OpenNdi.Core.Identity;
using OpenNdi.Core.Index;
using OpenNdi.Core.Policy;
using OpenNdi.Data.Index;
using OpenNdi.Fhir;
using OpenNdi.Server.Audit;
using OpenNdi.Server.Consent;

namespace OpenNdi.Server.PatientIndex;

/// <summary>An index lookup with the access policy's decision on every entry (in the same order).</summary>
internal sealed record DecidedLookup(IReadOnlyList<IndexEntry> Entries, AccessDecision Decision, EmergencyAccess? Emergency, AccessRequest Request, PatientPrivacy Facts)
{
    public IEnumerable<(IndexEntry Entry, ItemDecision Decision)> Pairs => Entries.Select((e, i) => (e, Decision.Items[i]));

    /// <summary>
    /// The policy's decision on one more item under the same request and facts: what a provider's answer holds beyond
    /// its index entries (a summary's medications when only the summary was indexed) is decided by its own category.
    /// </summary>
    public ItemDecision Decide(RequestedItem item) => AccessPolicy.Decide(Request with { Items = [item] }, Facts).Items[0];
}

/// <summary>
/// The one path by which index entries reach anyone: the lookup, the patient's privacy settings, and the access
/// policy's decision, with what the request declared (care relationship, emergency reason). Used by the index's own
/// lookup and by the access services that fetch the data the entries point to.
/// </summary>
internal sealed class IndexAccess(IIndexStore index, PatientPrivacyReader privacy, OpenNdi.Data.NdiDatabase database, TimeProvider time)
{
    /// <summary>A professional declares a care relationship with the patient for this request (PDL 6 kap.).</summary>
    public const string CareRelationshipHeader = "Ndi-Care-Relationship";

    /// <summary>
    /// A professional invokes an emergency, with the reason; it breaks blocks (never an opt-out) for this request.
    /// HTTP header values are ASCII, so a reason in Swedish travels percent-encoded as UTF-8 ("medvetsl%C3%B6s").
    /// </summary>
    public const string EmergencyReasonHeader = "Ndi-Emergency-Reason";

    /// <summary>The error code of a refused emergency reason, in the index lookup and the professional access reads alike.</summary>
    public const string EmergencyReasonRefused = "NDI-PDI-020";

    /// <summary>
    /// The emergency the request invokes (null when it invokes none), or the 400 that refuses it. Two ways to say it
    /// (ADR 0008): the token, the IHE IUA/PCF way — purpose of use <c>BTG</c> or <c>ETREAT</c> with
    /// <see cref="NdiClaims.EmergencyReason"/>, bound to one patient (<see cref="NdiClaims.PatientBinding"/>), as token
    /// exchange issues it; or the header <see cref="EmergencyReasonHeader"/>, an alias for one request. A break-glass
    /// token used for another patient invokes nothing for that patient. A reason that breaks blocks is read once,
    /// strictly (<see cref="EmergencyReason"/>), before anything is looked up, so a refused reason releases nothing and
    /// is not logged as an invoked emergency. The refusal's text never repeats the reason: what was sent may be anything.
    /// </summary>
    public static (EmergencyAccess? Emergency, IResult? Refusal) ReadEmergency(HttpRequest request, PersonalIdentityNumber patient)
    {
        var user = request.HttpContext.User;
        if (PurposeOfUse.IsEmergency(user.FindFirst(NdiClaims.PurposeOfUse)?.Value) && user.FindFirst(NdiClaims.EmergencyReason)?.Value is { Length: > 0 } granted
            && user.FindFirst(NdiClaims.PatientBinding)?.Value == patient.Value && !request.Headers.ContainsKey(EmergencyReasonHeader))
            return (new EmergencyAccess(granted), null);
        if (!request.Headers.TryGetValue(EmergencyReasonHeader, out var values))
            return (null, null);
        if (values.Count != 1)
            return (null, RefuseReason($"give one {EmergencyReasonHeader} header"));
        return EmergencyReason.TryParse(values[0], out var reason, out var error)
            ? (new EmergencyAccess(reason.Text), null)
            : (null, RefuseReason(error));
    }

    private static IResult RefuseReason(string error) => FhirResults.Error(400, EmergencyReasonRefused, Hl7.Fhir.Model.OperationOutcome.IssueType.Invalid,
        $"The emergency reason was not accepted: {error}. Nothing was released. Say why in words, percent-encoded as UTF-8, at most {EmergencyReason.MaxLength} characters.",
        EmergencyReasonHeader);

    /// <param name="categories">Only entries of these categories (null: the query's category, or all).</param>
    /// <param name="emergency">The emergency invoked, as <see cref="ReadEmergency"/> read it.</param>
    public async Task<DecidedLookup> DecideAsync(HttpRequest request, Actor actor, IndexQuery query, IReadOnlyCollection<DataCategory>? categories, EmergencyAccess? emergency,
        CancellationToken cancellationToken)
    {
        // The entries and the patient's consents in one round trip, both as they are now: a revocation applies at once.
        var (entries, consents) = await database.ReadTogetherAsync(index.LookupRead(query), privacy.ConsentsRead(query.Patient), cancellationToken);
        if (categories is not null)
            entries = [.. entries.Where(e => categories.Contains(e.Key.Category))];
        var facts = await privacy.FromAsync(query.Patient, consents, withGuardians: actor is PersonActor, cancellationToken);
        var accessRequest = new AccessRequest(actor, query.Patient,
            [.. entries.Select(e => new RequestedItem(e.Provider, e.Key.CareUnit, e.Key.Category, e.Key.SourceReference))], time.GetUtcNow(),
            CareRelationshipDeclared: CareRelationshipDeclared(request, query.Patient),
            Emergency: emergency,
            CrossBorder: actor is CrossBorderProfessionalActor);
        var decision = AccessPolicy.Decide(accessRequest, facts);
        return new DecidedLookup(entries, decision, emergency, accessRequest, facts);
    }

    /// <summary>
    /// Whether a care relationship with <paramref name="patient"/> is declared: attested by the EHR that launched the app,
    /// for this patient only (<see cref="NdiClaims.CareRelationship"/> in the token, from the launch context), or by
    /// the header alias <see cref="CareRelationshipHeader"/> for this one request (ADR 0008).
    /// </summary>
    private static bool CareRelationshipDeclared(HttpRequest request, PersonalIdentityNumber patient) =>
        request.HttpContext.User.FindFirst(NdiClaims.CareRelationship)?.Value == patient.Value || request.Headers[CareRelationshipHeader] == "declared";

    /// <summary>
    /// The audit record completed with the decision: outcome, withheld counts, the represented patient, and the
    /// emergency. Every invoked emergency goes on the follow-up list, whether it broke a block or met only an opt-out
    /// (which it cannot open): a claimed emergency is what the provider must review (PDL 4 kap. 3 §), and one that
    /// tried an opted-out patient is the one most worth reviewing.
    /// </summary>
    public static AuditRecord Audited(AuditRecord record, HttpRequest request, DecidedLookup lookup, string entityKind, IEnumerable<AuditEntity>? more = null) => record with
    {
        Outcome = DecisionAudit.Outcome(lookup.Decision),
        OutcomeText = Withheld(lookup.Decision),
        OnBehalfOf = AuditTrail.OnBehalfOf(lookup.Decision.ActingAs),
        EmergencyReason = lookup.Emergency?.Reason is { Length: > 0 } reason && !string.IsNullOrWhiteSpace(reason) ? reason : null,
        PurposeOfUse = lookup.Decision.AnyEmergencyBreak ? "ETREAT" : record.PurposeOfUse,
        Entities =
        [
            new AuditEntity("query", $"{request.Path}{request.QueryString}", Detail: lookup.Emergency is null ? null : $"emergency invoked: {lookup.Emergency.Reason}"),
            .. DecisionAudit.Entities(lookup.Decision, entityKind),
            .. more ?? [],
        ],
    };

    /// <summary>How many entries were withheld and why (counts per reason), never which: a block must not reveal what it hides.</summary>
    public static string? Withheld(AccessDecision decision)
    {
        var reasons = decision.Withheld.GroupBy(d => d.Reason).Select(g => $"{ReasonText(g.Key)} ({g.Count()})").ToList();
        return reasons.Count == 0 ? null : $"{decision.Withheld.Count()} entries withheld: {string.Join(", ", reasons)}.";
    }

    /// <summary>
    /// What the caller is told of what was withheld, as one sentence (null when nothing): the limits of their access,
    /// then the counts they can act on (<see cref="Disclosure"/>). The same for every patient the caller may not see.
    /// </summary>
    public static string? Told(Disclosure disclosure)
    {
        var parts = disclosure.Limits.Select(LimitText).ToList();
        if (disclosure.Counted.Count > 0)
            parts.Add($"{disclosure.Counted.Sum(c => c.Count)} entries withheld: {string.Join(", ", disclosure.Counted.Select(c => $"{ReasonText(c.Reason)} ({c.Count})"))}");
        return parts.Count == 0 ? null : string.Join(". ", parts) + ".";
    }

    /// <summary>
    /// The refusal of a caller who may see nothing of this patient (<see cref="Disclosure.Excluded"/>): one answer for
    /// every patient, existing or not, with data or without, opted out or not.
    /// </summary>
    public static IResult Excluded(Disclosure disclosure, string code) =>
        FhirResults.Error(403, code, Hl7.Fhir.Model.OperationOutcome.IssueType.Forbidden, $"Access refused. {Told(disclosure)}");

    /// <summary>A limit of the caller's access, said without anything about the patient.</summary>
    public static string LimitText(DecisionReason limit) => limit switch
    {
        DecisionReason.NoAssignment => "Your assignment does not cover other care providers' information: you see your own care provider's only",
        DecisionReason.PurposeNotTreatment => "Other care providers' information is given for treatment only: you see your own care provider's only",
        DecisionReason.NoCareRelationship => $"Without a declared care relationship (header {CareRelationshipHeader}: declared) you see your own care provider's information only",
        DecisionReason.SystemOtherProvider => "A system sees its own care provider's information only",
        DecisionReason.NotRepresentative => "You see a person's information only as that person or as their representative",
        DecisionReason.NotADataActor => "Operators see no patient information",
        DecisionReason.LoginTooWeak => "Health information needs a login with e-identification at assurance level 3 or higher",
        _ => ReasonText(limit),
    };

    public static string ReasonText(DecisionReason reason) => reason switch
    {
        DecisionReason.OptedOut => "the patient has opted out of sharing with other providers",
        DecisionReason.Blocked => "blocked by the patient",
        DecisionReason.NoAssignment => "no assignment covering other providers",
        DecisionReason.NoCareRelationship => $"no declared care relationship (header {CareRelationshipHeader}: declared)",
        DecisionReason.PurposeNotTreatment => "the purpose of use is not treatment",
        DecisionReason.EmergencyReasonMissing => $"an emergency needs a reason ({EmergencyReasonHeader})",
        DecisionReason.NotRepresentative => "you do not represent this patient",
        DecisionReason.SystemOtherProvider => "a system sees its own provider's entries only",
        DecisionReason.NotADataActor => "operators see no patient data",
        DecisionReason.LoginTooWeak => "the login's assurance level is below level 3",
        DecisionReason.NotCrossBorderData => "this kind of information is not shared across borders",
        _ => reason.ToString(),
    };
}

internal static class IndexAccessRegistration
{
    public static IServiceCollection TryAddIndexAccess(this IServiceCollection services)
    {
        services.TryAddSingleton<IIndexStore>(sp => new IndexStore(sp.GetRequiredService<OpenNdi.Data.NdiDatabase>()));
        services.TryAddPatientPrivacy();
        services.TryAddSingleton<IndexAccess>();
        return services;
    }
}
