using Hl7.Fhir.Model;
using OpenNdi.Core.Index;

namespace OpenNdi.Fhir.Merging;

/// <summary>
/// Which index category a clinical resource belongs to, so that data fetched from a provider is released only under
/// a permitted index entry of that category (the same mapping the providers publish under, SOU 2026:6 §2.2).
/// Resources that belong to no category (Medication, Organization, Device) are supporting: they travel only when a
/// released item references them.
/// </summary>
public static class ClinicalCategories
{
    private const string V2DiagnosticService = "http://terminology.hl7.org/CodeSystem/v2-0074";

    public static DataCategory? Of(Resource resource) => resource switch
    {
        Condition => DataCategory.Problems,
        AllergyIntolerance => DataCategory.Allergies,
        MedicationStatement => DataCategory.Medications,
        Immunization => DataCategory.Immunizations,
        Procedure => DataCategory.Procedures,
        DeviceUseStatement => DataCategory.Devices,
        Flag => DataCategory.Alerts,
        MedicationRequest => DataCategory.EPrescription,
        MedicationDispense => DataCategory.EDispensation,
        Observation => DataCategory.Laboratory,
        DiagnosticReport report => IsLaboratory(report) ? DataCategory.Laboratory : DataCategory.ImagingReport,
        Composition composition when composition.Type?.Coding.Any(c => c.Code == DataCategory.DischargeReport.Loinc) == true => DataCategory.DischargeReport,
        // Parts of a summary with no index category of their own (IPS advance directives, plan of care, functional
        // status): decided as the patient summary they came in, so a block on a provider's summaries covers them.
        Consent or CarePlan or ImmunizationRecommendation or ClinicalImpression => DataCategory.PatientSummary,
        _ => null,
    };

    /// <summary>A report is a laboratory report by its category (v2-0074 LAB) or its LOINC code 11502-2; otherwise imaging.</summary>
    private static bool IsLaboratory(DiagnosticReport report) =>
        report.Category.Any(c => c.Coding.Any(k => k.Code == "LAB" && k.System is null or V2DiagnosticService))
        || report.Code?.Coding.Any(c => c.System == DataCategory.LoincSystem && c.Code == DataCategory.Laboratory.Loinc) == true;

    /// <summary>The resource types a category is read as, for the per-category FHIR reads across providers.</summary>
    public static IReadOnlyList<DataCategory> ReadAs(string resourceType) => resourceType switch
    {
        "Condition" => [DataCategory.Problems],
        "AllergyIntolerance" => [DataCategory.Allergies],
        "MedicationStatement" => [DataCategory.Medications],
        "MedicationRequest" => [DataCategory.EPrescription],
        "MedicationDispense" => [DataCategory.EDispensation],
        "Immunization" => [DataCategory.Immunizations],
        "Procedure" => [DataCategory.Procedures],
        "Flag" => [DataCategory.Alerts],
        "DeviceUseStatement" => [DataCategory.Devices],
        "Observation" => [DataCategory.Laboratory],
        "DiagnosticReport" => [DataCategory.Laboratory, DataCategory.ImagingReport],
        "Composition" => [DataCategory.DischargeReport],
        _ => [],
    };

    /// <summary>The categories the patient summary is made of (IPS sections): what <c>Patient/$summary</c> asks the index for.</summary>
    public static IReadOnlyList<DataCategory> Summary => DataCategory.SummaryParts;

    /// <summary>The reference naming the patient the resource is about (subject or patient), or null for supporting resources.</summary>
    public static ResourceReference? PatientOf(Resource resource) => resource switch
    {
        Condition r => r.Subject,
        AllergyIntolerance r => r.Patient,
        MedicationStatement r => r.Subject,
        Immunization r => r.Patient,
        Procedure r => r.Subject,
        DeviceUseStatement r => r.Subject,
        Flag r => r.Subject,
        MedicationRequest r => r.Subject,
        MedicationDispense r => r.Subject,
        Observation r => r.Subject,
        DiagnosticReport r => r.Subject,
        Composition r => r.Subject,
        Device r => r.Patient,
        Consent r => r.Patient,
        CarePlan r => r.Subject,
        ImmunizationRecommendation r => r.Patient,
        ClinicalImpression r => r.Subject,
        _ => null,
    };
}
