using Hl7.Fhir.Model;

namespace OpenNdi.Fhir.Tests;

/// <summary>A provider's narrative travels only as XHTML that meets the FHIR narrative rules: nothing a provider writes may run in a reader's browser.</summary>
public sealed class NarrativesTests
{
    private static Narrative Div(string inner) => new() { Status = Narrative.NarrativeStatus.Generated, Div = $"<div xmlns=\"http://www.w3.org/1999/xhtml\">{inner}</div>" };

    [Fact]
    public void SafeDiv_KeepsAPlainNarrative()
    {
        Assert.NotNull(Narratives.SafeDiv(Div("<ul><li><b>Condition</b>: Menopausal flushing</li></ul>")));
    }

    [Theory]
    [InlineData("3 entries.")]
    [InlineData("Inga kända allergier")]
    public void SafeDiv_KeepsPlainText(string inner)
    {
        Assert.NotNull(Narratives.SafeDiv(Div(inner)));
    }

    [Theory]
    [InlineData("<script>alert(1)</script>")]
    [InlineData("text</div><script>alert(1)</script><div>")]
    [InlineData("<img src=\"x\" onerror=\"alert(1)\"/>")]
    [InlineData("<form action=\"https://evil.example\"><input name=\"q\"/></form>")]
    [InlineData("<p>not closed")]
    [Trait("Category", "Security")]
    public void SafeDiv_RefusesActiveOrBrokenContent(string inner)
    {
        Assert.Null(Narratives.SafeDiv(Div(inner)));
    }

    [Fact]
    public void Generated_WithAProvidersNarrative_KeepsOursAndTheirsUnderTheirName()
    {
        var div = Narratives.Generated("2 entries.", [new ProviderNarrative("11450-4", "Region Norr", Div("<p>Asthma</p>").Div)]).Div;

        Assert.Contains("<p>2 entries.</p>", div, StringComparison.Ordinal);
        Assert.Contains("From Region Norr:", div, StringComparison.Ordinal);
        Assert.Contains("<p>Asthma</p>", div, StringComparison.Ordinal);
        Assert.True(XHtml.IsValidNarrativeXhtml(div, out _, out _));
    }
}
