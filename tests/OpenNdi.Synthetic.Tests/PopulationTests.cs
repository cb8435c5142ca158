using OpenNdi.Core.Identifiers;
using OpenNdi.Synthetic;
using OpenNdi.Synthetic.Population;

namespace OpenNdi.Synthetic.Tests;

public class PopulationTests
{
    private static readonly SeedOptions Options = new(5_000, 20, 11, SeedOptions.DefaultReferenceDate);

    private static List<SyntheticPerson> Everyone()
    {
        var model = new PopulationModel(Options);
        return [.. Enumerable.Range(0, (int)Options.Persons).Select(i => model.PersonAt(i))];
    }

    [Fact]
    public void PersonAt_EveryIdentityNumber_ValidatesAndIsUnique()
    {
        var persons = Everyone();

        foreach (var person in persons)
        {
            Assert.True(PersonalIdentityNumber.TryParse(person.Person.Id.Value, Options.ReferenceDate, out var parsed, out var error), error);
            Assert.Equal(person.Person.Id, parsed);
            Assert.Equal(person.Person.Sex, parsed.Sex);
        }
        Assert.Equal(persons.Count, persons.Select(p => p.Person.Id.Value).Distinct().Count());
    }

    [Fact]
    public void PersonAt_SomePersons_HaveCoordinationNumbers()
    {
        var share = Everyone().Count(p => p.Person.Id.IsCoordinationNumber) / (double)Options.Persons;

        Assert.InRange(share, 0.005, 0.03);
    }

    [Fact]
    public void PersonAt_AgesFollowTheSwedishPyramid()
    {
        var ages = Everyone().Select(p => p.AgeOn(Options.ReferenceDate)).ToList();

        // SCB 2023: about 20 % are 65 or older, about 21 % under 18, and almost nobody is over 100.
        Assert.InRange(ages.Count(a => a >= 65) / (double)ages.Count, 0.17, 0.24);
        Assert.InRange(ages.Count(a => a < 18) / (double)ages.Count, 0.18, 0.24);
        Assert.True(ages.Max() <= 104);
        Assert.InRange(ages.Count(a => a >= 90) / (double)ages.Count, 0.002, 0.02);
    }

    [Fact]
    public void PersonAt_Minors_HaveAdultGuardiansFromThePopulationAndShareTheirAddress()
    {
        var persons = Everyone();
        var byId = persons.ToDictionary(p => p.Person.Id);
        var minors = persons.Where(p => p.AgeOn(Options.ReferenceDate) < PopulationModel.AgeOfMajority).ToList();

        Assert.All(minors, minor => Assert.InRange(minor.Guardians.Count, 1, 2));
        foreach (var minor in minors)
        {
            var guardians = minor.Guardians.Select(g => byId[g]).ToList();
            Assert.All(guardians, g => Assert.InRange(g.AgeOn(minor.Person.BirthDate), 20, 45 + 6));
            Assert.Equal(guardians[0].Person.Address, minor.Person.Address);
            Assert.Equal(guardians[0].Person.FamilyName, minor.Person.FamilyName);
            if (guardians.Count == 2)
                Assert.NotEqual(guardians[0].Person.Sex, guardians[1].Person.Sex);
        }
        Assert.InRange(minors.Count(m => m.Guardians.Count == 1) / (double)minors.Count, 0.1, 0.3);
    }

    [Fact]
    public void PersonAt_Adults_HaveNoGuardians()
    {
        Assert.All(Everyone().Where(p => p.AgeOn(Options.ReferenceDate) >= 18), adult => Assert.Empty(adult.Guardians));
    }

    [Fact]
    public void PersonAt_AddressesAreInRealMunicipalitiesWeightedByPopulation()
    {
        var persons = Everyone();
        var municipalities = Geography.SwedishGeography.Municipalities.ToDictionary(m => m.Code);

        Assert.All(persons, p =>
        {
            var municipality = municipalities[p.Person.Address.MunicipalityCode];
            Assert.Equal(municipality.RegionCode, p.Person.Address.RegionCode);
            Assert.Matches(@"^\d{3} \d{2}$", p.Person.Address.PostalCode);
        });
        // Stockholm (0180) holds about 9 % of Swedes; a small municipality far less.
        Assert.InRange(persons.Count(p => p.Person.Address.MunicipalityCode == "0180") / (double)persons.Count, 0.06, 0.12);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(1_000)]
    [InlineData(123_457)]
    public void BirthCalendar_DayCountsAddUpAndLocateIsConsistent(long persons)
    {
        var calendar = new BirthCalendar(persons, SeedOptions.DefaultReferenceDate);

        Assert.Equal(persons, calendar.Persons);
        long previous = -1;
        foreach (var index in new[] { 0L, persons / 3, persons / 2, persons - 1 }.Distinct())
        {
            var (birthDate, _, position) = calendar.Locate(index);
            var (start, end) = calendar.Range(birthDate, birthDate.AddDays(1));
            Assert.InRange(index, start, end - 1);
            Assert.Equal(index - start, position);
            Assert.True(index > previous);
            previous = index;
        }
    }

    [Fact]
    public void SeedOptions_WhenOutOfRange_SayWhatIsWrong()
    {
        Assert.Contains("persons", new SeedOptions(0, 1, 1, SeedOptions.DefaultReferenceDate).Validate());
        Assert.Contains("25,000,000", new SeedOptions(30_000_000, 1, 1, SeedOptions.DefaultReferenceDate).Validate());
        Assert.Contains("providers", new SeedOptions(10, 0, 1, SeedOptions.DefaultReferenceDate).Validate());
        Assert.Contains("history", new SeedOptions(10, 1, 1, SeedOptions.DefaultReferenceDate, 0).Validate());
        Assert.Null(new SeedOptions(10, 1, 1, SeedOptions.DefaultReferenceDate).Validate());
    }
}
