using Hl7.Fhir.Model;
using OpenNdi.Core.Identifiers;
using OpenNdi.Core.Index;

namespace OpenNdi.Fhir.Merging;

/// <summary>
/// Where an item came from: the provider and care unit whose record it is, the provider system's URL of the item,
/// the period the index entry spans, when it was fetched, and whether it came through an emergency break.
/// </summary>
public sealed record ItemSource(
    HsaId Provider,
    string? ProviderName,
    HsaId? CareUnit,
    string Url,
    DateOnly? FirstDate,
    DateOnly? LatestDate,
    DateTimeOffset Fetched,
    bool ViaEmergencyBreak);

/// <summary>
/// A clinical resource released to the caller, with every source that reported it: the same medication from two
/// providers is one item with two sources. <see cref="FullUrl"/> is the first source's URL of it.
/// </summary>
/// <param name="section">The LOINC code of the section the provider's own document placed it in, if it came in one.</param>
/// <param name="references">The references inside the resource, when the caller has walked it already (<see cref="ResourceWalk.References"/>).</param>
public sealed class SourcedItem(Resource resource, DataCategory? category, ItemSource source, string? section = null, IReadOnlyList<ResourceReference>? references = null)
{
    private IReadOnlyList<ResourceReference>? _references = references;

    private readonly List<ItemSource> _sources = [source];

    public Resource Resource { get; } = resource;

    /// <summary>The index category it was released under; null for a supporting resource (Medication, Device) travelling with one.</summary>
    public DataCategory? Category { get; } = category;

    public string FullUrl => _sources[0].Url;

    /// <summary>The section (LOINC code) the provider placed it in: in a summary, that placement stands.</summary>
    public string? Section { get; } = section;

    public IReadOnlyList<ItemSource> Sources => _sources;

    /// <summary>Every reference inside the resource, walked once for screening and assembly alike (the objects themselves, so a rewrite shows in both).</summary>
    public IReadOnlyList<ResourceReference> References => _references ??= ResourceWalk.References(Resource);

    /// <summary>Says references were taken out of the resource (a Provenance narrowed to what is released): they are walked again when next asked for.</summary>
    internal void ReferencesRemoved() => _references = null;

    /// <summary>Released only through an emergency break: no source would have released it otherwise.</summary>
    public bool ViaEmergencyBreak => _sources.All(s => s.ViaEmergencyBreak);

    public void AddSource(ItemSource source) => _sources.Add(source);
}

/// <summary>A section of a provider's own document: its code, its narrative, and the provider's URLs of the entries it lists.</summary>
public sealed record ProviderSection(string? Code, string? Title, Narrative? Text, IReadOnlyList<string> EntryUrls);
