using OpenNdi.Core.Identifiers;
using OpenNdi.Core.Index;

namespace OpenNdi.Core.Policy;

/// <summary>One thing asked for: data of a category from a provider's care unit, or one item of it.</summary>
public sealed record RequestedItem(HsaId Provider, HsaId CareUnit, DataCategory Category, string? ItemId = null);

/// <summary>A professional's statement that this is an emergency, with the reason that will be logged and followed up.</summary>
public sealed record EmergencyAccess(string Reason);

/// <summary>
/// A request to see a patient's data: who asks, about whom, for what, when, whether the professional declared a
/// care relationship with the patient, whether they invoke an emergency, and whether the data would leave Sweden
/// for another member state (the national contact point to MyHealth@EU; blocks made for that alone then apply).
/// </summary>
public sealed record AccessRequest(
    Actor Actor,
    PersonalIdentityNumber Patient,
    IReadOnlyList<RequestedItem> Items,
    DateTimeOffset At,
    bool CareRelationshipDeclared = false,
    EmergencyAccess? Emergency = null,
    bool CrossBorder = false);
