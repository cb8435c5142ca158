using OpenNdi.SecondaryUse.Workspaces;

namespace OpenNdi.SecondaryUse.Tests;

public sealed class WorkspaceNamesTests
{
    [Fact]
    public void Names_ArePermitIdsChecked_NotEscapedIntoShape()
    {
        Assert.Equal("sdu_ws_2026_0001", WorkspaceNames.Schema("2026-0001"));
        Assert.Equal(WorkspaceNames.Schema("p1"), WorkspaceNames.Role("p1"));
        Assert.Equal("sdu-ws-ab_12.db", WorkspaceNames.FileName("ab_12"));
        Assert.Equal(47, WorkspaceNames.Role(new string('a', 40)).Length);
        foreach (var bad in new[] { "", "Permit1", "a b", "a\"b", "a'b", "a;b", "ä", "../x", "a\0b", new string('a', 41) })
            Assert.Throws<ArgumentException>(() => WorkspaceNames.Suffix(bad));
    }

    [Fact]
    public void TableNames_AreLowerCaseIdentifiersOfAtMost63()
    {
        Assert.True(WorkspaceNames.IsTableName("_t1"));
        Assert.True(WorkspaceNames.IsTableName(new string('a', 63)));
        foreach (var bad in new[] { null, "", "1t", "T", "a-b", "a b", new string('a', 64) })
            Assert.False(WorkspaceNames.IsTableName(bad));
    }
}
