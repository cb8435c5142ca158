using System.Buffers;
using System.Text.Json;
using OpenNdi.Core.Identifiers;
using OpenNdi.Core.Index;
using OpenNdi.Fhir;

namespace OpenNdi.Server.PatientIndex;

/// <summary>
/// The lookup's searchset Bundle written straight to JSON: the very resources <see cref="DocumentReferences.From"/>
/// builds, in the element order FHIR R4 defines (which is how the Firely serializer writes them too), without first
/// building the object model and walking it again. A lookup is the index's hottest path and its answer has a fixed
/// shape; building and reflecting over the Firely model took about a quarter of a lookup's processor time. A test
/// holds this writer to the Firely model's output, element by element.
/// </summary>
/// <summary>One entry of the answer: where to fetch it, and whether it was released only by an emergency break.</summary>
internal sealed record IndexMatch(IndexEntry Entry, Uri? FetchFrom, bool ViaEmergencyBreak = false);

internal static class SearchsetJson
{
    /// <param name="withheld">Why entries were withheld, as a sentence for an outcome entry; null when none were.</param>
    /// <param name="total">Bundle.total: every match of the search on all pages (default: this page's).</param>
    /// <param name="links">Bundle.link, relation and URL (self, next).</param>
    public static byte[] Write(IReadOnlyList<IndexMatch> matches, string? withheld, string baseUrl, int? total = null, IReadOnlyList<(string Relation, string Url)>? links = null)
    {
        var buffer = new ArrayBufferWriter<byte>(1024 + 900 * matches.Count);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("resourceType", "Bundle");
            json.WriteString("type", "searchset");
            json.WriteNumber("total", total ?? matches.Count);
            if (links is { Count: > 0 })
            {
                json.WriteStartArray("link");
                foreach (var (relation, url) in links)
                {
                    json.WriteStartObject();
                    json.WriteString("relation", relation);
                    json.WriteString("url", url);
                    json.WriteEndObject();
                }
                json.WriteEndArray();
            }
            if (matches.Count > 0 || withheld is not null)
            {
                json.WriteStartArray("entry");
                foreach (var (entry, fetchFrom, viaBreak) in matches)
                {
                    var id = DocumentReferences.StableId(entry.Key);
                    json.WriteStartObject();
                    json.WriteString("fullUrl", $"{baseUrl}/DocumentReference/{id}");
                    json.WritePropertyName("resource");
                    WriteDocumentReference(json, entry, id, fetchFrom, viaBreak);
                    json.WriteStartObject("search");
                    json.WriteString("mode", "match");
                    json.WriteEndObject();
                    json.WriteEndObject();
                }
                if (withheld is not null)
                {
                    // A searchset may carry an OperationOutcome about the search itself (search.mode outcome).
                    json.WriteStartObject();
                    json.WritePropertyName("resource");
                    json.WriteRawValue(FhirJson.Serialize(DocumentReferences.WithheldOutcome(withheld)));
                    json.WriteStartObject("search");
                    json.WriteString("mode", "outcome");
                    json.WriteEndObject();
                    json.WriteEndObject();
                }
                json.WriteEndArray();
            }
            json.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    // DocumentReference elements in R4 order: id, meta, identifier, status, type, category, subject, author, custodian, content, context.
    private static void WriteDocumentReference(Utf8JsonWriter json, IndexEntry entry, string id, Uri? fetchFrom, bool viaBreak)
    {
        var key = entry.Key;
        json.WriteStartObject();
        json.WriteString("resourceType", "DocumentReference");
        json.WriteString("id", id);
        if (viaBreak)
        {
            json.WriteStartObject("meta");
            json.WriteStartArray("security");
            json.WriteStartObject();
            json.WriteString("system", DocumentReferences.BreakTheGlass.System);
            json.WriteString("code", DocumentReferences.BreakTheGlass.Code);
            json.WriteString("display", DocumentReferences.BreakTheGlass.Display);
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();
        }
        json.WriteStartArray("identifier");
        WriteIdentifier(json, null, DocumentReferences.SourceReferenceSystem, $"{key.SourceSystem}|{key.SourceReference}");
        json.WriteEndArray();
        json.WriteString("status", "current");
        WriteCodeableConcept(json, "type", DataCategory.LoincSystem, key.Category.Loinc, key.Category.Display);
        json.WriteStartArray("category");
        WriteCodeableConcept(json, null, DocumentReferences.CategorySystem, key.Category.Code, key.Category.Display);
        json.WriteEndArray();
        json.WriteStartObject("subject");
        WriteIdentifier(json, "identifier", key.Patient.IdentifierSystem, key.Patient.Value);
        json.WriteEndObject();
        json.WriteStartArray("author");
        WriteOrganization(json, null, key.CareUnit);
        json.WriteEndArray();
        WriteOrganization(json, "custodian", entry.Provider);
        json.WriteStartArray("content");
        json.WriteStartObject();
        json.WriteStartObject("attachment");
        json.WriteString("contentType", "application/fhir+json");
        if (fetchFrom is not null)
            json.WriteString("url", fetchFrom.AbsoluteUri);
        json.WriteEndObject();
        json.WriteEndObject();
        json.WriteEndArray();
        json.WriteStartObject("context");
        json.WriteStartObject("period");
        json.WriteString("start", entry.FirstDate.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
        json.WriteString("end", entry.LatestDate.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
        json.WriteEndObject();
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static void WriteIdentifier(Utf8JsonWriter json, string? property, string system, string value)
    {
        if (property is null)
            json.WriteStartObject();
        else
            json.WriteStartObject(property);
        json.WriteString("system", system);
        json.WriteString("value", value);
        json.WriteEndObject();
    }

    // As Firely's CodeableConcept(system, code, text): one coding without display, the display as text.
    private static void WriteCodeableConcept(Utf8JsonWriter json, string? property, string system, string code, string text)
    {
        if (property is null)
            json.WriteStartObject();
        else
            json.WriteStartObject(property);
        json.WriteStartArray("coding");
        json.WriteStartObject();
        json.WriteString("system", system);
        json.WriteString("code", code);
        json.WriteEndObject();
        json.WriteEndArray();
        json.WriteString("text", text);
        json.WriteEndObject();
    }

    private static void WriteOrganization(Utf8JsonWriter json, string? property, HsaId id)
    {
        if (property is null)
            json.WriteStartObject();
        else
            json.WriteStartObject(property);
        json.WriteString("type", "Organization");
        WriteIdentifier(json, "identifier", HsaId.System, id.Value);
        json.WriteEndObject();
    }
}
