namespace OpenNdi.Synthetic.Clinical;

/// <summary>A coded concept: system URI, code and display (FHIR Coding).</summary>
public sealed record Code(string System, string Value, string Display);

/// <summary>Code system URIs as FHIR R4 and the HL7 Europe guides name them.</summary>
public static class CodeSystems
{
    public const string Icd10 = "http://hl7.org/fhir/sid/icd-10";
    public const string SnomedCt = "http://snomed.info/sct";
    public const string Atc = "http://www.whocc.no/atc";
    public const string Loinc = "http://loinc.org";
    /// <summary>NPU (Nomenclature for Properties and Units), used by Swedish laboratories.</summary>
    public const string Npu = "urn:oid:1.2.208.176.2.1";
    public const string Ucum = "http://unitsofmeasure.org";
    /// <summary>DICOM modality codes (DCM).</summary>
    public const string Dicom = "http://dicom.nema.org/resources/ontology/DCM";
    /// <summary>Swedish procedure classification KVÅ (Klassifikation av vårdåtgärder), Socialstyrelsen OID.</summary>
    public const string Kva = "urn:oid:1.2.752.116.1.3.2.1.4";
}

/// <summary>
/// Ten age bands: index 0 is ages 0–9, 1 is 10–19, …, 9 is 90 and older.
/// Values are prevalences (share of the band, 0–1) or yearly incidences, as the owner says.
/// </summary>
public sealed record AgeBands(double A0, double A10, double A20, double A30, double A40, double A50, double A60, double A70, double A80, double A90)
{
    public double For(int age) => (age / 10) switch
    {
        0 => A0, 1 => A10, 2 => A20, 3 => A30, 4 => A40, 5 => A50, 6 => A60, 7 => A70, 8 => A80, _ => A90,
    };
}

/// <summary>A long-term condition: present from onset for life, driving regular contacts, medication and monitoring labs.</summary>
/// <param name="Prevalence">Share of each age band that has the condition.</param>
/// <param name="FemaleFactor">Multiplier on prevalence for women (men get 2 - factor), e.g. 1.3 for hypothyroidism.</param>
/// <param name="ContactsPerYear">Planned follow-up visits a year because of it.</param>
/// <param name="MedicationKeys">Keys into <see cref="ClinicalCatalog.Medications"/> typically prescribed (one or more is chosen).</param>
/// <param name="LabKeys">Keys into <see cref="ClinicalCatalog.LabTests"/> monitored at follow-up.</param>
/// <param name="AbnormalLabKeys">Subset of lab keys whose values run outside the reference range with this condition.</param>
/// <param name="ImagingKey">Optional imaging done at diagnosis (key into <see cref="ClinicalCatalog.Imaging"/>).</param>
/// <param name="ProcedureKey">Optional procedure some patients get (key into <see cref="ClinicalCatalog.Procedures"/>).</param>
/// <param name="ProcedureShare">Share of patients with the condition who get that procedure.</param>
/// <param name="Setting">"primary" (vårdcentral), "specialist" (hospital clinic) or "municipal" (home care).</param>
public sealed record ChronicCondition(
    string Key,
    Code Icd10,
    Code? Snomed,
    AgeBands Prevalence,
    double FemaleFactor,
    double ContactsPerYear,
    IReadOnlyList<string> MedicationKeys,
    IReadOnlyList<string> LabKeys,
    IReadOnlyList<string> AbnormalLabKeys,
    string? ImagingKey,
    string? ProcedureKey,
    double ProcedureShare,
    string Setting);

/// <summary>An acute episode: one encounter (or an admission), possibly with medication, labs, imaging and a procedure.</summary>
/// <param name="Incidence">Expected episodes per person-year in each age band.</param>
/// <param name="Inpatient">True when the episode is a hospital admission that ends with a discharge report.</param>
/// <param name="DurationDays">Typical length of the episode (admission length for inpatients).</param>
public sealed record AcuteCondition(
    string Key,
    Code Icd10,
    Code? Snomed,
    AgeBands Incidence,
    IReadOnlyList<string> MedicationKeys,
    IReadOnlyList<string> LabKeys,
    IReadOnlyList<string> AbnormalLabKeys,
    string? ImagingKey,
    string? ProcedureKey,
    bool Inpatient,
    int DurationDays);

