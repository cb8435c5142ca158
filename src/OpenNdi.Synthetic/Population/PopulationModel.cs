using OpenNdi.Core.Identifiers;
using OpenNdi.Core.Population;
using OpenNdi.Synthetic.Geography;

namespace OpenNdi.Synthetic.Population;

/// <summary>
/// Derives person <c>i</c> of a population from the seed alone: identity number, name, address and guardians.
/// Nothing is remembered between persons, so a population of any size is generated in constant memory and in
/// parallel. Households come from the same trick: a minor's guardians are found again by recomputing adults
/// born 20–45 years earlier.
/// </summary>
public sealed class PopulationModel
{
    /// <summary>Share of persons identified by samordningsnummer (coordination number) rather than personnummer.</summary>
    private const double CoordinationNumberShare = 0.015;

    /// <summary>Share of minors with one registered guardian rather than two.</summary>
    private const double SingleGuardianShare = 0.2;

    /// <summary>Age of majority: guardianship ends at 18 (Föräldrabalken 6 kap. 2 §).</summary>
    public const int AgeOfMajority = 18;

    private enum Stream : ulong { Identity = 1, Name, Address, Mother, Household }

    private readonly ulong _seed;
    private readonly BirthCalendar _calendar;
    private readonly double[] _municipalityCumulative;

    public PopulationModel(SeedOptions options)
    {
        _seed = options.Seed;
        ReferenceDate = options.ReferenceDate;
        _calendar = new BirthCalendar(options.Persons, options.ReferenceDate);
        var municipalities = SwedishGeography.Municipalities;
        _municipalityCumulative = new double[municipalities.Count];
        double total = municipalities.Sum(m => (double)m.Population), running = 0;
        for (var i = 0; i < municipalities.Count; i++)
        {
            running += municipalities[i].Population;
            _municipalityCumulative[i] = running / total;
        }
    }

    public DateOnly ReferenceDate { get; }

    public long Count => _calendar.Persons;

    public SyntheticPerson PersonAt(long index)
    {
        var id = IdentityOf(index);
        var isMinor = BirthCalendar.AgeOn(id.BirthDate, ReferenceDate) < AgeOfMajority;
        var guardians = isMinor ? GuardianIndexes(index, id.BirthDate) : [];
        var names = DeterministicRandom.For(_seed, (ulong)index, (ulong)Stream.Name);
        var givenName = names.Pick(id.Sex == Sex.Male ? SwedishNames.MaleGivenNames : SwedishNames.FemaleGivenNames);
        if (names.Chance(0.3))
            givenName += " " + names.Pick(id.Sex == Sex.Male ? SwedishNames.MaleGivenNames : SwedishNames.FemaleGivenNames);
        // A minor lives with, and is named after, the first guardian's household.
        var household = guardians.Length > 0 ? guardians[0] : index;
        var person = new Person(id, givenName, FamilyNameOf(household), id.Sex, AddressOf(household));
        return new SyntheticPerson(index, person, [.. guardians.Select(IdentityOf)]);
    }

    /// <summary>The identity number of person <paramref name="index"/>: birth date from the calendar, a birth number unique for that date.</summary>
    public PersonalIdentityNumber IdentityOf(long index)
    {
        var (birthDate, day, position) = _calendar.Locate(index);
        var coordination = DeterministicRandom.For(_seed, (ulong)index, (ulong)Stream.Identity).Chance(CoordinationNumberShare);
        return PersonalIdentityNumber.Create(birthDate, BirthNumber(day, position), coordination);
    }

    /// <summary>
    /// An affine permutation of 1..999 per birth date (a coprime to 999), so that birth numbers of one day are unique
    /// but scattered, and the sex they encode (odd = male) is mixed.
    /// </summary>
    private int BirthNumber(int day, int position)
    {
        var hash = DeterministicRandom.Hash(_seed, (ulong)day, 0xB1B1);
        var a = Coprimes999[(int)(hash % (ulong)Coprimes999.Length)];
        var c = (int)((hash >> 20) % BirthCalendar.MaxPerDay);
        return (int)(((long)a * position + c) % BirthCalendar.MaxPerDay) + 1;
    }

    private static readonly int[] Coprimes999 = [.. Enumerable.Range(100, 800).Where(n => n % 3 != 0 && n % 37 != 0)];

    private Sex SexOf(long index) => IdentityOf(index).Sex;

    private long[] GuardianIndexes(long child, DateOnly birthDate)
    {
        var motherStream = DeterministicRandom.For(_seed, (ulong)child, (ulong)Stream.Mother);
        var mother = FindInRange(birthDate.AddYears(-45), birthDate.AddYears(-20), Sex.Female, motherStream);
        if (mother is not { } m)
            return [];
        // Everything about the household hangs on the mother, so siblings get the same father and the same set-up.
        var household = DeterministicRandom.For(_seed, (ulong)m, (ulong)Stream.Household);
        if (household.Chance(SingleGuardianShare))
            return [m];
        var motherBirth = _calendar.Locate(m).BirthDate;
        // Fathers are the mother's age or up to six years older, so both guardians are adults (20+) at every birth.
        var father = FindInRange(motherBirth.AddYears(-6), motherBirth.AddDays(1), Sex.Male, household);
        return father is { } f ? [m, f] : [m];
    }

    private long? FindInRange(DateOnly from, DateOnly toExclusive, Sex sex, DeterministicRandom random)
    {
        var (start, end) = _calendar.Range(from, toExclusive);
        if (end <= start)
            return null;
        var candidate = start + random.NextLong(end - start);
        for (var step = 0; step < 64; step++)
        {
            var index = start + (candidate - start + step) % (end - start);
            if (SexOf(index) == sex)
                return index;
        }
        return null;
    }

    private string FamilyNameOf(long index)
    {
        var random = DeterministicRandom.For(_seed, (ulong)index, (ulong)Stream.Name, 2);
        // Surnames are heavily skewed (the ten commonest cover about 10 % of Swedes): squaring biases to the top of the list.
        var u = random.NextDouble();
        return SwedishNames.Surnames[(int)(u * u * SwedishNames.Surnames.Count)];
    }

    private Address AddressOf(long index)
    {
        var random = DeterministicRandom.For(_seed, (ulong)index, (ulong)Stream.Address);
        var position = Array.BinarySearch(_municipalityCumulative, random.NextDouble());
        var municipality = SwedishGeography.Municipalities[position < 0 ? Math.Min(~position, _municipalityCumulative.Length - 1) : position];
        var street = random.Pick(SwedishNames.StreetNameStems) + random.Pick(SwedishNames.StreetNameSuffixes);
        var number = 1 + (int)(Math.Pow(random.NextDouble(), 2) * 80);
        var postalCode = $"{municipality.PostalPrefix} {random.Next(10, 100):D2}";
        return new Address($"{street} {number}", postalCode, municipality.MainLocality, municipality.Code, municipality.RegionCode);
    }
}
