using OpenNdi.Core.Identifiers;

namespace OpenNdi.Core.Index;

/// <summary>
/// What identifies one entry of the patient data index, after the national engagement index's key (patient, category,
/// logical address = care unit, source system, business object id): publishing the same key again updates the entry
/// instead of adding one, which makes publishing idempotent.
/// </summary>
public sealed record IndexEntryKey(PersonalIdentityNumber Patient, DataCategory Category, HsaId CareUnit, string SourceSystem, string SourceReference)
{
    /// <summary>The identifier system under which a DocumentReference carries "source system|reference".</summary>
    public const string SourceReferenceSystem = "urn:openndi:index:source-reference";
}

/// <summary>
/// "Provider P holds data of category C about patient X, from <see cref="FirstDate"/> to <see cref="LatestDate"/>;
/// its source system finds it by <see cref="IndexEntryKey.SourceReference"/>." The index holds where data is, never
/// the data itself (SOU 2026:6 §2.6.1).
/// </summary>
public sealed record IndexEntry(IndexEntryKey Key, HsaId Provider, DateOnly FirstDate, DateOnly LatestDate)
{
    /// <summary>Checks what the key and dates cannot say by their types; null when the entry is valid.</summary>
    public string? Validate()
    {
        if (string.IsNullOrWhiteSpace(Key.SourceSystem) || Key.SourceSystem.Length > 128)
            return "source system must be 1 to 128 characters";
        if (string.IsNullOrWhiteSpace(Key.SourceReference) || Key.SourceReference.Length > 256)
            return "source reference must be 1 to 256 characters";
        if (LatestDate < FirstDate)
            return "latest date is before first date";
        return null;
    }
}

/// <summary>What happened to a retraction.</summary>
public enum RetractOutcome
{
    Retracted,
    NotFound,

    /// <summary>The entry exists but belongs to another provider: a provider retracts only its own entries.</summary>
    NotOwner,
}
