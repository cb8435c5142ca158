using System.Text.Json;
using OpenNdi.Core.Identifiers;
using OpenNdi.Core.Index;

namespace OpenNdi.Server.PatientIndex;

/// <summary>
/// Reads the <see cref="PublishedFields"/> of one NDJSON line of a bulk publish straight from its UTF-8, without a Firely
/// DocumentReference, for the shape provider systems send (IHE MHD minimal metadata with only what the index reads, as
/// the simulated providers and the bulk benchmark write it). It only ever answers for lines the strict Firely parse accepts: anything outside that shape gives null,
/// and the caller parses the line with Firely, which accepts it or names the problem as it always did.
/// </summary>
/// <remarks>
/// Accepted here (every element optional unless said, each at most once, no <c>null</c>, no empty object or array, no
/// extension, no <c>id</c> or <c>meta</c>, no comments, one JSON value a line):
/// <code>
/// resourceType  "DocumentReference" (required, first)
/// status        current | superseded | entered-in-error (required)
/// identifier[]  { system, value }
/// type          { coding[] { system, code, display }, text }
/// subject       { identifier { system, value } }
/// author[]      { identifier { system, value } }
/// context       { period { start, end } }
/// content[]     { attachment { contentType } } (required)
/// </code>
/// Values are held to stricter rules than the FHIR datatypes' (R4 §2.24.0.1), so each one is valid for its type: a uri
/// is one of the systems the index knows, a code has no whitespace at all, a string no leading or trailing whitespace nor control characters, a dateTime is
/// exactly a calendar date YYYY-MM-DD.
/// </remarks>
internal static class PublishedDocumentJson
{
    /// <summary>The fields of <paramref name="line"/>, or null when it is not in the shape read here.</summary>
    public static PublishedFields? TryRead(ReadOnlySpan<byte> line)
    {
        try
        {
            var reader = new Utf8JsonReader(line);
            var fields = ReadDocument(ref reader);
            // One JSON value a line: anything after it throws (no multiple values allowed), whitespace ends the read.
            return fields is not null && !reader.Read() ? fields : null;
        }
        catch (JsonException)
        {
            return null;
        }
        catch (InvalidOperationException)
        {
            return null; // a string that is not valid UTF-8
        }
    }

    private static PublishedFields? ReadDocument(ref Utf8JsonReader reader)
    {
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            return null;
        var seen = 0;
        string? subjectSystem = null, subjectValue = null, loinc = null, authorSystem = null, authorValue = null, source = null, start = null, end = null;
        var retract = false;
        while (Next(ref reader, ref seen, out var property))
        {
            switch (property)
            {
                case Property.ResourceType:
                    if (seen != 1 << (int)Property.ResourceType || !reader.Read() || reader.TokenType != JsonTokenType.String || !reader.ValueTextEquals("DocumentReference"u8))
                        return null;
                    break;
                case Property.Status:
                    if (!reader.Read() || reader.TokenType != JsonTokenType.String)
                        return null;
                    if (reader.ValueTextEquals("entered-in-error"u8) || reader.ValueTextEquals("superseded"u8))
                        retract = true;
                    else if (!reader.ValueTextEquals("current"u8))
                        return null;
                    break;
                case Property.Identifier:
                    // The first identifier with the source-reference system counts, whether or not it has a value.
                    var identifier = (Seen: false, Value: (string?)null);
                    if (!ReadArray(ref reader, ref identifier, static (ref Utf8JsonReader r, ref (bool Seen, string? Value) state) =>
                    {
                        if (!ReadSystemValue(ref r, out var system, out var value))
                            return false;
                        if (!state.Seen && system == DocumentReferences.SourceReferenceSystem)
                            state = (true, value);
                        return true;
                    }))
                        return null;
                    source = identifier.Value;
                    break;
                case Property.Type:
                    if (!ReadType(ref reader, out loinc))
                        return null;
                    break;
                case Property.Subject:
                    if (!ReadWrapped(ref reader, Property.Identifier, out subjectSystem, out subjectValue))
                        return null;
                    break;
                case Property.Author:
                    var author = (Seen: false, System: (string?)null, Value: (string?)null);
                    if (!ReadArray(ref reader, ref author, static (ref Utf8JsonReader r, ref (bool Seen, string? System, string? Value) state) =>
                    {
                        if (!ReadWrapped(ref r, Property.Identifier, out var system, out var value))
                            return false;
                        if (!state.Seen)
                            state = (true, system, value);
                        return true;
                    }))
                        return null;
                    (authorSystem, authorValue) = (author.System, author.Value);
                    break;
                case Property.Context:
                    if (!ReadContext(ref reader, out start, out end))
                        return null;
                    break;
                case Property.Content:
                    var none = 0;
                    if (!ReadArray(ref reader, ref none, static (ref Utf8JsonReader r, ref int _) => ReadAttachment(ref r)))
                        return null;
                    break;
                default:
                    return null;
            }
        }
        const int Required = (1 << (int)Property.ResourceType) | (1 << (int)Property.Status) | (1 << (int)Property.Content);
        if (seen < 0 || (seen & Required) != Required)
            return null;
        return new PublishedFields(subjectSystem, subjectValue, loinc, authorSystem, authorValue, source, start, end, retract);
    }

