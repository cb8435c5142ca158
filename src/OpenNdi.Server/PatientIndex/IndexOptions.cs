namespace OpenNdi.Server.PatientIndex;

/// <summary>
/// Limits of the patient data index (configuration section <c>Index</c>). Every entry is a pointer a reader may
/// follow: without a cap, one provider system publishing thousands of entries for a patient makes every summary of
/// that patient wait for thousands of answers, and every lookup of them megabytes long (issue 12 finding 8).
/// </summary>
public sealed class IndexOptions
{
    /// <summary>
    /// The most current entries one provider's source system may hold for one patient. The engagement index keys an
    /// entry by category, care unit, system and business object, so a system rarely needs more than a few dozen per
    /// patient; a publish that would pass this is refused whole (422 NDI-PDI-021).
    /// </summary>
    public int MaxEntriesPerSystemPerPatient { get; set; } = 1_000;

    /// <summary>Entries per lookup page when the caller gives no <c>_count</c>.</summary>
    public int DefaultPageSize { get; set; } = 100;

    /// <summary>The largest <c>_count</c> a lookup accepts.</summary>
    public int MaxPageSize { get; set; } = 1_000;

    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (MaxEntriesPerSystemPerPatient is < 1 or > 1_000_000)
            problems.Add("Index:MaxEntriesPerSystemPerPatient must be between 1 and 1000000");
        if (MaxPageSize is < 1 or > 10_000)
            problems.Add("Index:MaxPageSize must be between 1 and 10000");
        if (DefaultPageSize < 1 || DefaultPageSize > MaxPageSize)
            problems.Add("Index:DefaultPageSize must be between 1 and Index:MaxPageSize");
        return problems;
    }
}
