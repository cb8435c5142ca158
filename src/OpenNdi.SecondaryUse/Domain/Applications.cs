namespace OpenNdi.SecondaryUse.Domain;

/// <summary>What the applicant asks to receive: anonymised statistics, or pseudonymised microdata (EHDS art. 66).</summary>
public enum OutputForm
{
    /// <summary>Anonymised: k-anonymity is enforced on the quasi-identifiers before anything reaches the workspace.</summary>
    Anonymised,

    /// <summary>Pseudonymised microdata: a pseudonym per person under the permit's key; k-anonymity is measured and reported.</summary>
    Pseudonymised,
}

/// <summary>How precise a birth date reaches the workspace, from the most precise to nothing (the hierarchy k-anonymity climbs).</summary>
public enum BirthDetail
{
    Date,
    YearMonth,
    Year,
    FiveYearBand,
    TenYearBand,
    Suppressed,
}

/// <summary>How precise a place reaches the workspace: municipality (kommun), region (län), or only the country.</summary>
public enum PlaceDetail
{
    Municipality,
    Region,
    Country,
}

/// <summary>How precise event dates reach the workspace.</summary>
public enum EventDateDetail
{
    Day,
    Month,
    Year,
}

/// <summary>The generalisation a permit sets: the most precise level of each quasi-identifier the workspace may hold.</summary>
public sealed record Generalisation(BirthDetail Birth, PlaceDetail Place, EventDateDetail EventDates)
{
    public static Generalisation Default { get; } = new(BirthDetail.Year, PlaceDetail.Region, EventDateDetail.Month);
}

/// <summary>
/// The variables an extract can carry. Person variables come from the population register, event variables from the
/// holders' datasets; the subject (a pseudonym) is always there, and nothing else is.
/// </summary>
public static class ExtractVariables
{
    public const string Birth = "birth";
    public const string Sex = "sex";
    public const string Place = "place";
    public const string Code = "code";
    public const string Date = "date";
    public const string Holder = "holder";

    public static IReadOnlyList<string> Person { get; } = [Birth, Sex, Place];

    public static IReadOnlyList<string> Event { get; } = [Code, Date, Holder];

    public static IReadOnlyList<string> All { get; } = [.. Person, .. Event];
}

/// <summary>What an application asks for: the permit's content once approved.</summary>
/// <param name="Purpose">One of <see cref="SecondaryUsePurposes"/>.</param>
/// <param name="Datasets">Catalogue dataset ids.</param>
/// <param name="Variables">Of <see cref="ExtractVariables"/>.</param>
public sealed record ApplicationContent(
    string Title,
    string Purpose,
    string Description,
    IReadOnlyList<string> Datasets,
    IReadOnlyList<string> Variables,
    DateOnly PeriodFrom,
    DateOnly PeriodTo,
    OutputForm Form,
    Generalisation Generalisation);

/// <summary>Where an application stands (ADR 0011 §3). Only the transitions of <see cref="ApplicationWorkflow"/> are possible.</summary>
public enum ApplicationState
{
    Submitted,
    Incomplete,
    InReview,
    ChangesRequested,
    Approved,
    Refused,
}

/// <summary>Where a permit stands: active until it expires or the body revokes it.</summary>
public enum PermitState
{
    Active,
    Expired,
    Revoked,
}

/// <summary>One step of an application's history: who moved it, to which state, and why.</summary>
public sealed record ApplicationStep(DateTimeOffset At, string By, ApplicationState State, string? Note);

/// <summary>An application for a data permit (EHDS art. 67), with its history.</summary>
/// <param name="Applicant">The applicant actor's id (the person who applied).</param>
/// <param name="Organisation">The organisation applied for (organisation number), or the person's own id for a private applicant.</param>
/// <param name="OrganisationName">The organisation's name as the applicant's login gave it (what a patient reads on the transparency list).</param>
public sealed record DataApplication(
    string Id,
    string Applicant,
    string ApplicantName,
    string Organisation,
    ApplicationContent Content,
    ApplicationState State,
    DateTimeOffset Submitted,
    DateTimeOffset Updated,
    IReadOnlyList<ApplicationStep> History,
    string? Permit,
    string? OrganisationName = null);

/// <summary>Where the preparation of a permit's extract stands.</summary>
public enum PreparationState
{
    Pending,
    Running,
    Ready,
    Failed,
}

/// <summary>
/// A data permit (EHDS art. 68): the approved content, the conditions, its validity, and where its extract stands. The
/// permit names everything downstream (its pseudonym key, its workspace, its outputs).
/// </summary>
public sealed record DataPermit(
    string Id,
    string Application,
    string Holder,
    string Organisation,
    ApplicationContent Content,
    string Conditions,
    DateTimeOffset Issued,
    DateTimeOffset ValidUntil,
    PermitState State,
    PreparationState Preparation,
    string? PreparationReportJson,
    string? OrganisationName = null)
{
    /// <summary>Whether the permit lets anything happen at <paramref name="now"/>: active, and not past its end.</summary>
    public bool InForce(DateTimeOffset now) => State == PermitState.Active && now < ValidUntil;
}
