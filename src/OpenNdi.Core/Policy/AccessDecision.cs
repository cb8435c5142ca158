using OpenNdi.Core.Identifiers;

namespace OpenNdi.Core.Policy;

/// <summary>Why an item was released or withheld. Stable codes: they are logged and shown to patients.</summary>
public enum DecisionReason
{
    // Released
    OwnData,
    Representative,
    OwnProvider,
    CareRelationship,
    EmergencyBreak,

    // Withheld
    OptedOut,
    Blocked,
    NoAssignment,
    NoCareRelationship,
    PurposeNotTreatment,
    EmergencyReasonMissing,
    NotRepresentative,

    /// <summary>The person logged in below the assurance level health data needs (<see cref="AccessPolicy.LoginProblem"/>).</summary>
    LoginTooWeak,
    SystemOtherProvider,
    NotADataActor,

    /// <summary>A category that does not cross the border (only the summary's parts and ePrescriptions do).</summary>
    NotCrossBorderData,
}

/// <summary>The decision on one requested item.</summary>
public sealed record ItemDecision(RequestedItem Item, bool Permitted, DecisionReason Reason)
{
    /// <summary>Released only because the professional broke a block in an emergency: marked in the answer, logged, followed up.</summary>
    public bool ViaEmergencyBreak => Reason == DecisionReason.EmergencyBreak;
}

/// <summary>How a person came to act for the patient.</summary>
public enum RepresentationKind
{
    Guardian,
    Proxy,
}

/// <summary>A person acting for the patient: the audit shows both identities.</summary>
public sealed record Representation(PersonalIdentityNumber Representative, PersonalIdentityNumber Represented, RepresentationKind Kind, ProxyScope Scope, string? ProxyId);

/// <summary>
/// What the caller is told about what the decision kept from them (<see cref="AccessPolicy.Decide"/> sets it). A caller
/// who may not see a patient learns nothing about them, not even a count: so the caller hears only
/// <list type="bullet">
/// <item><see cref="Limits"/>: why this caller, in this request, sees no other provider's information at all. They come
/// from who the caller is and what the request declared, never from the patient's data or settings, so they are
/// the same whether the patient exists, has data, or opted out.</item>
/// <item><see cref="Counted"/>: how many items were withheld, for the reasons the caller can act on: a clinician in
/// care of the patient is told of blocks, which an emergency can break (PDL 6 kap. 3 §). Nothing else is
/// counted; an opt-out, which nothing opens, looks to every caller like a patient with no data elsewhere.</item>
/// </list>
/// The audit log keeps every reason and count.
/// </summary>
public sealed record Disclosure(IReadOnlyList<DecisionReason> Limits, IReadOnlyList<(DecisionReason Reason, int Count)> Counted)
{
    public static Disclosure Nothing { get; } = new([], []);

    /// <summary>
    /// Whether this caller is told of blocks (a clinician in care of the patient, who has not opted out): also of the
    /// items a provider's answer held that the patient's blocks withhold.
    /// </summary>
    public bool TellsBlocks { get; init; }

    /// <summary>
    /// The caller may see nothing of this patient, whatever the data: a person who neither is nor represents the
    /// patient, an operator. The same refusal for every patient, existing or not.
    /// </summary>
    public bool Excluded => Limits.Any(l => l is DecisionReason.NotRepresentative or DecisionReason.NotADataActor or DecisionReason.LoginTooWeak);
}

/// <summary>The decision on a whole request: one decision per item, in request order, and the representation used if any.</summary>
public sealed record AccessDecision(IReadOnlyList<ItemDecision> Items, Representation? ActingAs)
{
    /// <summary>What the caller may be told of what was withheld (the audit log has it all).</summary>
    public Disclosure Disclosure { get; init; } = Disclosure.Nothing;

    public IEnumerable<ItemDecision> Permitted => Items.Where(i => i.Permitted);

    public IEnumerable<ItemDecision> Withheld => Items.Where(i => !i.Permitted);

    public bool AnyEmergencyBreak => Items.Any(i => i.ViaEmergencyBreak);
}
