using System.Globalization;
using OpenNdi.SecondaryUse.Domain;
using OpenNdi.SecondaryUse.Preparation;

namespace OpenNdi.SecondaryUse.Tests;

[Trait("Category", "Security")]
public sealed class KAnonymityTests
{
    private static readonly DateOnly March7 = new(1984, 3, 7);
    private static readonly Generalisation Precise = new(BirthDetail.Date, PlaceDetail.Municipality, EventDateDetail.Day);

    /// <summary>Municipalities 0 and 1 (A and B) both lie in region 0.</summary>
    private static QuasiIdentifiers Person(DateOnly birth, int municipality, int sex = 0) => new(birth, sex, municipality, 0);

    private static QuasiIdentifiers[] FiveInAAndOneInB() =>
        [.. Enumerable.Repeat(Person(March7, 0), 5), Person(March7, 1)];

    [Fact]
    public void Enforce_WhenOnePersonIsAloneInAMunicipality_AndNothingMayBeSuppressed_GeneralisesPlaceToRegion()
    {
        // 6 persons, 1 % budget = 0 persons. At (Date, Municipality) the one in B is below 5. Birth one level up
        // (YearMonth) leaves them alone (below: 1); place one level up (Region) puts all six together (below: 0).
        var result = new KAnonymity(5).Enforce(FiveInAAndOneInB(), Precise);

        Assert.Equal(Precise with { Place = PlaceDetail.Region }, result.Applied);
        Assert.Equal(["place: Municipality → Region"], result.GeneralisedBeyondPermit);
        Assert.Empty(result.Suppressed);
        Assert.Equal(1, result.EquivalenceClasses);
        Assert.Equal(6, result.SmallestClass);
        Assert.True(result.KAnonymous);
    }

    [Fact]
    public void Enforce_WhenTheLonePersonIsWithinTheSuppressionBudget_SuppressesThemInsteadOfGeneralising()
    {
        // 20 % of 6 = 1.2, so one person may be suppressed: the one in B (index 5) is, nothing is generalised.
        var result = new KAnonymity(5, SuppressionBudget: 0.2).Enforce(FiveInAAndOneInB(), Precise);

        Assert.Equal(Precise, result.Applied);
        Assert.Empty(result.GeneralisedBeyondPermit);
        Assert.Equal([5], result.Suppressed);
        Assert.Equal(1, result.EquivalenceClasses);
        Assert.Equal(5, result.SmallestClass);
    }

    [Fact]
    public void Enforce_ClimbsTheHierarchyThatLeavesFewerPersonsBelowK()
    {
        // A: 4 born 7 March 1984 and 1 born 20 March 1984; B: 5 born 1 January 1990. Birth to YearMonth makes
        // (1984-03, A) = 5 and (1990-01, B) = 5: nobody below. Place to Region makes (1984-03-07) = 4 and (1984-03-20) = 1:
        // five below. Birth is climbed.
        QuasiIdentifiers[] persons =
        [
            .. Enumerable.Repeat(Person(March7, 0), 4), Person(new DateOnly(1984, 3, 20), 0),
            .. Enumerable.Repeat(Person(new DateOnly(1990, 1, 1), 1), 5),
        ];

        var result = new KAnonymity(5).Enforce(persons, Precise);

        Assert.Equal(Precise with { Birth = BirthDetail.YearMonth }, result.Applied);
        Assert.Equal(["birth: Date → YearMonth"], result.GeneralisedBeyondPermit);
        Assert.Empty(result.Suppressed);
        Assert.Equal(2, result.EquivalenceClasses);
        Assert.Equal(5, result.SmallestClass);
    }

    [Fact]
    public void Enforce_OnATie_ClimbsBirth()
    {
        // A: 4 born 7 March, 1 born 8 March; B: 1 born 7 March. Budget 20 % of 6 = 1. Birth to YearMonth leaves
        // (03, B) = 1 below; place to Region leaves (03-08) = 1 below: a tie, so birth; then 1 ≤ 1: the one in B
        // (index 5) is suppressed.
        QuasiIdentifiers[] persons = [.. Enumerable.Repeat(Person(March7, 0), 4), Person(new DateOnly(1984, 3, 8), 0), Person(March7, 1)];

        var result = new KAnonymity(5, SuppressionBudget: 0.2).Enforce(persons, Precise);

        Assert.Equal(Precise with { Birth = BirthDetail.YearMonth }, result.Applied);
        Assert.Equal([5], result.Suppressed);
        Assert.Equal(1, result.EquivalenceClasses);
        Assert.Equal(5, result.SmallestClass);
    }

    [Fact]
    public void Enforce_WhenOnlySuppressionCanHelp_ClimbsBothHierarchiesToTheTop_ThenSuppresses()
    {
        // Five women and one man, otherwise alike: sex is never generalised, so no level brings the man to five.
        QuasiIdentifiers[] persons = [.. Enumerable.Repeat(Person(March7, 0, sex: 1), 5), Person(March7, 0, sex: 2)];

        var result = new KAnonymity(5).Enforce(persons, new Generalisation(BirthDetail.Year, PlaceDetail.Region, EventDateDetail.Month));

        Assert.Equal(new Generalisation(BirthDetail.TenYearBand, PlaceDetail.Country, EventDateDetail.Month), result.Applied);
        Assert.Equal(["birth: Year → TenYearBand", "place: Region → Country"], result.GeneralisedBeyondPermit);
        Assert.Equal([5], result.Suppressed);
        Assert.Equal(1, result.EquivalenceClasses);
        Assert.Equal(5, result.SmallestClass);
    }

