using OpenNdi.Core.Identifiers;
using static OpenNdi.Core.Tests.PersonalIdentityNumberParseTests;

namespace OpenNdi.Core.Tests;

public class PersonalIdentityNumberTests
{
    private static readonly DateOnly Today = new(2025, 6, 15);

    [Theory]
    [InlineData("19121212-1212", "1912-12-12", 121, 2, false, Sex.Male)]
    [InlineData("20000229-0021", "2000-02-29", 2, 1, false, Sex.Female)]
    [InlineData("19800615-2360", "1980-06-15", 236, 0, false, Sex.Female)]
    [InlineData("701063-2391", "1970-10-03", 239, 1, true, Sex.Male)]
    [InlineData("861171-2343", "1986-11-11", 234, 3, true, Sex.Female)]
    [InlineData("990161-1112", "1999-01-01", 111, 2, true, Sex.Male)]
    public void Parse_WhenValid_ExposesComponents(string input, string birthDate, int birthNumber, int checkDigit, bool coordination, Sex sex)
    {
        var id = PersonalIdentityNumber.Parse(input, Today);

        Assert.Equal(Date(birthDate), id.BirthDate);
        Assert.Equal(birthNumber, id.BirthNumber);
        Assert.Equal(checkDigit, id.CheckDigit);
        Assert.Equal(coordination, id.IsCoordinationNumber);
        Assert.Equal(sex, id.Sex);
        Assert.Equal(coordination ? PersonalIdentityNumber.SamordningsnummerSystem : PersonalIdentityNumber.PersonnummerSystem, id.IdentifierSystem);
    }

    [Fact]
    public void IdentifierSystems_WhenRead_AreTheSwedishOids()
    {
        Assert.Equal("urn:oid:1.2.752.129.2.1.3.1", PersonalIdentityNumber.PersonnummerSystem);
        Assert.Equal("urn:oid:1.2.752.129.2.1.3.3", PersonalIdentityNumber.SamordningsnummerSystem);
    }

    [Theory]
    [InlineData("19121212-1212", "121212+1212")]
    [InlineData("191212121212", "19121212-1212")]
    [InlineData("20000229-0021", "000229-0021")]
    [InlineData("200002290021", "0002290021")]
    [InlineData("197010632391", " 701063-2391 ")]
    public void Parse_WhenSameNumberInDifferentForms_ValuesAreEqual(string first, string second)
    {
        var a = PersonalIdentityNumber.Parse(first, Today);
        var b = PersonalIdentityNumber.Parse(second, Today);

        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
    }

    public static TheoryData<string, bool> CreateDates => new()
    {
        { "2000-02-29", false },
        { "2000-02-29", true },
        { "1912-12-12", false },
        { "1970-10-03", true },
        { "1999-12-31", false },
        { "1900-01-01", true },
    };

    [Theory]
    [MemberData(nameof(CreateDates))]
    public void Create_WhenEveryBirthNumberOfADate_RoundTripsThroughParse(string birthDate, bool coordination)
    {
        var date = Date(birthDate);
        for (var birthNumber = 1; birthNumber <= 999; birthNumber++)
        {
            var id = PersonalIdentityNumber.Create(date, birthNumber, coordination);

            Assert.True(Luhn.IsValid(id.Value.AsSpan(2)), id.Value);
            Assert.Equal(id, PersonalIdentityNumber.Parse(id.Value, Today));
            Assert.Equal(id, PersonalIdentityNumber.Parse(id.ToTenDigitString(Today), Today));
            Assert.Equal(date, id.BirthDate);
            Assert.Equal(birthNumber, id.BirthNumber);
            Assert.Equal(coordination, id.IsCoordinationNumber);
            Assert.Equal(birthNumber % 2 == 1 ? Sex.Male : Sex.Female, id.Sex);
        }
    }

