using System.Globalization;
using OpenNdi.SecondaryUse.Domain;

namespace OpenNdi.SecondaryUse.Preparation;

/// <summary>
/// The quasi-identifiers as text at a level of their hierarchy: what reaches the workspace. Pure functions, so that
/// the k-anonymity check and the extract agree on what one level means. Bands are aligned to the calendar (1980–1984,
/// 1980–1989) rather than to the person's age, so that one band is the same in every extract and across years.
/// </summary>
public static class Generalising
{
    /// <summary>The country code written when the place is generalised to the whole country.</summary>
    public const string Country = "SE";

    /// <summary>"1984-03-07", "1984-03", "1984", "1980-1984", "1980-1989", or null when the birth date is suppressed.</summary>
    public static string? Birth(DateOnly date, BirthDetail detail) => detail switch
    {
        BirthDetail.Date => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        BirthDetail.YearMonth => date.ToString("yyyy-MM", CultureInfo.InvariantCulture),
        BirthDetail.Year => date.ToString("yyyy", CultureInfo.InvariantCulture),
        BirthDetail.FiveYearBand => Band(date.Year, 5),
        BirthDetail.TenYearBand => Band(date.Year, 10),
        BirthDetail.Suppressed => null,
        _ => throw new ArgumentOutOfRangeException(nameof(detail), detail, null),
    };

    /// <summary>The municipality code (kommunkod), the region code (länskod), or <see cref="Country"/>.</summary>
    public static string Place(string municipality, string region, PlaceDetail detail) => detail switch
    {
        PlaceDetail.Municipality => municipality,
        PlaceDetail.Region => region,
        PlaceDetail.Country => Country,
        _ => throw new ArgumentOutOfRangeException(nameof(detail), detail, null),
    };

    /// <summary>"2024-05-02", "2024-05" or "2024".</summary>
    public static string EventDate(DateOnly date, EventDateDetail detail) => detail switch
    {
        EventDateDetail.Day => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        EventDateDetail.Month => date.ToString("yyyy-MM", CultureInfo.InvariantCulture),
        EventDateDetail.Year => date.ToString("yyyy", CultureInfo.InvariantCulture),
        _ => throw new ArgumentOutOfRangeException(nameof(detail), detail, null),
    };

    private static string Band(int year, int width)
    {
        var first = year - year % width;
        return string.Create(CultureInfo.InvariantCulture, $"{first:D4}-{first + width - 1:D4}");
    }
}
