using Microsoft.AspNetCore.Http;
using OpenNdi.Core.Identifiers;
using OpenNdi.Data.Simulator;

namespace OpenNdi.Synthetic.Simulator;

/// <summary>
/// The FHIR search a simulated EHR understands, parsed strictly: an unknown parameter or a malformed value is an
/// error naming it, never silently ignored (as with <c>Prefer: handling=strict</c>, FHIR R4 §3.1.1.5.2).
/// </summary>
/// <param name="Code">Token on the main code; for Composition also what <c>type</c> asks for (the stored code is Composition.type).</param>
/// <param name="Category">Token on the <c>category</c> codings (DiagnosticReport, Observation, Condition).</param>
/// <param name="IncludeResults"><c>_include=DiagnosticReport:result</c>: add the Observations the matched reports cite.</param>
internal sealed record SearchParameters(string? PatientId, PersonalIdentityNumber? Identifier, string? Id, string? DateFrom, string? DateTo, string? Code,
    string? Category, bool IncludeResults, int Count, int Offset)
{
    public const int DefaultCount = 100;
    public const int MaxCount = 1000;

    /// <summary>The one <c>_include</c> served: a DiagnosticReport's results (FHIR R4 §3.1.1.5.4, search parameter DiagnosticReport-result).</summary>
    public const string ReportResults = "DiagnosticReport:result";

    /// <summary>The types whose FHIR R4 <c>category</c> search parameter is served: each has category as CodeableConcept[].</summary>
    public static readonly IReadOnlySet<string> CategoryTypes = new HashSet<string>(StringComparer.Ordinal) { "DiagnosticReport", "Observation", "Condition" };

    /// <summary>The resource types each simulated EHR serves: the patient summary parts and the EEHRxF categories.</summary>
    public static readonly IReadOnlySet<string> ClinicalTypes = new HashSet<string>(StringComparer.Ordinal)
    {
        "Encounter", "Condition", "AllergyIntolerance", "Flag", "Immunization", "MedicationStatement", "MedicationRequest",
        "MedicationDispense", "Observation", "DiagnosticReport", "Procedure", "Device", "DeviceUseStatement", "Composition",
    };

    public static bool IsServed(string type) => type is "Patient" or "Organization" || ClinicalTypes.Contains(type);

    public static (SearchParameters? Parameters, string? Error, string? Parameter) Parse(string type, IQueryCollection query, DateOnly today)
    {
        string? patient = null, id = null, from = null, to = null, code = null, compositionType = null, category = null;
        var includeResults = false;
        PersonalIdentityNumber? identifier = null;
        int count = DefaultCount, offset = 0;
        foreach (var (name, values) in query)
        {
            if (values.Count != 1)
                return (null, $"parameter '{name}' may be given once", name);
            var value = values[0] ?? string.Empty;
            switch (name)
            {
                case "_count":
                    if (!int.TryParse(value, out count) || count < 0 || count > MaxCount)
                        return (null, $"_count must be an integer between 0 and {MaxCount}", name);
                    break;
                case "_offset":
                    if (!int.TryParse(value, out offset) || offset < 0)
                        return (null, "_offset must be a non-negative integer", name);
                    break;
                case "_format":
                    if (value is not ("json" or "application/fhir+json" or "application/json"))
                        return (null, "only JSON is served (_format=json)", name);
                    break;
                case "_id" when type is "Patient" or "Organization":
                    id = value;
                    break;
                case "identifier" when type == "Patient":
                    var separator = value.IndexOf('|');
                    var system = separator >= 0 ? value[..separator] : null;
                    var number = separator >= 0 ? value[(separator + 1)..] : value;
                    if (system is not (null or "" or PersonalIdentityNumber.PersonnummerSystem or PersonalIdentityNumber.SamordningsnummerSystem))
                        return (null, $"identifier system must be {PersonalIdentityNumber.PersonnummerSystem} (personnummer) or {PersonalIdentityNumber.SamordningsnummerSystem} (samordningsnummer)", name);
                    if (!PersonalIdentityNumber.TryParse(number, today, out var parsed, out var problem))
                        return (null, $"identifier: {problem}", name);
                    identifier = parsed;
                    break;
                case "patient" or "subject" when ClinicalTypes.Contains(type):
                    patient = value.StartsWith("Patient/", StringComparison.Ordinal) ? value["Patient/".Length..] : value;
                    if (patient.Length == 0 || patient.Contains('/'))
                        return (null, $"{name} must be a Patient id or Patient/id", name);
                    break;
                case "date" when ClinicalTypes.Contains(type):
                    if (!DateParameter.TryApply(value, ref from, ref to, out var dateProblem))
                        return (null, dateProblem, name);
                    break;
                case "code" when ClinicalTypes.Contains(type):
                    if (value.Length == 0)
                        return (null, "code must be a token: code or system|code", name);
                    code = value;
                    break;
                case "type" when type == "Composition":
                    if (value.Length == 0)
                        return (null, "type must be a token: code or system|code", name);
                    compositionType = value;
                    break;
                case "category" when CategoryTypes.Contains(type):
                    if (value.Length == 0 || value == "|")
                        return (null, "category must be a token: code, system|code, |code or system|", name);
                    category = value;
                    break;
                case "_include" when type == "DiagnosticReport":
                    // R4 lets _include name the target type as a third part; Observation is the only one result may point to here.
                    if (value is not (ReportResults or ReportResults + ":Observation"))
                        return (null, $"_include '{value}' is not supported (only {ReportResults})", name);
                    includeResults = true;
                    break;
                default:
                    return (null, $"search parameter '{name}' is not supported for {type}", name);
            }
        }
        if (compositionType is not null)
        {
            // Both filter the one stored code (Composition.type); two different tokens on it are refused rather than combined by guess.
            if (code is not null && code != compositionType)
                return (null, "type and code both search Composition.type: give one of them", "type");
            code = compositionType;
        }
        return (new SearchParameters(patient, identifier, id, from, to, code, category, includeResults, count, offset), null, null);
    }

    public ResourceQuery ToQuery(string providerKey, string type) =>
        new(providerKey, type, PatientId, DateFrom, DateTo, Code, Category, Offset: Offset, Limit: Count);
}

