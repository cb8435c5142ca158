using Hl7.Fhir.Model;
using OpenNdi.Core.Identifiers;

namespace OpenNdi.Fhir.Merging;

/// <summary>
/// Provenance for merged items (FHIR R4 Provenance): one resource per source — provider, care unit, and whether it
/// came through an emergency break — targeting every item that source reported. The author agent is the care unit
/// (or the provider when the unit is not known) on behalf of the provider; <c>occurredPeriod</c> is the span the
/// index entry gives, <c>recorded</c> when it was fetched, and the entity is the provider system's URL of the item.
/// Items released through an emergency break carry the v3 ActReason BTG security label, and so does their Provenance.
/// </summary>
public static class SourceProvenance
{
    public const string ActReason = "http://terminology.hl7.org/CodeSystem/v3-ActReason";
    private const string PurposeOfUse = "http://terminology.hl7.org/CodeSystem/v3-ActReason";
    private const string AgentType = "http://terminology.hl7.org/CodeSystem/provenance-participant-type";

    /// <summary>The security label of an item released through an emergency break.</summary>
    public static Coding BreakTheGlass => new(ActReason, "BTG", "break the glass");

    /// <summary>Labels emergency items, and returns the Provenance resources with their fullUrls (urn:uuid).</summary>
    public static IReadOnlyList<(string FullUrl, Provenance Provenance)> For(IReadOnlyList<SourcedItem> items)
    {
        foreach (var item in items.Where(i => i.ViaEmergencyBreak))
        {
            item.Resource.Meta ??= new Meta();
            if (!item.Resource.Meta.Security.Any(c => c.System == ActReason && c.Code == "BTG"))
            {
                item.Resource.Meta.Security.Add(BreakTheGlass);
                RawResourceJson.Changed(item.Resource);
            }
        }

        // A provider's own Provenance travels as it is: it is not itself given one.
        var groups = items.Where(i => i.Resource is not Provenance)
            .SelectMany(item => item.Sources.Select(source => (item, source)))
            .GroupBy(x => (x.source.Provider, x.source.CareUnit, x.source.ViaEmergencyBreak));
        var result = new List<(string, Provenance)>();
        foreach (var group in groups)
        {
            var sources = group.Select(x => x.source).ToList();
            var first = sources.Where(s => s.FirstDate is not null).Select(s => s.FirstDate!.Value).DefaultIfEmpty().Min();
            var latest = sources.Where(s => s.LatestDate is not null).Select(s => s.LatestDate!.Value).DefaultIfEmpty().Max();
            var key = $"{group.Key.Provider}|{group.Key.CareUnit}|{group.Key.ViaEmergencyBreak}|{string.Join(',', group.Select(x => x.item.FullUrl))}";
            var provenance = new Provenance
            {
                Id = PatientSummaryBuilder.DeterministicUuid(key).ToString(),
                Target = [.. group.Select(x => new ResourceReference(x.item.FullUrl)).DistinctBy(r => r.Reference)],
                Recorded = sources.Max(s => s.Fetched),
                Occurred = first == default ? null : new Period(Date(first), Date(latest)),
                Reason = [new CodeableConcept(PurposeOfUse, group.Key.ViaEmergencyBreak ? "ETREAT" : "TREAT")],
                Agent =
                [
                    new Provenance.AgentComponent
                    {
                        Type = new CodeableConcept(AgentType, "author", "Author"),
                        Who = Organization(group.Key.CareUnit ?? group.Key.Provider, group.Key.CareUnit is null ? sources[0].ProviderName : null),
                        OnBehalfOf = group.Key.CareUnit is null ? null : Organization(group.Key.Provider, sources[0].ProviderName),
                    },
                ],
                Entity = [.. sources.Select(s => s.Url).Distinct(StringComparer.Ordinal).Select(url => new Provenance.EntityComponent
                {
                    Role = Provenance.ProvenanceEntityRole.Source,
                    What = new ResourceReference(url),
                })],
            };
            if (group.Key.ViaEmergencyBreak)
                provenance.Meta = new Meta { Security = [BreakTheGlass] };
            result.Add(($"urn:uuid:{provenance.Id}", provenance));
        }
        return result;
    }

    private static ResourceReference Organization(HsaId id, string? name) =>
        new() { Type = "Organization", Identifier = new Identifier(HsaId.System, id.Value), Display = name };

    private static FhirDateTime Date(DateOnly day) => new(day.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
}
