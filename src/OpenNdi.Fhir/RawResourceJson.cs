using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using Hl7.Fhir.Model;
using Hl7.Fhir.Utility;

namespace OpenNdi.Fhir;

/// <summary>
/// A resource's JSON exactly as its sender wrote it, kept on the parsed resource (a Firely annotation) so that an
/// answer passing it on unchanged writes those bytes instead of serialising the object again (issue 16: serialising
/// the providers' resources cost as much as the rest of assembling a summary). Reference texts changed on the object
/// are recorded here, from the text as sent to the text now, and replaced in the bytes as they are written; any other
/// change to the object must call <see cref="Changed"/>, and the object is then serialised as before.
/// </summary>
public sealed class RawResourceJson
{
    private static readonly JavaScriptEncoder Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping;

    private Dictionary<string, string>? _rewrites;

    private RawResourceJson(ReadOnlyMemory<byte> json) => Json = json;

    /// <summary>The resource's JSON object as sent (UTF-8).</summary>
    public ReadOnlyMemory<byte> Json { get; }

    /// <summary>Reference texts as sent, and what each is now.</summary>
    public IReadOnlyDictionary<string, string> Rewrites => _rewrites ?? (IReadOnlyDictionary<string, string>)new Dictionary<string, string>();

    public static void Attach(Resource resource, ReadOnlyMemory<byte> json)
    {
        resource.RemoveAnnotations<RawResourceJson>();
        resource.AddAnnotation(new RawResourceJson(json));
    }

    /// <summary>The bytes that still say what <paramref name="resource"/> says, or null when there are none (never had, or changed otherwise than in references).</summary>
    public static RawResourceJson? Of(Resource resource) => resource.Annotation<RawResourceJson>();

    /// <summary>Records that a reference of <paramref name="resource"/> whose text was <paramref name="from"/> now says <paramref name="to"/>.</summary>
    public static void Rewrote(Resource resource, string from, string to)
    {
        if (Of(resource) is not { } raw || from == to)
            return;
        raw._rewrites ??= new Dictionary<string, string>(StringComparer.Ordinal);
        // A text changed twice: the text as sent now says the latest.
        var changedBefore = false;
        foreach (var (sent, now) in raw._rewrites.ToList())
        {
            if (now == from)
            {
                raw._rewrites[sent] = to;
                changedBefore = true;
            }
        }
        if (!changedBefore)
            raw._rewrites.TryAdd(from, to);
    }

    /// <summary>The object was changed otherwise than in a reference's text: its sent bytes no longer say what it says.</summary>
    public static void Changed(Resource resource) => resource.RemoveAnnotations<RawResourceJson>();

    /// <summary>
    /// Writes the resource: the bytes as sent, with every <c>reference</c> whose text was rewritten replaced by its
    /// new text (the rest of the bytes are copied as they are).
    /// </summary>
    public void WriteTo(Utf8JsonWriter writer)
    {
        var json = Json.Span;
        if (_rewrites is not { Count: > 0 } rewrites)
        {
            writer.WriteRawValue(json, skipInputValidation: true);
            return;
        }
        var buffer = new ArrayBufferWriter<byte>(json.Length + 256);
        var reader = new Utf8JsonReader(json);
        var copied = 0;
        var inReference = false;
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.PropertyName)
            {
                inReference = reader.ValueTextEquals("reference"u8);
                continue;
            }
            if (inReference && reader.TokenType == JsonTokenType.String && rewrites.TryGetValue(reader.GetString()!, out var now))
            {
                var start = (int)reader.TokenStartIndex;
                buffer.Write(json[copied..start]);
                buffer.Write("\""u8);
                buffer.Write(JsonEncodedText.Encode(now, Encoder).EncodedUtf8Bytes);
                buffer.Write("\""u8);
                copied = start + reader.ValueSpan.Length + 2; // the string token with its quotes (ValueSpan is the text as written, escapes included)
            }
            inReference = false;
        }
        buffer.Write(json[copied..]);
        writer.WriteRawValue(buffer.WrittenSpan, skipInputValidation: true);
    }
}
