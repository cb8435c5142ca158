namespace OpenNdi.Server.ProfessionalAccess;

/// <summary>
/// Deadlines and limits of the professional access service (configuration section <c>ProfessionalAccess</c>). A clinician
/// waits for the slowest provider only up to <see cref="ProviderTimeoutMs"/>, and for the whole answer at most
/// <see cref="DeadlineMs"/>: what has not arrived by then is named as missed in the answer.
/// </summary>
public sealed class ProfessionalAccessOptions
{
    /// <summary>How long one provider system may take to answer.</summary>
    public int ProviderTimeoutMs { get; set; } = 2_000;

    /// <summary>How long the whole request may take, fetching included; at least the provider timeout.</summary>
    public int DeadlineMs { get; set; } = 3_000;

    /// <summary>The largest answer accepted from one provider system.</summary>
    public int MaxAnswerBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>
    /// The most provider requests one answer makes. The plan asks each provider system once per category at most
    /// (once in all when it has a summary), so this bounds the systems, not the entries; requests past it are not
    /// made, and the answer names the providers left out (NDI-PAS-016).
    /// </summary>
    public int MaxProviderRequests { get; set; } = 100;

    /// <summary>
    /// A folder holding the IPS package (<c>hl7.fhir.uv.ips-*.tgz</c>) and the extension definitions it needs: when
    /// set, every assembled summary is also validated against the IPS profiles with Firely's validator (about 40 ms a
    /// summary once warm, several seconds for the first), and what fails is logged and said in the answer
    /// (NDI-PAS-040). Off by default: the tests and CI validate every kind of summary the service builds.
    /// </summary>
    public string? ProfilePackages { get; set; }

    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (ProviderTimeoutMs is < 10 or > 120_000)
            problems.Add("ProfessionalAccess:ProviderTimeoutMs must be between 10 and 120000");
        if (DeadlineMs < ProviderTimeoutMs || DeadlineMs > 300_000)
            problems.Add("ProfessionalAccess:DeadlineMs must be at least ProviderTimeoutMs and at most 300000");
        if (MaxAnswerBytes is < 1024 or > 256 * 1024 * 1024)
            problems.Add("ProfessionalAccess:MaxAnswerBytes must be between 1024 and 268435456");
        if (MaxProviderRequests is < 1 or > 10_000)
            problems.Add("ProfessionalAccess:MaxProviderRequests must be between 1 and 10000");
        if (ProfilePackages is { Length: > 0 } packages && !Directory.Exists(packages))
            problems.Add($"ProfessionalAccess:ProfilePackages names a folder that does not exist: {packages}");
        return problems;
    }
}
