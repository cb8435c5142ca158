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
    /// The patient summary document: Composition, the national Patient, the items in their IPS sections (where their
    /// provider's own document placed them, else by kind), supporting resources they reference, the providers' own
    /// Provenance of what is released, one Provenance per source, and the OperationOutcome (if any) as the last entry.
    /// </summary>
    /// <returns>The document, and the items in it (what was released, for the audit log).</returns>
    /// <param name="notIncluded">Resource types left out of the answer before it was assembled (not covered by the caller's scopes): a required section of those types says it was withheld, never that there is no information.</param>
    /// <param name="outcome">The answer's OperationOutcome, given what is released (null for none).</param>
    /// <param name="narratives">Providers' own section narratives to keep beside the generated ones.</param>
    public static (Bundle Document, IReadOnlyList<SourcedItem> Released) Document(SummaryEntry patient, IReadOnlyList<SourcedItem> items, ResourceReference author, string documentId, DateTimeOffset timestamp,
        Func<IReadOnlyList<SourcedItem>, OperationOutcome?> outcome, IReadOnlySet<string>? notIncluded = null, IReadOnlyList<ProviderNarrative>? narratives = null)
    {
        var aliases = Aliases(items);
        var sectioned = items.Where(i => i.Category is not null && PatientSummaryBuilder.HasSection(i.Resource, i.Section)).ToList();
        var released = Carried(sectioned.Concat(Supporting(sectioned, items, aliases)).ToList(), items, aliases);
        var document = PatientSummaryBuilder.Build(patient, [.. released.Select(i => new SummaryEntry(i.Resource, i.FullUrl, i.FullUrl, i.Section))], author, documentId, timestamp,
            $"urn:uuid:{PatientSummaryBuilder.DeterministicUuid(documentId + "/Composition")}", notIncluded, narratives);
        var inDocument = document.Entry.Select(e => e.FullUrl).ToHashSet(StringComparer.Ordinal);
        // Supporting resources the sections did not take (a Medication, a lab report's Observations outside the results section).
        foreach (var item in released.Where(i => !inDocument.Contains(i.FullUrl)))
            document.Entry.Add(new Bundle.EntryComponent { FullUrl = item.FullUrl, Resource = item.Resource });
        foreach (var (fullUrl, provenance) in SourceProvenance.For(released))
            document.Entry.Add(new Bundle.EntryComponent { FullUrl = fullUrl, Resource = provenance });
        if (outcome(released) is { } said)
            document.Entry.Add(new Bundle.EntryComponent { FullUrl = $"urn:uuid:{PatientSummaryBuilder.DeterministicUuid(documentId + "/outcome")}", Resource = said });
        return (document, released);
    }

    /// <summary>
    /// A searchset: the items of the requested type as matches, supporting resources (a report's results, a discharge
    /// report's section entries, from the same answers) and Provenance as includes, and the OperationOutcome (if any)
    /// with search mode outcome (FHIR R4 §3.1.1.4.1).
    /// </summary>
    /// <param name="isMatch">Whether a released item is a match of the search (its type and category).</param>
    /// <returns>The searchset, and the items in it (what was released, for the audit log).</returns>
    public static (Bundle Searchset, IReadOnlyList<SourcedItem> Released) Searchset(Func<SourcedItem, bool> isMatch, IReadOnlyList<SourcedItem> items, string selfUrl,
        Func<IReadOnlyList<SourcedItem>, OperationOutcome?> outcome)
    {
        var aliases = Aliases(items);
        var matches = items.Where(i => i.Category is not null && isMatch(i)).ToList();
        var released = Carried([.. matches, .. Supporting(matches, items, aliases)], items, aliases);
        var bundle = new Bundle
        {
            Type = Bundle.BundleType.Searchset,
            Total = matches.Count,
            Link = [new Bundle.LinkComponent { Relation = "self", Url = selfUrl }],
        };
        var matched = matches.ToHashSet();
        foreach (var item in released)
            bundle.Entry.Add(Entry(item.FullUrl, item.Resource, matched.Contains(item) ? Bundle.SearchEntryMode.Match : Bundle.SearchEntryMode.Include));
        foreach (var (fullUrl, provenance) in SourceProvenance.For(released))
            bundle.Entry.Add(Entry(fullUrl, provenance, Bundle.SearchEntryMode.Include));
        if (outcome(released) is { } said)
            bundle.Entry.Add(Entry($"urn:uuid:{Guid.NewGuid()}", said, Bundle.SearchEntryMode.Outcome));
        return (bundle, released);
    }

    private static Bundle.EntryComponent Entry(string fullUrl, Resource resource, Bundle.SearchEntryMode mode) =>
        new() { FullUrl = fullUrl, Resource = resource, Search = new Bundle.SearchComponent { Mode = mode } };

    /// <summary>Every source URL of every item, pointing at the item's own URL: a reference to a record merged into another item follows it there.</summary>
    private static Dictionary<string, SourcedItem> Aliases(IReadOnlyList<SourcedItem> items)
    {
        var aliases = new Dictionary<string, SourcedItem>(StringComparer.Ordinal);
        foreach (var item in items)
        {
            aliases.TryAdd(item.FullUrl, item);
            foreach (var source in item.Sources)
                aliases.TryAdd(source.Url, item);
        }
        return aliases;
    }

    /// <summary>
    /// Items the released ones reference (by the entry's fullUrl, or a relative reference resolved against it), not
    /// already released. On the same walk, a reference to a record merged into another item is pointed at that item,
    /// so none dangles (every released item is walked once: those given, then each one found).
    /// </summary>
    private static IEnumerable<SourcedItem> Supporting(IReadOnlyList<SourcedItem> released, IReadOnlyList<SourcedItem> all, Dictionary<string, SourcedItem> aliases)
    {
        var taken = released.ToHashSet();
        var queue = new Queue<SourcedItem>(released);
        while (queue.TryDequeue(out var item))
        {
            foreach (var reference in item.References)
            {
                if (Resolve(item.FullUrl, reference.Reference) is not { } url || !aliases.TryGetValue(url, out var target))
                    continue;
                if (!string.Equals(target.FullUrl, url, StringComparison.Ordinal))
                {
                    RawResourceJson.Rewrote(item.Resource, reference.Reference!, target.FullUrl);
                    reference.Reference = target.FullUrl;
                }
                if (target.Resource is not Provenance && taken.Add(target))
                {
                    queue.Enqueue(target);
                    yield return target;
                }
            }
        }
    }

    /// <summary>
    /// The released items with the providers' own Provenance of them: a provider's Provenance travels when it is about
    /// something released, with its targets narrowed to what is released (it never names a withheld record).
    /// </summary>
    private static List<SourcedItem> Carried(List<SourcedItem> released, IReadOnlyList<SourcedItem> all, Dictionary<string, SourcedItem> aliases)
    {
        var inAnswer = released.ToHashSet();
        foreach (var item in all)
        {
            if (item.Resource is not Provenance provenance || inAnswer.Contains(item))
                continue;
            var targets = provenance.Target.Count;
            provenance.Target = [.. provenance.Target.Where(t => Resolve(item.FullUrl, t.Reference) is { } url && aliases.TryGetValue(url, out var target) && inAnswer.Contains(target))];
            if (provenance.Target.Count != targets)
            {
                RawResourceJson.Changed(provenance);
                item.ReferencesRemoved();
            }
            if (provenance.Target.Count == 0)
                continue;
            released.Add(item);
            inAnswer.Add(item);
            foreach (var extra in Supporting([item], all, aliases).Where(inAnswer.Add))
                released.Add(extra);
        }
        return released;
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
