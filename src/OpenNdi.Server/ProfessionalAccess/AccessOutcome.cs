using Hl7.Fhir.Model;
using OpenNdi.Core.Policy;
using OpenNdi.Fhir;
using OpenNdi.Fhir.Merging;
using OpenNdi.Server.PatientIndex;

namespace OpenNdi.Server.ProfessionalAccess;

/// <summary>
/// The OperationOutcome that travels with a partial answer: every provider that was missed and why (warning, code
/// incomplete), what was withheld and why, counted but never named (information, code suppressed), and a note when
/// items came through an emergency break. Null when there is nothing to say.
/// </summary>
internal static class AccessOutcome
{
    /// <summary>The code system of the access policy's reasons (<c>blocked</c>, <c>opted-out</c>, …) as they appear in answers and the audit log.</summary>
    public const string ReasonSystem = "urn:openndi:access-decision-reason";

    /// <param name="scopesNeeded">The read scopes the answer's types need that the token lacks (<see cref="ScopeCoverage.NeededFor"/>): said whatever the data.</param>
    /// <param name="accounts">The account of each answer's resources (<see cref="Gathered.Accounts"/>), in the order of <paramref name="answers"/>.</param>
    public static OperationOutcome? For(DecidedLookup lookup, IReadOnlyList<(ProviderAnswer Answer, ScreenedAnswer Screened, string? Name)> answers, int emergencyItems,
        IReadOnlyList<string> scopesNeeded, IReadOnlyList<IReadOnlyList<ItemAccount>> accounts)
    {
        var outcome = new OperationOutcome();
        if (scopesNeeded.Count > 0)
            Add(outcome, OperationOutcome.IssueSeverity.Information, "NDI-PAS-022", OperationOutcome.IssueType.Suppressed,
                $"Your token's scopes do not cover every kind of information this answer holds: nothing of the kinds that need {string.Join(", ", scopesNeeded)} is included, whether the patient has any or not.");
        // Requests left out by the cap: one issue per provider, however many of its requests were left out.
        foreach (var provider in answers.Where(a => a.Answer.Status == FetchStatus.NotAsked).GroupBy(a => a.Answer.Job.Provider))
        {
            var name = provider.First().Name;
            var who = name is null ? $"Provider {provider.Key}" : $"Provider {name} ({provider.Key})";
            var all = answers.Count(a => a.Answer.Job.Provider == provider.Key);
            Add(outcome, OperationOutcome.IssueSeverity.Warning, "NDI-PAS-016", OperationOutcome.IssueType.TooCostly,
                $"{who}: {provider.Count()} of its {all} requests were not made, so {(provider.Count() == all ? "nothing" : "not everything")} it holds is in this answer: "
                + $"{provider.First().Answer.Problem}. Narrow the request (a category read) to see the rest.");
        }
        var disclosure = lookup.Decision.Disclosure;
        for (var i = 0; i < answers.Count; i++)
        {
            var (answer, screened, name) = answers[i];
            var who = name is null ? $"Provider {answer.Job.Provider}" : $"Provider {name} ({answer.Job.Provider})";
            var (code, type) = answer.Status switch
            {
                FetchStatus.TimedOut or FetchStatus.DeadlinePassed => ("NDI-PAS-010", OperationOutcome.IssueType.Timeout),
                FetchStatus.Failed => ("NDI-PAS-011", OperationOutcome.IssueType.Transient),
                FetchStatus.Invalid => ("NDI-PAS-012", OperationOutcome.IssueType.Incomplete),
                FetchStatus.NoEndpoint => ("NDI-PAS-014", OperationOutcome.IssueType.NotFound),
                FetchStatus.Unauthenticated => ("NDI-PAS-019", OperationOutcome.IssueType.Security),
                _ => (null, OperationOutcome.IssueType.Incomplete),
            };
            if (code is not null)
                Add(outcome, OperationOutcome.IssueSeverity.Warning, code, type, $"{who} is missing from this answer: its system {answer.Problem?.TrimEnd('.')}.");
            if (screened.OtherPatientProblem is not null)
                Add(outcome, OperationOutcome.IssueSeverity.Warning, "NDI-PAS-013", OperationOutcome.IssueType.BusinessRule,
                    $"{who} {screened.OtherPatientProblem}; those were dropped and the fault is logged.{(screened.Items.Count == 0 ? " Nothing from this provider is in this answer." : "")}");
            if (screened.Unreadable > 0)
                Add(outcome, OperationOutcome.IssueSeverity.Warning, "NDI-PAS-017", OperationOutcome.IssueType.Structure,
                    $"{who} sent {screened.Unreadable} resources that could not be read ({string.Join(", ", screened.UnreadableAccounts.GroupBy(a => a.Type).Select(g => $"{g.Count()} {g.Key}"))}); "
                    + "they were set aside and the fault is logged, and the rest of its answer is here. Ask the provider for what is missing.");
            if (answer.Status == FetchStatus.Answered)
                Add(outcome, OperationOutcome.IssueSeverity.Information, "NDI-PAS-018", OperationOutcome.IssueType.Informational, $"{who}: {Told(accounts[i], disclosure)}.");
        }
        // What was withheld, as far as the policy discloses it to this caller: the limits of their access (the same for
        // every patient), then a count per reason they can act on (blocks, for a clinician who may break them), with
        // the policy's reason code beside the error code, so an app can offer the emergency break without reading text.
        foreach (var limit in disclosure.Limits)
        {
            Add(outcome, OperationOutcome.IssueSeverity.Information, "NDI-PAS-021", OperationOutcome.IssueType.Suppressed, $"{IndexAccess.LimitText(limit)}.");
            outcome.Issue[^1].Details!.Coding.Add(new Coding(ReasonSystem, Audit.DecisionAudit.Code(limit)));
        }
        foreach (var (reason, count) in disclosure.Counted)
        {
            Add(outcome, OperationOutcome.IssueSeverity.Information, "NDI-PAS-020", OperationOutcome.IssueType.Suppressed,
                $"{count} entries withheld: {IndexAccess.ReasonText(reason)}.");
            outcome.Issue[^1].Details!.Coding.Add(new Coding(ReasonSystem, Audit.DecisionAudit.Code(reason)));
        }
        var fetchWithheld = answers.Sum(a => a.Screened.Withheld);
        if (fetchWithheld > 0 && disclosure.TellsBlocks)
        {
            Add(outcome, OperationOutcome.IssueSeverity.Information, "NDI-PAS-020", OperationOutcome.IssueType.Suppressed,
                $"{fetchWithheld} items withheld under the patient's settings for the care unit or category they came from.");
            outcome.Issue[^1].Details!.Coding.Add(new Coding(ReasonSystem, "withheld-by-settings"));
        }
        if (emergencyItems > 0)
            Add(outcome, OperationOutcome.IssueSeverity.Information, "NDI-PAS-030", OperationOutcome.IssueType.Informational,
                $"{emergencyItems} items were released through the emergency break; they carry the security label BTG, and this access is logged for follow-up.");
        return outcome.Issue.Count == 0 ? null : outcome;
    }

