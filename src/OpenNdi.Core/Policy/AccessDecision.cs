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
    SystemOtherProvider,
    NotADataActor,
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

/// <summary>The decision on a whole request: one decision per item, in request order, and the representation used if any.</summary>
public sealed record AccessDecision(IReadOnlyList<ItemDecision> Items, Representation? ActingAs)
{
    public IEnumerable<ItemDecision> Permitted => Items.Where(i => i.Permitted);

    public IEnumerable<ItemDecision> Withheld => Items.Where(i => !i.Permitted);

    public bool AnyEmergencyBreak => Items.Any(i => i.ViaEmergencyBreak);
}
