using Hl7.Fhir.Model;
using OpenNdi.Core.Identifiers;
using OpenNdi.Core.Index;
using OpenNdi.Core.Policy;
using OpenNdi.Fhir;
using OpenNdi.Fhir.Merging;

namespace OpenNdi.Server.ProfessionalAccess;

/// <summary>
/// What was kept of one provider's answer, and the account of everything else it sent (<see cref="Aside"/>): what
/// screening withheld, rejected or merged into the national Patient and summary. <see cref="ItemAccounts.Settle"/>
/// accounts for the kept items once the answer is assembled.
/// </summary>
/// <param name="Sections">The sections of the provider's own summary, when it answered with one: their placement and narrative stand.</param>
internal sealed record ScreenedAnswer(IReadOnlyList<SourcedItem> Items, IReadOnlyList<ItemAccount> Aside, string? OtherPatientProblem, IReadOnlyList<ProviderSection> Sections)
{
    public static ScreenedAnswer Empty { get; } = new([], [], null, []);

    /// <summary>Everything the provider sent, readable or not.</summary>
    public int Received => Items.Count + Aside.Count;

    public int OtherPatient => Aside.Count(a => a.Reason == ItemAccounts.AnotherPatient);

    /// <summary>Items of a clinical type the caller's token does not cover (<see cref="ScopeCoverage"/>).</summary>
    public int NotCovered => Aside.Count(a => a.Reason == ItemAccounts.NotCoveredByScope);

    /// <summary>Items the access policy withheld (blocks, opt-out, the caller's access): their reason is a decision reason.</summary>
    public int Withheld => Aside.Count(a => a.Disposition == Disposition.Withheld && a.Reason != ItemAccounts.NotCoveredByScope);

    /// <summary>Entries that could not be read and were set aside (<see cref="LenientBundleReader"/>).</summary>
    public IEnumerable<ItemAccount> UnreadableAccounts => Aside.Where(a => a.Reason.StartsWith(ItemAccounts.Unreadable, StringComparison.Ordinal));

    public int Unreadable => UnreadableAccounts.Count();
}

