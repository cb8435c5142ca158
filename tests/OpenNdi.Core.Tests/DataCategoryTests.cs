using OpenNdi.Core.Index;

namespace OpenNdi.Core.Tests;

public class DataCategoryTests
{
    [Theory]
    [InlineData("laboratory", "11502-2")]
    [InlineData("11502-2", "11502-2")]
    [InlineData("http://loinc.org|34105-7", "34105-7")]
    [InlineData(" eprescription ", "57833-6")]
    [InlineData("60591-5", "60591-5")]
    public void TryParse_WhenGivenACodeOrItsLoinc_FindsTheCategory(string text, string loinc)
    {
        Assert.True(DataCategory.TryParse(text, out var category, out var error), error);
        Assert.Equal(loinc, category.Loinc);
    }

    [Theory]
    [InlineData(null, "empty")]
    [InlineData("", "empty")]
    [InlineData("x-rays", "unknown data category 'x-rays'")]
    [InlineData("http://snomed.info/sct|11502-2", "unknown data category")]
    [InlineData("Laboratory", "unknown data category")]
    public void TryParse_WhenTheCategoryIsUnknown_SaysWhatIsKnown(string? text, string expected)
    {
        Assert.False(DataCategory.TryParse(text, out _, out var error));
        Assert.Contains(expected, error);
        if (expected.StartsWith("unknown", StringComparison.Ordinal))
            Assert.Contains("laboratory", error);
    }

    [Fact]
    public void All_CodesAndLoincCodes_AreUnique()
    {
        Assert.Equal(DataCategory.All.Count, DataCategory.All.Select(c => c.Code).Distinct().Count());
        Assert.Equal(DataCategory.All.Count, DataCategory.All.Select(c => c.Loinc).Distinct().Count());
    }
}
