namespace OpenNdi.SecondaryUse.Workspaces;

/// <summary>One person of an extract as it reaches the workspace: the subject (pseudonym) and the generalised quasi-identifiers asked for (null when not).</summary>
public readonly record struct ExtractPerson(string Subject, string? Birth, string? Sex, string? Place);

/// <summary>One event of an extract as it reaches the workspace: the subject, the dataset, and the variables asked for (null when not).</summary>
public readonly record struct ExtractEvent(string Subject, string Dataset, string? Code, string? Date, string? Holder);

/// <summary>
/// Writes a permit's extract into its workspace: tables <c>persons(subject, birth, sex, place)</c> and
/// <c>events(subject, dataset, code, date, holder)</c>, replaced whole. In bulk (COPY on PostgreSQL), nothing visible
/// to the permit holder until <see cref="CompleteAsync"/> commits; disposing without it leaves the workspace as it was.
/// </summary>
public interface IExtractWriter : IAsyncDisposable
{
    ValueTask WriteEventAsync(ExtractEvent row, CancellationToken cancellationToken);

    ValueTask WritePersonAsync(ExtractPerson row, CancellationToken cancellationToken);

    /// <summary>Removes the events of subjects that were suppressed after their events were written.</summary>
    Task RemoveSubjectsAsync(IReadOnlyCollection<string> subjects, CancellationToken cancellationToken);

    Task CompleteAsync(CancellationToken cancellationToken);
}

/// <summary>Where a workspace is and how one connects to it (never with a password: that is issued by <see cref="IWorkspaces.IssueCredentialsAsync"/>).</summary>
/// <param name="Kind">"postgresql" or "sqlite".</param>
/// <param name="Location">The schema (PostgreSQL) or the file (SQLite).</param>
/// <param name="Role">The login role (PostgreSQL), null on SQLite.</param>
public sealed record WorkspaceInfo(string Permit, string Kind, string Location, string? Role, string? Host, int? Port, string? Database, DateTimeOffset ValidUntil);

/// <summary>A login for the permit holder: the role and a new password, valid until the permit ends.</summary>
public sealed record WorkspaceCredentials(WorkspaceInfo Workspace, string? User, string? Password, string ConnectionString);

/// <summary>A table the permit holder made in the workspace and asks to take out, as read for the output check.</summary>
public sealed record WorkspaceTable(string Name, IReadOnlyList<string> Columns, IReadOnlyList<IReadOnlyList<string?>> Rows);

/// <summary>
/// The secure processing environment (EHDS art. 73): a workspace per permit, isolated from the platform and from
/// other permits. PostgreSQL: schema and login role <c>sdu_ws_&lt;permit&gt;</c> with grants on that schema only;
/// SQLite: a file of its own.
/// </summary>
public interface IWorkspaces
{
    /// <summary>Creates the permit's workspace (idempotent): the schema and a role that may log in until <paramref name="validUntil"/>.</summary>
    Task<WorkspaceInfo> OpenAsync(string permit, DateTimeOffset validUntil, CancellationToken cancellationToken);

    /// <summary>The workspace, or null when the permit has none (never opened, or closed).</summary>
    Task<WorkspaceInfo?> FindAsync(string permit, CancellationToken cancellationToken);

    Task<IExtractWriter> WriteExtractAsync(string permit, CancellationToken cancellationToken);

    /// <summary>Sets a new password for the permit's role and answers it (shown once to the permit holder).</summary>
    Task<WorkspaceCredentials> IssueCredentialsAsync(string permit, CancellationToken cancellationToken);

    /// <summary>Reads a table of the workspace for the output check: at most <paramref name="maxRows"/> rows; null when there is no such table.</summary>
    Task<WorkspaceTable?> ReadTableAsync(string permit, string table, int maxRows, CancellationToken cancellationToken);

    /// <summary>Closes the workspace for good: the role may no longer log in, its sessions end, the schema (or file) is removed.</summary>
    Task CloseAsync(string permit, CancellationToken cancellationToken);
}
