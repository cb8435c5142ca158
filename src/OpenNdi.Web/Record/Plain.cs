using System.Globalization;
using Microsoft.Extensions.Localization;

namespace OpenNdi.Web.Record;

/// <summary>
/// Plain words beside the codes: a category's name, a common lab analyte's everyday name and a status, from the
/// resource files when they have one (keys <c>section.{loinc}</c>, <c>lab.{loinc}</c>, <c>status.{code}</c>), the
/// record's own text otherwise; dates in Swedish time.
/// </summary>
internal static class Plain
{
    private static readonly TimeZoneInfo Stockholm = TimeZoneInfo.FindSystemTimeZoneById("Europe/Stockholm");

    public static string Section(IStringLocalizer<WebTexts> texts, string code, string fallback) => Or(texts["section." + code], fallback);

    public static string Lab(IStringLocalizer<WebTexts> texts, string loinc, string fallback) =>
        texts["lab." + loinc] is { ResourceNotFound: false } plain ? $"{plain.Value} ({fallback})" : fallback;

    public static string Status(IStringLocalizer<WebTexts> texts, string code) => Or(texts["status." + code], code);

    public static string SystemName(string? system) => system switch
    {
        "http://loinc.org" => "LOINC",
        "http://snomed.info/sct" => "SNOMED CT",
        "http://hl7.org/fhir/sid/icd-10" or "http://hl7.org/fhir/sid/icd-10-se" => "ICD-10",
        "http://www.whocc.no/atc" => "ATC",
        null => "",
        _ => system.StartsWith("urn:oid:", StringComparison.Ordinal) ? "" : system,
    };

    public static string Day(DateTimeOffset at) => TimeZoneInfo.ConvertTime(at, Stockholm).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    public static string Time(DateTimeOffset at) => TimeZoneInfo.ConvertTime(at, Stockholm).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);

    private static string Or(LocalizedString text, string fallback) => text.ResourceNotFound ? fallback : text.Value;
}
