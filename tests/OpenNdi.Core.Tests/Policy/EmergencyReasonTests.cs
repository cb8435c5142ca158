using OpenNdi.Core.Policy;
using static OpenNdi.Core.Tests.Policy.PolicyFixtures;

namespace OpenNdi.Core.Tests.Policy;

/// <summary>The one rule for an emergency reason (issue 12 finding 6): strictly decoded, visible, words, bounded.</summary>
[Trait("Category", "Security")]
public sealed class EmergencyReasonTests
{
    public static TheoryData<string, string> Accepted => new()
    {
        { "unconscious, no relatives reachable", "unconscious, no relatives reachable" },
        { "cardiac%20arrest%2C%20unconscious", "cardiac arrest, unconscious" },
        { Uri.EscapeDataString("hjärtstopp, ingen anamnes"), "hjärtstopp, ingen anamnes" },
        { Uri.EscapeDataString("  medvetslös patient på akuten  "), "medvetslös patient på akuten" },
        { "GCS%203%2C%20SpO2%2080%25%2C%20cyanotic%20patient", "GCS 3, SpO2 80%, cyanotic patient" },
        { Uri.EscapeDataString("意識不明 患者 救急"), "意識不明 患者 救急" },
        // A combining mark is part of its word (o + U+0308), kept as sent.
        { Uri.EscapeDataString("medvetslo\u0308s patient akut"), "medvetslo\u0308s patient akut" },
    };

    [Theory]
    [MemberData(nameof(Accepted))]
    public void TryParse_WhenTheReasonIsWords_GivesTheDecodedTrimmedText(string raw, string text)
    {
        Assert.True(EmergencyReason.TryParse(raw, out var reason, out var error), error);
        Assert.Equal(text, reason.Text);
    }

    public static TheoryData<string, string, string?> Refused => new()
    {
        { "null", null!, "empty" },
        { "empty", "", "empty" },
        { "spaces", "%20%20%20", "empty" },
        { "percent-encoded NUL", "%00cardiac arrest unconscious", "control" },
        { "raw NUL", "cardiac arrest\0 unconscious", "visible ASCII" },
        { "line break", "cardiac arrest%0Aunconscious patient", "control" },
        { "tab", "cardiac%09arrest unconscious patient", "control" },
        { "zero-width space", "cardiac%E2%80%8Barrest, patient unconscious", "invisible" },
        { "only zero-width spaces", "%E2%80%8B%E2%80%8B%E2%80%8B", "invisible" },
        { "left-to-right mark", "cardiac arrest unconscious%E2%80%8E", "invisible" },
        { "byte order mark", "%EF%BB%BFcardiac arrest unconscious", "invisible" },
        { "word joiner", "cardiac%E2%81%A0arrest unconscious patient", "invisible" },
        { "line separator", "cardiac arrest%E2%80%A8unconscious patient", "line separator" },
        { "replacement character", "cardiac arrest unconscious %EF%BF%BD", "replacement" },
        { "bytes that are not UTF-8", "%FF%FEcardiac arrest unconscious", "not UTF-8" },
        { "overlong encoding", "%C0%AFcardiac arrest unconscious", "not UTF-8" },
        { "encoded lone surrogate", "%ED%A0%80cardiac arrest unconscious", "not UTF-8" },
        { "truncated sequence", "cardiac arrest unconscious %C3", "not UTF-8" },
        { "percent without hex", "cardiac arrest %ZZ unconscious", "two hex digits" },
        { "percent at the end", "cardiac arrest unconscious %", "two hex digits" },
        { "raw non-ASCII", "medvetslös patient på akuten", "visible ASCII" },
        { "raw replacement character", "cardiac arrest unconscious \uFFFD", "visible ASCII" },
        { "one word", "stroke", "3 different words" },
        { "two words", "cardiac arrest", "3 different words" },
        { "one-letter words", "a b c d e f", "3 different words" },
        { "one word repeated", "help help HELP", "3 different words" },
        { "punctuation only", "...%20!!!%20???", "3 different words" },
        { "30,000 characters", string.Concat(Enumerable.Repeat("unconscious%20", 2_200)), "longer than 500" },
        { "501 characters", new string('x', 495) + "%20ab%20cd", "longer than 500" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void TryParse_WhenTheReasonIsNotReadableWords_RefusesItAndSaysWhy(string what, string raw, string? why)
    {
        Assert.False(EmergencyReason.TryParse(raw, out var reason, out var error), what);
        Assert.Null(reason);
        Assert.Contains(why!, error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_AtTheLengthCap_Accepts_OneMoreRefuses()
    {
        var words = "ab cd " + new string('x', EmergencyReason.MaxLength - 6);
        Assert.True(EmergencyReason.TryParse(Uri.EscapeDataString(words), out var reason, out _));
        Assert.Equal(EmergencyReason.MaxLength, reason.Text.Length);
        Assert.False(EmergencyReason.TryParse(Uri.EscapeDataString(words + "x"), out _, out _));
    }

    [Theory]
    [InlineData("cardiac arrest \u200b")]
    [InlineData("cardiac\0arrest unconscious")]
    [InlineData("stroke")]
    [InlineData("  ")]
    public void Policy_DoesNotBreakABlockForAReasonTheRuleRefuses(string reason)
    {
        var decision = AccessPolicy.Decide(Request(Clinician(), items: [OtherLab], emergency: new EmergencyAccess(reason)),
            Privacy(blocks: [new Block("b", BlockScope.Provider, OtherProvider, null, null, null)]));

        Assert.Equal((false, DecisionReason.EmergencyReasonMissing), (decision.Items[0].Permitted, decision.Items[0].Reason));
    }
}
