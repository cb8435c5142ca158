namespace OpenNdi.Fhir;

/// <summary>
/// Canonical URLs of the profiles OpenNdi's patient data claims to follow: the HL7 International Patient Summary
/// (IPS, hl7.fhir.uv.ips 2.0) for patient summary parts, and the HL7 Europe guides for laboratory reports and
/// hospital discharge reports (EEHRxF).
/// </summary>
public static class IpsProfiles
{
    private const string Ips = "http://hl7.org/fhir/uv/ips/StructureDefinition/";

    /// <summary>The IPS document: a Bundle whose first entry is a <see cref="Composition"/>.</summary>
    public const string Bundle = Ips + "Bundle-uv-ips";
    public const string Composition = Ips + "Composition-uv-ips";
    public const string Patient = Ips + "Patient-uv-ips";
    public const string Condition = Ips + "Condition-uv-ips";
    public const string AllergyIntolerance = Ips + "AllergyIntolerance-uv-ips";
    public const string MedicationStatement = Ips + "MedicationStatement-uv-ips";
    public const string MedicationRequest = Ips + "MedicationRequest-uv-ips";
    public const string Immunization = Ips + "Immunization-uv-ips";
    public const string Procedure = Ips + "Procedure-uv-ips";
    public const string Device = Ips + "Device-uv-ips";
    public const string DeviceUseStatement = Ips + "DeviceUseStatement-uv-ips";
    public const string Flag = Ips + "Flag-alert-uv-ips";
    /// <summary>IPS 2.0's laboratory result (1.1 named it Observation-results-laboratory-uv-ips, which 2.0 no longer defines).</summary>
    public const string ObservationLaboratory = Ips + "Observation-results-laboratory-pathology-uv-ips";
    public const string DiagnosticReport = Ips + "DiagnosticReport-uv-ips";
    public const string Organization = Ips + "Organization-uv-ips";

    /// <summary>HL7 Europe Laboratory Report (hl7.fhir.eu.laboratory).</summary>
    public const string DiagnosticReportLab = "http://hl7.eu/fhir/laboratory/StructureDefinition/DiagnosticReport-eu-lab";

    /// <summary>HL7 Europe Hospital Discharge Report composition (hl7.fhir.eu.hdr).</summary>
    public const string CompositionDischarge = "http://hl7.eu/fhir/hdr/StructureDefinition/Composition-eu-hdr";

    /// <summary>HL7 Europe Imaging Report diagnostic report (hl7.fhir.eu.imaging).</summary>
    public const string DiagnosticReportImaging = "http://hl7.eu/fhir/imaging/StructureDefinition/DiagnosticReport-eu-imaging";

    /// <summary>HL7 Europe medication dispense (hl7.fhir.eu.mpd).</summary>
    public const string MedicationDispense = "http://hl7.eu/fhir/mpd/StructureDefinition/MedicationDispense-eu-mpd";
}
