using OpenNdi.Core.Identifiers;
using static OpenNdi.Core.Tests.PersonalIdentityNumberParseTests;

namespace OpenNdi.Core.Tests;

public class OrganizationNumberTests
{
    [Theory]
    [InlineData("232100-0016", "2321000016", "232100-0016", 2)] // Region Stockholm
    [InlineData("2321000016", "2321000016", "232100-0016", 2)]
    [InlineData("212000-0142", "2120000142", "212000-0142", 2)] // Stockholms stad
    [InlineData("  212000-0142\t", "2120000142", "212000-0142", 2)]
    [InlineData("232100-0255", "2321000255", "232100-0255", 2)]
    [InlineData("2321000131", "2321000131", "232100-0131", 2)]
    [InlineData("556012-5790", "5560125790", "556012-5790", 5)]
    [InlineData("5560360793", "5560360793", "556036-0793", 5)]
    [InlineData("802002-0007", "8020020007", "802002-0007", 8)]
    [InlineData("252100-0006", "2521000006", "252100-0006", 2)]
    public void TryParse_WhenInputIsValid_ReturnsValue(string input, string value, string display, int group)
    {
        var ok = OrganizationNumber.TryParse(input, out var number, out var error);

        Assert.True(ok, error);
        Assert.Equal(value, number.Value);
        Assert.Equal(display, number.ToString());
        Assert.Equal(group, number.GroupDigit);
        Assert.Equal(value[9] - '0', number.CheckDigit);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("  ", "empty")]
    [InlineData(null, "empty")]
    [InlineData("12345", "must be 10 digits")]
    [InlineData("232100+0016", "must be 10 digits")]
    [InlineData("23210-00016", "must be 10 digits")]
    [InlineData("232100--0016", "must be 10 digits")]
    [InlineData("232100-001X", "must be 10 digits")]
    [InlineData("23210000161", "must be 10 digits")]
    [InlineData("16232100-0016", "must be 10 digits")]
    [InlineData("191212-1212", "third digit is 1, but must be 2 or higher")]
    [InlineData("190101-0016", "third digit is 0, but must be 2 or higher")]
    [InlineData("232100-0015", "check digit is 5, expected 6")]
    [InlineData("212000-0141", "check digit is 1, expected 2")]
    [InlineData("5560125791", "check digit is 1, expected 0")]
    public void TryParse_WhenInputIsInvalid_ReturnsSpecificError(string? input, string expectedReason)
    {
        var ok = OrganizationNumber.TryParse(input, out var number, out var error);

        Assert.False(ok);
        Assert.Equal(default, number);
        Assert.NotNull(error);
        Assert.Contains(expectedReason, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_WhenInputIsInvalid_ThrowsFormatExceptionWithReason()
    {
        var exception = Assert.Throws<FormatException>(() => OrganizationNumber.Parse("232100-0015"));

        Assert.Contains("check digit is 5, expected 6", exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("232100001", "2321000016")]
    [InlineData("212000014", "2120000142")]
    [InlineData("556012579", "5560125790")]
    public void Create_WhenGivenNineDigits_AppendsLuhnDigit(string nineDigits, string expected)
    {
        var number = OrganizationNumber.Create(nineDigits);

        Assert.Equal(expected, number.Value);
        Assert.Equal(number, OrganizationNumber.Parse(number.ToString()));
    }

    [Theory]
    [InlineData("23210000")]
    [InlineData("2321000016")]
    [InlineData("23210000A")]
    [InlineData("191212121")]
    public void Create_WhenInputIsNotNineDigitsOfALegalEntity_Throws(string nineDigits) =>
        Assert.Throws<ArgumentException>(() => OrganizationNumber.Create(nineDigits));

    [Fact]
    public void Parse_WhenCalledThroughIParsable_Parses() =>
        Assert.Equal("2321000016", ParseVia<OrganizationNumber>("232100-0016").Value);
}
