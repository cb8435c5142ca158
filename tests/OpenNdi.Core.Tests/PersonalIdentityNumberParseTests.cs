using System.Globalization;
using OpenNdi.Core.Identifiers;

namespace OpenNdi.Core.Tests;

public class PersonalIdentityNumberParseTests
{
    private const string Today = "2025-06-15";

    [Theory]
    // Tolvan Tolvansson, Skatteverket's test person, in every form.
    [InlineData("19121212-1212", Today, "191212121212")]
    [InlineData("191212121212", Today, "191212121212")]
    [InlineData("121212+1212", Today, "191212121212")]
    [InlineData("121212-1212", "2011-01-01", "191212121212")]
    [InlineData("1212121212", "2011-01-01", "191212121212")]
    [InlineData("121212-1212", Today, "201212121212")]
    [InlineData("1212121212", Today, "201212121212")]
    // Surrounding whitespace is ignored.
    [InlineData("  19121212-1212  ", Today, "191212121212")]
    [InlineData("\t121212+1212\n", Today, "191212121212")]
    // Leap days.
    [InlineData("20000229-0021", Today, "200002290021")]
    [InlineData("000229-0021", Today, "200002290021")]
    [InlineData("0002290021", Today, "200002290021")]
    [InlineData("19240229-1237", Today, "192402291237")]
    [InlineData("240229+1237", Today, "192402291237")]
    // Samordningsnummer (day + 60).
    [InlineData("701063-2391", Today, "197010632391")]
    [InlineData("7010632391", Today, "197010632391")]
    [InlineData("197010632391", Today, "197010632391")]
    [InlineData("861171-2343", Today, "198611712343")]
    [InlineData("19751272-4563", Today, "197512724563")]
    [InlineData("990161-1112", Today, "199901611112")]
    // Century inference around today.
    [InlineData("250615-0016", Today, "202506150016")]
    [InlineData("250614-0017", Today, "202506140017")]
    [InlineData("250616-0023", Today, "192506160023")]
    [InlineData("250616+0023", Today, "182506160023")]
    [InlineData("500101-0015", Today, "195001010015")]
    [InlineData("500101+0015", Today, "185001010015")]
    [InlineData("991231-9994", Today, "199912319994")]
    [InlineData("000101-0016", "2000-01-01", "200001010016")]
    [InlineData("000101-0016", "1999-12-31", "190001010016")]
    // Assorted ordinary numbers, 10 and 12 digits.
    [InlineData("19991231-9994", Today, "199912319994")]
    [InlineData("19800615-2360", Today, "198006152360")]
    [InlineData("850709-9805", Today, "198507099805")]
    [InlineData("110101-0013", Today, "201101010013")]
    [InlineData("420830-1236", Today, "194208301236")]
    [InlineData("6408233234", Today, "196408233234")]
    [InlineData("811218-9876", Today, "198112189876")]
    [InlineData("9001010124", Today, "199001010124")]
    [InlineData("010101-0106", Today, "200101010106")]
    [InlineData("671001-3456", Today, "196710013456")]
    [InlineData("20231205-6787", Today, "202312056787")]
    [InlineData("202506150016", Today, "202506150016")]
    public void TryParse_WhenInputIsValid_ReturnsCanonicalValue(string input, string today, string expected)
    {
        var ok = PersonalIdentityNumber.TryParse(input, Date(today), out var value, out var error);

        Assert.True(ok, error);
        Assert.Null(error);
        Assert.Equal(expected, value.Value);
        Assert.Equal(expected, value.ToString());
    }

