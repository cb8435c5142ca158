namespace OpenNdi.Core.Index;

/// <summary>
/// A category of patient data the national index knows about (SOU 2026:6 §2.2): the EHDS priority categories and
/// the patient summary's parts, each with the LOINC code that IHE MHD DocumentReference.type and the eHDSI
/// document code list use for it, so an index entry maps to a DocumentReference without a translation table.
/// </summary>
public sealed record DataCategory(string Code, string Loinc, string Display)
{
    public const string LoincSystem = "http://loinc.org";

    public static readonly DataCategory PatientSummary = new("patient-summary", "60591-5", "Patient summary Document");
    public static readonly DataCategory Allergies = new("allergies", "48765-2", "Allergies and adverse reactions Document");
    public static readonly DataCategory Medications = new("medications", "10160-0", "History of Medication use Narrative");
    public static readonly DataCategory Problems = new("problems", "11450-4", "Problem list - Reported");
    public static readonly DataCategory Immunizations = new("immunizations", "11369-6", "History of Immunization Narrative");
    public static readonly DataCategory Procedures = new("procedures", "47519-4", "History of Procedures Document");
    public static readonly DataCategory Devices = new("devices", "46264-8", "History of medical device use");
    public static readonly DataCategory Alerts = new("alerts", "104605-1", "Alert");
    public static readonly DataCategory EPrescription = new("eprescription", "57833-6", "Prescription for medication");
    public static readonly DataCategory EDispensation = new("edispensation", "60593-1", "Medication dispensed.extended Document");
    public static readonly DataCategory Laboratory = new("laboratory", "11502-2", "Laboratory report");
    public static readonly DataCategory ImagingReport = new("imaging-report", "18748-4", "Diagnostic imaging study");
    public static readonly DataCategory DischargeReport = new("discharge-report", "34105-7", "Hospital Discharge summary");

    /// <summary>Every category, in the order of the regulation's list.</summary>
    public static IReadOnlyList<DataCategory> All { get; } =
    [
        PatientSummary, Allergies, Medications, Problems, Immunizations, Procedures, Devices, Alerts,
        EPrescription, EDispensation, Laboratory, ImagingReport, DischargeReport,
    ];

    /// <summary>The categories the patient summary is made of (IPS sections): what <c>Patient/$summary</c> asks the index for, and what a shared summary covers.</summary>
    public static IReadOnlyList<DataCategory> SummaryParts { get; } =
    [
        PatientSummary, Allergies, Medications, Problems, Immunizations, Procedures, Devices, Alerts, EPrescription, Laboratory,
    ];

    private static readonly Dictionary<string, DataCategory> ByCode = All.ToDictionary(c => c.Code, StringComparer.Ordinal);
    private static readonly Dictionary<string, DataCategory> ByLoinc = All.ToDictionary(c => c.Loinc, StringComparer.Ordinal);

    /// <summary>Finds a category by its code ("laboratory") or its LOINC code ("11502-2", or "http://loinc.org|11502-2").</summary>
    public static bool TryParse(string? text, out DataCategory category, out string? error)
    {
        category = null!;
        error = null;
        var value = text?.Trim() ?? string.Empty;
        if (value.StartsWith(LoincSystem + "|", StringComparison.Ordinal))
            value = value[(LoincSystem.Length + 1)..];
        if (ByCode.TryGetValue(value, out var byCode) || ByLoinc.TryGetValue(value, out byCode))
        {
            category = byCode;
            return true;
        }
        error = value.Length == 0
            ? "data category is empty"
            : $"unknown data category '{value}'; known: {string.Join(", ", All.Select(c => c.Code))}";
        return false;
    }

    public override string ToString() => Code;
}
