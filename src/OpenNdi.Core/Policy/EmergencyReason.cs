using System.Globalization;
using System.Text;

namespace OpenNdi.Core.Policy;

/// <summary>
/// The reason a professional gives for breaking a block in an emergency (PDL 4 kap. 3 §, 6 kap.): it is logged and
/// read at the provider's follow-up, so it must be text a person can read. One rule for every place a reason is
/// accepted:
/// <list type="bullet">
/// <item>it travels in an HTTP header, whose values are ASCII, as percent-encoded UTF-8 (<c>medvetsl%C3%B6s</c>);
/// decoding is strict: a <c>%</c> not followed by two hex digits, bytes that are not UTF-8, or a raw character outside
/// visible ASCII is refused, never passed on with replacement characters or left half-decoded (as
/// <c>Uri.UnescapeDataString</c> would: it keeps <c>%FF</c> and <c>%ZZ</c> as they are). Kestrel itself refuses
/// request headers with control or non-ASCII bytes (400) unless a header encoding is configured; other hosts and
/// proxies may pass anything, so the rule does not rely on it;</item>
/// <item>no control characters (Unicode Cc: NUL, tab, line breaks), no invisible or format characters (Cf: U+200B
/// zero-width space, U+200E, U+FEFF, U+2060 …), no line or paragraph separators, private-use, unassigned or lone
/// surrogate code points, and no U+FFFD (the mark of something already lost in decoding);</item>
/// <item>trimmed, then at least <see cref="MinWords"/> different words of at least <see cref="MinLettersPerWord"/>
/// letters each (a word is a run of letters, marks and digits; "GCS 3" counts one word): "cardiac arrest,
/// unconscious" or "medvetslös, inga anhöriga" pass, "x", "stroke" or "aa aa aa" do not. No rule can tell a real
/// reason from fluent nonsense: that is the follow-up's work; this one keeps out empty, garbled and hidden text;</item>
/// <item>at most <see cref="MaxLength"/> characters (Unicode scalar values) after decoding: a reason, not a record.</item>
/// </list>
/// </summary>
public sealed record EmergencyReason
{
    public const int MaxLength = 500;
    public const int MinWords = 3;
    public const int MinLettersPerWord = 2;

    // The longest raw value that can decode to MaxLength characters: a 4-byte character is 12 raw characters (2 units).
    private const int MaxRawLength = MaxLength * 9;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private EmergencyReason(string text) => Text = text;

    /// <summary>
    /// The reason as decoded and trimmed: what is logged. Not Unicode-normalised: the processes run with invariant
    /// globalization, where normalisation is not available, and the log keeps what was sent.
    /// </summary>
    public string Text { get; }

    /// <summary>Reads a reason as it came in the header: percent-encoded UTF-8, decoded strictly, then checked as <see cref="TryCreate"/> does.</summary>
    public static bool TryParse(string? raw, out EmergencyReason reason, out string error)
    {
        reason = null!;
        if (string.IsNullOrEmpty(raw))
            return Fail(out error, "the emergency reason is empty");
        if (raw.Length > MaxRawLength)
            return Fail(out error, $"the emergency reason is longer than {MaxLength} characters");
        var bytes = new byte[raw.Length];
        var count = 0;
        for (var i = 0; i < raw.Length; i++)
        {
            var c = raw[i];
            if (c is < ' ' or > '~')
                return Fail(out error, "the emergency reason holds a character that is not visible ASCII: send it percent-encoded as UTF-8");
            if (c != '%')
            {
                bytes[count++] = (byte)c;
                continue;
            }
            if (i + 2 >= raw.Length || !IsHex(raw[i + 1]) || !IsHex(raw[i + 2]))
                return Fail(out error, "the emergency reason has a '%' that is not followed by two hex digits (percent-encode '%' as %25)");
            bytes[count++] = (byte)(HexValue(raw[i + 1]) << 4 | HexValue(raw[i + 2]));
            i += 2;
        }
        string decoded;
        try
        {
            decoded = StrictUtf8.GetString(bytes, 0, count);
        }
        catch (DecoderFallbackException)
        {
            return Fail(out error, "the emergency reason's percent-encoding is not UTF-8");
        }
        return TryCreate(decoded, out reason, out error);
    }

    /// <summary>Checks a reason that is already text (decoded): characters, words and length.</summary>
    public static bool TryCreate(string? text, out EmergencyReason reason, out string error)
    {
        reason = null!;
        if (text is null)
            return Fail(out error, "the emergency reason is empty");
        foreach (var rune in text.EnumerateRunes())
        {
            if (Forbidden(rune) is { } what)
                return Fail(out error, $"the emergency reason holds {what} (U+{rune.Value:X4})");
        }
        text = text.Trim();
        if (text.Length == 0)
            return Fail(out error, "the emergency reason is empty");
        var length = text.EnumerateRunes().Count();
        if (length > MaxLength)
            return Fail(out error, $"the emergency reason is longer than {MaxLength} characters");
        if (Words(text) < MinWords)
            return Fail(out error, $"the emergency reason must say why in at least {MinWords} different words of at least {MinLettersPerWord} letters");
        reason = new EmergencyReason(text);
        error = "";
        return true;
    }

    /// <summary>Whether <paramref name="text"/> would be accepted as a reason (the access policy's own check).</summary>
    public static bool IsAcceptable(string? text) => TryCreate(text, out _, out _);

    public override string ToString() => Text;

    private static string? Forbidden(Rune rune)
    {
        if (rune.Value == 0xFFFD)
            return "a replacement character, the mark of undecodable input";
        return Rune.GetUnicodeCategory(rune) switch
        {
            UnicodeCategory.Control => "a control character",
            UnicodeCategory.Format => "an invisible formatting character",
            UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator => "a line separator",
            UnicodeCategory.PrivateUse => "a private-use character",
            UnicodeCategory.OtherNotAssigned => "an unassigned code point",
            UnicodeCategory.Surrogate => "a lone surrogate",
            _ => null,
        };
    }

    /// <summary>How many different words (case-insensitive) of at least <see cref="MinLettersPerWord"/> letters the text holds.</summary>
    private static int Words(string text)
    {
        var words = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var word = new StringBuilder();
        var letters = 0;
        foreach (var rune in text.EnumerateRunes().Append(new Rune(' ')))
        {
            var category = Rune.GetUnicodeCategory(rune);
            if (Rune.IsLetter(rune) || Rune.IsDigit(rune) || category is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark)
            {
                word.Append(rune.ToString());
                if (Rune.IsLetter(rune))
                    letters++;
                continue;
            }
            if (letters >= MinLettersPerWord)
                words.Add(word.ToString());
            word.Clear();
            letters = 0;
        }
        return words.Count;
    }

    private static bool IsHex(char c) => c is (>= '0' and <= '9') or (>= 'a' and <= 'f') or (>= 'A' and <= 'F');

    private static int HexValue(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;

    private static bool Fail(out string error, string message)
    {
        error = message;
        return false;
    }
}
