using System.Runtime.InteropServices;
using OpenNdi.SecondaryUse.Domain;

namespace OpenNdi.SecondaryUse.Preparation;

/// <summary>
/// One person's quasi-identifiers, compact: the birth date, and sex, municipality and region as small ids the caller
/// assigns (one id per distinct code; a municipality's id need not relate to its region's). Ids, not strings, so that
/// a million persons fit in one array and a class is one <see cref="long"/>.
/// </summary>
/// <param name="Sex">0–255.</param>
/// <param name="Municipality">0 to 2^24 − 1.</param>
/// <param name="Region">0 to 2^24 − 1.</param>
public readonly record struct QuasiIdentifiers(DateOnly BirthDate, int Sex, int Municipality, int Region);

/// <summary>The quasi-identifiers an extract releases (the approved person variables); the others are not in any class key and never climbed.</summary>
[Flags]
public enum ReleasedQuasiIdentifiers
{
    None = 0,
    Birth = 1,
    Sex = 2,
    Place = 4,
    All = Birth | Sex | Place,
}

/// <summary>What a k-anonymity check found or did.</summary>
/// <param name="Applied">The generalisation the persons' quasi-identifiers are written at.</param>
/// <param name="GeneralisedBeyondPermit">Each quasi-identifier generalised further than the permit asked, as "birth: Year → FiveYearBand".</param>
/// <param name="Suppressed">Indexes, ascending, of the persons left out because their class stayed below k.</param>
/// <param name="EquivalenceClasses">Classes of the persons kept (distinct combinations of the released quasi-identifiers at <paramref name="Applied"/>).</param>
/// <param name="SmallestClass">The smallest of those classes; 0 when no person is kept.</param>
/// <param name="KAnonymous">Whether every class kept holds at least k persons.</param>
public sealed record KAnonymityResult(
    Generalisation Applied,
    IReadOnlyList<string> GeneralisedBeyondPermit,
    int K,
    IReadOnlyList<int> Suppressed,
    long EquivalenceClasses,
    int SmallestClass,
    bool KAnonymous);

/// <summary>
/// k-anonymity on the released quasi-identifiers (ADR 0011 §7; Sweeney 2002): every combination of birth, sex and
/// place that reaches the workspace is shared by at least <see cref="K"/> persons.
/// <para>
/// <see cref="Enforce"/> finds the least generalisation that gets there, by full-domain generalisation along two
/// hierarchies (birth: Date → YearMonth → Year → FiveYearBand → TenYearBand; place: Municipality → Region → Country)
/// starting from the permit's levels, and then suppresses the few persons still in small classes (Samarati's
/// generalisation with a suppression threshold). The search is greedy rather than optimal (Incognito, Flash): at each
/// step it climbs the hierarchy whose next level leaves the fewest persons in classes below k; on a tie it climbs
/// birth, whose steps are finer (five levels against three), so one step loses less. The lattice has at most 5 × 3
/// nodes and a path through it at most six steps, each costing two counts; the path is deterministic, so the same
/// data always gets the same extract. It stops when the persons below k are within the suppression budget, or
/// when both hierarchies are at the top. Birth is never climbed to Suppressed: dropping a variable is the reviewer's
/// decision, not the algorithm's.
/// </para>
/// <para>
/// A class is a <see cref="long"/> packing the birth key (32 bits), sex (8) and place (24), counted in one
/// <see cref="Dictionary{TKey, TValue}"/> over an array of structs: a million persons take a few counting passes of
/// tens of milliseconds each.
/// </para>
/// </summary>
/// <param name="SuppressionBudget">The share of persons that may be suppressed instead of generalising further. 1 % by default, because suppressing a few outliers loses less than one more level of generalisation for everyone. Configurable.</param>
/// <param name="Released">The quasi-identifiers the extract carries.</param>
public sealed record KAnonymity(int K = 5, double SuppressionBudget = KAnonymity.DefaultSuppressionBudget, ReleasedQuasiIdentifiers Released = ReleasedQuasiIdentifiers.All)
{
    public const double DefaultSuppressionBudget = 0.01;

    private const int PlaceLimit = 1 << 24;

    public int K { get; } = K >= 1 ? K : throw new ArgumentOutOfRangeException(nameof(K), K, "k is at least 1");

    public double SuppressionBudget { get; } = SuppressionBudget is >= 0 and <= 1
        ? SuppressionBudget : throw new ArgumentOutOfRangeException(nameof(SuppressionBudget), SuppressionBudget, "the suppression budget is a share of the persons, from 0 to 1");

