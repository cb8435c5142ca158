using OpenNdi.SecondaryUse.Ports;

namespace OpenNdi.SecondaryUse.Catalog;

/// <summary>
/// A dataset as the national catalogue lists it: the holder's description, the figures computed from the data, and
/// the dates of its yearly check. Holders must check their descriptions at least once a year (EHDS art. 60(2); SOU
/// 2026:6 §2.5), so each check sets <see cref="LastChecked"/>, recomputes the figures and moves <see cref="ReviewDue"/>.
/// </summary>
/// <param name="Published">When the entry was first listed.</param>
/// <param name="LastChecked">When the holder last confirmed the description (and the figures were recomputed).</param>
/// <param name="ReviewDue">The last day the next check is on time; see <see cref="ReviewDueAfter"/>.</param>
public sealed record CatalogEntry(HeldDataset Dataset, DatasetFigures Figures, DateTimeOffset Published, DateTimeOffset LastChecked,
    DateOnly ReviewDue)
{
    /// <summary>Whether the yearly check was missed: the review day has passed (on the day itself it is still on time).</summary>
    public bool OverdueOn(DateOnly today) => today > ReviewDue;

    /// <summary>
    /// One year after a check, on the calendar day of the check at the offset it was recorded with (a check on
    /// 29 February is due on 28 February: early rather than late).
    /// </summary>
    public static DateOnly ReviewDueAfter(DateTimeOffset checkedAt) => DateOnly.FromDateTime(checkedAt.DateTime).AddYears(1);
}

/// <summary>The catalogue's search: free text and facets, as an applicant looks for data before applying.</summary>
public static class CatalogSearch
{
    /// <summary>
    /// The entries matching every filter given, ordered by title (ordinally, ignoring case: the platform runs with
    /// invariant globalisation, so there is no Swedish collation to sort å, ä and ö by), then by id.
    /// </summary>
    /// <param name="text">Words looked for, case-insensitively, in the title, description, holder name and theme (its
    /// code and its Swedish and English names); every word must occur somewhere. Null or blank: no filter.</param>
    /// <param name="theme">A theme code (<see cref="HealthThemes"/>); null: any.</param>
    /// <param name="holder">A holder id; null: any.</param>
    /// <param name="overdueOnly">True: only entries whose yearly check is overdue; false: only those on time; null: both.</param>
    public static IReadOnlyList<CatalogEntry> Find(IEnumerable<CatalogEntry> entries, string? text, string? theme, string? holder,
        bool? overdueOnly, DateOnly today)
    {
        var words = (text ?? "").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        return entries
            .Where(e => string.IsNullOrWhiteSpace(theme) || string.Equals(e.Dataset.Theme, theme.Trim(), StringComparison.OrdinalIgnoreCase))
            .Where(e => string.IsNullOrWhiteSpace(holder) || string.Equals(e.Dataset.Holder, holder.Trim(), StringComparison.OrdinalIgnoreCase))
            .Where(e => overdueOnly is null || e.OverdueOn(today) == overdueOnly)
            .Where(e => words.All(word => Searchable(e).Any(field => field.Contains(word, StringComparison.OrdinalIgnoreCase))))
            .OrderBy(e => e.Dataset.Title, StringComparer.OrdinalIgnoreCase)
            .ThenBy(e => e.Dataset.Id, StringComparer.Ordinal)
            .ToList();
    }

    private static IEnumerable<string> Searchable(CatalogEntry entry)
    {
        yield return entry.Dataset.Title;
        yield return entry.Dataset.Description;
        yield return entry.Dataset.HolderName;
        yield return entry.Dataset.Theme;
        if (HealthThemes.Find(entry.Dataset.Theme) is { } theme)
        {
            yield return theme.NameSv;
            yield return theme.NameEn;
        }
    }
}