/// <summary>
/// Decides what of a provider's answer may be released, item by item, before anything is merged, and accounts for
/// every resource it sets aside:
/// <list type="number">
/// <item>entries the lenient reader could not read are rejected, named, and the rest goes on;</item>
/// <item>it must be about the requested patient: a summary's Patient must carry the patient's national identity (or,
/// without one, be the patient the index reference names), and every clinical resource must point at the provider's
/// Patient; anything else is dropped (a provider fault);</item>
/// <item>its type must be one the caller's token covers (<see cref="ScopeCoverage"/>);</item>
/// <item>the access policy decides it by its own category and care unit: under the provider's index entries of that
/// category when there are any, otherwise under the care units of the entries the answer was fetched for (a summary
/// or a discharge report holds items of categories the provider did not index one by one; they are never dropped for
/// that, and blocks on their category still apply). Its care unit is the HSA-id inside it, and an item naming no unit
/// is released only when every candidate unit is permitted, so a block on one unit is never bypassed by data that does
/// not say where it came from;</item>
/// <item>when the patient blocked single items, each item is also decided as itself (its provider's reference to it,
/// <c>Type/id</c>), so a block on one item withholds that item alone;</item>
/// <item>references to the provider's Patient are rewritten to the national Patient of the answer.</item>
/// </list>
/// A provider's own summary Composition is merged into the national one, its sections kept as placement and narrative.
/// </summary>
internal static class AnswerScreening
{
    public static ScreenedAnswer Screen(ProviderAnswer answer, PersonalIdentityNumber patient, string patientFullUrl, string? providerName, ScopeCoverage coverage,
        Func<RequestedItem, ItemDecision> decide, bool decideEachItem = false)
    {
        var job = answer.Job;
        var bundle = answer.Bundle!;
        var baseUrl = job.Endpoint!.AbsoluteUri.TrimEnd('/');
        var patientRefs = new HashSet<string>(StringComparer.Ordinal) { $"Patient/{job.LocalPatientId}", $"{baseUrl}/Patient/{job.LocalPatientId}" };
        // An entry with no URL of its own is named by its place in the answer.
        string Place(int index) => $"{job.Url}#entry[{index}]";
        var aside = answer.SetAside.Select(e => new ItemAccount(e.FullUrl ?? Place(e.Index), e.Type, Disposition.Rejected, $"{ItemAccounts.Unreadable}: {e.Problem}")).ToList();

        // A summary names its patient: if it is someone else, nothing in it is about ours.
        foreach (var entry in bundle.Entry)
        {
            if (entry.Resource is not Patient other)
                continue;
            var national = other.Identifier.Where(i => i.System is PersonalIdentityNumber.PersonnummerSystem or PersonalIdentityNumber.SamordningsnummerSystem).ToList();
            var problem = national.Count > 0 && !national.Any(i => i.Value == patient.Value) ? "answered with a patient summary of another person"
                // Without a Swedish national identity (a foreign patient, a provider that leaves it out), the Patient is ours
                // when it is the one the index reference names: by its id, or by any identifier whose value that reference
                // used (a provider may index under its own patient number while its server assigns resource ids).
                : national.Count == 0 && other.Id != job.LocalPatientId && !other.Identifier.Any(i => i.Value == job.LocalPatientId) ? "answered with a patient summary of another patient"
                : null;
            if (problem is not null)
                return new ScreenedAnswer([], [.. aside, .. bundle.Entry.Select((e, i) => e.Resource is null
                    ? new ItemAccount(e.FullUrl ?? Place(i), "entry", Disposition.Rejected, ItemAccounts.AnotherPatient)
                    : new ItemAccount(ItemAccounts.UrlOf(e, baseUrl), e.Resource.TypeName, Disposition.Rejected, ItemAccounts.AnotherPatient))], problem, []);
            if (entry.FullUrl is { Length: > 0 } fullUrl)
                patientRefs.Add(fullUrl);
            if (other.Id is { Length: > 0 } id)
                patientRefs.UnionWith([$"Patient/{id}", $"{baseUrl}/Patient/{id}"]);
        }

        // The provider's own summary: its sections say where it meant each entry to go.
        var sections = new List<ProviderSection>();
        var sectionOf = new Dictionary<string, string>(StringComparer.Ordinal);
        if (job.Category == DataCategory.PatientSummary
            && bundle.Entry.FirstOrDefault(e => e.Resource is Composition c && ClinicalCategories.Of(c) is null) is { Resource: Composition own } ownEntry)
        {
            var compositionUrl = ItemAccounts.UrlOf(ownEntry, baseUrl);
            foreach (var section in Flatten(own.Section))
            {
                var code = section.Code?.Coding.FirstOrDefault(c => c.System == DataCategory.LoincSystem)?.Code;
                var urls = section.Entry.Select(r => MergedAnswers.Resolve(compositionUrl, r.Reference) ?? r.Reference).OfType<string>().ToList();
                sections.Add(new ProviderSection(code, section.Title, section.Text, urls));
                foreach (var url in urls.Where(_ => code is not null))
                    sectionOf.TryAdd(url, code!);
            }
        }

        var items = new List<SourcedItem>();
        var fetchedFor = job.Entries.Where(p => p.Entry.Key.Category == job.Category).Select(p => p.Entry).ToList();
        if (fetchedFor.Count == 0)
            fetchedFor = [.. job.Entries.Select(p => p.Entry)];
        var decided = new Dictionary<(HsaId, DataCategory), ItemDecision>();
        for (var index = 0; index < bundle.Entry.Count; index++)
        {
            var entry = bundle.Entry[index];
            var resource = entry.Resource;
            if (resource is null)
            {
                aside.Add(new ItemAccount(entry.FullUrl ?? Place(index), "entry", Disposition.Rejected, "empty-entry: the entry holds no resource"));
                continue;
            }
            var fullUrl = ItemAccounts.UrlOf(entry, baseUrl);
            if (resource is Patient)
            {
                aside.Add(new ItemAccount(fullUrl, "Patient", Disposition.Merged, ItemAccounts.NationalPatient, patientFullUrl));
                continue;
            }
            if (resource is OperationOutcome || entry.Search?.Mode == Bundle.SearchEntryMode.Outcome)
            {
                aside.Add(new ItemAccount(fullUrl, resource.TypeName, Disposition.Rejected, $"{ItemAccounts.ProviderOutcome}: a provider's message, not data of the patient (kept in the audit record)"));
                continue;
            }
            if (resource is Composition && ClinicalCategories.Of(resource) is null && job.Category == DataCategory.PatientSummary)
            {
                aside.Add(new ItemAccount(fullUrl, "Composition", Disposition.Merged, ItemAccounts.NationalSummary, "the national patient summary's Composition"));
                continue; // its sections are rebuilt nationally, its placement and narrative kept (sections above)
            }
            var subject = ClinicalCategories.PatientOf(resource);
            var category = ClinicalCategories.Of(resource);
            if (category is not null || subject is not null)
            {
                var target = subject?.Reference is { } reference ? MergedAnswers.Resolve(fullUrl, reference) ?? reference : null;
                if (target is null || !(patientRefs.Contains(target) || patientRefs.Contains(subject!.Reference!)))
                {
                    aside.Add(new ItemAccount(fullUrl, resource.TypeName, Disposition.Rejected, ItemAccounts.AnotherPatient));
                    continue;
                }
            }

            if (!coverage.Covers(resource.TypeName))
            {
                aside.Add(new ItemAccount(fullUrl, resource.TypeName, Disposition.Withheld, ItemAccounts.NotCoveredByScope));
                continue;
            }

            ItemDecision? decision = null;
            HsaId? unit = null;
            List<(OpenNdi.Core.Index.IndexEntry Entry, ItemDecision Decision)> entries = [];
            if (category is { } itemCategory)
            {
                entries = [.. job.Entries.Where(p => p.Entry.Key.Category == itemCategory)];
                // Not indexed one by one: decided by its own category under the units the answer was fetched for.
                if (entries.Count == 0)
                    entries = [.. fetchedFor.Select(e => (e, Decided(e, itemCategory)))];
                (decision, unit) = Decide(resource, entries);
                // A block can name one item (the provider's own reference to it): with such blocks, each item is decided as itself too.
                if (decision is { Permitted: true } && decideEachItem && resource.Id is { Length: > 0 } localId)
                {
                    var itself = decide(new RequestedItem(job.Provider, unit ?? entries[0].Entry.Key.CareUnit, itemCategory, $"{resource.TypeName}/{localId}"));
                    if (!itself.Permitted || itself.ViaEmergencyBreak)
                        decision = itself;
                }
                if (decision is not { Permitted: true })
                {
                    aside.Add(new ItemAccount(fullUrl, resource.TypeName, Disposition.Withheld, decision is null ? "no-index-entry" : Audit.DecisionAudit.Code(decision.Reason)));
                    continue;
                }
            }

            var references = ResourceWalk.References(resource);
            foreach (var reference in references)
            {
                if (reference.Reference is { } text && (patientRefs.Contains(text) || patientRefs.Contains(MergedAnswers.Resolve(fullUrl, text) ?? "")))
                {
                    reference.Reference = patientFullUrl;
                    RawResourceJson.Rewrote(resource, text, patientFullUrl);
                }
            }
            var window = entries.Where(p => unit is null || p.Entry.Key.CareUnit == unit).Select(p => p.Entry).ToList();
            items.Add(new SourcedItem(resource, category, new ItemSource(job.Provider, providerName, unit, fullUrl,
                window.Count > 0 ? window.Min(e => e.FirstDate) : null, window.Count > 0 ? window.Max(e => e.LatestDate) : null,
                answer.Fetched, decision?.ViaEmergencyBreak ?? false), sectionOf.GetValueOrDefault(fullUrl), references));
        }
        return new ScreenedAnswer(items, aside, aside.Count(a => a.Reason == ItemAccounts.AnotherPatient) is var strangers and > 0 ? $"answered {strangers} resources about another patient" : null, sections);

        ItemDecision Decided(OpenNdi.Core.Index.IndexEntry entry, DataCategory category)
        {
            if (!decided.TryGetValue((entry.Key.CareUnit, category), out var decision))
                decided[(entry.Key.CareUnit, category)] = decision = decide(new RequestedItem(entry.Provider, entry.Key.CareUnit, category));
            return decision;
        }
    }