    [Theory]
    [InlineData("1912-12-12", 121, false, "191212121212")]
    [InlineData("1970-10-03", 239, true, "197010632391")]
    [InlineData("2000-02-29", 2, false, "200002290021")]
    [InlineData("1986-11-11", 234, true, "198611712343")]
    public void Create_WhenGivenParts_ComputesCheckDigit(string birthDate, int birthNumber, bool coordination, string expected) =>
        Assert.Equal(expected, PersonalIdentityNumber.Create(Date(birthDate), birthNumber, coordination).Value);

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(1000)]
    public void Create_WhenBirthNumberOutOfRange_Throws(int birthNumber) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => PersonalIdentityNumber.Create(new DateOnly(1990, 1, 1), birthNumber, false));

    [Theory]
    [InlineData("2000-02-29", "2000-02-29", 0)]
    [InlineData("2000-02-29", "2001-02-28", 0)]
    [InlineData("2000-02-29", "2001-03-01", 1)]
    [InlineData("2000-02-29", "2004-02-28", 3)]
    [InlineData("2000-02-29", "2004-02-29", 4)]
    [InlineData("1912-12-12", "2012-12-11", 99)]
    [InlineData("1912-12-12", "2012-12-12", 100)]
    [InlineData("1980-06-15", "2025-06-14", 44)]
    [InlineData("1980-06-15", "2025-06-15", 45)]
    [InlineData("1980-06-15", "2025-12-31", 45)]
    public void AgeOn_WhenGivenDate_ReturnsCompletedYears(string birthDate, string date, int expected) =>
        Assert.Equal(expected, PersonalIdentityNumber.Create(Date(birthDate), 123, false).AgeOn(Date(date)));

    [Fact]
    public void AgeOn_WhenDateBeforeBirth_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => PersonalIdentityNumber.Create(new DateOnly(2000, 1, 2), 1, false).AgeOn(new DateOnly(2000, 1, 1)));

    [Theory]
    [InlineData("191212121212", "2012-12-11", "121212-1212")]
    [InlineData("191212121212", "2012-12-12", "121212+1212")]
    [InlineData("191212121212", "2025-06-15", "121212+1212")]
    [InlineData("201212121212", "2025-06-15", "121212-1212")]
    [InlineData("197010632391", "2025-06-15", "701063-2391")]
    [InlineData("192402291237", "2024-02-28", "240229-1237")]
    [InlineData("192402291237", "2024-02-29", "240229+1237")]
    [InlineData("185001010015", "2025-06-15", "500101+0015")]
    public void ToTenDigitString_WhenAsOfGiven_UsesPlusFromHundredthBirthday(string value, string asOf, string expected) =>
        Assert.Equal(expected, PersonalIdentityNumber.Parse(value, Today).ToTenDigitString(Date(asOf)));

    [Fact]
    public void ToTenDigitString_WhenAsOfBeforeBirth_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => PersonalIdentityNumber.Parse("20000229-0021", Today).ToTenDigitString(new DateOnly(1999, 1, 1)));

    public static TheoryData<string> HundredYearBoundary => new() { "1925-06-15", "1924-02-29", "1925-12-31", "1926-01-01", "1925-03-01" };

    [Theory]
    [MemberData(nameof(HundredYearBoundary))]
    public void ToTenDigitString_WhenParsedBackOnSameDate_RoundTripsAcrossHundredthBirthday(string birthDate)
    {
        var id = PersonalIdentityNumber.Create(Date(birthDate), 42, false);
        var hundredth = id.BirthDate.AddYears(100);
        for (var asOf = hundredth.AddDays(-3); asOf <= hundredth.AddDays(3); asOf = asOf.AddDays(1))
        {
            var tenDigits = id.ToTenDigitString(asOf);

            Assert.Equal(asOf >= hundredth ? '+' : '-', tenDigits[6]);
            Assert.Equal(id, PersonalIdentityNumber.Parse(tenDigits, asOf));
        }
    }

    [Fact]
    public void Default_WhenUninitialised_HasEmptyValue()
    {
        var id = default(PersonalIdentityNumber);

        Assert.Equal(string.Empty, id.Value);
        Assert.Equal(string.Empty, id.ToString());
    }
}