/// <summary>FHIR date search (R4 §3.1.1.4.2): prefixes eq, ge, gt, le, lt over dates of year, month or day precision, or instants.</summary>
internal static class DateParameter
{
    public static bool TryApply(string value, ref string? from, ref string? to, out string? problem)
    {
        problem = null;
        var prefix = value.Length > 2 && char.IsAsciiLetter(value[0]) ? value[..2] : "eq";
        var text = prefix == "eq" && !value.StartsWith("eq", StringComparison.Ordinal) ? value : value[2..];
        if (!TryRange(text, out var start, out var end))
        {
            problem = $"date '{value}' is not a FHIR date (YYYY, YYYY-MM, YYYY-MM-DD or an instant), optionally prefixed eq, ge, gt, le or lt";
            return false;
        }
        switch (prefix)
        {
            case "eq": from = Later(from, start); to = Earlier(to, end); break;
            case "ge": from = Later(from, start); break;
            case "gt": from = Later(from, end); break;
            case "lt": to = Earlier(to, start); break;
            case "le": to = Earlier(to, end); break;
            default:
                problem = $"date prefix '{prefix}' is not supported (eq, ge, gt, le, lt)";
                return false;
        }
        return true;
    }

    /// <summary>
    /// Past the last day a DateTime holds: the end of a range that reaches 10000-01-01T00:00, which DateTime cannot
    /// hold. ISO 8601's 24:00 of 9999-12-31 is that instant, and as text sorts after every time of that day.
    /// </summary>
    private const string EndOfTime = "9999-12-31T24:00:00Z";

    /// <summary>The half-open range [start, end) a date of some precision covers, as sortable UTC text; a range ending after 9999 ends at <see cref="EndOfTime"/>.</summary>
    private static bool TryRange(string text, out string start, out string end)
    {
        start = end = string.Empty;
        var styles = System.Globalization.DateTimeStyles.AdjustToUniversal | System.Globalization.DateTimeStyles.AssumeUniversal;
        var culture = System.Globalization.CultureInfo.InvariantCulture;
        DateTime day;
        if (text.Length == 4 && DateTime.TryParseExact(text, "yyyy", culture, styles, out day))
            return Set(day, day.Year == 9999 ? null : day.AddYears(1), out start, out end);
        if (text.Length == 7 && DateTime.TryParseExact(text, "yyyy-MM", culture, styles, out day))
            return Set(day, day.Year == 9999 && day.Month == 12 ? null : day.AddMonths(1), out start, out end);
        if (text.Length == 10 && DateTime.TryParseExact(text, "yyyy-MM-dd", culture, styles, out day))
            return Set(day, day == DateTime.MaxValue.Date ? null : day.AddDays(1), out start, out end);
        if (text.Length > 10 && DateTimeOffset.TryParse(text, culture, styles, out var instant))
        {
            var utc = instant.UtcDateTime;
            return Set(utc, utc > DateTime.MaxValue.AddSeconds(-1) ? null : utc.AddSeconds(1), out start, out end);
        }
        return false;
    }

    private static bool Set(DateTime from, DateTime? to, out string start, out string end)
    {
        start = from.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        end = to?.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture) ?? EndOfTime;
        return true;
    }

    private static string Later(string? a, string b) => a is null || string.CompareOrdinal(b, a) > 0 ? b : a;

    private static string Earlier(string? a, string b) => a is null || string.CompareOrdinal(b, a) < 0 ? b : a;
}
