using System.Text.Json;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;

namespace OpenNdi.Fhir;

/// <summary>
/// FHIR R4 JSON in and out, with one shared set of options (building them is expensive; they are thread-safe once
/// built). Parsing is strict: unknown elements, wrong types and invalid values are errors with a path.
/// </summary>
public static class FhirJson
{
    private static readonly JsonSerializerOptions Options = new JsonSerializerOptions().ForFhir(ModelInfo.ModelInspector);
    private static readonly JsonSerializerOptions Pretty = new JsonSerializerOptions { WriteIndented = true }.ForFhir(ModelInfo.ModelInspector);
    private static readonly FhirJsonDeserializer Deserializer = new();

    public static string Serialize(Resource resource, bool pretty = false) =>
        JsonSerializer.Serialize(resource, resource.GetType(), pretty ? Pretty : Options);

    public static byte[] SerializeToUtf8(Resource resource) =>
        JsonSerializer.SerializeToUtf8Bytes(resource, resource.GetType(), Options);

    /// <summary>Parses a resource of any type; throws <see cref="DeserializationFailedException"/> with every problem found.</summary>
    public static Resource Parse(string json) => Deserializer.Deserialize<Resource>(json);

    public static T Parse<T>(string json) where T : Resource => Deserializer.Deserialize<T>(json);

    /// <summary>
    /// Parses a resource of any type from UTF-8 bytes, without decoding them into a string first; throws as
    /// <see cref="Parse(string)"/>, and reads as it does (Firely's string overload reads with comments skipped).
    /// </summary>
    public static Resource Parse(ReadOnlySpan<byte> utf8)
    {
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
        return Deserializer.Deserialize<Resource>(ref reader);
    }

    /// <summary>
    /// Parses, returning null and the problems instead of throwing. A resource is a JSON object (FHIR R4 §2.6.2);
    /// anything else at the root (an array, a number, a string, null) is refused here, because the deserializer
    /// throws on it a plain InvalidOperationException that would otherwise reach the caller as a 500.
    /// </summary>
    public static Resource? TryParse(string json, out string? error)
    {
        var start = json.AsSpan().TrimStart(" \t\r\n");
        if (start.Length > 0 && start[0] != '{')
        {
            error = $"a FHIR resource is a JSON object, and this body is {RootKind(start[0])}";
            return null;
        }
        try
        {
            error = null;
            return Parse(json);
        }
        catch (InvalidOperationException ex)
        {
            // Shapes the deserializer does not report as issues (an unexpected token where an element was due).
            error = ex.Message;
            return null;
        }
        catch (DeserializationFailedException ex)
        {
            error = ex.Message;
            return null;
        }
        catch (JsonException ex)
        {
            error = ex.Message;
            return null;
        }
    }

    private static string RootKind(char first) => first switch
    {
        '[' => "an array",
        '"' => "a string",
        't' or 'f' => "a boolean",
        'n' => "null",
        '-' or (>= '0' and <= '9') => "a number",
        _ => "not JSON",
    };
}
