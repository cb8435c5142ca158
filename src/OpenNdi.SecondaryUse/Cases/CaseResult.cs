namespace OpenNdi.SecondaryUse.Cases;

/// <summary>How a request about a secondary-use case ended, for the edge to answer (404, 403, 422, 409, or the value).</summary>
public enum CaseStatus
{
    Ok,

    /// <summary>No such case, or one the caller may not see (answered alike: a case of another applicant does not exist for them).</summary>
    NotFound,

    /// <summary>The caller may see the case but not do this (an officer revising, an applicant approving).</summary>
    Forbidden,

    /// <summary>The request is not acceptable as sent (problems say why); nothing changed.</summary>
    Invalid,

    /// <summary>The case is not in a state that allows this (already decided, permit expired, extract not ready); nothing changed.</summary>
    Conflict,
}

/// <summary>A result with its status and, when it is not Ok, why.</summary>
public sealed record CaseResult<T>(CaseStatus Status, T? Value, IReadOnlyList<string> Problems)
{
    public static CaseResult<T> Ok(T value) => new(CaseStatus.Ok, value, []);

    public static CaseResult<T> NotFound(string what) => new(CaseStatus.NotFound, default, [what]);

    public static CaseResult<T> Forbidden(string why) => new(CaseStatus.Forbidden, default, [why]);

    public static CaseResult<T> Invalid(IReadOnlyList<string> problems) => new(CaseStatus.Invalid, default, problems);

    public static CaseResult<T> Conflict(string why) => new(CaseStatus.Conflict, default, [why]);

    public CaseResult<TOther> As<TOther>() => new(Status, default, Problems);
}
