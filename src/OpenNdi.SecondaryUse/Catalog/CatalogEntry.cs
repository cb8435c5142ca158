using OpenNdi.SecondaryUse.Ports;

namespace OpenNdi.SecondaryUse.Catalog;

// Placeholder with the agreed signature; the catalogue's own implementation replaces this file.
public sealed record DatasetFigures(long Records, long Individuals, DateOnly? Earliest, DateOnly? Latest, int? MinAge, int? MaxAge);

public sealed record CatalogEntry(HeldDataset Dataset, DatasetFigures Figures, DateTimeOffset Published, DateTimeOffset LastChecked, DateOnly ReviewDue)
{
    public bool OverdueOn(DateOnly today) => today > ReviewDue;

    public static DateOnly ReviewDueAfter(DateTimeOffset checkedAt) => DateOnly.FromDateTime(checkedAt.UtcDateTime).AddYears(1);
}
