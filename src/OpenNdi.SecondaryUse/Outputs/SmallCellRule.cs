using System.Globalization;
using OpenNdi.SecondaryUse.Workspaces;

namespace OpenNdi.SecondaryUse.Outputs;

/// <summary>What an automatic output check found: passed, or every problem (each offending cell, not only the first).</summary>
public sealed record OutputCheck(bool Passed, IReadOnlyList<string> Problems);

/// <summary>
/// The automatic rule an output meets before a reviewer sees it (ADR 0011 §7; EHDS art. 73: only anonymised data
/// leaves the secure processing environment): an aggregate table whose every count is 0 or at least
/// <see cref="Threshold"/>, and no pseudonym column.
/// <para>
/// Why 5: it is the extract's k, so an output is held to the same bar as the data it came from. It sits within the
/// common range of the minimum frequency (threshold) rule of statistical disclosure control: the ESSnet Handbook on
/// Statistical Disclosure Control that Eurostat publishes, and output-checking guidance for secure environments, use
/// thresholds from 3 to 10; Swedish official statistics commonly use 3 to 5. It is configurable, because a body (or
/// a sensitive dataset) may set it higher. A zero is allowed: an empty cell discloses no person. The rule is the
/// first line only; differencing between tables and dominance in magnitude tables are for the reviewer.
/// </para>
/// <para>
/// Count columns are found by name: <c>n</c>, <c>count</c>, or names starting with <c>n_</c> or <c>count_</c>
/// (case-insensitive). A table without one fails rather than passes, so that counts cannot slip through under another
/// name.
/// </para>
/// </summary>
public sealed record SmallCellRule(int Threshold = 5)
{
    /// <summary>The column that holds a person's pseudonym in the extract: microdata, never an output.</summary>
    public const string SubjectColumn = "subject";

    public int Threshold { get; } = Threshold >= 1 ? Threshold : throw new ArgumentOutOfRangeException(nameof(Threshold), Threshold, "the threshold is at least 1");

    /// <summary>Whether a column holds counts, by its name.</summary>
    public static bool IsCountColumn(string column) =>
        column.Equals("n", StringComparison.OrdinalIgnoreCase) || column.Equals("count", StringComparison.OrdinalIgnoreCase)
        || column.StartsWith("n_", StringComparison.OrdinalIgnoreCase) || column.StartsWith("count_", StringComparison.OrdinalIgnoreCase);

    /// <summary>Checks every cell of every count column of <paramref name="table"/>; rows are numbered from 1.</summary>
    public OutputCheck Check(WorkspaceTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        var problems = new List<string>();
        if (table.Columns.Any(c => c.Equals(SubjectColumn, StringComparison.OrdinalIgnoreCase)))
            problems.Add($"the table has a column {SubjectColumn} (a person's pseudonym): outputs are aggregates, not microdata");
        var counts = table.Columns.Select((name, index) => (Name: name, Index: index)).Where(c => IsCountColumn(c.Name)).ToList();
        if (counts.Count == 0)
            problems.Add("the table has no count column: name the count column n or count (or n_… / count_…)");
        for (var row = 0; row < table.Rows.Count; row++)
        {
            var cells = table.Rows[row];
            foreach (var (name, index) in counts)
            {
                var cell = index < cells.Count ? cells[index] : null;
                if (!long.TryParse(cell, NumberStyles.None, CultureInfo.InvariantCulture, out var count))
                    problems.Add($"row {row + 1}, column {name}: {(cell is null ? "empty" : cell)} is not a non-negative integer");
                else if (count > 0 && count < Threshold)
                    problems.Add($"row {row + 1}, column {name}: {count} is below {Threshold}");
            }
        }
        return new OutputCheck(problems.Count == 0, problems);
    }
}