/// <summary>A medicinal product as prescribed in Sweden: ATC substance code, strength, form and a typical dosage instruction.</summary>
/// <param name="DoseForm">EDQM Standard Terms dose form text, e.g. "Tablet".</param>
/// <param name="Chronic">True when it is taken continuously (a MedicationStatement stays active), false for a course.</param>
/// <param name="CourseDays">Length of a course (for non-chronic drugs) or of one prescription's supply.</param>
public sealed record MedicationDefinition(
    string Key,
    Code Atc,
    string Name,
    string Strength,
    string DoseForm,
    string DosageText,
    bool Chronic,
    int CourseDays);

/// <summary>A laboratory test: LOINC code (and NPU where known), UCUM unit and reference interval.</summary>
/// <param name="AbnormalLow">Value range used when the result is abnormal (AbnormalLow..AbnormalHigh).</param>
/// <param name="Decimals">Number of decimals a Swedish lab reports.</param>
public sealed record LabTest(
    string Key,
    Code Loinc,
    Code? Npu,
    string Unit,
    double ReferenceLow,
    double ReferenceHigh,
    double AbnormalLow,
    double AbnormalHigh,
    int Decimals);

/// <summary>An imaging examination and its report: LOINC study code, DICOM modality, body site and report texts.</summary>
public sealed record ImagingProcedure(
    string Key,
    Code Loinc,
    string Modality,
    Code BodySite,
    IReadOnlyList<string> NormalConclusions,
    IReadOnlyList<string> AbnormalConclusions);

/// <summary>A procedure (SNOMED CT, with the Swedish KVÅ code where known), possibly leaving an implant.</summary>
public sealed record ProcedureDefinition(
    string Key,
    Code Snomed,
    Code? Kva,
    string? DeviceKey);

/// <summary>A device or implant (SNOMED CT device type).</summary>
public sealed record DeviceDefinition(
    string Key,
    Code Type,
    string Name);

/// <summary>An allergy or intolerance with its substance, category, criticality and typical reaction.</summary>
/// <param name="Category">FHIR AllergyIntolerance.category: food | medication | environment | biologic.</param>
/// <param name="Type">FHIR AllergyIntolerance.type: allergy | intolerance.</param>
/// <param name="Criticality">FHIR AllergyIntolerance.criticality: low | high | unable-to-assess.</param>
/// <param name="Prevalence">Share of persons in each age band who have it.</param>
public sealed record AllergyDefinition(
    string Key,
    Code Substance,
    string Category,
    string Type,
    string Criticality,
    Code Reaction,
    AgeBands Prevalence);

/// <summary>A medical alert (Swedish "uppmärksamhetsinformation"), carried as a FHIR Flag in the IPS alerts section.</summary>
public sealed record MedicalAlertDefinition(
    string Key,
    Code Code,
    string Text,
    AgeBands Prevalence);

/// <summary>A vaccine in the Swedish programme or a common adult vaccination.</summary>
/// <param name="Code">Vaccine code (ATC J07…, or SNOMED CT) used in Immunization.vaccineCode.</param>
/// <param name="ScheduleMonths">Ages in months at which doses are given in the national programme (empty for seasonal).</param>
/// <param name="SeasonalFromAge">For yearly vaccines (influenza): the age in years from which it is offered, else null.</param>
/// <param name="Coverage">Share of the eligible population that takes it.</param>
/// <param name="TargetDisease">SNOMED CT code of the disease it protects against (IPS Immunization.targetDisease).</param>
public sealed record VaccineDefinition(
    string Key,
    Code Code,
    string Name,
    IReadOnlyList<int> ScheduleMonths,
    int? SeasonalFromAge,
    double Coverage,
    Code TargetDisease);
