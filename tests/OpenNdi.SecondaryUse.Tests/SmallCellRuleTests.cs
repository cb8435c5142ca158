using OpenNdi.SecondaryUse.Outputs;
using OpenNdi.SecondaryUse.Workspaces;

namespace OpenNdi.SecondaryUse.Tests;

[Trait("Category", "Security")]
public sealed class SmallCellRuleTests
{
    private static WorkspaceTable Table(IReadOnlyList<string> columns, params IReadOnlyList<string?>[] rows) => new("output", columns, rows);

    [Theory]
    [InlineData("5", true)]
    [InlineData("6", true)]
    [InlineData("0", true)]
    [InlineData("1000000", true)]
    [InlineData("4", false)]
    [InlineData("1", false)]
    [InlineData("-1", false)]
    [InlineData("abc", false)]
    [InlineData("4.5", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void Check_ACountCell_PassesWhenZeroOrAtLeastTheThreshold(string? cell, bool passes)
    {
        var check = new SmallCellRule().Check(Table(["region", "n"], ["01", cell]));

        Assert.Equal(passes, check.Passed);
        Assert.Equal(passes ? 0 : 1, check.Problems.Count);
    }

    [Fact]
    public void Check_NamesEachOffendingCell_ByRowAndColumn()
    {
        var table = Table(["region", "sex", "n_diabetes", "COUNT_visits"], ["01", "female", "12", "40"], ["01", "male", "7", "3"], ["25", "male", "2", "abc"]);

        var check = new SmallCellRule().Check(table);

        Assert.False(check.Passed);
        Assert.Equal(["row 2, column COUNT_visits: 3 is below 5", "row 3, column n_diabetes: 2 is below 5", "row 3, column COUNT_visits: abc is not a non-negative integer"],
            check.Problems);
    }

    [Theory]
    [InlineData("n")]
    [InlineData("N")]
    [InlineData("count")]
    [InlineData("Count")]
    [InlineData("n_persons")]
    [InlineData("count_events")]
    public void Check_FindsTheCountColumn_ByItsName(string column)
    {
        Assert.False(new SmallCellRule().Check(Table(["region", column], ["01", "3"])).Passed);
        Assert.True(new SmallCellRule().Check(Table(["region", column], ["01", "30"])).Passed);
    }

    [Theory]
    [InlineData("number")]
    [InlineData("persons")]
    [InlineData("nr")]
    [InlineData("counter")]
    public void Check_ATableWithoutACountColumn_Fails(string column)
    {
        var check = new SmallCellRule().Check(Table(["region", column], ["01", "3"]));

        Assert.False(check.Passed);
        Assert.Contains("name the count column n or count", Assert.Single(check.Problems), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("subject")]
    [InlineData("Subject")]
    public void Check_ATableWithTheSubjectColumn_Fails(string column)
    {
        var check = new SmallCellRule().Check(Table([column, "n"], ["eihu4mpmazrxehd2geivs5zvum", "10"]));

        Assert.False(check.Passed);
        Assert.Contains("subject", Assert.Single(check.Problems), StringComparison.Ordinal);
    }

    [Fact]
    public void Check_WithAnotherThreshold_HoldsCountsToIt()
    {
        var table = Table(["n"], ["3"], ["9"], ["10"]);

        Assert.Equal(["row 1, column n: 3 is below 10", "row 2, column n: 9 is below 10"], new SmallCellRule(10).Check(table).Problems);
        Assert.True(new SmallCellRule(3).Check(table).Passed);
        Assert.Throws<ArgumentOutOfRangeException>(() => new SmallCellRule(0));
    }

    [Fact]
    public void Check_AnEmptyTableWithACountColumn_Passes()
    {
        var check = new SmallCellRule().Check(Table(["region", "n"]));

        Assert.True(check.Passed);
        Assert.Empty(check.Problems);
    }
}
