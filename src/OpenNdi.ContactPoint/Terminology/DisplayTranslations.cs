using System.Collections.Frozen;

namespace OpenNdi.ContactPoint.Terminology;

/// <summary>
/// Our own translations of eHDSI Master Value Set Catalogue displays into the languages the demo needs: Swedish (sv,
/// Sweden as country of treatment), German (de) and French (fr), the simulated peers. The table is
/// <c>Terminology/translations.tsv</c>, embedded in the assembly; its header says who made it and how (OpenNdi, not
/// clinically reviewed, the MVC's English display the reference). The MVC itself publishes English displays only
/// (ADR 0010 §7); member states keep their own translations, which a production deployment would load instead.
/// </summary>
public sealed class DisplayTranslations
{
    /// <summary>The name of the embedded table in this assembly.</summary>
    public const string ResourceName = "OpenNdi.ContactPoint.Terminology.translations.tsv";

    private static readonly Lazy<DisplayTranslations> Embedded = new(LoadEmbedded);

    private readonly FrozenDictionary<(string System, string Code, string Language), string> _displays;

    private DisplayTranslations(Dictionary<(string, string, string), string> displays)
    {
        _displays = displays.ToFrozenDictionary();
        Languages = displays.Keys.Select(k => k.Item3).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>The table shipped with OpenNdi (<see cref="ResourceName"/>).</summary>
    public static DisplayTranslations Default => Embedded.Value;

    /// <summary>The languages the table has displays in (primary subtags, lower case).</summary>
    public IReadOnlyList<string> Languages { get; }

    /// <summary>Number of (system, code, language) rows.</summary>
    public int Count => _displays.Count;

    /// <summary>
    /// Reads a table: one row a line, tab-separated <c>system code language display</c>; lines starting with <c>#</c>
    /// and blank lines are skipped. Systems are indexed under their canonical URI (<see cref="MasterValueSetCatalogue.Canonical"/>).
    /// </summary>
    /// <param name="source">Names the table in error messages.</param>
    /// <exception cref="InvalidDataException">A row has not four fields, or a (system, code, language) comes twice.</exception>
    public static DisplayTranslations Parse(TextReader reader, string source)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var displays = new Dictionary<(string, string, string), string>();
        var number = 0;
        while (reader.ReadLine() is { } line)
        {
            number++;
            if (line.Length == 0 || line.StartsWith('#'))
                continue;
            var fields = line.Split('\t');
            if (fields.Length != 4 || fields.Any(f => f.Trim().Length == 0))
                throw new InvalidDataException($"{source} line {number}: a row is 'system<TAB>code<TAB>language<TAB>display', all four present.");
            var key = (MasterValueSetCatalogue.Canonical(fields[0].Trim()), fields[1].Trim(), PrimaryLanguage(fields[2]));
            if (!displays.TryAdd(key, fields[3].Trim()))
                throw new InvalidDataException($"{source} line {number}: {fields[0]}|{fields[1]} in '{fields[2]}' is already translated above.");
        }
        return new DisplayTranslations(displays);
    }

    /// <summary>The display of <paramref name="system"/>|<paramref name="code"/> in <paramref name="language"/> (BCP 47; matched on its primary subtag, so <c>de-DE</c> and <c>de-AT</c> both find <c>de</c>), or null.</summary>
    public string? Find(string? system, string? code, string? language)
    {
        if (string.IsNullOrEmpty(system) || string.IsNullOrEmpty(code) || string.IsNullOrEmpty(language))
            return null;
        return _displays.GetValueOrDefault((MasterValueSetCatalogue.Canonical(system), code, PrimaryLanguage(language)));
    }

    /// <summary>The primary language subtag of a BCP 47 tag, lower case (<c>de-DE</c> → <c>de</c>; BCP 47 §2.1.1: tags are case-insensitive).</summary>
    public static string PrimaryLanguage(string tag)
    {
        var trimmed = tag.Trim();
        var dash = trimmed.IndexOfAny(['-', '_']);
        return (dash < 0 ? trimmed : trimmed[..dash]).ToLowerInvariant();
    }

    private static DisplayTranslations LoadEmbedded()
    {
        using var stream = typeof(DisplayTranslations).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The embedded translation table {ResourceName} is missing from {typeof(DisplayTranslations).Assembly.GetName().Name}.");
        using var reader = new StreamReader(stream);
        return Parse(reader, ResourceName);
    }
}
