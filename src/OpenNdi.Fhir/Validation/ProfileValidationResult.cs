using Hl7.Fhir.Model;

namespace OpenNdi.Fhir.Validation;

/// <summary>One issue the profile validator raised.</summary>
/// <param name="Code">The Firely validator's issue number (e.g. <c>1028</c> for a cardinality, slice or structure
/// problem, <c>6007</c> for a code outside a required binding, <c>4009</c> for an extension it cannot resolve): stable
/// across its releases, so usable to group or filter issues.</param>
/// <param name="Location">Where, as a FHIRPath expression from the validated resource, in Firely's form (every step
/// indexed: <c>Bundle.entry[3].resource[0].code[0]</c>).</param>
public sealed record ProfileIssue(OperationOutcome.IssueSeverity Severity, OperationOutcome.IssueType Type, string Code, string Location, string Message)
{
    public bool IsError => Severity is OperationOutcome.IssueSeverity.Error or OperationOutcome.IssueSeverity.Fatal;

    public override string ToString() => $"{Severity} {Code} {Location}: {Message}";
}

/// <summary>What <see cref="IpsProfileValidator"/> found: the validator's own OperationOutcome, and its issues as plain records.</summary>
public sealed class ProfileValidationResult
{
    public ProfileValidationResult(string profile, OperationOutcome outcome)
    {
        Profile = profile;
        Outcome = outcome;
        Issues = [.. outcome.Issue.Select(i => new ProfileIssue(
            i.Severity ?? OperationOutcome.IssueSeverity.Error,
            i.Code ?? OperationOutcome.IssueType.Invalid,
            i.Details?.Coding.FirstOrDefault()?.Code ?? "",
            i.Expression.FirstOrDefault() ?? i.Location.FirstOrDefault() ?? "",
            i.Details?.Text ?? i.Diagnostics ?? ""))];
    }

    /// <summary>The profile the resource was validated against (its meta.profile ones were too).</summary>
    public string Profile { get; }

    /// <summary>The Firely validator's OperationOutcome, with any issues <see cref="IpsProfileValidator"/> added to explain a failed slice.</summary>
    public OperationOutcome Outcome { get; }

    public IReadOnlyList<ProfileIssue> Issues { get; }

    public IEnumerable<ProfileIssue> Errors => Issues.Where(i => i.IsError);

    /// <summary>True when there are no errors (warnings, e.g. bindings that could not be checked offline, allowed).</summary>
    public bool IsValid => !Issues.Any(i => i.IsError);
}