    /// <summary>Generalises beyond <paramref name="permit"/> and suppresses until every class kept holds at least k persons (the anonymised form).</summary>
    public KAnonymityResult Enforce(ReadOnlySpan<QuasiIdentifiers> persons, Generalisation permit)
    {
        ArgumentNullException.ThrowIfNull(permit);
        Validate(persons);
        var counts = new Dictionary<long, int>(Math.Min(persons.Length, 1 << 16), MixedKeys.Instance);
        var budget = (long)Math.Floor(persons.Length * SuppressionBudget);
        var birth = permit.Birth;
        var place = permit.Place;
        var below = Below(persons, birth, place, counts);
        while (below > budget)
        {
            var birthCanClimb = Releases(ReleasedQuasiIdentifiers.Birth) && birth < BirthDetail.TenYearBand;
            var placeCanClimb = Releases(ReleasedQuasiIdentifiers.Place) && place < PlaceDetail.Country;
            if (!birthCanClimb && !placeCanClimb)
                break;
            var belowIfBirth = birthCanClimb ? Below(persons, birth + 1, place, counts) : long.MaxValue;
            var belowIfPlace = placeCanClimb ? Below(persons, birth, place + 1, counts) : long.MaxValue;
            if (belowIfBirth <= belowIfPlace)
                (birth, below) = (birth + 1, belowIfBirth);
            else
                (place, below) = (place + 1, belowIfPlace);
        }

        Count(persons, birth, place, counts);
        var suppressed = new List<int>();
        for (var i = 0; i < persons.Length; i++)
        {
            if (counts[Key(persons[i], birth, place)] < K)
                suppressed.Add(i);
        }
        var (classes, smallest) = Classes(counts, K);
        var beyond = new List<string>();
        if (birth != permit.Birth)
            beyond.Add($"birth: {permit.Birth} → {birth}");
        if (place != permit.Place)
            beyond.Add($"place: {permit.Place} → {place}");
        return new KAnonymityResult(permit with { Birth = birth, Place = place }, beyond, K, suppressed, classes, smallest, smallest >= K || classes == 0);
    }

    /// <summary>Measures the classes at <paramref name="permit"/>'s levels without changing anything (the pseudonymised form, where k is reported, not enforced).</summary>
    public KAnonymityResult Measure(ReadOnlySpan<QuasiIdentifiers> persons, Generalisation permit)
    {
        ArgumentNullException.ThrowIfNull(permit);
        Validate(persons);
        var counts = new Dictionary<long, int>(Math.Min(persons.Length, 1 << 16), MixedKeys.Instance);
        Count(persons, permit.Birth, permit.Place, counts);
        var (classes, smallest) = Classes(counts, 0);
        return new KAnonymityResult(permit, [], K, [], classes, smallest, smallest >= K || classes == 0);
    }

    private bool Releases(ReleasedQuasiIdentifiers identifier) => (Released & identifier) != 0;

    /// <summary>The persons in classes below k at these levels (the counts are left in <paramref name="counts"/>).</summary>
    private long Below(ReadOnlySpan<QuasiIdentifiers> persons, BirthDetail birth, PlaceDetail place, Dictionary<long, int> counts)
    {
        Count(persons, birth, place, counts);
        long below = 0;
        foreach (var size in counts.Values)
        {
            if (size < K)
                below += size;
        }
        return below;
    }

    private void Count(ReadOnlySpan<QuasiIdentifiers> persons, BirthDetail birth, PlaceDetail place, Dictionary<long, int> counts)
    {
        counts.Clear();
        foreach (ref readonly var person in persons)
            CollectionsMarshal.GetValueRefOrAddDefault(counts, Key(person, birth, place), out _)++;
    }

    /// <summary>The classes of at least <paramref name="minimum"/> persons, and the smallest of them (0 when none).</summary>
    private static (long Classes, int Smallest) Classes(Dictionary<long, int> counts, int minimum)
    {
        long classes = 0;
        var smallest = int.MaxValue;
        foreach (var size in counts.Values)
        {
            if (size < minimum)
                continue;
            classes++;
            smallest = Math.Min(smallest, size);
        }
        return (classes, classes == 0 ? 0 : smallest);
    }

    private long Key(in QuasiIdentifiers person, BirthDetail birth, PlaceDetail place)
    {
        long birthKey = !Releases(ReleasedQuasiIdentifiers.Birth) ? 0 : birth switch
        {
            BirthDetail.Date => person.BirthDate.DayNumber,
            BirthDetail.YearMonth => person.BirthDate.Year * 12 + person.BirthDate.Month,
            BirthDetail.Year => person.BirthDate.Year,
            BirthDetail.FiveYearBand => person.BirthDate.Year / 5,
            BirthDetail.TenYearBand => person.BirthDate.Year / 10,
            _ => 0,
        };
        long sexKey = Releases(ReleasedQuasiIdentifiers.Sex) ? person.Sex : 0;
        long placeKey = !Releases(ReleasedQuasiIdentifiers.Place) ? 0 : place switch
        {
            PlaceDetail.Municipality => person.Municipality,
            PlaceDetail.Region => person.Region,
            _ => 0,
        };
        return (birthKey << 32) | (sexKey << 24) | placeKey;
    }

    /// <summary>
    /// Hashes a class key by all its bits. <see cref="long.GetHashCode"/> folds the high half onto the low one with XOR,
    /// and the halves here are small numbers (a year-month and a municipality id): a million classes would share a few
    /// thousand hash codes and the counting would crawl through collision chains. Fibonacci hashing (Knuth, TAOCP 6.4)
    /// spreads them.
    /// </summary>
    private sealed class MixedKeys : IEqualityComparer<long>
    {
        public static readonly MixedKeys Instance = new();

        public bool Equals(long x, long y) => x == y;

        public int GetHashCode(long key) => (int)((ulong)key * 0x9E3779B97F4A7C15UL >> 32);
    }

    private static void Validate(ReadOnlySpan<QuasiIdentifiers> persons)
    {
        for (var i = 0; i < persons.Length; i++)
        {
            var person = persons[i];
            if (person.Sex is < 0 or > 255 || person.Municipality is < 0 or >= PlaceLimit || person.Region is < 0 or >= PlaceLimit)
                throw new ArgumentOutOfRangeException(nameof(persons), $"person {i}: sex ids are 0–255, municipality and region ids 0–{PlaceLimit - 1}");
        }
    }
}
