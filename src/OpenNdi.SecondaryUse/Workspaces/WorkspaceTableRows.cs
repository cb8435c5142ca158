using System.Data.Common;
using OpenNdi.Data;

namespace OpenNdi.SecondaryUse.Workspaces;

/// <summary>The rows of a workspace table as text, read the same way on both backends for the output check.</summary>
internal static class WorkspaceTableRows
{
    /// <summary>Every row <paramref name="command"/> answers, each of <paramref name="columns"/> values as text or null.</summary>
    public static async Task<List<IReadOnlyList<string?>>> ReadAsync(DbCommand command, int columns, CancellationToken cancellationToken)
    {
        var rows = new List<IReadOnlyList<string?>>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var row = new string?[columns];
            for (var i = 0; i < row.Length; i++)
                row[i] = reader.GetNullableString(i);
            rows.Add(row);
        }
        return rows;
    }
}
