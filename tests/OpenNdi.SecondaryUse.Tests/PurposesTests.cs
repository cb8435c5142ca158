using OpenNdi.SecondaryUse.Domain;

namespace OpenNdi.SecondaryUse.Tests;

public sealed class PurposesTests
{
    [Fact]
    public void ThePurposes_AreTheSixOfEhdsArticle53_AndNothingElse()
    {
        Assert.Equal(["public-health", "policy-making", "statistics", "education", "scientific-research", "care-improvement"], SecondaryUsePurposes.All);
        Assert.False(SecondaryUsePurposes.IsKnown("advertising"));
        Assert.False(SecondaryUsePurposes.IsKnown(null));
    }
}
