using System.Text.Json;
using OpenNdi.Data.Simulator;

namespace OpenNdi.Synthetic.Simulator;

/// <summary>
/// Writes a FHIR searchset Bundle around stored resources without parsing them: the stored JSON goes in as it is.
/// Parsing and re-serialising every resource would cost more than the whole database lookup.
/// </summary>
internal static class SearchBundle
{
    /// <param name="included">
    /// Resources the matches reference that the search asked for with <c>_include</c>: entries with search mode
    /// <c>include</c> (FHIR R4 §3.1.1.5.4), after the matches, not counted by <c>_count</c>.
    /// </param>
    public static byte[] Write(string baseUrl, string selfUrl, string? nextUrl, IReadOnlyList<StoredResource> matches, IReadOnlyList<StoredResource>? included = null)
    {
        included ??= [];
        using var buffer = new MemoryStream(256 + matches.Concat(included).Sum(m => m.Json.Length + 128));
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("resourceType", "Bundle");
            json.WriteString("type", "searchset");
            json.WriteStartArray("link");
            WriteLink(json, "self", selfUrl);
            if (nextUrl is not null)
                WriteLink(json, "next", nextUrl);
            json.WriteEndArray();
            // FHIR forbids empty arrays: an empty result has no entry element at all.
            if (matches.Count + included.Count > 0)
            {
                json.WriteStartArray("entry");
                foreach (var match in matches)
                    WriteEntry(json, baseUrl, match, "match");
                foreach (var include in included)
                    WriteEntry(json, baseUrl, include, "include");
                json.WriteEndArray();
            }
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }

    private static void WriteEntry(Utf8JsonWriter json, string baseUrl, StoredResource resource, string mode)
    {
        json.WriteStartObject();
        json.WriteString("fullUrl", $"{baseUrl}/{resource.ResourceType}/{resource.Id}");
        json.WritePropertyName("resource");
        json.WriteRawValue(resource.Json, skipInputValidation: true);
        json.WriteStartObject("search");
        json.WriteString("mode", mode);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static void WriteLink(Utf8JsonWriter json, string relation, string url)
    {
        json.WriteStartObject();
        json.WriteString("relation", relation);
        json.WriteString("url", url);
        json.WriteEndObject();
    }
}
