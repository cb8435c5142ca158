using Hl7.Fhir.Model;

namespace OpenNdi.Fhir.Merging;

/// <summary>
/// The two answers of the professional access service, assembled from items merged across providers:
/// an IPS document (<c>Patient/$summary</c>) and a searchset (per-category reads). Both carry a Provenance for every
/// source and, when providers were missed or items withheld, an OperationOutcome saying which and why.
/// </summary>
public static class MergedAnswers
{
    /// <summary>
    /// The patient summary document: Composition, the national Patient, the items in their IPS sections, supporting
    /// resources they reference, one Provenance per source, and the OperationOutcome (if any) as the last entry.
    /// </summary>
    /// <returns>The document, and the items in it (what was released, for the audit log).</returns>
    /// <param name="notIncluded">Resource types left out of the answer before it was assembled (not covered by the caller's scopes): a required section of those types says it was withheld, never that there is no information.</param>
    public static (Bundle Document, IReadOnlyList<SourcedItem> Released) Document(SummaryEntry patient, IReadOnlyList<SourcedItem> items, ResourceReference author, string documentId, DateTimeOffset timestamp, OperationOutcome? outcome,
        IReadOnlySet<string>? notIncluded = null)
    {
        var sectioned = items.Where(i => i.Category is not null && PatientSummaryBuilder.HasSection(i.Resource)).ToList();
        var released = sectioned.Concat(Supporting(sectioned, items)).ToList();
        var document = PatientSummaryBuilder.Build(patient, [.. released.Select(i => new SummaryEntry(i.Resource, i.FullUrl, i.FullUrl))], author, documentId, timestamp,
            $"urn:uuid:{PatientSummaryBuilder.DeterministicUuid(documentId + "/Composition")}", notIncluded);
        var inDocument = document.Entry.Select(e => e.FullUrl).ToHashSet(StringComparer.Ordinal);
        // Supporting resources the sections did not take (a Medication, a lab report's Observations outside the results section).
        foreach (var item in released.Where(i => !inDocument.Contains(i.FullUrl)))
            document.Entry.Add(new Bundle.EntryComponent { FullUrl = item.FullUrl, Resource = item.Resource });
        foreach (var (fullUrl, provenance) in SourceProvenance.For(released))
            document.Entry.Add(new Bundle.EntryComponent { FullUrl = fullUrl, Resource = provenance });
        if (outcome is not null)
            document.Entry.Add(new Bundle.EntryComponent { FullUrl = $"urn:uuid:{PatientSummaryBuilder.DeterministicUuid(documentId + "/outcome")}", Resource = outcome });
        return (document, released);
    }

    /// <summary>
    /// A searchset: the items of the requested type as matches, supporting resources and Provenance as includes, and the
    /// OperationOutcome (if any) with search mode outcome (FHIR R4 §3.1.1.4.1).
    /// </summary>
    /// <returns>The searchset, and the items in it (what was released, for the audit log).</returns>
    public static (Bundle Searchset, IReadOnlyList<SourcedItem> Released) Searchset(string resourceType, IReadOnlyList<SourcedItem> items, string selfUrl, OperationOutcome? outcome)
    {
        var matches = items.Where(i => i.Category is not null && i.Resource.TypeName == resourceType).ToList();
        var supporting = Supporting(matches, items).ToList();
        var bundle = new Bundle
        {
            Type = Bundle.BundleType.Searchset,
            Total = matches.Count,
            Link = [new Bundle.LinkComponent { Relation = "self", Url = selfUrl }],
        };
        foreach (var item in matches)
            bundle.Entry.Add(Entry(item.FullUrl, item.Resource, Bundle.SearchEntryMode.Match));
        foreach (var item in supporting)
            bundle.Entry.Add(Entry(item.FullUrl, item.Resource, Bundle.SearchEntryMode.Include));
        foreach (var (fullUrl, provenance) in SourceProvenance.For([.. matches, .. supporting]))
            bundle.Entry.Add(Entry(fullUrl, provenance, Bundle.SearchEntryMode.Include));
        if (outcome is not null)
            bundle.Entry.Add(Entry($"urn:uuid:{Guid.NewGuid()}", outcome, Bundle.SearchEntryMode.Outcome));
        return (bundle, [.. matches, .. supporting]);
    }

    private static Bundle.EntryComponent Entry(string fullUrl, Resource resource, Bundle.SearchEntryMode mode) =>
        new() { FullUrl = fullUrl, Resource = resource, Search = new Bundle.SearchComponent { Mode = mode } };

    /// <summary>Items the released ones reference (by the entry's fullUrl, or a relative reference resolved against it), not already released.</summary>
    private static IEnumerable<SourcedItem> Supporting(IReadOnlyList<SourcedItem> released, IReadOnlyList<SourcedItem> all)
    {
        var byUrl = all.GroupBy(i => i.FullUrl, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var taken = released.Select(i => i.FullUrl).ToHashSet(StringComparer.Ordinal);
        var queue = new Queue<SourcedItem>(released);
        while (queue.TryDequeue(out var item))
        {
            foreach (var reference in ResourceWalk.References(item.Resource))
            {
                if (Resolve(item.FullUrl, reference.Reference) is { } url && byUrl.TryGetValue(url, out var target) && taken.Add(url))
                {
                    queue.Enqueue(target);
                    yield return target;
                }
            }
        }
    }

    /// <summary>A reference as an absolute URL: relative <c>Type/id</c> against the base of the referencing entry's fullUrl (FHIR R4 §2.36.4.1).</summary>
    public static string? Resolve(string fullUrl, string? reference)
    {
        if (string.IsNullOrEmpty(reference) || reference.StartsWith('#'))
            return null;
        if (reference.Contains("://", StringComparison.Ordinal) || reference.StartsWith("urn:", StringComparison.Ordinal))
            return reference;
        var parts = fullUrl.Split('/');
        return parts.Length >= 3 && fullUrl.Contains("://", StringComparison.Ordinal)
            ? string.Join('/', parts[..^2]) + "/" + reference
            : null;
    }
}
