using System.Text.Json;
using System.Text.RegularExpressions;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;

namespace OpenNdi.Fhir;

/// <summary>An entry of a provider's Bundle that could not be read, set aside with where it was and why.</summary>
/// <param name="Index">Its position in <c>Bundle.entry</c>.</param>
/// <param name="FullUrl">The entry's fullUrl as sent, when it had one.</param>
/// <param name="Type">The resourceType it claimed, or "entry" when it was not even an object with one.</param>
/// <param name="Id">The resource id it claimed.</param>
/// <param name="Problem">What the parser found, with the element path.</param>
public sealed record SetAsideEntry(int Index, string? FullUrl, string Type, string? Id, string Problem);

/// <summary>
/// Reads a provider's answer the way a careful receiver does: the Bundle strictly (the same parser as everywhere,
/// <see cref="FhirJson"/>), and, when that fails, the failures placed entry by entry. An entry whose resource breaks
/// the rules (a required element missing, a code from a later FHIR version, an element R4 does not know, an entry that
/// is JSON null) is set aside and named; the other entries go on exactly as the strict parser read them, because
/// Firely reports every problem with its path (<c>Bundle.entry[3].resource.status</c>) and keeps the rest in its
/// partial result. Only an answer that is not a usable Bundle at all (not JSON, not a Bundle, problems it cannot place
/// in an entry) is rejected whole. A valid answer costs nothing extra: the placing runs only when the strict parse fails.
/// </summary>
public static partial class LenientBundleReader
{
    /// <summary>The Bundle with every readable entry, and the entries set aside; or null and why the answer is not usable.</summary>
    public static (Bundle? Bundle, IReadOnlyList<SetAsideEntry> SetAside, string? Error) Read(string json) =>
        Read(System.Text.Encoding.UTF8.GetBytes(json));

    /// <summary>
    /// The same from the answer's bytes as they came (UTF-8, as FHIR JSON is): read where they are, never decoded into
    /// a string (an answer of 45 KiB would be a 90 KB string, on the large object heap, for every provider answer).
    /// The read resources keep slices of <paramref name="utf8"/> (<see cref="RawResourceJson"/>): do not reuse the array.
    /// </summary>
    public static (Bundle? Bundle, IReadOnlyList<SetAsideEntry> SetAside, string? Error) Read(byte[] utf8)
    {
        var start = utf8.AsSpan().TrimStart(" \t\r\n"u8);
        if (start.Length == 0 || start[0] != (byte)'{')
            return (null, [], FhirJson.TryParse(Decode(utf8), out var rootError) is null ? rootError : "the answer is not a JSON object");
        try
        {
            return FhirJson.Parse(utf8) is Bundle bundle
                ? (KeepSentJson(utf8, bundle, null), [], null)
                : (null, [], "answered a resource that is not a Bundle");
        }
        catch (DeserializationFailedException ex) when (ex.PartialResult is Bundle partial)
        {
            var (placed, setAside, error) = Place(utf8, partial, ex);
            return (placed is null ? null : KeepSentJson(utf8, placed, setAside), setAside, error);
        }
        catch (DeserializationFailedException ex)
        {
            return (null, [], ex.PartialResult is null ? ex.Message : $"answered a {ex.PartialResult.TypeName} where a Bundle was expected");
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            // JSON that is not well formed, and a string value that is not UTF-8 (the fetcher decodes such a body first).
            return (null, [], ex.Message);
        }
    }

    private static string Decode(byte[] utf8) => System.Text.Encoding.UTF8.GetString(utf8);

    [GeneratedRegex(@"^Bundle\.entry\[(?<index>\d+)\]")]
    private static partial Regex EntryPath();

    private static (Bundle?, IReadOnlyList<SetAsideEntry>, string?) Place(byte[] utf8, Bundle partial, DeserializationFailedException ex)
    {
        // Comments skipped, as Firely's read skips them.
        using var document = JsonDocument.Parse(utf8, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip });
        var entries = document.RootElement.TryGetProperty("entry", out var array) && array.ValueKind == JsonValueKind.Array ? array : default;
        var sent = entries.ValueKind == JsonValueKind.Array ? entries.GetArrayLength() : 0;
        // Entries that are not objects (JSON null): Firely names them with an index past the end, so find them here.
        var notObjects = Enumerable.Range(0, sent).Where(i => entries[i].ValueKind != JsonValueKind.Object).ToList();

