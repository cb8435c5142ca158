using System.Globalization;
using System.Text;
using System.Text.Json;
using OpenNdi.Core.Identifiers;
using OpenNdi.Core.Index;

namespace OpenNdi.Server.PatientIndex;

/// <summary>
/// One page of an index lookup (FHIR R4 search paging, §3.1.1.5.7 / http.html#paging): <c>_count</c> entries
/// (default and maximum from <see cref="IndexOptions"/>), after the entry the <c>_page</c> cursor names. The order
/// is total and computed here, not by the database (whose text collation differs between backends): newest data
/// first, then category, care unit, source system and source reference, ordinal — the entry key within a patient,
/// so no two entries tie. The cursor is the last entry's place in that order, opaque to the caller (base64url of
/// JSON); a walk from the first page along <c>next</c> links sees every entry once, and an entry published during the
/// walk appears if it sorts after the cursor. The cursor only says where to continue: every page is decided again
/// by the access policy, so a forged cursor sees nothing it could not see from the first page.
/// </summary>
internal sealed record LookupPage(int Count, IndexEntry? After)
{
    public const string CountParameter = "_count";
    public const string PageParameter = "_page";

    public static IComparer<IndexEntry> Order { get; } = Comparer<IndexEntry>.Create((a, b) =>
    {
        var c = b.LatestDate.CompareTo(a.LatestDate);
        if (c == 0) c = string.CompareOrdinal(a.Key.Category.Code, b.Key.Category.Code);
        if (c == 0) c = string.CompareOrdinal(a.Key.CareUnit.Value, b.Key.CareUnit.Value);
        if (c == 0) c = string.CompareOrdinal(a.Key.SourceSystem, b.Key.SourceSystem);
        if (c == 0) c = string.CompareOrdinal(a.Key.SourceReference, b.Key.SourceReference);
        return c;
    });

    /// <summary>The paging parameters of a lookup; the Error (with the parameter) when one is malformed or repeated.</summary>
    public static (LookupPage Page, string? Error, string? Parameter) Parse(IQueryCollection query, int defaultCount, int maxCount)
    {
        var page = new LookupPage(defaultCount, null);
        if (query.TryGetValue(CountParameter, out var counts))
        {
            if (counts.Count != 1 || !int.TryParse(counts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count < 1 || count > maxCount)
                return (page, $"{CountParameter} must be given once, as a whole number from 1 to {maxCount}", CountParameter);
            page = page with { Count = count };
        }
        if (query.TryGetValue(PageParameter, out var cursors))
        {
            if (cursors.Count != 1 || Decode(cursors[0]) is not { } after)
                return (page, $"{PageParameter} is not a cursor this index gave out; follow the Bundle's next link", PageParameter);
            page = page with { After = after };
        }
        return (page, null, null);
    }

    /// <summary>The next page's query: the request's own search parameters, the same <c>_count</c>, and a cursor after <paramref name="last"/>.</summary>
    public static string NextQuery(IQueryCollection query, int count, IndexEntry last)
    {
        var parts = new List<string>();
        foreach (var (name, values) in query)
        {
            if (name is CountParameter or PageParameter)
                continue;
            parts.AddRange(values.Select(v => $"{Uri.EscapeDataString(name)}={Uri.EscapeDataString(v ?? "")}"));
        }
        parts.Add($"{CountParameter}={count.ToString(CultureInfo.InvariantCulture)}");
        parts.Add($"{PageParameter}={Encode(last)}");
        return string.Join('&', parts);
    }

    // The sort key only; the patient and provider come from the request and the store. Fields: latest date,
    // category, care unit, source system, source reference.
    private static string Encode(IndexEntry entry)
    {
        var key = entry.Key;
        var json = JsonSerializer.SerializeToUtf8Bytes(new[]
        {
            entry.LatestDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), key.Category.Code, key.CareUnit.Value, key.SourceSystem, key.SourceReference,
        });
        return Convert.ToBase64String(json).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    private static IndexEntry? Decode(string? cursor)
    {
        if (cursor is not { Length: > 0 and <= 2048 } || cursor.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_')))
            return null;
        try
        {
            var base64 = cursor.Replace('-', '+').Replace('_', '/');
            var fields = JsonSerializer.Deserialize<string[]>(Convert.FromBase64String(base64.PadRight(base64.Length + (4 - base64.Length % 4) % 4, '=')));
            if (fields is not [var date, var category, var unit, var system, var reference]
                || !DateOnly.TryParseExact(date, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var latest)
                || !DataCategory.TryParse(category, out var parsedCategory, out _)
                || !HsaId.TryParse(unit, out var careUnit, out _)
                || system is null || reference is null)
                return null;
            // Only the sort key matters for where to continue; the rest of the entry is a placeholder.
            var placeholder = PersonalIdentityNumber.Parse("191212121212");
            return new IndexEntry(new IndexEntryKey(placeholder, parsedCategory, careUnit, system, reference), careUnit, latest, latest);
        }
        catch (Exception ex) when (ex is FormatException or JsonException or DecoderFallbackException)
        {
            return null;
        }
    }
}