    private enum Property { ResourceType, Status, Identifier, Type, Subject, Author, Context, Content, System, Value, Coding, Code, Display, Period, Start, End, Attachment, ContentType, Text }

    private static readonly (byte[] Name, Property Property)[] Names =
    [
        ("resourceType"u8.ToArray(), Property.ResourceType), ("status"u8.ToArray(), Property.Status), ("identifier"u8.ToArray(), Property.Identifier),
        ("type"u8.ToArray(), Property.Type), ("subject"u8.ToArray(), Property.Subject), ("author"u8.ToArray(), Property.Author),
        ("context"u8.ToArray(), Property.Context), ("content"u8.ToArray(), Property.Content), ("system"u8.ToArray(), Property.System),
        ("value"u8.ToArray(), Property.Value), ("coding"u8.ToArray(), Property.Coding), ("code"u8.ToArray(), Property.Code),
        ("display"u8.ToArray(), Property.Display), ("period"u8.ToArray(), Property.Period), ("start"u8.ToArray(), Property.Start),
        ("end"u8.ToArray(), Property.End), ("attachment"u8.ToArray(), Property.Attachment), ("contentType"u8.ToArray(), Property.ContentType),
        ("text"u8.ToArray(), Property.Text),
    ];

    /// <summary>
    /// Moves to the next property of the current object: false at its end. An unknown or repeated name sets
    /// <paramref name="seen"/> negative and ends the object, so the caller gives up.
    /// </summary>
    private static bool Next(ref Utf8JsonReader reader, ref int seen, out Property property)
    {
        property = default;
        if (!reader.Read() || reader.TokenType != JsonTokenType.PropertyName)
        {
            if (reader.TokenType != JsonTokenType.EndObject || seen == 0)
                seen = -1; // not the end of an object, or an empty one
            return false;
        }
        foreach (var (name, known) in Names)
        {
            if (reader.ValueTextEquals(name))
            {
                if ((seen & (1 << (int)known)) != 0)
                    break;
                seen |= 1 << (int)known;
                property = known;
                return true;
            }
        }
        seen = -1;
        return false;
    }

    private delegate bool ItemReader<T>(ref Utf8JsonReader reader, ref T state);

