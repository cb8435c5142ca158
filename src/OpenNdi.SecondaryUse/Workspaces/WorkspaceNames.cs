namespace OpenNdi.SecondaryUse.Workspaces;

/// <summary>
/// The names a permit's workspace goes by: PostgreSQL schema and role <c>sdu_ws_&lt;permit&gt;</c>, SQLite file
/// <c>sdu-ws-&lt;permit&gt;.db</c>. The permit id ends up in SQL as an identifier (DDL takes no parameters) and in a
/// path, so it is checked against a small alphabet here and refused otherwise, never escaped into shape; the SQL is
/// quoted on top of that.
/// </summary>
public static class WorkspaceNames
{
    public const string Prefix = "sdu_ws_";

    /// <summary>A permit id's most characters: <c>sdu_ws_</c> and 40 stay well under PostgreSQL's 63-byte identifiers.</summary>
    public const int MaxPermitLength = 40;

    /// <summary>
    /// The permit id as it appears in names: lower-case letters, digits and <c>_</c> as they are, <c>-</c> as <c>_</c>
    /// (so a GUID's usual form fits). Anything else, upper case included, is refused rather than folded: two permits
    /// must never share a workspace. Ids that differ only in <c>-</c> against <c>_</c> would; the platform issues ids
    /// of one shape, so that never arises between its own permits.
    /// </summary>
    /// <exception cref="ArgumentException">Empty, longer than <see cref="MaxPermitLength"/>, or outside <c>[a-z0-9_-]</c>.</exception>
    public static string Suffix(string permit)
    {
        ArgumentNullException.ThrowIfNull(permit);
        if (permit.Length is 0 or > MaxPermitLength)
            throw new ArgumentException($"a permit id has 1 to {MaxPermitLength} characters", nameof(permit));
        return string.Create(permit.Length, permit, static (span, id) =>
        {
            for (var i = 0; i < id.Length; i++)
            {
                var c = id[i];
                span[i] = c switch
                {
                    >= 'a' and <= 'z' or >= '0' and <= '9' or '_' => c,
                    '-' => '_',
                    _ => throw new ArgumentException("a permit id for a workspace is made of a-z, 0-9, '_' and '-'", nameof(permit)),
                };
            }
        });
    }

    /// <summary>The PostgreSQL schema, which is also the name of the permit's login role.</summary>
    public static string Schema(string permit) => Prefix + Suffix(permit);

    /// <summary>The PostgreSQL login role: the same name as the schema, so a role's sessions and its schema are found together.</summary>
    public static string Role(string permit) => Schema(permit);

    /// <summary>The SQLite file's name (no folder).</summary>
    public static string FileName(string permit) => "sdu-ws-" + Suffix(permit) + ".db";

    /// <summary>
    /// Whether <paramref name="table"/> is a name the output check may ask for: <c>[a-z_][a-z0-9_]{0,62}</c>, which
    /// PostgreSQL keeps as it is unquoted and which fits its 63-byte identifiers.
    /// </summary>
    public static bool IsTableName(string? table)
    {
        if (string.IsNullOrEmpty(table) || table.Length > 63)
            return false;
        if (table[0] is not (>= 'a' and <= 'z' or '_'))
            return false;
        foreach (var c in table)
        {
            if (c is not (>= 'a' and <= 'z' or >= '0' and <= '9' or '_'))
                return false;
        }
        return true;
    }

    internal static void RequireTableName(string table)
    {
        if (!IsTableName(table))
            throw new ArgumentException("a workspace table is named [a-z_][a-z0-9_]{0,62}", nameof(table));
    }
}