    [Theory]
    [InlineData("", Today, "empty")]
    [InlineData("   ", Today, "empty")]
    [InlineData(null, Today, "empty")]
    [InlineData("12345", Today, "must be 10 or 12 digits")]
    [InlineData("19121212-121", Today, "must be 10 or 12 digits")]
    [InlineData("1912121212123", Today, "must be 10 or 12 digits")]
    [InlineData("12121212121", Today, "must be 10 or 12 digits")]
    [InlineData("19121212_1212", Today, "must be 10 or 12 digits")]
    [InlineData("191212-12-12", Today, "must be 10 or 12 digits")]
    [InlineData("121212 1212", Today, "must be 10 or 12 digits")]
    [InlineData("1912-12-12-1212", Today, "must be 10 or 12 digits")]
    [InlineData("ABCDEFGHIJ", Today, "must be 10 or 12 digits")]
    [InlineData("１２１２１２-１２１２", Today, "must be 10 or 12 digits")]
    [InlineData("19121212+1212", Today, "'+' separator")]
    [InlineData("19121312-1212", Today, "month 13 does not exist")]
    [InlineData("19120012-1212", Today, "month 00 does not exist")]
    [InlineData("19121200-1212", Today, "day 00 is not valid")]
    [InlineData("19121232-1212", Today, "day 32 is not valid")]
    [InlineData("19121245-1212", Today, "day 45 is not valid")]
    [InlineData("19121292-1212", Today, "day 92 is not valid")]
    [InlineData("000292-1237", Today, "day 92 is not valid")]
    [InlineData("20230229-1234", Today, "February 2023 has 28 days")]
    [InlineData("19000229-1234", Today, "February 1900 has 28 days")]
    [InlineData("000229-0021", "2000-02-28", "February 1900 has 28 days")]
    [InlineData("19850431-1234", Today, "April 1985 has 30 days")]
    [InlineData("19850291-1234", Today, "samordningsnummer day 91 means day 31 (day - 60), but February 1985 has 28 days")]
    [InlineData("850691-1234", Today, "June 1985 has 30 days")]
    [InlineData("861131-2342", Today, "day 31 does not exist: November 1986 has 30 days")]
    [InlineData("20300101-1234", Today, "birth date 2030-01-01 is in the future")]
    [InlineData("20250616-0023", Today, "birth date 2025-06-16 is in the future")]
    [InlineData("20250676-1234", Today, "birth date 2025-06-16 is in the future")]
    [InlineData("19121212-0008", Today, "birth number 000 is not valid")]
    [InlineData("121212+0000", Today, "birth number 000 is not valid")]
    [InlineData("811228-1033", Today, "check digit is 3, expected 8")]
    [InlineData("19121212-1213", Today, "check digit is 3, expected 2")]
    [InlineData("121212-1210", Today, "check digit is 0, expected 2")]
    [InlineData("701063-2390", Today, "check digit is 0, expected 1")]
    [InlineData("19800615-2361", Today, "check digit is 1, expected 0")]
    [InlineData("000229-0022", Today, "check digit is 2, expected 1")]
    public void TryParse_WhenInputIsInvalid_ReturnsSpecificError(string? input, string today, string expectedReason)
    {
        var ok = PersonalIdentityNumber.TryParse(input, Date(today), out var value, out var error);

        Assert.False(ok);
        Assert.Equal(default, value);
        Assert.NotNull(error);
        Assert.Contains(expectedReason, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("121212-1210", "check digit is 0, expected 2")]
    [InlineData("19121312-1212", "month 13")]
    [InlineData("", "empty")]
    public void Parse_WhenInputIsInvalid_ThrowsFormatExceptionWithSameMessage(string input, string expectedReason)
    {
        PersonalIdentityNumber.TryParse(input, Date(Today), out _, out var error);

        var exception = Assert.Throws<FormatException>(() => PersonalIdentityNumber.Parse(input, Date(Today)));

        Assert.Equal(error, exception.Message);
        Assert.Contains(expectedReason, exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("250615-0016", "2025-06-15", "2025-06-15")]
    [InlineData("250616-0023", "2025-06-15", "1925-06-16")]
    [InlineData("250615+0016", "2025-06-15", "1925-06-15")]
    [InlineData("250616+0023", "2025-06-15", "1825-06-16")]
    [InlineData("250614-0017", "2025-06-15", "2025-06-14")]
    [InlineData("260101-0016", "2025-06-15", "1926-01-01")]
    [InlineData("991231-9994", "2000-01-01", "1999-12-31")]
    [InlineData("000101-0016", "1999-12-31", "1900-01-01")]
    [InlineData("000101-0016", "2000-01-01", "2000-01-01")]
    [InlineData("240229-1237", "2024-02-28", "1924-02-29")]
    [InlineData("240229-1237", "2024-02-29", "2024-02-29")]
    [InlineData("240229+1237", "2024-02-29", "1924-02-29")]
    [InlineData("240229+1237", "2024-02-28", "1824-02-29")]
    [InlineData("121212-1212", "2012-12-11", "1912-12-12")]
    [InlineData("121212-1212", "2012-12-12", "2012-12-12")]
    public void Parse_WhenTenDigitForm_InfersCenturyRelativeToToday(string input, string today, string expectedBirthDate) =>
        Assert.Equal(Date(expectedBirthDate), PersonalIdentityNumber.Parse(input, Date(today)).BirthDate);

    [Fact]
    public void Parse_WhenTodayIsOmitted_UsesCurrentDate()
    {
        Assert.Equal("191212121212", PersonalIdentityNumber.Parse("19121212-1212").Value);
        Assert.Equal("191212121212", PersonalIdentityNumber.Parse("121212+1212").Value);
        Assert.True(PersonalIdentityNumber.TryParse("19121212-1212", out _, out _));
        Assert.False(PersonalIdentityNumber.TryParse("19121212-1213", out _, out var error));
        Assert.Contains("check digit", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_WhenInputIsNull_ThrowsArgumentNullException() =>
        Assert.Throws<ArgumentNullException>(() => PersonalIdentityNumber.Parse(null!, Date(Today)));

    [Fact]
    public void Parse_WhenCalledThroughIParsable_ParsesAndRejects()
    {
        Assert.Equal("191212121212", ParseVia<PersonalIdentityNumber>("19121212-1212").Value);
        Assert.False(TryParseVia<PersonalIdentityNumber>("19121212-1213"));
    }

    internal static DateOnly Date(string iso) => DateOnly.ParseExact(iso, "yyyy-MM-dd", CultureInfo.InvariantCulture);

    internal static T ParseVia<T>(string s) where T : IParsable<T> => T.Parse(s, null);

    internal static bool TryParseVia<T>(string s) where T : IParsable<T> => T.TryParse(s, null, out _);
}
