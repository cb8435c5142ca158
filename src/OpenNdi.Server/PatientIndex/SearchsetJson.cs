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
            json.WriteString(Names.ResourceType, Values.Bundle);
            json.WriteString(Names.Type, Values.Searchset);
            json.WriteNumber(Names.Total, total ?? matches.Count);
            if (links is { Count: > 0 })
            {
                json.WriteStartArray(Names.Link);
                foreach (var (relation, url) in links)
                {
                    json.WriteStartObject();
                    json.WriteString(Names.Relation, relation);
                    json.WriteString(Names.Url, url);
                    json.WriteEndObject();
                }
                json.WriteEndArray();
            }
            if (matches.Count > 0 || withheld is not null)
            {
                json.WriteStartArray(Names.Entry);
                foreach (var (entry, fetchFrom, viaBreak) in matches)
                {
                    var id = DocumentReferences.StableId(entry.Key);
                    json.WriteStartObject();
                    json.WriteString(Names.FullUrl, $"{baseUrl}/DocumentReference/{id}");
                    json.WritePropertyName(Names.Resource);
                    WriteDocumentReference(json, entry, id, fetchFrom, viaBreak);
                    json.WriteStartObject(Names.Search);
                    json.WriteString(Names.Mode, Values.Match);
                    json.WriteEndObject();
                    json.WriteEndObject();
                }
                if (withheld is not null)
                {
                    // A searchset may carry an OperationOutcome about the search itself (search.mode outcome).
                    json.WriteStartObject();
                    json.WritePropertyName(Names.Resource);
                    json.WriteRawValue(FhirJson.Serialize(DocumentReferences.WithheldOutcome(withheld)));
                    json.WriteStartObject(Names.Search);
                    json.WriteString(Names.Mode, Values.Outcome);
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
        json.WriteString(Names.ResourceType, Values.DocumentReference);
        json.WriteString(Names.Id, id);
        if (viaBreak)
        {
            json.WriteStartObject(Names.Meta);
            json.WriteStartArray(Names.Security);
            json.WriteStartObject();
            json.WriteString(Names.System, DocumentReferences.BreakTheGlass.System);
            json.WriteString(Names.Code, DocumentReferences.BreakTheGlass.Code);
            json.WriteString(Names.Display, DocumentReferences.BreakTheGlass.Display);
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();
        }
        json.WriteStartArray(Names.Identifier);
        WriteIdentifier(json, null, DocumentReferences.SourceReferenceSystem, $"{key.SourceSystem}|{key.SourceReference}");
        json.WriteEndArray();
        json.WriteString(Names.Status, Values.Current);
        WriteCodeableConcept(json, Names.Type, DataCategory.LoincSystem, key.Category.Loinc, key.Category.Display);
        json.WriteStartArray(Names.Category);
        WriteCodeableConcept(json, null, DocumentReferences.CategorySystem, key.Category.Code, key.Category.Display);
        json.WriteEndArray();
        json.WriteStartObject(Names.Subject);
        WriteIdentifier(json, Names.Identifier, key.Patient.IdentifierSystem, key.Patient.Value);
        json.WriteEndObject();
        json.WriteStartArray(Names.Author);
        WriteOrganization(json, null, key.CareUnit);
        json.WriteEndArray();
        WriteOrganization(json, Names.Custodian, entry.Provider);
        json.WriteStartArray(Names.Content);
        json.WriteStartObject();
        json.WriteStartObject(Names.Attachment);
        json.WriteString(Names.ContentType, Values.FhirJson);
        if (fetchFrom is not null)
            json.WriteString(Names.Url, fetchFrom.AbsoluteUri);
        json.WriteEndObject();
        json.WriteEndObject();
        json.WriteEndArray();
        json.WriteStartObject(Names.Context);
        json.WriteStartObject(Names.Period);
        json.WriteString(Names.Start, entry.FirstDate.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
        json.WriteString(Names.End, entry.LatestDate.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
        json.WriteEndObject();
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static void WriteIdentifier(Utf8JsonWriter json, JsonEncodedText? property, string system, string value)
    {
        if (property is null)
            json.WriteStartObject();
        else
            json.WriteStartObject(property.Value);
        json.WriteString(Names.System, system);
        json.WriteString(Names.Value, value);
        json.WriteEndObject();
    }

    // As Firely's CodeableConcept(system, code, text): one coding without display, the display as text.
    private static void WriteCodeableConcept(Utf8JsonWriter json, JsonEncodedText? property, string system, string code, string text)
    {
        if (property is null)
            json.WriteStartObject();
        else
            json.WriteStartObject(property.Value);
        json.WriteStartArray(Names.Coding);
        json.WriteStartObject();
        json.WriteString(Names.System, system);
        json.WriteString(Names.Code, code);
        json.WriteEndObject();
        json.WriteEndArray();
        json.WriteString(Names.Text, text);
        json.WriteEndObject();
    }

    private static void WriteOrganization(Utf8JsonWriter json, JsonEncodedText? property, HsaId id)
    {
        if (property is null)
            json.WriteStartObject();
        else
            json.WriteStartObject(property.Value);
        json.WriteString(Names.Type, Values.Organization);
        WriteIdentifier(json, Names.Identifier, HsaId.System, id.Value);
        json.WriteEndObject();
    }

    /// <summary>Property names and fixed values, escaped once rather than on every write.</summary>
    private static class Names
    {
        public static readonly JsonEncodedText Attachment = JsonEncodedText.Encode("attachment");
        public static readonly JsonEncodedText Author = JsonEncodedText.Encode("author");
        public static readonly JsonEncodedText Category = JsonEncodedText.Encode("category");
        public static readonly JsonEncodedText Code = JsonEncodedText.Encode("code");
        public static readonly JsonEncodedText Coding = JsonEncodedText.Encode("coding");
        public static readonly JsonEncodedText Content = JsonEncodedText.Encode("content");
        public static readonly JsonEncodedText ContentType = JsonEncodedText.Encode("contentType");
        public static readonly JsonEncodedText Custodian = JsonEncodedText.Encode("custodian");
        public static readonly JsonEncodedText Context = JsonEncodedText.Encode("context");
        public static readonly JsonEncodedText Display = JsonEncodedText.Encode("display");
        public static readonly JsonEncodedText End = JsonEncodedText.Encode("end");
        public static readonly JsonEncodedText Entry = JsonEncodedText.Encode("entry");
        public static readonly JsonEncodedText FullUrl = JsonEncodedText.Encode("fullUrl");
        public static readonly JsonEncodedText Id = JsonEncodedText.Encode("id");
        public static readonly JsonEncodedText Identifier = JsonEncodedText.Encode("identifier");
        public static readonly JsonEncodedText Link = JsonEncodedText.Encode("link");
        public static readonly JsonEncodedText Meta = JsonEncodedText.Encode("meta");
        public static readonly JsonEncodedText Mode = JsonEncodedText.Encode("mode");
        public static readonly JsonEncodedText Period = JsonEncodedText.Encode("period");
        public static readonly JsonEncodedText Relation = JsonEncodedText.Encode("relation");
        public static readonly JsonEncodedText Resource = JsonEncodedText.Encode("resource");
        public static readonly JsonEncodedText ResourceType = JsonEncodedText.Encode("resourceType");
        public static readonly JsonEncodedText Search = JsonEncodedText.Encode("search");
        public static readonly JsonEncodedText Security = JsonEncodedText.Encode("security");
        public static readonly JsonEncodedText Start = JsonEncodedText.Encode("start");
        public static readonly JsonEncodedText Status = JsonEncodedText.Encode("status");
        public static readonly JsonEncodedText Subject = JsonEncodedText.Encode("subject");
        public static readonly JsonEncodedText System = JsonEncodedText.Encode("system");
        public static readonly JsonEncodedText Text = JsonEncodedText.Encode("text");
        public static readonly JsonEncodedText Total = JsonEncodedText.Encode("total");
        public static readonly JsonEncodedText Type = JsonEncodedText.Encode("type");
        public static readonly JsonEncodedText Url = JsonEncodedText.Encode("url");
        public static readonly JsonEncodedText Value = JsonEncodedText.Encode("value");
    }

    private static class Values
    {
        public static readonly JsonEncodedText Bundle = JsonEncodedText.Encode("Bundle");
        public static readonly JsonEncodedText Searchset = JsonEncodedText.Encode("searchset");
        public static readonly JsonEncodedText Match = JsonEncodedText.Encode("match");
        public static readonly JsonEncodedText Outcome = JsonEncodedText.Encode("outcome");
        public static readonly JsonEncodedText DocumentReference = JsonEncodedText.Encode("DocumentReference");
        public static readonly JsonEncodedText Current = JsonEncodedText.Encode("current");
        public static readonly JsonEncodedText FhirJson = JsonEncodedText.Encode("application/fhir+json");
        public static readonly JsonEncodedText Organization = JsonEncodedText.Encode("Organization");
    }
}
