using Hl7.Fhir.Model;
using OpenNdi.Core.Identifiers;
using OpenNdi.Core.Index;
using OpenNdi.Core.Policy;
using OpenNdi.Fhir.Merging;

namespace OpenNdi.Server.ProfessionalAccess;

/// <summary>What was kept of one provider's answer, and what was dropped and why.</summary>
/// <param name="NotCovered">Items of a clinical type the caller's token does not cover (<see cref="ScopeCoverage"/>).</param>
internal sealed record ScreenedAnswer(IReadOnlyList<SourcedItem> Items, int OtherPatient, int Withheld, int NotIndexed, string? OtherPatientProblem, int NotCovered = 0)
{
    public static ScreenedAnswer Empty { get; } = new([], 0, 0, 0, null);
}

/// <summary>
/// Decides what of a provider's answer may be released, item by item, before anything is merged:
/// <list type="number">
/// <item>it must be about the requested patient: a summary's Patient must carry the patient's national identity,
/// and every clinical resource must point at the provider's Patient; anything else is dropped (a provider fault);</item>
/// <item>its type must be one the caller's token covers (<see cref="ScopeCoverage"/>);</item>
/// <item>it must fall under a permitted index entry of that provider: its category by resource type, its care unit by
/// the HSA-ids inside it (an item naming no unit is released only when every entry of its category is permitted,
/// so a block on one unit is never bypassed by data that does not say where it came from);</item>
/// <item>references to the provider's Patient are rewritten to the national Patient of the answer.</item>
/// </list>
/// </summary>
internal static class AnswerScreening
{
    public static ScreenedAnswer Screen(ProviderAnswer answer, PersonalIdentityNumber patient, string patientFullUrl, string? providerName, ScopeCoverage coverage)
    {
        var job = answer.Job;
        var bundle = answer.Bundle!;
        var baseUrl = job.Endpoint!.AbsoluteUri.TrimEnd('/');
        var patientRefs = new HashSet<string>(StringComparer.Ordinal) { $"Patient/{job.LocalPatientId}", $"{baseUrl}/Patient/{job.LocalPatientId}" };

        // A summary names its patient: if it is someone else, nothing in it is about ours.
        foreach (var entry in bundle.Entry)
        {
            if (entry.Resource is not Patient other)
                continue;
            var national = other.Identifier.Where(i => i.System is PersonalIdentityNumber.PersonnummerSystem or PersonalIdentityNumber.SamordningsnummerSystem).ToList();
            if (national.Count > 0 && !national.Any(i => i.Value == patient.Value))
                return new ScreenedAnswer([], bundle.Entry.Count, 0, 0, "answered with a patient summary of another person");
            // Without a Swedish national identity (a foreign patient, a provider that leaves it out), the Patient is ours
            // when it is the one the index reference names: by its id, or by any identifier whose value that reference
            // used (a provider may index under its own patient number while its server assigns resource ids).
            if (national.Count == 0 && other.Id != job.LocalPatientId && !other.Identifier.Any(i => i.Value == job.LocalPatientId))
                return new ScreenedAnswer([], bundle.Entry.Count, 0, 0, "answered with a patient summary of another patient");
            if (entry.FullUrl is { Length: > 0 } fullUrl)
                patientRefs.Add(fullUrl);
            if (other.Id is { Length: > 0 } id)
                patientRefs.UnionWith([$"Patient/{id}", $"{baseUrl}/Patient/{id}"]);
        }

        var items = new List<SourcedItem>();
        int otherPatient = 0, withheld = 0, notIndexed = 0, notCovered = 0;
        foreach (var entry in bundle.Entry)
        {
            var resource = entry.Resource;
            if (resource is null or Patient or OperationOutcome || entry.Search?.Mode == Bundle.SearchEntryMode.Outcome)
                continue;
            if (resource is Composition && job.Category == DataCategory.PatientSummary)
                continue; // the provider's own summary composition: its sections are rebuilt nationally
            var fullUrl = FullUrl(entry, baseUrl);
            var subject = ClinicalCategories.PatientOf(resource);
            var category = ClinicalCategories.Of(resource);
            if (subject is not null || category is not null)
            {
                var target = subject?.Reference is { } reference ? MergedAnswers.Resolve(fullUrl, reference) ?? reference : null;
                if (target is null || !(patientRefs.Contains(target) || patientRefs.Contains(subject!.Reference!)))
                {
                    otherPatient++;
                    continue;
                }
            }

            if (!coverage.Covers(resource.TypeName))
            {
                notCovered++;
                continue;
            }

            ItemDecision? decision = null;
            HsaId? unit = null;
            var entries = category is null ? [] : job.Entries.Where(p => p.Entry.Key.Category == category).ToList();
            if (category is not null)
            {
                if (entries.Count == 0)
                {
                    notIndexed++;
                    continue;
                }
                (decision, unit) = Decide(resource, entries);
                if (decision is not { Permitted: true })
                {
                    withheld++;
                    continue;
                }
            }

            foreach (var reference in ResourceWalk.References(resource))
            {
                if (reference.Reference is { } text && (patientRefs.Contains(text) || patientRefs.Contains(MergedAnswers.Resolve(fullUrl, text) ?? "")))
                    reference.Reference = patientFullUrl;
            }
            var window = entries.Where(p => unit is null || p.Entry.Key.CareUnit == unit).Select(p => p.Entry).ToList();
            items.Add(new SourcedItem(resource, category, new ItemSource(job.Provider, providerName, unit, fullUrl,
                window.Count > 0 ? window.Min(e => e.FirstDate) : null, window.Count > 0 ? window.Max(e => e.LatestDate) : null,
                answer.Fetched, decision?.ViaEmergencyBreak ?? false)));
        }
        return new ScreenedAnswer(items, otherPatient, withheld, notIndexed, otherPatient > 0 ? $"answered {otherPatient} resources about another patient" : null, notCovered);
    }

    /// <summary>
    /// The decision covering an item: that of its care unit's entries when it names one of the units, otherwise the
    /// strictest over all entries of its category (any withheld entry withholds it).
    /// </summary>
    private static (ItemDecision? Decision, HsaId? Unit) Decide(Resource resource, List<(OpenNdi.Core.Index.IndexEntry Entry, ItemDecision Decision)> entries)
    {
        var units = entries.Select(p => p.Entry.Key.CareUnit).ToHashSet();
        HsaId? named = null;
        // With one care unit in the category there is nothing to tell apart: no need to look inside the item.
        foreach (var identifier in units.Count == 1 ? [] : ResourceWalk.Descendants(resource).OfType<Identifier>())
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

    /// <summary>The entry's absolute URL, or the provider's URL of the resource when the entry has none.</summary>
    private static string FullUrl(Bundle.EntryComponent entry, string baseUrl) =>
        entry.FullUrl is { Length: > 0 } url && (url.StartsWith("http", StringComparison.Ordinal) || url.StartsWith("urn:uuid:", StringComparison.Ordinal))
            ? url
            : $"{baseUrl}/{entry.Resource!.TypeName}/{entry.Resource.Id}";
}
