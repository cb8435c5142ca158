using OpenNdi.Core.Identifiers;

namespace OpenNdi.Core.Tests;

public class LuhnTests
{
    [Theory]
    [InlineData("121212121", 2)]   // 19121212-1212, Tolvan Tolvansson
    [InlineData("701063239", 1)]   // 701063-2391, samordningsnummer example
    [InlineData("232100001", 6)]   // 232100-0016, Region Stockholm
    [InlineData("212000014", 2)]   // 212000-0142, Stockholms stad
    [InlineData("556012579", 0)]
    [InlineData("811228103", 8)]
    [InlineData("7992739871", 3)]  // the textbook Luhn example: weights start with 2 next to the check digit
    [InlineData("0", 0)]
    [InlineData("1", 8)]
    [InlineData("9", 1)]
    public void ComputeCheckDigit_WhenGivenDigits_ReturnsLuhnDigit(string digits, int expected) =>
        Assert.Equal(expected, Luhn.ComputeCheckDigit(digits));

    [Theory]
    [InlineData("1212121212", true)]
    [InlineData("7010632391", true)]
    [InlineData("2321000016", true)]
    [InlineData("79927398713", true)]
    [InlineData("1212121213", false)]
    [InlineData("2321000015", false)]
    [InlineData("", false)]
    [InlineData("1", false)]
    [InlineData("12a", false)]
    [InlineData("121212-1212", false)]
    public void IsValid_WhenGivenDigitsWithCheckDigit_ReturnsWhetherCheckDigitMatches(string digits, bool expected) =>
        Assert.Equal(expected, Luhn.IsValid(digits));

    [Theory]
    [InlineData("")]
    [InlineData("12a")]
    [InlineData("12 3")]
    public void ComputeCheckDigit_WhenInputIsNotDigits_Throws(string digits) =>
        Assert.Throws<ArgumentException>(() => Luhn.ComputeCheckDigit(digits));
}
