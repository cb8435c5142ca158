using Hl7.Fhir.Model;

namespace OpenNdi.Fhir;

/// <summary>
/// Builds FHIR OperationOutcome resources for errors, each carrying a stable OpenNdi error code
/// (<c>NDI-&lt;SERVICE&gt;-nnn</c>, listed in docs/errors.md) in issue.details so that clients can act on it.
/// </summary>
public static class Outcomes
{
    public const string ErrorCodeSystem = "urn:openndi:error";

    public static OperationOutcome Error(string errorCode, OperationOutcome.IssueType type, string message, string? expression = null) =>
        Issue(OperationOutcome.IssueSeverity.Error, errorCode, type, message, expression);

    public static OperationOutcome Issue(OperationOutcome.IssueSeverity severity, string errorCode, OperationOutcome.IssueType type, string message, string? expression = null) => new()
    {
        Issue = [IssueComponent(severity, errorCode, type, message, expression)],
    };

    /// <summary>One issue, for outcomes that carry several (e.g. every problem a validator found).</summary>
    public static OperationOutcome.IssueComponent IssueComponent(OperationOutcome.IssueSeverity severity, string errorCode, OperationOutcome.IssueType type, string message, string? expression = null) => new()
    {
        Severity = severity,
        Code = type,
        Details = new CodeableConcept { Coding = [new Coding(ErrorCodeSystem, errorCode)], Text = message },
        Diagnostics = message,
        Expression = expression is null ? [] : [expression],
    };
}
