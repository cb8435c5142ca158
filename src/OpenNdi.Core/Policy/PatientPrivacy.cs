using OpenNdi.Core.Identifiers;
using OpenNdi.Core.Index;

namespace OpenNdi.Core.Policy;

/// <summary>
/// What a patient has decided, and who may represent them: the facts the policy decides on, read before each
/// decision. Everything here is data; the rules are in <see cref="AccessPolicy"/>.
/// </summary>
public sealed record PatientPrivacy(
    PersonalIdentityNumber Patient,
    DateOnly BirthDate,
    bool PrimaryUseOptOut,
    bool SecondaryUseOptOut,
    IReadOnlyList<Block> Blocks,
    IReadOnlyList<Proxy> Proxies,
    IReadOnlyList<PersonalIdentityNumber> Guardians)
{
    /// <summary>A patient who has decided nothing and has no representatives.</summary>
    public static PatientPrivacy None(PersonalIdentityNumber patient) => new(patient, patient.BirthDate, false, false, [], [], []);

    /// <summary>The patient said no to being contacted about research (seed 001 §6.1.4); it binds the research services, not care.</summary>
    public bool ResearchContactOptOut { get; init; }

    /// <summary>
    /// The population register marks the patient's identity as protected (skyddad identitet: sekretessmarkering,
    /// skyddad folkbokföring). Such a person is never shown through someone else's guardianship.
    /// </summary>
    public bool ProtectedIdentity { get; init; }

    /// <summary>The patient's time-limited shares of their summary (right 9).</summary>
    public IReadOnlyList<Share> Shares { get; init; } = [];
}

/// <summary>
/// The patient shares their summary, for a limited time, with a named care provider in Sweden
/// (<see cref="Provider"/>), or with a named health professional in another member state (<see cref="ForeignProfessional"/>,
/// <c>CC:identifier</c>, for the national contact point to MyHealth@EU). Revocable.
/// </summary>
public sealed record Share(string Id, HsaId? Provider, string? ForeignProfessional, DateOnly Start, DateOnly End, DateTimeOffset? RevokedAt = null)
{
    public bool ActiveAt(DateTimeOffset at)
    {
        var day = DateOnly.FromDateTime(at.UtcDateTime);
        return (RevokedAt is not { } revoked || at < revoked) && day >= Start && day <= End;
    }

    /// <summary>Whether the share lets <paramref name="provider"/>'s professionals see <paramref name="category"/>: the summary's parts only.</summary>
    public bool Covers(HsaId provider, DataCategory category) => Provider == provider && DataCategory.SummaryParts.Contains(category);
}

/// <summary>What a block names.</summary>
public enum BlockScope
{
    /// <summary>Everything from one provider.</summary>
    Provider,

    /// <summary>Everything from one care unit.</summary>
    CareUnit,

    /// <summary>One category, from every provider (or from one, when a provider is given).</summary>
    Category,

    /// <summary>One item of one provider.</summary>
    Item,
}

/// <summary>
/// A block (spärr): data the patient hides from other providers. Optionally for a period (the data's dates are not
/// known to the policy; the period is when the block is in force), and revocable.
/// </summary>
public sealed record Block(string Id, BlockScope Scope, HsaId? Provider, HsaId? CareUnit, DataCategory? Category, string? ItemId, DateOnly? From = null, DateOnly? To = null, DateTimeOffset? RevokedAt = null)
{
    /// <summary>
    /// The block holds only for sharing across EU borders (through the national contact point to MyHealth@EU, seed
    /// 000 on blocks for cross-border exchange); care in Sweden is not affected by it.
    /// </summary>
    public bool CrossBorderOnly { get; init; }

    /// <summary>Why this block cannot be stored, or null: each scope needs exactly what it names.</summary>
    public string? Validate() => Scope switch
    {
        BlockScope.Provider when Provider is null => "a provider block names the provider",
        BlockScope.CareUnit when CareUnit is null => "a care-unit block names the care unit",
        BlockScope.Category when Category is null => "a category block names the category",
        BlockScope.Item when Provider is null || string.IsNullOrWhiteSpace(ItemId) => "an item block names the provider and the item",
        _ when From is { } from && To is { } to && to < from => "the block ends before it starts",
        _ => null,
    };

    public bool InForceAt(DateTimeOffset at)
    {
        var day = DateOnly.FromDateTime(at.UtcDateTime);
        return (RevokedAt is not { } revoked || at < revoked) && (From is not { } from || day >= from) && (To is not { } to || day <= to);
    }

    /// <summary>True when the block names this item (whether in force or not).</summary>
    public bool Covers(RequestedItem item) => Scope switch
    {
        BlockScope.Provider => item.Provider == Provider,
        BlockScope.CareUnit => item.CareUnit == CareUnit,
        BlockScope.Category => item.Category == Category && (Provider is not { } provider || item.Provider == provider),
        BlockScope.Item => item.Provider == Provider && item.ItemId is not null && item.ItemId == ItemId,
        _ => false,
    };
}

/// <summary>What a proxy may do: view the patient's data, or also manage their settings (which includes viewing).</summary>
public enum ProxyScope
{
    View,
    Manage,
}

/// <summary>A proxy (ombud) the patient granted to another person, from a start day to an optional end day, revocable.</summary>
public sealed record Proxy(string Id, PersonalIdentityNumber Representative, ProxyScope Scope, DateOnly Start, DateOnly? End = null, DateTimeOffset? RevokedAt = null)
{
    public bool ActiveAt(DateTimeOffset at)
    {
        var day = DateOnly.FromDateTime(at.UtcDateTime);
        return (RevokedAt is not { } revoked || at < revoked) && day >= Start && (End is not { } end || day <= end);
    }
}
