using Hl7.Fhir.Model;

namespace OpenNdi.Fhir;

/// <summary>Human-readable narrative (FHIR R4 §2.4.3: generated XHTML in a div, text escaped).</summary>
public static class Narratives
{
    private const string XhtmlNamespace = "http://www.w3.org/1999/xhtml";

    public static Narrative Generated(string text) => new()
    {
        Status = Narrative.NarrativeStatus.Generated,
        Div = $"<div xmlns=\"{XhtmlNamespace}\">{System.Security.SecurityElement.Escape(text)}</div>",
    };

    /// <summary>
    /// The generated text, followed by each provider's own narrative of the section under the provider's name: the
    /// provider's words are kept as they wrote them, beside ours (status additional when there are any).
    /// </summary>
    public static Narrative Generated(string text, IReadOnlyList<ProviderNarrative> theirs)
    {
        if (theirs.Count == 0)
            return Generated(text);
        var div = new System.Text.StringBuilder($"<div xmlns=\"{XhtmlNamespace}\"><p>{System.Security.SecurityElement.Escape(text)}</p>");
        foreach (var narrative in theirs)
            div.Append($"<div><p>{System.Security.SecurityElement.Escape($"From {narrative.ProviderName}:")}</p>{Inner(narrative.Div)}</div>");
        return new Narrative { Status = Narrative.NarrativeStatus.Additional, Div = div.Append("</div>").ToString() };
    }

    /// <summary>
    /// A provider's narrative as safe to nest, or null: only XHTML that meets the FHIR narrative rules (no script,
    /// no forms, no event attributes; Firely's check), so nothing a provider writes runs in a reader's browser.
    /// </summary>
    public static string? SafeDiv(Narrative? narrative) =>
        narrative?.Div is { Length: > 0 } div && (IsPlainText(div) || XHtml.IsValidNarrativeXhtml(div, out _, out _)) ? div : null;

    private const string PlainOpening = $"<div xmlns=\"{XhtmlNamespace}\">";

    /// <summary>
    /// The common machine-generated narrative, text only in the one div (no element inside it, so nothing that could
    /// run): accepted without the XHTML parse, which costs some 20 µs a section. Anything else goes to Firely's check.
    /// </summary>
    private static bool IsPlainText(string div) =>
        div.StartsWith(PlainOpening, StringComparison.Ordinal) && div.EndsWith("</div>", StringComparison.Ordinal)
        && div.AsSpan(PlainOpening.Length, div.Length - PlainOpening.Length - "</div>".Length).IndexOfAny('<', '>') < 0
        && !div.AsSpan(PlainOpening.Length).Contains("&", StringComparison.Ordinal);

    /// <summary>The provider's div as a child div (its own namespace declaration dropped, the parent's applies).</summary>
    private static string Inner(string div) => div.Replace($" xmlns=\"{XhtmlNamespace}\"", "", StringComparison.Ordinal);
}
