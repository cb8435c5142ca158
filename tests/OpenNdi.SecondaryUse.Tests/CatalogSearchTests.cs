using OpenNdi.SecondaryUse.Catalog;
using OpenNdi.SecondaryUse.Ports;
using static OpenNdi.SecondaryUse.Tests.CatalogExamples;

namespace OpenNdi.SecondaryUse.Tests;

public sealed class CatalogSearchTests
{
    private static readonly DateOnly Today = new(2026, 6, 15);
    private static readonly DatasetFigures Figures = new(10, 5, null, null, null, null);

    private static CatalogEntry Entry(HeldDataset dataset, DateOnly reviewDue) =>
        new(dataset, Figures, new DateTimeOffset(2025, 1, 2, 9, 0, 0, TimeSpan.FromHours(1)),
            new DateTimeOffset(2025, 1, 2, 9, 0, 0, TimeSpan.FromHours(1)), reviewDue);

    private static readonly CatalogEntry Conditions = Entry(
        Events("region-x/conditions", title: "Diagnoser i öppenvården", description: "Alla diagnoser sedan 2015", holderName: "Region Exempel"),
        new DateOnly(2026, 6, 14));

    private static readonly CatalogEntry Medication = Entry(
        Events("apotek/dispensations", theme: "medication", title: "Expedierade läkemedel", description: "Uttag på apotek",
            holder: "5565555555", holderName: "Apoteksdata AB"),
        new DateOnly(2026, 6, 15));

    private static readonly CatalogEntry Population = Entry(Register(), new DateOnly(2027, 1, 1));

    private static readonly CatalogEntry[] All = [Population, Conditions, Medication];

    private static string[] Titles(IReadOnlyList<CatalogEntry> found) => [.. found.Select(e => e.Dataset.Title)];

    [Fact]
    public void Find_WithNoFilter_ListsEveryEntryByTitle() =>
        Assert.Equal(["Diagnoser i öppenvården", "Expedierade läkemedel", "Folkbokföringen"],
            Titles(CatalogSearch.Find(All, null, null, null, null, Today)));

    [Theory]
    [InlineData("ÖPPENVÅRDEN", "Diagnoser i öppenvården")] // title, whatever the case
    [InlineData("sedan 2015", "Diagnoser i öppenvården")] // description, every word
    [InlineData("apoteksdata", "Expedierade läkemedel")] // holder name
    [InlineData("medication", "Expedierade läkemedel")] // theme code
    [InlineData("Befolkningsuppgifter", "Folkbokföringen")] // theme, Swedish name
    [InlineData("population register", "Folkbokföringen")] // theme, English name
    public void Find_ByText_LooksInTitleDescriptionHolderAndTheme(string text, string title) =>
        Assert.Equal([title], Titles(CatalogSearch.Find(All, text, null, null, null, Today)));

    [Fact]
    public void Find_ByText_WhenOneWordIsNowhere_FindsNothing() =>
        Assert.Empty(CatalogSearch.Find(All, "diagnoser cancer", null, null, null, Today));

    [Fact]
    public void Find_ByThemeAndHolder_KeepsOnlyTheirEntries()
    {
        Assert.Equal(["Expedierade läkemedel"], Titles(CatalogSearch.Find(All, null, "MEDICATION", null, null, Today)));
        Assert.Equal(["Diagnoser i öppenvården"], Titles(CatalogSearch.Find(All, null, null, "SE2321000016-1000", null, Today)));
        Assert.Empty(CatalogSearch.Find(All, null, "medication", "SE2321000016-1000", null, Today));
    }

    [Fact]
    public void Find_OverdueOnly_ListsTheEntriesWhoseReviewDayHasPassed()
    {
        // Conditions were due yesterday; Medication is due today, which is still on time.
        Assert.Equal(["Diagnoser i öppenvården"], Titles(CatalogSearch.Find(All, null, null, null, true, Today)));
        Assert.Equal(["Expedierade läkemedel", "Folkbokföringen"], Titles(CatalogSearch.Find(All, null, null, null, false, Today)));
    }

    [Fact]
    public void ReviewDueAfter_IsTheSameDayAYearLater_AtTheCheckersOffset()
    {
        // 00:30 in Stockholm on 10 March is still 9 March in UTC: the day is the one the holder saw.
        Assert.Equal(new DateOnly(2026, 3, 10), CatalogEntry.ReviewDueAfter(new DateTimeOffset(2025, 3, 10, 0, 30, 0, TimeSpan.FromHours(1))));
        Assert.Equal(new DateOnly(2025, 2, 28), CatalogEntry.ReviewDueAfter(new DateTimeOffset(2024, 2, 29, 12, 0, 0, TimeSpan.Zero)));
    }

    [Fact]
    public void OverdueOn_IsFalseOnTheReviewDay_AndTrueTheDayAfter()
    {
        var entry = Entry(Events("region-x/conditions"), new DateOnly(2026, 3, 10));

        Assert.False(entry.OverdueOn(new DateOnly(2026, 3, 10)));
        Assert.True(entry.OverdueOn(new DateOnly(2026, 3, 11)));
    }
}
