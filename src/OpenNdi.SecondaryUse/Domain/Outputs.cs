namespace OpenNdi.SecondaryUse.Domain;

/// <summary>Where an output stands: refused by the automatic small-cell rule, waiting for a reviewer, released, or refused by the reviewer.</summary>
public enum OutputState
{
    FailedAutomaticCheck,
    AwaitingReview,
    Released,
    Refused,
}

/// <summary>
/// A table the permit holder asks to take out of the workspace (EHDS art. 73: nothing leaves the secure processing
/// environment but checked results). The table is copied when it is submitted, so what is reviewed is what is
/// released, whatever happens in the workspace afterwards.
/// </summary>
/// <param name="Columns">The submitted table's columns.</param>
/// <param name="Rows">The submitted table's rows, as text.</param>
/// <param name="CheckProblems">What the automatic small-cell rule found (empty when it passed).</param>
public sealed record DataOutput(
    string Id,
    string Permit,
    string Table,
    string Description,
    IReadOnlyList<string> Columns,
    IReadOnlyList<IReadOnlyList<string?>> Rows,
    OutputState State,
    DateTimeOffset Submitted,
    DateTimeOffset Updated,
    int Threshold,
    IReadOnlyList<string> CheckProblems,
    string? ReviewedBy,
    string? ReviewNote);