    private static IEnumerable<Composition.SectionComponent> Flatten(IEnumerable<Composition.SectionComponent> sections) =>
        sections.SelectMany(s => Flatten(s.Section).Prepend(s));

    /// <summary>
    /// The decision covering an item: that of its care unit's entries when it names one of the units, otherwise the
    /// strictest over all entries of its category (any withheld entry withholds it).
    /// </summary>
    private static (ItemDecision? Decision, HsaId? Unit) Decide(Resource resource, List<(OpenNdi.Core.Index.IndexEntry Entry, ItemDecision Decision)> entries)
    {
        if (entries.Count == 0)
            return (null, null);
        var units = entries.Select(p => p.Entry.Key.CareUnit).ToHashSet();
        HsaId? named = null;
        // With one care unit in the category there is nothing to tell apart: no need to look inside the item.
        foreach (var identifier in units.Count == 1 ? [] : ResourceWalk.Identifiers(resource))
        {
            if (identifier.System == HsaId.System && HsaId.TryParse(identifier.Value, out var id, out _) && units.Contains(id))
            {
                named = id;
                break;
            }
        }
        var covering = named is null ? entries : entries.Where(p => p.Entry.Key.CareUnit == named).ToList();
        var denied = covering.FirstOrDefault(p => !p.Decision.Permitted);
        if (denied.Entry is not null)
            return (denied.Decision, named);
        var unit = named ?? (units.Count == 1 ? units.First() : null);
        var broken = covering.FirstOrDefault(p => p.Decision.ViaEmergencyBreak);
        return (broken.Entry is not null ? broken.Decision : covering[0].Decision, unit);
    }
}
