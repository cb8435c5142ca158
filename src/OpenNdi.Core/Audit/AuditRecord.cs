namespace OpenNdi.Core.Audit;

/// <summary>What was done, with FHIR AuditEvent.action's codes (C, R, U, D, E).</summary>
public enum AuditAction
{
    Create,
    Read,
    Update,
    Delete,
    Execute,
}

/// <summary>How it ended, with FHIR AuditEvent.outcome's codes (0, 4, 8, 12). A denial is a minor failure.</summary>
public enum AuditOutcome
{
    Success = 0,
    MinorFailure = 4,
    SeriousFailure = 8,
    MajorFailure = 12,
}

/// <summary>The kinds of agent the log names; the same words as the access policy's actors.</summary>
public static class AuditAgentKind
{
    public const string Professional = "professional";
    public const string Person = "person";
    public const string System = "system";
    public const string Operator = "operator";

    /// <summary>A health professional in another member state, through that country's contact point (MyHealth@EU); the agent's provider is the contact point's trust-list id.</summary>
    public const string ForeignProfessional = "foreign-professional";

    /// <summary>A person applying for, or holding, a data permit for secondary use (issue 18); the agent's provider is the organisation applied for.</summary>
    public const string Applicant = "applicant";

    /// <summary>A case officer of the health data access body (issue 18).</summary>
    public const string AccessBodyOfficer = "hdab-officer";

    /// <summary>A caller whose token named no actor, or who presented no valid token: the record keeps what is known (address, claimed issuer, client, subject).</summary>
    public const string Unidentified = "unidentified";
}

/// <summary>
/// Someone who took part: a professional (HSA-id, role, provider, care unit, assignment), a person (personnummer), a
/// system (client id, provider) or an operator.
/// </summary>
public sealed record AuditAgent(string Kind, string Id, string? Name = null, string? Role = null, string? Provider = null, string? CareUnit = null, string? Assignment = null);

/// <summary>
/// Something the event touched (BALP's entity): a kind (e.g. <c>index-entry</c>, <c>consent</c>, <c>query</c>), a
/// reference to it, the provider whose data it is, the data category, and a short detail (e.g. why it was withheld).
/// </summary>
public sealed record AuditEntity(string Kind, string? Reference = null, string? Provider = null, string? Category = null, string? Detail = null);

/// <summary>
/// One audit record, shaped after IHE BALP's AuditEvent: what happened (<see cref="Event"/>: a stable code such as
/// <c>index-lookup</c> or <c>consent-change</c>), the action and outcome, who did it and on whose behalf (a
/// representative acting for the patient: both identities are kept), which patient, the purpose of use, where the
/// request came from, what it touched, and the emergency reason when a block was broken.
/// </summary>
/// <remarks>
/// Immutable once written: its canonical JSON (<see cref="AuditJson"/>) is what the hash chain covers, and the
/// store's query columns are derived from it, so a verifier can check them too.
/// </remarks>
public sealed record AuditRecord(
    DateTimeOffset Recorded,
    string Event,
    AuditAction Action,
    AuditOutcome Outcome,
    AuditAgent Who,
    string? Patient = null,
    AuditAgent? OnBehalfOf = null,
    string? PurposeOfUse = null,
    string? Source = null,
    string? OutcomeText = null,
    string? EmergencyReason = null,
    IReadOnlyList<AuditEntity>? Entities = null)
{
    public IReadOnlyList<AuditEntity> Entities { get; init; } = Entities ?? [];

    /// <summary>The record is an emergency access: a professional broke a block with this reason.</summary>
    public bool EmergencyBreak => EmergencyReason is not null;

    /// <summary>The provider the query columns file the record under: the acting professional's or system's.</summary>
    public string? ActorProvider => Who.Provider;

    /// <summary>Structural checks before the record is accepted for the chain: the log refuses what it could not explain later.</summary>
    public string? Validate()
    {
        if (string.IsNullOrWhiteSpace(Event))
            return "an audit record needs an event code";
        if (string.IsNullOrWhiteSpace(Who.Kind) || string.IsNullOrWhiteSpace(Who.Id))
            return "an audit record needs an agent with a kind and an id";
        if (Recorded.Offset != TimeSpan.Zero)
            return "an audit record's time is in UTC";
        if (EmergencyReason is { } reason && string.IsNullOrWhiteSpace(reason))
            return "an emergency break needs a reason";
        return null;
    }
}

/// <summary>Where a record sits in the log: its partition's chain and its place in it. Also its id: <c>{partition}-{sequence}</c>.</summary>
public readonly record struct AuditReceipt(string Partition, long Sequence)
{
    public string Id => $"{Partition}-{Sequence}";

    public static bool TryParse(string? id, out AuditReceipt receipt)
    {
        receipt = default;
        var dash = id?.LastIndexOf('-') ?? -1;
        if (dash <= 0 || !long.TryParse(id.AsSpan(dash + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var sequence) || sequence < 1)
            return false;
        receipt = new AuditReceipt(id![..dash], sequence);
        return true;
    }
}
