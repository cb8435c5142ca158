using OpenNdi.SecondaryUse.Catalog;
using OpenNdi.SecondaryUse.Ports;
using static OpenNdi.SecondaryUse.Tests.CatalogExamples;

namespace OpenNdi.SecondaryUse.Tests;

public sealed class CatalogFiguresTests
{
    private static readonly DateOnly Today = new(2026, 6, 15);

    // Ages on 2026-06-15, worked out by hand: Anna turns 76 tomorrow, Cecilia turns 16 today, Xavier (who objects) is 96.
    private static readonly RegisteredPerson Anna = Person("195006169999", new DateOnly(1950, 6, 16));
    private static readonly RegisteredPerson Bertil = Person("199001019999", new DateOnly(1990, 1, 1));
    private static readonly RegisteredPerson Cecilia = Person("201006159999", new DateOnly(2010, 6, 15));
    private static readonly RegisteredPerson Xavier = Person("193001019999", new DateOnly(1930, 1, 1));

    private static HeldRow Row(RegisteredPerson person, int year, int month, int day) => new(person.Id, new DateOnly(year, month, day), "I10");

    [Fact]
    public async Task ComputeAsync_ForAnEventDataset_CountsRecordsIndividualsPeriodAndAgesFromTheRows()
    {
        var dataset = Events("region-x/conditions");
        var holders = new InMemoryHolderData(new()
        {
            [dataset.Id] = [Row(Anna, 2020, 3, 1), Row(Anna, 2021, 5, 5), Row(Bertil, 2019, 1, 10), Row(Cecilia, 2024, 12, 31)],
        });

        var figures = await new CatalogFigures(new InMemoryRegister(Anna, Bertil, Cecilia), holders, new InMemoryObjections())
            .ComputeAsync([dataset], Today, TestContext.Current.CancellationToken);

        Assert.Equal(new DatasetFigures(4, 3, new DateOnly(2019, 1, 10), new DateOnly(2024, 12, 31), 16, 75), figures[dataset.Id]);
    }

    [Fact]
    public async Task ComputeAsync_WhenAPersonObjects_CountsNoneOfTheirRecordsDatesOrAge()
    {
        var dataset = Events("region-x/conditions");
        // Xavier's rows are the earliest and the latest, and he is the oldest: each figure would show him.
        var holders = new InMemoryHolderData(new()
        {
            [dataset.Id] = [Row(Xavier, 1999, 1, 1), Row(Bertil, 2019, 1, 10), Row(Cecilia, 2024, 12, 31), Row(Xavier, 2026, 1, 1)],
        });

        var figures = await new CatalogFigures(new InMemoryRegister(Bertil, Cecilia, Xavier), holders, new InMemoryObjections(Xavier.Id))
            .ComputeAsync([dataset], Today, TestContext.Current.CancellationToken);

        Assert.Equal(new DatasetFigures(2, 2, new DateOnly(2019, 1, 10), new DateOnly(2024, 12, 31), 16, 36), figures[dataset.Id]);
    }

    [Fact]
    public async Task ComputeAsync_ForTheRegister_CountsItsPersonsLessObjectors_WithAgesAndNoDates()
    {
        var register = Register();
        var figures = await new CatalogFigures(new InMemoryRegister(Anna, Bertil, Cecilia, Xavier), new InMemoryHolderData([]),
                new InMemoryObjections(Xavier.Id))
            .ComputeAsync([register], Today, TestContext.Current.CancellationToken);

        Assert.Equal(new DatasetFigures(3, 3, null, null, 16, 75), figures[register.Id]);
    }

    [Fact]
    public async Task ComputeAsync_ReadsEveryDatasetWhole_AndTheRegisterOnce()
    {
        var first = Events("region-x/conditions");
        var second = Events("region-x/medication", theme: "medication");
        var holders = new InMemoryHolderData(new()
        {
            // Rows at the ends of the calendar: only a read of the whole dataset counts them.
            [first.Id] = [Row(Anna, 1, 1, 1), Row(Bertil, 9999, 12, 31)],
            [second.Id] = [Row(Cecilia, 2025, 2, 2)],
        });
        var register = new InMemoryRegister(Anna, Bertil, Cecilia);

        var figures = await new CatalogFigures(register, holders, new InMemoryObjections())
            .ComputeAsync([first, second, Register()], Today, TestContext.Current.CancellationToken);

        Assert.Equal(1, register.Reads);
        Assert.Equal([(first.Id, DateOnly.MinValue, DateOnly.MaxValue), (second.Id, DateOnly.MinValue, DateOnly.MaxValue)], holders.Reads);
        Assert.Equal(2, figures[first.Id].Records);
        Assert.Equal(new DateOnly(1, 1, 1), figures[first.Id].Earliest);
        Assert.Equal(new DateOnly(9999, 12, 31), figures[first.Id].Latest);
        Assert.Equal(3, figures["skatteverket/folkbokforing"].Individuals);
    }

    [Fact]
    public async Task ComputeAsync_ForAnEmptyDataset_CountsZero_WithNoDatesOrAges()
    {
        var dataset = Events("region-x/empty");
        var figures = await new CatalogFigures(new InMemoryRegister(Anna), new InMemoryHolderData([]), new InMemoryObjections())
            .ComputeAsync([dataset], Today, TestContext.Current.CancellationToken);

        Assert.Equal(new DatasetFigures(0, 0, null, null, null, null), figures[dataset.Id]);
    }

    [Fact]
    public async Task ComputeAsync_ForAPersonTheRegisterDoesNotKnow_CountsThemButGivesThemNoAge()
    {
        var dataset = Events("region-x/conditions");
        var holders = new InMemoryHolderData(new() { [dataset.Id] = [Row(Bertil, 2019, 1, 10), new HeldRow("unknown", new DateOnly(2020, 1, 1), null)] });

        var figures = await new CatalogFigures(new InMemoryRegister(Bertil), holders, new InMemoryObjections())
            .ComputeAsync([dataset], Today, TestContext.Current.CancellationToken);

        Assert.Equal(new DatasetFigures(2, 2, new DateOnly(2019, 1, 10), new DateOnly(2020, 1, 1), 36, 36), figures[dataset.Id]);
    }

    [Theory]
    [InlineData("1950-06-16", "2026-06-15", 75)] // the day before the birthday
    [InlineData("1950-06-15", "2026-06-15", 76)] // on the birthday
    [InlineData("2000-02-29", "2025-02-28", 24)] // born on a leap day, common year: not yet on 28 February
    [InlineData("2000-02-29", "2025-03-01", 25)] // … but on 1 March
    [InlineData("2026-06-15", "2026-06-15", 0)]
    public void AgeOn_CountsWholeYears(string birthDate, string day, int age) =>
        Assert.Equal(age, CatalogFigures.AgeOn(DateOnly.Parse(birthDate), DateOnly.Parse(day)));
}
