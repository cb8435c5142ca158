using OpenNdi.Core.Identifiers;
using OpenNdi.Core.Index;
using OpenNdi.Core.Policy;
using OpenNdi.Data.ServiceDirectory;
using OpenNdi.Server.PatientIndex;

namespace OpenNdi.Server.ProfessionalAccess;

/// <summary>
/// One request to one provider system: where (the directory's endpoint for it), what (a path relative to that
/// endpoint), about which of its local patients, and the index entries — permitted or not — of that system in the
/// requested categories, which decide what of its answer may be released.
/// </summary>
internal sealed record FetchJob(
    HsaId Provider,
    string SourceSystem,
    DataCategory Category,
    Uri? Endpoint,
    string Path,
    string LocalPatientId,
    IReadOnlyList<(IndexEntry Entry, ItemDecision Decision)> Entries)
{
    public string Url => Endpoint is null ? Path : $"{Endpoint.AbsoluteUri.TrimEnd('/')}/{Path}";
}

/// <summary>
/// Turns a decided index lookup into requests to provider systems: one per provider system for the patient summary
/// (its <c>Patient/{id}/$summary</c> when that entry is permitted, else one per permitted category reference), or
/// one search per provider system for a category read. The provider's local patient id comes from the references
/// it published (ADR 0002: the source reference is the FHIR request that returns the data).
/// </summary>
internal static class FetchPlan
{
    public static async Task<IReadOnlyList<FetchJob>> ForSummaryAsync(DecidedLookup lookup, IDirectoryStore directory, CancellationToken cancellationToken)
    {
        var jobs = new List<FetchJob>();
        foreach (var system in BySystem(lookup))
        {
            var permitted = system.Where(p => p.Decision.Permitted).ToList();
            if (permitted.Count == 0 || LocalPatientId(system) is not { } patientId)
                continue;
            var summary = permitted.FirstOrDefault(p => p.Entry.Key.Category == DataCategory.PatientSummary);
            var requests = summary.Entry is not null
                ? [(DataCategory.PatientSummary, summary.Entry.Key.SourceReference)]
                : permitted.Select(p => (p.Entry.Key.Category, p.Entry.Key.SourceReference)).Distinct().ToList();
            foreach (var (category, path) in requests)
                jobs.Add(await JobAsync(system, category, path, patientId, directory, cancellationToken));
        }
        return jobs;
    }

    /// <param name="query">The search to run at each provider, without the patient parameter (e.g. <c>date=ge2024</c>).</param>
    public static async Task<IReadOnlyList<FetchJob>> ForSearchAsync(DecidedLookup lookup, string resourceType, string query, IDirectoryStore directory, CancellationToken cancellationToken)
    {
        var jobs = new List<FetchJob>();
        foreach (var system in BySystem(lookup))
        {
            var first = system.FirstOrDefault(p => p.Decision.Permitted);
            if (first.Entry is null || LocalPatientId(system) is not { } patientId)
                continue;
            var path = $"{resourceType}?patient={Uri.EscapeDataString(patientId)}{(query.Length > 0 ? "&" + query : "")}";
            jobs.Add(await JobAsync(system, first.Entry.Key.Category, path, patientId, directory, cancellationToken));
        }
        return jobs;
    }

    private static IEnumerable<List<(IndexEntry Entry, ItemDecision Decision)>> BySystem(DecidedLookup lookup) =>
        lookup.Pairs.GroupBy(p => (p.Entry.Provider, p.Entry.Key.SourceSystem)).Select(g => g.ToList());

    private static async Task<FetchJob> JobAsync(List<(IndexEntry Entry, ItemDecision Decision)> system, DataCategory category, string path, string patientId, IDirectoryStore directory, CancellationToken cancellationToken)
    {
        var entry = system[0].Entry;
        var endpoint = await directory.ResolveAsync(entry.Provider, entry.Key.SourceSystem, category, cancellationToken);
        return new FetchJob(entry.Provider, entry.Key.SourceSystem, category, endpoint?.Address, path, patientId, system);
    }

    /// <summary>The provider's own id of the patient, from a published reference: <c>Patient/{id}/$summary</c> or <c>…?patient={id}</c>.</summary>
    public static string? LocalPatientId(IEnumerable<(IndexEntry Entry, ItemDecision Decision)> entries)
    {
        foreach (var (entry, _) in entries)
        {
            var reference = entry.Key.SourceReference;
            if (reference.StartsWith("Patient/", StringComparison.Ordinal))
            {
                var end = reference.IndexOf('/', "Patient/".Length);
                return end > 0 ? reference["Patient/".Length..end] : reference["Patient/".Length..];
            }
            var question = reference.IndexOf('?');
            if (question < 0)
                continue;
            foreach (var pair in reference[(question + 1)..].Split('&'))
            {
                if (pair.StartsWith("patient=", StringComparison.Ordinal) || pair.StartsWith("subject=", StringComparison.Ordinal))
                {
                    var value = Uri.UnescapeDataString(pair[(pair.IndexOf('=') + 1)..]);
                    return value.StartsWith("Patient/", StringComparison.Ordinal) ? value["Patient/".Length..] : value;
                }
            }
        }
        return null;
    }
}
