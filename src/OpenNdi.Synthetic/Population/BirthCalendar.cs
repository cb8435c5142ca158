namespace OpenNdi.Synthetic.Population;

/// <summary>
/// Lays out N persons over birth dates so that the ages follow <see cref="AgePyramid"/> and every person has a
/// unique identity number, without keeping anything per person: person i is born on the day whose cumulative
/// share of the population first exceeds i / N, and is the k-th person of that day. Day counts come from
/// rounding the cumulative distribution, so they add up to exactly N. Memory is one entry per day (about
/// 38,000), whatever N is.
/// </summary>
internal sealed class BirthCalendar
{
    /// <summary>Birth numbers 001–999: at most 999 persons can share a birth date (and as many more with samordningsnummer).</summary>
    public const int MaxPerDay = 999;

    private readonly long[] _starts; // _starts[d] = index of the first person born on day d; _starts[^1] = N

    public BirthCalendar(long persons, DateOnly referenceDate)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(persons);
        ReferenceDate = referenceDate;
        FirstDay = referenceDate.AddYears(-(AgePyramid.MaxAge + 1)).AddDays(1);
        var days = referenceDate.DayNumber - FirstDay.DayNumber + 1;
        var weights = new double[days];
        var total = 0.0;
        for (var d = 0; d < days; d++)
        {
            weights[d] = AgePyramid.WeightOfAge(AgeOn(FirstDay.AddDays(d), referenceDate));
            total += weights[d];
        }
        _starts = new long[days + 1];
        var cumulative = 0.0;
        for (var d = 0; d < days; d++)
        {
            _starts[d] = (long)Math.Round(persons * (cumulative / total));
            cumulative += weights[d];
        }
        _starts[days] = persons;
        for (var d = 0; d < days; d++)
        {
            if (_starts[d + 1] - _starts[d] > MaxPerDay)
                throw new ArgumentOutOfRangeException(nameof(persons),
                    $"{persons:N0} persons would put more than {MaxPerDay} births on one day ({DayOf(d)}); the birth-number space holds at most about 25 million persons.");
        }
    }

    public DateOnly ReferenceDate { get; }

    public DateOnly FirstDay { get; }

    public long Persons => _starts[^1];

    public int Days => _starts.Length - 1;

    public DateOnly DayOf(int day) => FirstDay.AddDays(day);

    /// <summary>The birth date of person <paramref name="index"/> and their position among persons born that day.</summary>
    public (DateOnly BirthDate, int Day, int Position) Locate(long index)
    {
        if (index < 0 || index >= Persons)
            throw new ArgumentOutOfRangeException(nameof(index));
        var day = Array.BinarySearch(_starts, 0, Days, index);
        if (day < 0)
            day = ~day - 1;
        // Several days can start at the same index when they hold nobody: take the last, the one that holds index.
        while (day + 1 < Days && _starts[day + 1] == index)
            day++;
        return (DayOf(day), day, (int)(index - _starts[day]));
    }

    /// <summary>The persons born between two dates (inclusive start, exclusive end), as an index range.</summary>
    public (long Start, long End) Range(DateOnly from, DateOnly toExclusive)
    {
        var d0 = Math.Clamp(from.DayNumber - FirstDay.DayNumber, 0, Days);
        var d1 = Math.Clamp(toExclusive.DayNumber - FirstDay.DayNumber, 0, Days);
        return (_starts[d0], _starts[Math.Max(d0, d1)]);
    }

    public static int AgeOn(DateOnly birthDate, DateOnly date)
    {
        var age = date.Year - birthDate.Year;
        if (date < birthDate.AddYears(age))
            age--;
        return age;
    }
}