    /// <summary>
    /// The account of one provider's answer as this caller may be told it: what was released, merged and rejected,
    /// adding up to what is counted as received; items withheld by the patient's settings are counted only to a caller
    /// told of blocks, and never those of a type the token does not cover (their number would tell of data it may not see).
    /// </summary>
    private static string Told(IReadOnlyList<ItemAccount> accounts, Disclosure disclosure)
    {
        var released = accounts.Count(a => a.Disposition == Disposition.Released);
        var merged = accounts.Count(a => a.Disposition == Disposition.Merged);
        var rejected = accounts.Count(a => a.Disposition == Disposition.Rejected);
        var withheld = disclosure.TellsBlocks ? accounts.Count(a => a.Disposition == Disposition.Withheld && a.Reason != ItemAccounts.NotCoveredByScope && a.Reason != ItemAccounts.SupportsNothingReleased) : 0;
        var parts = new List<string> { $"{released} released", $"{merged} merged (into the same item from another source, the national patient or the national summary)", $"{rejected} rejected" };
        if (withheld > 0)
            parts.Add($"{withheld} withheld under the patient's settings");
        return $"{released + merged + rejected + withheld} resources accounted for: {string.Join(", ", parts)}";
    }

    public static void Add(OperationOutcome outcome, OperationOutcome.IssueSeverity severity, string code, OperationOutcome.IssueType type, string text) =>
        outcome.Issue.AddRange(Outcomes.Issue(severity, code, type, text).Issue);
}