    [Fact]
    public void Enforce_WithPlaceNotReleased_NeitherCountsNorClimbsPlace()
    {
        var result = new KAnonymity(5, Released: ReleasedQuasiIdentifiers.Birth | ReleasedQuasiIdentifiers.Sex).Enforce(FiveInAAndOneInB(), Precise);

        Assert.Equal(Precise, result.Applied);
        Assert.Empty(result.Suppressed);
        Assert.Equal(1, result.EquivalenceClasses);
        Assert.Equal(6, result.SmallestClass);
    }

    [Fact]
    public void Enforce_FromSuppressedBirth_NeverClimbsBirth()
    {
        var permit = Precise with { Birth = BirthDetail.Suppressed };
        QuasiIdentifiers[] persons = [.. Enumerable.Repeat(Person(March7, 0), 5), Person(new DateOnly(1950, 1, 1), 1)];

        var result = new KAnonymity(5).Enforce(persons, permit);

        Assert.Equal(permit with { Place = PlaceDetail.Region }, result.Applied);
        Assert.Equal(["place: Municipality → Region"], result.GeneralisedBeyondPermit);
    }

    [Fact]
    public void Measure_ReportsTheClassesAtThePermitsLevels_AndChangesNothing()
    {
        var result = new KAnonymity(5).Measure(FiveInAAndOneInB(), Precise);

        Assert.Equal(Precise, result.Applied);
        Assert.Empty(result.GeneralisedBeyondPermit);
        Assert.Empty(result.Suppressed);
        Assert.Equal(2, result.EquivalenceClasses);
        Assert.Equal(1, result.SmallestClass);
        Assert.False(result.KAnonymous);
    }

    [Fact]
    public void Enforce_OnNoPersons_FindsNoClass()
    {
        var result = new KAnonymity(5).Enforce([], Precise);

        Assert.Equal(Precise, result.Applied);
        Assert.Equal(0, result.EquivalenceClasses);
        Assert.Equal(0, result.SmallestClass);
        Assert.True(result.KAnonymous);
    }

    [Fact]
    public void KAnonymity_RefusesKBelowOne_AndABudgetOutsideZeroToOne()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new KAnonymity(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new KAnonymity(5, SuppressionBudget: 1.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => new KAnonymity(5).Enforce([new QuasiIdentifiers(March7, 256, 0, 0)], Precise));
    }

    [Theory]
    [InlineData(1, 2, BirthDetail.Date, PlaceDetail.Municipality)]
    [InlineData(2, 5, BirthDetail.Date, PlaceDetail.Municipality)]
    [InlineData(3, 5, BirthDetail.Year, PlaceDetail.Municipality)]
    [InlineData(4, 10, BirthDetail.YearMonth, PlaceDetail.Region)]
    [InlineData(5, 5, BirthDetail.FiveYearBand, PlaceDetail.Country)]
    [InlineData(6, 50, BirthDetail.Date, PlaceDetail.Municipality)]
    public void Enforce_OnRandomPersons_LeavesEveryClassWithAtLeastKPersons(int seed, int k, BirthDetail birth, PlaceDetail place)
    {
        var random = new Random(seed);
        var persons = Enumerable.Range(0, 5_000).Select(_ =>
        {
            var municipality = random.Next(0, 290);
            return new QuasiIdentifiers(new DateOnly(1930, 1, 1).AddDays(random.Next(0, 33_000)), random.Next(1, 3), municipality, municipality / 14);
        }).ToArray();
        var permit = new Generalisation(birth, place, EventDateDetail.Day);
        const double budget = 0.01;

        var result = new KAnonymity(k, budget).Enforce(persons, permit);

        // The classes recomputed here from the texts the workspace would hold, not from the check's own keys.
        string Class(QuasiIdentifiers p) => $"{Generalising.Birth(p.BirthDate, result.Applied.Birth)}|{p.Sex}|"
            + Generalising.Place(p.Municipality.ToString("D4", CultureInfo.InvariantCulture), p.Region.ToString("D2", CultureInfo.InvariantCulture), result.Applied.Place);
        var all = persons.Select((p, i) => (Class: Class(p), Index: i)).GroupBy(x => x.Class).ToList();
        var small = all.Where(g => g.Count() < k).SelectMany(g => g.Select(x => x.Index)).Order().ToList();
        var kept = all.Where(g => g.Count() >= k).ToList();
        Assert.Equal(small, result.Suppressed);
        Assert.All(persons.Where((_, i) => !result.Suppressed.Contains(i)).GroupBy(Class), g => Assert.True(g.Count() >= k, $"class {g.Key} holds {g.Count()}"));
        Assert.Equal(kept.Count, result.EquivalenceClasses);
        Assert.Equal(kept.Min(g => g.Count()), result.SmallestClass);
        var atTop = result.Applied.Birth == BirthDetail.TenYearBand && result.Applied.Place == PlaceDetail.Country;
        Assert.True(atTop || result.Suppressed.Count <= (int)(persons.Length * budget), $"{result.Suppressed.Count} suppressed below the top");
        Assert.True(result.Applied.Birth >= permit.Birth && result.Applied.Place >= permit.Place);
    }
}