    /// <summary>A non-empty array, each item read by <paramref name="item"/>.</summary>
    private static bool ReadArray<T>(ref Utf8JsonReader reader, ref T state, ItemReader<T> item)
    {
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray)
            return false;
        var count = 0;
        while (true)
        {
            var before = reader;
            if (!reader.Read())
                return false;
            if (reader.TokenType == JsonTokenType.EndArray)
                return count > 0;
            reader = before; // the item reader starts at its own first token
            if (!item(ref reader, ref state))
                return false;
            count++;
        }
    }

    /// <summary>An object { system (uri), value (string) }.</summary>
    private static bool ReadSystemValue(ref Utf8JsonReader reader, out string? system, out string? value)
    {
        system = value = null;
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            return false;
        var seen = 0;
        while (Next(ref reader, ref seen, out var property))
        {
            var ok = property switch
            {
                Property.System => ReadSystem(ref reader, out system),
                Property.Value => ReadToken(ref reader, Text, out value),
                _ => false,
            };
            if (!ok)
                return false;
        }
        return seen > 0;
    }

    /// <summary>An object whose one element <paramref name="wrapper"/> is a { system, value } (subject, author).</summary>
    private static bool ReadWrapped(ref Utf8JsonReader reader, Property wrapper, out string? system, out string? value)
    {
        system = value = null;
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            return false;
        var seen = 0;
        while (Next(ref reader, ref seen, out var property))
        {
            if (property != wrapper || !ReadSystemValue(ref reader, out system, out value))
                return false;
        }
        return seen > 0;
    }

    /// <summary>type { coding[] { system, code, display }, text }: the code of the first coding with the LOINC system.</summary>
    private static bool ReadType(ref Utf8JsonReader reader, out string? loinc)
    {
        loinc = null;
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            return false;
        var seen = 0;
        var found = (Seen: false, Code: (string?)null);
        while (Next(ref reader, ref seen, out var property))
        {
            if (property == Property.Text)
            {
                if (!SkipText(ref reader))
                    return false;
                continue;
            }
            if (property != Property.Coding || !ReadArray(ref reader, ref found, static (ref Utf8JsonReader r, ref (bool Seen, string? Code) state) =>
            {
                if (!r.Read() || r.TokenType != JsonTokenType.StartObject)
                    return false;
                var inner = 0;
                string? system = null, code = null;
                while (Next(ref r, ref inner, out var element))
                {
                    var ok = element switch
                    {
                        Property.System => ReadSystem(ref r, out system),
                        Property.Code => ReadToken(ref r, Token, out code),
                        Property.Display => SkipText(ref r),
                        _ => false,
                    };
                    if (!ok)
                        return false;
                }
                if (inner <= 0)
                    return false;
                if (!state.Seen && system == DataCategory.LoincSystem)
                    state = (true, code);
                return true;
            }))
                return false;
        }
        loinc = found.Code;
        return seen > 0;
    }

    /// <summary>context { period { start, end } }, each a calendar date.</summary>
    private static bool ReadContext(ref Utf8JsonReader reader, out string? start, out string? end)
    {
        start = end = null;
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            return false;
        var seen = 0;
        while (Next(ref reader, ref seen, out var property))
        {
            if (property != Property.Period || !reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                return false;
            var inner = 0;
            while (Next(ref reader, ref inner, out var element))
            {
                var ok = element switch
                {
                    Property.Start => ReadToken(ref reader, Date, out start),
                    Property.End => ReadToken(ref reader, Date, out end),
                    _ => false,
                };
                if (!ok)
                    return false;
            }
            if (inner <= 0)
                return false;
        }
        return seen > 0;
    }

    /// <summary>content[i]: { attachment { contentType } }.</summary>
    private static bool ReadAttachment(ref Utf8JsonReader reader)
    {
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            return false;
        var seen = 0;
        while (Next(ref reader, ref seen, out var property))
        {
            if (property != Property.Attachment || !reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                return false;
            var inner = 0;
            while (Next(ref reader, ref inner, out var element))
            {
                if (element != Property.ContentType || !SkipToken(ref reader))
                    return false;
            }
            if (inner <= 0)
                return false;
        }
        return seen > 0;
    }

    private static bool ReadToken(ref Utf8JsonReader reader, Func<string, bool> valid, out string? value)
    {
        value = null;
        if (!reader.Read() || reader.TokenType != JsonTokenType.String)
            return false;
        value = reader.GetString()!;
        return valid(value);
    }

    /// <summary>
    /// The uris this reader takes as they are: the identifier and code systems the index knows. Firely checks any
    /// other uri's syntax its own way, so a line with another system goes to it.
    /// </summary>
    private static readonly (byte[] Utf8, string Text)[] KnownSystems = [.. ((string[])[IndexEntryKey.SourceReferenceSystem, DataCategory.LoincSystem,
        PersonalIdentityNumber.PersonnummerSystem, PersonalIdentityNumber.SamordningsnummerSystem, HsaId.System]).Select(s => (System.Text.Encoding.UTF8.GetBytes(s), s))];

    private static bool ReadSystem(ref Utf8JsonReader reader, out string? system)
    {
        system = null;
        if (!reader.Read() || reader.TokenType != JsonTokenType.String)
            return false;
        foreach (var (utf8, text) in KnownSystems)
        {
            if (reader.ValueTextEquals(utf8))
            {
                system = text;
                return true;
            }
        }
        return false;
    }

    /// <summary>A string element the index does not keep (display, text): checked as <see cref="Text"/>, allocated only when escaped or not ASCII.</summary>
    private static bool SkipText(ref Utf8JsonReader reader)
    {
        if (!reader.Read() || reader.TokenType != JsonTokenType.String)
            return false;
        if (reader.ValueIsEscaped || reader.HasValueSequence || !System.Text.Ascii.IsValid(reader.ValueSpan))
            return Text(reader.GetString()!);
        var value = reader.ValueSpan;
        if (value.IsEmpty || value[0] == (byte)' ' || value[^1] == (byte)' ')
            return false;
        foreach (var b in value)
        {
            if (b < 0x20 || b == 0x7f)
                return false;
        }
        return true;
    }

    /// <summary>A code the index does not keep (contentType): checked as <see cref="Token"/>, allocated only when escaped or not ASCII.</summary>
    private static bool SkipToken(ref Utf8JsonReader reader)
    {
        if (!reader.Read() || reader.TokenType != JsonTokenType.String)
            return false;
        if (reader.ValueIsEscaped || reader.HasValueSequence || !System.Text.Ascii.IsValid(reader.ValueSpan))
            return Token(reader.GetString()!);
        var value = reader.ValueSpan;
        if (value.IsEmpty)
            return false;
        foreach (var b in value)
        {
            if (b <= 0x20 || b == 0x7f)
                return false;
        }
        return true;
    }

    /// <summary>A code with no whitespace or control character at all (within FHIR's code pattern).</summary>
    private static readonly Func<string, bool> Token = static value =>
    {
        if (value.Length == 0)
            return false;
        foreach (var c in value)
        {
            if (c <= ' ' || c == '\u007f' || char.IsWhiteSpace(c) || char.IsControl(c))
                return false;
        }
        return true;
    };

    /// <summary>A string with no control character and no leading or trailing whitespace (within FHIR's string pattern).</summary>
    private static readonly Func<string, bool> Text = static value =>
    {
        if (value.Length == 0 || char.IsWhiteSpace(value[0]) || char.IsWhiteSpace(value[^1]))
            return false;
        foreach (var c in value)
        {
            if (char.IsControl(c) || char.IsSurrogate(c))
                return false;
        }
        return true;
    };

    /// <summary>Exactly YYYY-MM-DD and a day of the calendar (always a valid FHIR dateTime).</summary>
    private static readonly Func<string, bool> Date = static value =>
        value.Length == 10 && value[4] == '-' && value[7] == '-'
        && DateOnly.TryParseExact(value, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out _);
}
