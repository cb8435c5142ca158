using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using Hl7.Fhir.Model;

namespace OpenNdi.Fhir;

/// <summary>
/// Writes a Bundle assembled from other systems' resources (the professional access service's summary) as FHIR JSON
/// with <see cref="Utf8JsonWriter"/>: the Bundle's own elements and the resources made here through Firely as before,
/// each resource that still has its sender's bytes (<see cref="RawResourceJson"/>) as those bytes. The output says
/// the same as <see cref="FhirJson.SerializeToUtf8"/> of the Bundle (the tests hold it so); element order and
/// escaping inside a passed-on resource are the sender's.
/// </summary>
public static class BundleJson
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };

    public static byte[] SerializeToUtf8(Bundle bundle)
    {
        var output = new ArrayBufferWriter<byte>(64 * 1024);
        Write(bundle, output);
        return output.WrittenSpan.ToArray();
    }

    /// <summary>
    /// Writes the Bundle into <paramref name="output"/> (an HTTP response's pipe: a summary of some hundreds of KiB
    /// then never sits whole in one large array, each of which would cost a full garbage collection).
    /// </summary>
    public static void Write(Bundle bundle, IBufferWriter<byte> output)
    {
        // Entries with more than a fullUrl and a resource (search, request, response, extensions) are not what this
        // writer is for: the whole Bundle goes through Firely.
        if (bundle.Entry.Any(e => e is null || e.Resource is null || e.Search is not null || e.Request is not null || e.Response is not null
            || e.Link.Count > 0 || e.Extension.Count > 0 || e.ModifierExtension.Count > 0 || e.ElementId is not null))
        {
            output.Write(FhirJson.SerializeToUtf8(bundle));
            return;
        }

        // The Bundle's own elements, through Firely: the entries are detached for that moment.
        var entries = bundle.Entry;
        byte[] head;
        bundle.Entry = [];
        try
        {
            head = FhirJson.SerializeToUtf8(bundle);
        }
        finally
        {
            bundle.Entry = entries;
        }
        if (entries.Count == 0)
        {
            output.Write(head);
            return;
        }

        // Firely's object, its closing brace taken off, continued with the entry array.
        output.Write(head.AsSpan(0, head.AsSpan().LastIndexOf((byte)'}')));
        output.Write(",\"entry\":"u8);
        using (var writer = new Utf8JsonWriter(output, WriterOptions))
        {
            writer.WriteStartArray();
            foreach (var entry in entries)
            {
                writer.WriteStartObject();
                if (entry.FullUrl is not null)
                    writer.WriteString("fullUrl"u8, entry.FullUrl);
                writer.WritePropertyName("resource"u8);
                if (RawResourceJson.Of(entry.Resource!) is { } raw)
                    raw.WriteTo(writer);
                else
                    writer.WriteRawValue(FhirJson.SerializeToUtf8(entry.Resource!), skipInputValidation: true);
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
        }
        output.Write("}"u8);
    }
}
