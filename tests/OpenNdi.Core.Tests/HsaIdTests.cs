using OpenNdi.Core.Identifiers;
using static OpenNdi.Core.Tests.PersonalIdentityNumberParseTests;

namespace OpenNdi.Core.Tests;

public class HsaIdTests
{
    [Theory]
    [InlineData("SE2321000016-15CQ", "SE2321000016-15CQ", "2321000016", "15CQ")]
    [InlineData("se2321000016-15cq", "SE2321000016-15CQ", "2321000016", "15CQ")]
    [InlineData("  SE2120000142-ABC1 ", "SE2120000142-ABC1", "2120000142", "ABC1")]
    [InlineData("SE5560125790-1", "SE5560125790-1", "5560125790", "1")]
    [InlineData("SE2321000255-E000001", "SE2321000255-E000001", "2321000255", "E000001")]
    [InlineData("Se2321000131-x9", "SE2321000131-X9", "2321000131", "X9")]
    [InlineData("SE2321000131-ABCDEFGHIJKLMNOPQR", "SE2321000131-ABCDEFGHIJKLMNOPQR", "2321000131", "ABCDEFGHIJKLMNOPQR")]
    public void TryParse_WhenInputIsValid_ReturnsParts(string input, string value, string organizationNumber, string localPart)
    {
        var ok = HsaId.TryParse(input, out var id, out var error);

        Assert.True(ok, error);
        Assert.Equal(value, id.Value);
        Assert.Equal(value, id.ToString());
        Assert.Equal(organizationNumber, id.OrganizationNumber.Value);
        Assert.Equal(localPart, id.LocalPart);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData(null, "empty")]
    [InlineData("SX2321000016-15CQ", "must start with the country code 'SE'")]
    [InlineData("2321000016-15CQ", "must start with the country code 'SE'")]
    [InlineData("SE232100-0016-15CQ", "10-digit organisation number and '-'")]
    [InlineData("SE2321000016", "10-digit organisation number and '-'")]
    [InlineData("SE2321000016_15CQ", "10-digit organisation number and '-'")]
    [InlineData("SE", "10-digit organisation number and '-'")]
    [InlineData("SE2321000015-15CQ", "organisation number part is not valid: check digit is 5, expected 6")]
    [InlineData("SE1912121212-15CQ", "organisation number part is not valid: the third digit is 1")]
    [InlineData("SE2321000016-", "local part after '-' is empty")]
    [InlineData("SE2321000016-15_CQ", "contains '_'")]
    [InlineData("SE2321000016-15 CQ", "contains ' '")]
    [InlineData("SE2321000016-15-CQ", "contains '-'")]
    [InlineData("SE2321000016-ÅÄÖ", "contains 'Å'")]
    [InlineData("SE2321000016-ABCDEFGHIJKLMNOPQRS", "32 characters long; at most 31")]
    [InlineData("SE2321000016-ABCDEFGHIJKLMNOPQRSTU", "local part is 21 characters; at most 20")]
    public void TryParse_WhenInputIsInvalid_ReturnsSpecificError(string? input, string expectedReason)
    {
        var ok = HsaId.TryParse(input, out var id, out var error);

        Assert.False(ok);
        Assert.Equal(default, id);
        Assert.NotNull(error);
        Assert.Contains(expectedReason, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_WhenInputIsInvalid_ThrowsFormatExceptionWithReason()
    {
        var exception = Assert.Throws<FormatException>(() => HsaId.Parse("SE2321000015-15CQ"));

        Assert.Contains("check digit is 5, expected 6", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_WhenGivenParts_BuildsUpperCaseId()
    {
        var id = HsaId.Create(OrganizationNumber.Parse("232100-0016"), "15cq");

        Assert.Equal("SE2321000016-15CQ", id.Value);
        Assert.Equal(id, HsaId.Parse("se2321000016-15cq"));
        Assert.Equal(id.GetHashCode(), HsaId.Parse("SE2321000016-15CQ").GetHashCode());
    }

    [Theory]
    [InlineData("")]
    [InlineData("A_B")]
    [InlineData("ABCDEFGHIJKLMNOPQRS")]
    public void Create_WhenLocalPartInvalid_Throws(string localPart) =>
        Assert.Throws<ArgumentException>(() => HsaId.Create(OrganizationNumber.Parse("232100-0016"), localPart));

    [Fact]
    public void Create_WhenOrganizationNumberIsDefault_Throws() =>
        Assert.Throws<ArgumentException>(() => HsaId.Create(default, "15CQ"));

    [Fact]
    public void System_WhenRead_IsTheHsaOid() =>
        Assert.Equal("urn:oid:1.2.752.29.4.19", HsaId.System);

    [Fact]
    public void Parse_WhenCalledThroughIParsable_Parses() =>
        Assert.Equal("SE2321000016-15CQ", ParseVia<HsaId>("SE2321000016-15CQ").Value);
}
