using System.Globalization;
using System.Text.Json;

namespace OpenNdi.Core.Audit;

/// <summary>
/// The canonical form of an audit record: compact UTF-8 JSON with a fixed property order, absent values omitted and
/// times as UTC in whole microseconds. The hash chain covers exactly these bytes, so writing the same record
/// twice always gives the same bytes, and what was stored can be read back and checked.
/// </summary>
public static class AuditJson
{
    private const string TimeFormat = "yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'";

    public static string FormatTime(DateTimeOffset time) => time.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture);

    /// <summary>Reads a time written by <see cref="FormatTime"/>.</summary>
    public static DateTimeOffset ParseTime(string text) =>
        DateTimeOffset.ParseExact(text, TimeFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

    /// <summary>A time as the log keeps it: UTC, whole microseconds (what PostgreSQL's timestamptz holds).</summary>
    public static DateTimeOffset Truncate(DateTimeOffset time) => new(time.UtcTicks - time.UtcTicks % 10, TimeSpan.Zero);

    public static byte[] Write(AuditRecord record)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(512);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("recorded", FormatTime(record.Recorded));
            json.WriteString("event", record.Event);
            json.WriteString("action", ActionCode(record.Action));
            json.WriteNumber("outcome", (int)record.Outcome);
            Optional(json, "outcomeText", record.OutcomeText);
            WriteAgent(json, "who", record.Who);
            if (record.OnBehalfOf is { } onBehalfOf)
                WriteAgent(json, "onBehalfOf", onBehalfOf);
            Optional(json, "patient", record.Patient);
            Optional(json, "purposeOfUse", record.PurposeOfUse);
            Optional(json, "source", record.Source);
            Optional(json, "emergencyReason", record.EmergencyReason);
            if (record.Entities.Count > 0)
            {
                json.WriteStartArray("entities");
                foreach (var entity in record.Entities)
                {
                    json.WriteStartObject();
                    json.WriteString("kind", entity.Kind);
                    Optional(json, "reference", entity.Reference);
                    Optional(json, "provider", entity.Provider);
                    Optional(json, "category", entity.Category);
                    Optional(json, "detail", entity.Detail);
                    json.WriteEndObject();
                }
                json.WriteEndArray();
            }
            json.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Reads a stored record back; throws <see cref="FormatException"/> on anything that is not a record.</summary>
    public static AuditRecord Read(ReadOnlySpan<byte> utf8)
    {
        try
        {
            using var document = JsonDocument.Parse(utf8.ToArray());
            var root = document.RootElement;
            var entities = root.TryGetProperty("entities", out var list)
                ? list.EnumerateArray().Select(e => new AuditEntity(Required(e, "kind"), Text(e, "reference"), Text(e, "provider"), Text(e, "category"), Text(e, "detail"))).ToList()
                : [];
            return new AuditRecord(
                ParseTime(Required(root, "recorded")),
                Required(root, "event"),
                ParseAction(Required(root, "action")),
                (AuditOutcome)root.GetProperty("outcome").GetInt32(),
                ReadAgent(root.GetProperty("who")),
                Text(root, "patient"),
                root.TryGetProperty("onBehalfOf", out var behalf) ? ReadAgent(behalf) : null,
                Text(root, "purposeOfUse"),
                Text(root, "source"),
                Text(root, "outcomeText"),
                Text(root, "emergencyReason"),
                entities);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or ArgumentException)
        {
            throw new FormatException($"not an audit record: {e.Message}", e);
        }
    }

    public static string ActionCode(AuditAction action) => action switch
    {
        AuditAction.Create => "C",
        AuditAction.Read => "R",
        AuditAction.Update => "U",
        AuditAction.Delete => "D",
        _ => "E",
    };

    private static AuditAction ParseAction(string code) => code switch
    {
        "C" => AuditAction.Create,
        "R" => AuditAction.Read,
        "U" => AuditAction.Update,
        "D" => AuditAction.Delete,
        "E" => AuditAction.Execute,
        _ => throw new FormatException($"unknown action '{code}'"),
    };

    private static void WriteAgent(Utf8JsonWriter json, string name, AuditAgent agent)
    {
        json.WriteStartObject(name);
        json.WriteString("kind", agent.Kind);
        json.WriteString("id", agent.Id);
        Optional(json, "name", agent.Name);
        Optional(json, "role", agent.Role);
        Optional(json, "provider", agent.Provider);
        Optional(json, "careUnit", agent.CareUnit);
        Optional(json, "assignment", agent.Assignment);
        json.WriteEndObject();
    }

    private static AuditAgent ReadAgent(JsonElement e) =>
        new(Required(e, "kind"), Required(e, "id"), Text(e, "name"), Text(e, "role"), Text(e, "provider"), Text(e, "careUnit"), Text(e, "assignment"));

    private static void Optional(Utf8JsonWriter json, string name, string? value)
    {
        if (value is not null)
            json.WriteString(name, value);
    }

    private static string Required(JsonElement e, string name) =>
        Text(e, name) ?? throw new FormatException($"'{name}' is missing");

    private static string? Text(JsonElement e, string name) =>
        e.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
