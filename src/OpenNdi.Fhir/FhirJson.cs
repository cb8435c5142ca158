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

    /// <summary>Parses, returning null and the problems instead of throwing.</summary>
    public static Resource? TryParse(string json, out string? error)
    {
        try
        {
            error = null;
            return Parse(json);
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
}
