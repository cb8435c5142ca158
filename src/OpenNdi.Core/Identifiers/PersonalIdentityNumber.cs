using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace OpenNdi.Core.Identifiers;

/// <summary>
/// A Swedish personal identity number (personnummer, Skatteverket SKV 704) or coordination number
/// (samordningsnummer, SKV 707: the day of birth plus 60). Canonical form: 12 digits YYYYMMDDNNNC
/// (birth date, three-digit birth number, Luhn check digit over YYMMDDNNN), without separator.
/// </summary>
public readonly record struct PersonalIdentityNumber : IParsable<PersonalIdentityNumber>
{
    /// <summary>FHIR identifier system for personnummer.</summary>
    public const string PersonnummerSystem = "urn:oid:1.2.752.129.2.1.3.1";

    /// <summary>FHIR identifier system for samordningsnummer.</summary>
    public const string SamordningsnummerSystem = "urn:oid:1.2.752.129.2.1.3.3";

    /// <summary>Added to the day of birth in a samordningsnummer (SKV 707).</summary>
    public const int CoordinationDayOffset = 60;

    private const string Invalid = "Invalid personal identity number: ";

    private readonly string? _value;

    private PersonalIdentityNumber(DateOnly birthDate, int birthNumber, bool coordination)
    {
        BirthDate = birthDate;
        BirthNumber = birthNumber;
        IsCoordinationNumber = coordination;
        var day = birthDate.Day + (coordination ? CoordinationDayOffset : 0);
        var nine = string.Create(CultureInfo.InvariantCulture, $"{birthDate.Year % 100:D2}{birthDate.Month:D2}{day:D2}{birthNumber:D3}");
        CheckDigit = Luhn.ComputeCheckDigit(nine);
        _value = string.Create(CultureInfo.InvariantCulture, $"{birthDate.Year / 100:D2}{nine}{CheckDigit}");
    }

    /// <summary>The real birth date (for a samordningsnummer, the day with 60 subtracted).</summary>
    public DateOnly BirthDate { get; }

    /// <summary>The three-digit birth number (födelsenummer), 1–999.</summary>
    public int BirthNumber { get; }

    public int CheckDigit { get; }

    public bool IsCoordinationNumber { get; }

    /// <summary>From the ninth digit: odd is male, even is female (SKV 704).</summary>
    public Sex Sex => BirthNumber % 2 == 1 ? Sex.Male : Sex.Female;

    /// <summary>Canonical 12 digits, YYYYMMDDNNNC.</summary>
    public string Value => _value ?? string.Empty;

    /// <summary><see cref="PersonnummerSystem"/> or <see cref="SamordningsnummerSystem"/>.</summary>
    public string IdentifierSystem => IsCoordinationNumber ? SamordningsnummerSystem : PersonnummerSystem;

    public override string ToString() => Value;

    /// <summary>
    /// The 10-digit form YYMMDD-NNNC, with '+' instead of '-' from the year the holder turns 100 (SKV 704).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="asOf"/> is before the birth date or the holder is 200 or older.</exception>
    public string ToTenDigitString(DateOnly asOf)
    {
        var age = AgeOn(asOf);
        if (age >= 200)
            throw new ArgumentOutOfRangeException(nameof(asOf), "The 10-digit form cannot represent an age of 200 years or more.");
        var separator = age >= 100 ? '+' : '-';
        return $"{Value[2..8]}{separator}{Value[8..]}";
    }

    /// <summary>Age in whole years on <paramref name="date"/>; someone born on 29 February turns a year older on 1 March in common years.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="date"/> is before the birth date.</exception>
    public int AgeOn(DateOnly date)
    {
        if (date < BirthDate)
            throw new ArgumentOutOfRangeException(nameof(date), "The date is before the birth date.");
        var age = date.Year - BirthDate.Year;
        return IsAfter(BirthDate.Month, BirthDate.Day, date.Month, date.Day) ? age - 1 : age;
    }

    /// <summary>Creates a valid number, computing the check digit (for generators).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="birthNumber"/> is not 1–999.</exception>
    public static PersonalIdentityNumber Create(DateOnly birthDate, int birthNumber, bool coordination)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(birthNumber, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(birthNumber, 999);
        return new PersonalIdentityNumber(birthDate, birthNumber, coordination);
    }

    /// <inheritdoc cref="Parse(string, DateOnly)"/>
    public static PersonalIdentityNumber Parse(string input) => Parse(input, Today);

    /// <summary>Parses any accepted form (see <see cref="TryParse(string?, DateOnly, out PersonalIdentityNumber, out string?)"/>).</summary>
    /// <exception cref="FormatException">The input is not a valid number; the message says why.</exception>
    public static PersonalIdentityNumber Parse(string input, DateOnly today)
    {
        ArgumentNullException.ThrowIfNull(input);
        return TryParse(input, today, out var value, out var error) ? value : throw new FormatException(error);
    }

    /// <inheritdoc cref="TryParse(string?, DateOnly, out PersonalIdentityNumber, out string?)"/>
    public static bool TryParse([NotNullWhen(true)] string? input, out PersonalIdentityNumber value, [NotNullWhen(false)] out string? error) =>
        TryParse(input, Today, out value, out error);

    /// <summary>
    /// Parses YYYYMMDDNNNC, YYYYMMDD-NNNC, YYMMDDNNNC, YYMMDD-NNNC or YYMMDD+NNNC, ignoring surrounding whitespace.
    /// For the 10-digit forms the century follows SKV 704: with '-' (or none) the holder is under 100 on
    /// <paramref name="today"/>, i.e. the latest birth date not after today; with '+' the holder is 100 or older,
    /// i.e. a further 100 years back.
    /// </summary>
    /// <param name="error">On failure, a user-facing English message saying what is wrong.</param>
    public static bool TryParse([NotNullWhen(true)] string? input, DateOnly today, out PersonalIdentityNumber value, [NotNullWhen(false)] out string? error)
    {
        error = ParseCore(input.AsSpan().Trim(), today, out value);
        return error is null;
    }

    static PersonalIdentityNumber IParsable<PersonalIdentityNumber>.Parse(string s, IFormatProvider? provider) => Parse(s);

    static bool IParsable<PersonalIdentityNumber>.TryParse([NotNullWhen(true)] string? s, IFormatProvider? provider, out PersonalIdentityNumber result) =>
        TryParse(s, out result, out _);

    private static DateOnly Today => DateOnly.FromDateTime(DateTime.UtcNow);

    private static string? ParseCore(ReadOnlySpan<char> s, DateOnly today, out PersonalIdentityNumber value)
    {
        value = default;
        if (s.IsEmpty)
            return "Personal identity number is empty.";

        // Split into the date part (6 or 8 digits) and the last four (NNNC), remembering the separator.
        var separator = '-';
        if (s.Length is 11 or 13)
        {
            separator = s[^5];
            s = string.Concat(s[..^5], s[^4..]);
        }
        if (s.Length is not (10 or 12) || !IsAllDigits(s) || separator is not ('-' or '+'))
            return "Personal identity number must be 10 or 12 digits, optionally with '-' or '+' before the last four (YYYYMMDD-NNNC or YYMMDD-NNNC).";
        var fullYear = s.Length == 12;
        if (fullYear && separator == '+')
            return Invalid + "the '+' separator (100 years or older) is only used with the 10-digit form YYMMDD+NNNC, not with a four-digit year.";

        var ten = s[^10..];
        var month = Number(ten[2..4]);
        var day = Number(ten[4..6]);
        if (month is < 1 or > 12)
            return Invalid + $"month {month:D2} does not exist (must be 01-12).";
        var coordination = day > CoordinationDayOffset;
        if (day is < 1 or > 31 && day is < 61 or > 91)
            return Invalid + $"day {day:D2} is not valid (must be 01-31, or 61-91 for a samordningsnummer).";
        var realDay = coordination ? day - CoordinationDayOffset : day;

        var year = fullYear ? Number(s[..4]) : InferYear(Number(ten[..2]), month, realDay, separator == '+', today);
        if (year < 1)
            return Invalid + "the birth year is out of range.";
        var daysInMonth = DateTime.DaysInMonth(year, month);
        if (realDay > daysInMonth)
        {
            var monthName = CultureInfo.InvariantCulture.DateTimeFormat.GetMonthName(month);
            return coordination
                ? Invalid + $"samordningsnummer day {day} means day {realDay} (day - 60), but {monthName} {year} has {daysInMonth} days."
                : Invalid + $"day {day:D2} does not exist: {monthName} {year} has {daysInMonth} days.";
        }

        var birthDate = new DateOnly(year, month, realDay);
        if (birthDate > today)
            return Invalid + $"the birth date {birthDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)} is in the future.";
        var birthNumber = Number(ten[6..9]);
        if (birthNumber == 0)
            return Invalid + "birth number 000 is not valid (must be 001-999).";
        var expected = Luhn.ComputeCheckDigit(ten[..9]);
        var actual = ten[9] - '0';
        if (actual != expected)
            return Invalid + $"check digit is {actual}, expected {expected}.";

        value = new PersonalIdentityNumber(birthDate, birthNumber, coordination);
        return null;
    }

    /// <summary>SKV 704 century rule for the 10-digit form; compares month and day as numbers so an invalid day still gets a year.</summary>
    private static int InferYear(int twoDigitYear, int month, int day, bool hundredOrOlder, DateOnly today)
    {
        var year = today.Year - ((today.Year - twoDigitYear) % 100 + 100) % 100;
        if (year == today.Year && IsAfter(month, day, today.Month, today.Day))
            year -= 100;
        return hundredOrOlder ? year - 100 : year;
    }

    private static bool IsAfter(int month, int day, int otherMonth, int otherDay) =>
        month > otherMonth || (month == otherMonth && day > otherDay);

    private static bool IsAllDigits(ReadOnlySpan<char> s) => !s.ContainsAnyExceptInRange('0', '9');

    private static int Number(ReadOnlySpan<char> digits) => int.Parse(digits, NumberStyles.None, CultureInfo.InvariantCulture);
}
