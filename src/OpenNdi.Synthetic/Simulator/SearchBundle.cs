using System.Text.Json;
using OpenNdi.Data.Simulator;

namespace OpenNdi.Synthetic.Simulator;

/// <summary>
/// Writes a FHIR searchset Bundle around stored resources without parsing them: the stored JSON goes in as it is.
/// Parsing and re-serialising every resource would cost more than the whole database lookup.
/// </summary>
internal static class SearchBundle
{
    public static byte[] Write(string baseUrl, string selfUrl, string? nextUrl, IReadOnlyList<StoredResource> matches)
    {
        using var buffer = new MemoryStream(256 + matches.Sum(m => m.Json.Length + 128));
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
            if (matches.Count > 0)
                json.WriteStartArray("entry");
            foreach (var match in matches)
            {
                json.WriteStartObject();
                json.WriteString("fullUrl", $"{baseUrl}/{match.ResourceType}/{match.Id}");
                json.WritePropertyName("resource");
                json.WriteRawValue(match.Json, skipInputValidation: true);
                json.WriteStartObject("search");
                json.WriteString("mode", "match");
                json.WriteEndObject();
                json.WriteEndObject();
            }
            if (matches.Count > 0)
                json.WriteEndArray();
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }

    private static void WriteLink(Utf8JsonWriter json, string relation, string url)
    {
        json.WriteStartObject();
        json.WriteString("relation", relation);
        json.WriteString("url", url);
        json.WriteEndObject();
    }
}
