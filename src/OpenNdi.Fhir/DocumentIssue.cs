using Hl7.Fhir.Model;

namespace OpenNdi.Fhir;

public enum DocumentIssueSeverity
{
    Error,
    Warning,
}

/// <summary>One problem found in a document.</summary>
/// <param name="Code">A stable code from <see cref="DocumentIssueCodes"/>.</param>
/// <param name="Location">Where, as a FHIRPath-like expression from the Bundle (<c>Bundle.entry[0].resource.section[2].entry[1]</c>).</param>
public sealed record DocumentIssue(DocumentIssueSeverity Severity, string Code, string Location, string Message);

/// <summary>Every problem a <see cref="FhirDocumentValidator"/> found in one document, not only the first.</summary>
public sealed class DocumentValidationResult(IReadOnlyList<DocumentIssue> issues)
{
    public IReadOnlyList<DocumentIssue> Issues { get; } = issues;

    /// <summary>True when there are no errors (warnings allowed).</summary>
    public bool IsValid => Issues.All(i => i.Severity != DocumentIssueSeverity.Error);

    public IEnumerable<DocumentIssue> Errors => Issues.Where(i => i.Severity == DocumentIssueSeverity.Error);

    /// <summary>
    /// The issues as an OperationOutcome: one issue each, its code in issue.details (system <see cref="Outcomes.ErrorCodeSystem"/>)
    /// and its location in issue.expression. OperationOutcome.issue is 1..*, so a clean result says so in one informational issue.
    /// </summary>
    public OperationOutcome ToOperationOutcome()
    {
        if (Issues.Count == 0)
        {
            return new OperationOutcome
            {
                Issue =
                [
                    new OperationOutcome.IssueComponent
                    {
                        Severity = OperationOutcome.IssueSeverity.Information,
                        Code = OperationOutcome.IssueType.Informational,
                        Diagnostics = "The document passed every check.",
                    },
                ],
            };
        }
        return new OperationOutcome
        {
            Issue = [.. Issues.Select(i => Outcomes.IssueComponent(
                i.Severity == DocumentIssueSeverity.Error ? OperationOutcome.IssueSeverity.Error : OperationOutcome.IssueSeverity.Warning,
                i.Code, DocumentIssueCodes.IssueType(i.Code), i.Message, i.Location))],
        };
    }
}
