using System.Text.RegularExpressions;
using Hl7.Fhir.Model;

namespace OpenNdi.Fhir;

/// <summary>
/// Finds the entry of a Bundle that a literal reference names, by the rules of FHIR R4 §2.36.4.1 (Resolving
/// references in Bundles):
/// <list type="bullet">
/// <item>an absolute reference (a URL, <c>urn:uuid:</c>, <c>urn:oid:</c>) names the entry whose fullUrl is exactly that;</item>
/// <item>a relative <c>Type/id</c> is made absolute with the root of the referring entry's fullUrl (the part before
/// its own <c>Type/id</c>), when that fullUrl is a RESTful URL; written in an entry with a URN fullUrl it has no
/// meaning within the bundle;</item>
/// <item>a version-specific reference loses its <c>/_history/v</c> for the match and then must match the entry's
/// <c>meta.versionId</c>.</item>
/// </list>
/// Local references (<c>#id</c>, to contained resources) and logical references (identifier only) name no entry.
/// </summary>
public sealed partial class BundleReferences
{
    private const string History = "/_history/";

    private readonly Bundle _bundle;
    private readonly Dictionary<string, List<int>> _entriesByFullUrl = new(StringComparer.Ordinal);

    public BundleReferences(Bundle bundle)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        _bundle = bundle;
        for (var i = 0; i < bundle.Entry.Count; i++)
        {
            var fullUrl = bundle.Entry[i]?.FullUrl;
            if (string.IsNullOrEmpty(fullUrl))
                continue;
            if (!_entriesByFullUrl.TryGetValue(fullUrl, out var indexes))
                _entriesByFullUrl[fullUrl] = indexes = [];
            indexes.Add(i);
        }
    }

    /// <summary>The index of the entry <paramref name="reference"/> names, when written in the entry whose fullUrl is <paramref name="referrerFullUrl"/>; null when it names none.</summary>
    public int? IndexOf(ResourceReference? reference, string? referrerFullUrl) => IndexOf(reference?.Reference, referrerFullUrl);

    /// <inheritdoc cref="IndexOf(ResourceReference?, string?)"/>
    public int? IndexOf(string? reference, string? referrerFullUrl)
    {
        if (string.IsNullOrEmpty(reference) || reference.StartsWith('#'))
            return null;
        var (url, version) = SplitVersion(reference);
        string? absolute;
        if (SchemePattern().IsMatch(url))
            absolute = url;
        else if (RelativePattern().Match(url) is { Success: true } relative && ModelInfo.IsKnownResource(relative.Groups["type"].Value))
            absolute = RestfulRoot(referrerFullUrl) is { } root ? root + url : null;
        else
            absolute = null;
        if (absolute is null || !_entriesByFullUrl.TryGetValue(absolute, out var indexes))
            return null;
        // Several matches are ambiguous (the spec lets applications choose); duplicates are reported under bdl-7, so take the first.
        foreach (var index in indexes)
        {
            if (version is null || _bundle.Entry[index].Resource?.Meta?.VersionId == version)
                return index;
        }
        return null;
    }

    /// <summary>The resource <paramref name="reference"/> names within the bundle, or null.</summary>
    public Resource? Resolve(ResourceReference? reference, string? referrerFullUrl) =>
        IndexOf(reference, referrerFullUrl) is { } index ? _bundle.Entry[index].Resource : null;

    /// <summary>The service root of a RESTful fullUrl (<c>https://host/fhir/</c> of <c>https://host/fhir/Patient/1</c>); null for URNs and anything else.</summary>
    public static string? RestfulRoot(string? fullUrl)
    {
        if (string.IsNullOrEmpty(fullUrl))
            return null;
        var match = RestfulPattern().Match(SplitVersion(fullUrl).Url);
        return match.Success && ModelInfo.IsKnownResource(match.Groups["type"].Value) ? match.Groups["root"].Value : null;
    }

    private static (string Url, string? Version) SplitVersion(string reference)
    {
        var at = reference.LastIndexOf(History, StringComparison.Ordinal);
        return at < 0 ? (reference, null) : (reference[..at], reference[(at + History.Length)..]);
    }

    // RFC 3986 §3.1: a scheme, then ':'. "Patient/1" has none; "urn:uuid:…" and "https://…" do.
    [GeneratedRegex("^[A-Za-z][A-Za-z0-9+.-]*:")]
    private static partial Regex SchemePattern();

    // The [type]/[id] form of FHIR R4 §2.3.0 (Resource.id: [A-Za-z0-9\-\.]{1,64}).
    [GeneratedRegex(@"^(?<type>[A-Z][A-Za-z]+)/(?<id>[A-Za-z0-9\-.]{1,64})$")]
    private static partial Regex RelativePattern();

    // The RESTful URL regex of FHIR R4 §2.36.4.1, with the root required: a fullUrl is absolute.
    [GeneratedRegex(@"^(?<root>https?://([A-Za-z0-9\-\\.:%$]*/)+)(?<type>[A-Z][A-Za-z]+)/(?<id>[A-Za-z0-9\-.]{1,64})$")]
    private static partial Regex RestfulPattern();
}
