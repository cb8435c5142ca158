namespace OpenNdi.SecondaryUse.Workspaces;

/// <summary>
/// A workspace table the output check will not read as it stands: not an ordinary table (a view, say), guarded by
/// row-level security, or with a column of a type the permit holder made. Reading such a relation could run code the
/// permit holder wrote with the platform's privileges (a function in a view, a policy, a cast to text), so it is
/// refused and the holder is asked to copy the result into a plain table of built-in types.
/// </summary>
public sealed class WorkspaceTableRefusedException(string table, string reason)
    : InvalidOperationException($"workspace table '{table}' cannot be read for the output check: {reason}")
{
    public string Table { get; } = table;

    public string Reason { get; } = reason;
}
