using System.Text.Json;
using OpenNdi.Data.Simulator;

namespace OpenNdi.Synthetic.Simulator;

/// <summary>
/// The one <c>_include</c> the simulated EHRs serve, <c>DiagnosticReport:result</c>: the Observations the matched
/// reports cite, so that a laboratory index entry (a report search) fetches the reports and their values in one
/// answer, as from an EHR that supports it (FHIR R4 §3.1.1.5.4).
/// </summary>
internal static class SearchIncludes
{
    private const string ObservationPrefix = "Observation/";

    /// <summary>The cited Observations this EHR holds, in the order the reports cite them, each once.</summary>
    public static async Task<IReadOnlyList<StoredResource>> ReportResultsAsync(ISimulatorStore store, string provider, IReadOnlyList<StoredResource> reports, CancellationToken cancellationToken)
    {
        var ids = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var report in reports)
        {
            // The stored JSON is read, not parsed into FHIR models: only result[].reference is needed.
            using var json = JsonDocument.Parse(report.Json);
            if (!json.RootElement.TryGetProperty("result", out var results) || results.ValueKind != JsonValueKind.Array)
                continue;
            foreach (var result in results.EnumerateArray())
            {
                if (result.ValueKind == JsonValueKind.Object && result.TryGetProperty("reference", out var reference)
                    && reference.GetString() is { } text && text.StartsWith(ObservationPrefix, StringComparison.Ordinal)
                    && text[ObservationPrefix.Length..] is { Length: > 0 } id && !id.Contains('/') && seen.Add(id))
                    ids.Add(id);
            }
        }
        if (ids.Count == 0)
            return [];
        var found = (await store.ReadManyAsync(provider, "Observation", ids, cancellationToken)).ToDictionary(r => r.Id, StringComparer.Ordinal);
        return [.. ids.Where(found.ContainsKey).Select(id => found[id])];
    }
}
