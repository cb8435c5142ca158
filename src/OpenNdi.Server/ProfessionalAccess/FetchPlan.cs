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
/// Turns a decided index lookup into requests to provider systems: for the patient summary, per provider system its
/// <c>Patient/{id}/$summary</c> when that entry is permitted, else one request per permitted category — the entry's
/// own reference when the category has one, the category's search when it has several (so a system that indexed
/// 5,000 items of one category is asked once, not 5,000 times; its answer is screened against every entry as
/// before, and entries of one category and care unit share one decision); for a category read, one search per
/// provider system. The provider's local patient id comes from the references it published (ADR 0002: the source
/// reference is the FHIR request that returns the data). Endpoints are resolved only for the requests that will be
/// made (<see cref="ResolveAsync"/>), after the request cap (<see cref="Cap"/>).
/// </summary>
internal static class FetchPlan
{
    public static IReadOnlyList<FetchJob> ForSummary(DecidedLookup lookup)
    {
        var jobs = new List<FetchJob>();
        foreach (var system in BySystem(lookup))
        {
            var permitted = system.Where(p => p.Decision.Permitted).ToList();
            if (permitted.Count == 0 || LocalPatientId(system) is not { } patientId)
                continue;
            var summary = permitted.FirstOrDefault(p => p.Entry.Key.Category == DataCategory.PatientSummary);
            if (summary.Entry is not null)
            {
                jobs.Add(Job(system, DataCategory.PatientSummary, summary.Entry.Key.SourceReference, patientId));
                continue;
            }
            foreach (var category in permitted.GroupBy(p => p.Entry.Key.Category))
            {
                var references = category.Select(p => p.Entry.Key.SourceReference).Distinct(StringComparer.Ordinal).ToList();
                var path = references.Count == 1 ? references[0] : CategorySearch(category.Key, patientId) ?? references[0];
                jobs.Add(Job(system, category.Key, path, patientId));
            }
        }
        return jobs;
    }

    /// <param name="query">The search to run at each provider, without the patient parameter (e.g. <c>date=ge2024</c>).</param>
    public static IReadOnlyList<FetchJob> ForSearch(DecidedLookup lookup, string resourceType, string query)
    {
        var jobs = new List<FetchJob>();
        foreach (var system in BySystem(lookup))
        {
            var first = system.FirstOrDefault(p => p.Decision.Permitted);
            if (first.Entry is null || LocalPatientId(system) is not { } patientId)
                continue;
            var path = $"{resourceType}?patient={Uri.EscapeDataString(patientId)}{(query.Length > 0 ? "&" + query : "")}";
            jobs.Add(Job(system, first.Entry.Key.Category, path, patientId));
        }
        return jobs;
    }

    /// <summary>
    /// The FHIR search that returns a whole category of a patient's data at a provider, the same searches the
    /// simulated providers publish and the category reads send; null for a category without one.
    /// </summary>
    public static string? CategorySearch(DataCategory category, string patientId)
    {
        var patient = Uri.EscapeDataString(patientId);
        return category.Code switch
        {
            "patient-summary" => $"Patient/{patient}/$summary",
            "allergies" => $"AllergyIntolerance?patient={patient}",
            "medications" => $"MedicationStatement?patient={patient}",
            "problems" => $"Condition?patient={patient}",
            "immunizations" => $"Immunization?patient={patient}",
            "procedures" => $"Procedure?patient={patient}",
            "devices" => $"DeviceUseStatement?patient={patient}",
            "alerts" => $"Flag?patient={patient}",
            "eprescription" => $"MedicationRequest?patient={patient}",
            "edispensation" => $"MedicationDispense?patient={patient}",
            "laboratory" => $"DiagnosticReport?patient={patient}&category=LAB",
            "imaging-report" => $"DiagnosticReport?patient={patient}&category=RAD",
            "discharge-report" => $"Composition?patient={patient}&type={Uri.EscapeDataString($"{DataCategory.LoincSystem}|{DataCategory.DischargeReport.Loinc}")}",
            _ => null,
        };
    }

    /// <summary>
    /// The requests to make within <paramref name="max"/>, and the rest, which are not made. Taken a round at a time
    /// across provider systems (each system's first request, then each one's second, …), so a cap leaves out the
    /// extra categories of systems with many before it leaves out a system; within a round, the lookup's order
    /// (newest data first).
    /// </summary>
    public static (IReadOnlyList<FetchJob> Asked, IReadOnlyList<FetchJob> NotAsked) Cap(IReadOnlyList<FetchJob> jobs, int max)
    {
        if (jobs.Count <= max)
            return (jobs, []);
        var ordered = jobs.Select((job, i) => (Job: job, Index: i))
            .GroupBy(j => (j.Job.Provider, j.Job.SourceSystem))
            .SelectMany(g => g.Select((j, round) => (j.Job, j.Index, Round: round)))
            .OrderBy(j => j.Round).ThenBy(j => j.Index)
            .Select(j => j.Job).ToList();
        return (ordered[..max], ordered[max..]);
    }

    /// <summary>The jobs with the directory's endpoint for each (resolved once per provider system and category).</summary>
    public static async Task<IReadOnlyList<FetchJob>> ResolveAsync(IReadOnlyList<FetchJob> jobs, IDirectoryStore directory, CancellationToken cancellationToken)
    {
        var endpoints = new Dictionary<(HsaId, string, DataCategory), Uri?>();
        var resolved = new List<FetchJob>(jobs.Count);
        foreach (var job in jobs)
        {
            var route = (job.Provider, job.SourceSystem, job.Category);
            if (!endpoints.TryGetValue(route, out var address))
                endpoints[route] = address = (await directory.ResolveAsync(job.Provider, job.SourceSystem, job.Category, cancellationToken))?.Address;
            resolved.Add(job with { Endpoint = address });
        }
        return resolved;
    }

    private static IEnumerable<List<(IndexEntry Entry, ItemDecision Decision)>> BySystem(DecidedLookup lookup) =>
        lookup.Pairs.GroupBy(p => (p.Entry.Provider, p.Entry.Key.SourceSystem)).Select(g => g.ToList());

    private static FetchJob Job(List<(IndexEntry Entry, ItemDecision Decision)> system, DataCategory category, string path, string patientId) =>
        new(system[0].Entry.Provider, system[0].Entry.Key.SourceSystem, category, null, path, patientId, system);

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
