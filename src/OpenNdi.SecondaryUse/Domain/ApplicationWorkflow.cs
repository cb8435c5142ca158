namespace OpenNdi.SecondaryUse.Domain;

/// <summary>
/// The application's states and the only moves between them (ADR 0011 §3):
/// <code>
/// submitted ──(automatic check)──▶ incomplete ──(applicant revises)──▶ submitted
///     └──────(automatic check)──▶ in-review ──▶ changes-requested ──(applicant revises)──▶ submitted
///                                      ├──▶ approved (a permit is issued)
///                                      └──▶ refused
/// </code>
/// Approved and refused are final: a refused applicant applies anew.
/// </summary>
public static class ApplicationWorkflow
{
    private static readonly Dictionary<ApplicationState, ApplicationState[]> Moves = new()
    {
        [ApplicationState.Submitted] = [ApplicationState.Incomplete, ApplicationState.InReview],
        [ApplicationState.Incomplete] = [ApplicationState.Submitted],
        [ApplicationState.InReview] = [ApplicationState.ChangesRequested, ApplicationState.Approved, ApplicationState.Refused],
        [ApplicationState.ChangesRequested] = [ApplicationState.Submitted],
        [ApplicationState.Approved] = [],
        [ApplicationState.Refused] = [],
    };

    public static bool CanMove(ApplicationState from, ApplicationState to) => Moves[from].Contains(to);

    /// <summary>The application moved to <paramref name="to"/> by <paramref name="by"/> at <paramref name="at"/>, with the step in its history; throws on a move the workflow does not have.</summary>
    public static DataApplication Move(DataApplication application, ApplicationState to, string by, DateTimeOffset at, string? note, ApplicationContent? content = null, string? permit = null)
    {
        if (!CanMove(application.State, to))
            throw new InvalidOperationException($"an application cannot move from {application.State} to {to}");
        return application with
        {
            State = to,
            Updated = at,
            Content = content ?? application.Content,
            Permit = permit ?? application.Permit,
            History = [.. application.History, new ApplicationStep(at, by, to, note)],
        };
    }

    /// <summary>Whether the applicant may revise now (after the automatic check found gaps, or the body asked for changes).</summary>
    public static bool ApplicantMayRevise(ApplicationState state) => state is ApplicationState.Incomplete or ApplicationState.ChangesRequested;
}

/// <summary>
/// The automatic completeness check every submitted application goes through before a person reads it (the issue's
/// "checks completeness automatically"): each problem is a sentence the applicant can act on.
/// </summary>
public static class CompletenessCheck
{
    public const int MinimumDescriptionLength = 40;

    /// <param name="knownDatasets">The catalogue's dataset ids.</param>
    public static IReadOnlyList<string> Problems(ApplicationContent content, IReadOnlyCollection<string> knownDatasets, DateOnly today)
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(content.Title))
            problems.Add("the application needs a title");
        if (!SecondaryUsePurposes.IsKnown(content.Purpose))
            problems.Add($"the purpose must be one of EHDS art. 53(1): {string.Join(", ", SecondaryUsePurposes.All)}");
        if ((content.Description?.Trim().Length ?? 0) < MinimumDescriptionLength)
            problems.Add($"describe the project and why it needs these data in at least {MinimumDescriptionLength} characters");
        if (content.Datasets.Count == 0)
            problems.Add("name at least one dataset of the catalogue");
        foreach (var unknown in content.Datasets.Where(d => !knownDatasets.Contains(d)).Distinct(StringComparer.Ordinal))
            problems.Add($"dataset '{unknown}' is not in the catalogue");
        if (content.Variables.Count == 0)
            problems.Add($"name the variables needed, of: {string.Join(", ", ExtractVariables.All)}");
        foreach (var unknown in content.Variables.Where(v => !ExtractVariables.All.Contains(v)).Distinct(StringComparer.Ordinal))
            problems.Add($"variable '{unknown}' is not one of: {string.Join(", ", ExtractVariables.All)}");
        if (content.PeriodTo < content.PeriodFrom)
            problems.Add("the period ends before it begins");
        if (content.PeriodFrom > today)
            problems.Add("the period begins in the future: there are no data yet");
        if (!Enum.IsDefined(content.Form))
            problems.Add("the form must be anonymised or pseudonymised");
        return problems;
    }
}
