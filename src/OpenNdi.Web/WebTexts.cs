namespace OpenNdi.Web;

/// <summary>
/// The web front end's texts: <c>Resources/WebTexts.resx</c> in Swedish (the neutral language) and
/// <c>Resources/WebTexts.en.resx</c> in English, read through <c>IStringLocalizer&lt;WebTexts&gt;</c>. Keys starting
/// with <c>js.</c> are the texts a page's script shows; the page hands them to it (<see cref="ScriptTexts"/>).
/// </summary>
public sealed class WebTexts
{
    public const string ScriptPrefix = "js.";

    /// <summary>The script's texts in the request's language, as JSON for a <c>data-texts</c> attribute.</summary>
    public static string ScriptTexts(Microsoft.Extensions.Localization.IStringLocalizer<WebTexts> texts) =>
        System.Text.Json.JsonSerializer.Serialize(texts.GetAllStrings(includeParentCultures: true)
            .Where(s => s.Name.StartsWith(ScriptPrefix, StringComparison.Ordinal))
            .GroupBy(s => s.Name).ToDictionary(g => g.Key, g => g.First().Value));
}