        var byEntry = new SortedDictionary<int, List<string>>();
        foreach (var index in notObjects)
            byEntry[index] = ["the entry is not a JSON object"];
        foreach (var problem in ex.Exceptions)
        {
            var path = (problem as Hl7.Fhir.Utility.ExtendedCodedException)?.InstancePath;
            var match = path is null ? null : EntryPath().Match(path);
            // A problem outside every entry (Bundle.type, the Bundle's own elements) or without a place leaves no way
            // to tell which content it spoils: the answer is not usable as a whole.
            if (match is not { Success: true })
                return (null, [], $"the Bundle itself is not valid: {problem.Message}");
            var index = int.Parse(match.Groups["index"].Value, System.Globalization.CultureInfo.InvariantCulture);
            if (index >= sent && notObjects.Count > 0)
                continue; // the null entries, already set aside
            if (index >= sent)
                return (null, [], $"a problem names an entry the Bundle does not have: {problem.Message}");
            if (!byEntry.TryGetValue(index, out var list))
                byEntry[index] = list = [];
            list.Add(problem.Message);
        }

        // Where each entry of the partial result sits in the JSON: one for one, or with the null entries left out.
        List<int> positions;
        if (partial.Entry.Count == sent)
            positions = [.. Enumerable.Range(0, sent)];
        else if (partial.Entry.Count == sent - notObjects.Count)
            positions = [.. Enumerable.Range(0, sent).Except(notObjects)];
        else
            return (null, [], $"the Bundle's entries could not be read one by one ({partial.Entry.Count} of {sent}): {ex.Message}");

        var setAside = new List<SetAsideEntry>();
        foreach (var (index, problems) in byEntry)
        {
            var element = entries[index];
            string? fullUrl = null, type = null, id = null;
            if (element.ValueKind == JsonValueKind.Object)
            {
                fullUrl = Text(element, "fullUrl");
                if (element.TryGetProperty("resource", out var resource) && resource.ValueKind == JsonValueKind.Object)
                {
                    type = Text(resource, "resourceType");
                    id = Text(resource, "id");
                }
            }
            setAside.Add(new SetAsideEntry(index, fullUrl, type ?? "entry", id, string.Join("; ", problems.Distinct().Take(5))));
        }
        for (var i = positions.Count - 1; i >= 0; i--)
        {
            if (byEntry.ContainsKey(positions[i]) || partial.Entry[i] is null)
                partial.Entry.RemoveAt(i);
        }
        return (partial, setAside, null);
    }

    /// <summary>
    /// Keeps each read entry's resource JSON as sent on the resource (<see cref="RawResourceJson"/>), so an answer that
    /// passes it on writes those bytes: one pass of <see cref="Utf8JsonReader"/> over the answer, entries matched to the
    /// Bundle's by position (those set aside, and entries without a resource, have none in the Bundle).
    /// </summary>
    private static Bundle KeepSentJson(byte[] utf8, Bundle bundle, IReadOnlyList<SetAsideEntry>? setAside)
    {
        List<ReadOnlyMemory<byte>?> slices;
        try
        {
            slices = ResourceSlices(utf8);
        }
        catch (JsonException)
        {
            // JSON Firely reads but a strict reader does not (comments, which Firely skips): nothing is kept, every
            // resource is written from its object.
            return bundle;
        }
        var left = setAside?.Select(e => e.Index).ToHashSet() ?? [];
        var kept = Enumerable.Range(0, slices.Count).Where(i => !left.Contains(i)).ToList();
        // Entries the Bundle does not hold one for one (a shape the placing did not expect): nothing is kept, every resource is written from its object.
        if (kept.Count != bundle.Entry.Count)
            return bundle;
        for (var i = 0; i < kept.Count; i++)
        {
            if (bundle.Entry[i]?.Resource is { } parsed && slices[kept[i]] is { } sent)
                RawResourceJson.Attach(parsed, sent);
        }
        return bundle;
    }

    /// <summary>Each entry's resource as its bytes in <paramref name="utf8"/> (null for an entry without one), in the entries' order.</summary>
    private static List<ReadOnlyMemory<byte>?> ResourceSlices(byte[] utf8)
    {
        var slices = new List<ReadOnlyMemory<byte>?>();
        var reader = new Utf8JsonReader(utf8);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            return slices;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isEntry = reader.ValueTextEquals("entry"u8);
            reader.Read();
            if (!isEntry || reader.TokenType != JsonTokenType.StartArray)
            {
                reader.Skip();
                continue;
            }
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                ReadOnlyMemory<byte>? resource = null;
                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                    {
                        var isResource = reader.ValueTextEquals("resource"u8);
                        reader.Read();
                        var start = (int)reader.TokenStartIndex;
                        reader.Skip();
                        if (isResource && utf8[start] == (byte)'{')
                            resource = utf8.AsMemory(start, (int)reader.BytesConsumed - start);
                    }
                }
                else
                {
                    reader.Skip();
                }
                slices.Add(resource);
            }
        }
        return slices;
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
