using System.Text.Json;
using System.Text.Json.Serialization;

namespace OpenNdi.Synthetic.Simulator;

/// <summary>JSON settings for the simulator's own (non-FHIR) documents: camelCase, enums as strings.</summary>
public static class SimulatorJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };
}
