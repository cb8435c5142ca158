using OpenNdi.SecondaryUse.Domain;
using OpenNdi.SecondaryUse.Preparation;

namespace OpenNdi.SecondaryUse.Tests;

public sealed class PreparationGeneralisingTests
{
    [Theory]
    [InlineData(BirthDetail.Date, "1984-03-07")]
    [InlineData(BirthDetail.YearMonth, "1984-03")]
    [InlineData(BirthDetail.Year, "1984")]
    [InlineData(BirthDetail.FiveYearBand, "1980-1984")]
    [InlineData(BirthDetail.TenYearBand, "1980-1989")]
    [InlineData(BirthDetail.Suppressed, null)]
    public void Birth_AtEachLevel_IsItsText(BirthDetail detail, string? expected) =>
        Assert.Equal(expected, Generalising.Birth(new DateOnly(1984, 3, 7), detail));

    [Theory]
    [InlineData(1980, BirthDetail.FiveYearBand, "1980-1984")]
    [InlineData(1985, BirthDetail.FiveYearBand, "1985-1989")]
    [InlineData(1989, BirthDetail.FiveYearBand, "1985-1989")]
    [InlineData(1989, BirthDetail.TenYearBand, "1980-1989")]
    [InlineData(1990, BirthDetail.TenYearBand, "1990-1999")]
    [InlineData(2009, BirthDetail.TenYearBand, "2000-2009")]
    public void Birth_InABand_IsTheCalendarBandHoldingTheYear(int year, BirthDetail detail, string expected) =>
        Assert.Equal(expected, Generalising.Birth(new DateOnly(year, 12, 31), detail));

    [Theory]
    [InlineData(PlaceDetail.Municipality, "0180")]
    [InlineData(PlaceDetail.Region, "01")]
    [InlineData(PlaceDetail.Country, "SE")]
    public void Place_AtEachLevel_IsItsCode(PlaceDetail detail, string expected) =>
        Assert.Equal(expected, Generalising.Place("0180", "01", detail));

    [Theory]
    [InlineData(EventDateDetail.Day, "2024-05-02")]
    [InlineData(EventDateDetail.Month, "2024-05")]
    [InlineData(EventDateDetail.Year, "2024")]
    public void EventDate_AtEachLevel_IsItsText(EventDateDetail detail, string expected) =>
        Assert.Equal(expected, Generalising.EventDate(new DateOnly(2024, 5, 2), detail));
}
