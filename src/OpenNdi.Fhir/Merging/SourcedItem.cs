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
public sealed class SourcedItem(Resource resource, DataCategory? category, ItemSource source)
{
    private readonly List<ItemSource> _sources = [source];

    public Resource Resource { get; } = resource;

    /// <summary>The index category it was released under; null for a supporting resource (Medication, Device) travelling with one.</summary>
    public DataCategory? Category { get; } = category;

    public string FullUrl => _sources[0].Url;

    public IReadOnlyList<ItemSource> Sources => _sources;

    /// <summary>Released only through an emergency break: no source would have released it otherwise.</summary>
    public bool ViaEmergencyBreak => _sources.All(s => s.ViaEmergencyBreak);

    public void AddSource(ItemSource source) => _sources.Add(source);
}
