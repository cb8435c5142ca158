namespace OpenNdi.SecondaryUse.Catalog;

/// <summary>
/// A health theme of the national catalogue: what <see cref="Ports.HeldDataset.Theme"/> names, and how HealthDCAT-AP
/// classifies it. HealthDCAT-AP has two properties for this and both take concepts from HealthData@EU's own authority
/// tables (release 8, SHACL and usage notes of commit cd7841f of code.europa.eu/healthdataeu/healthdcat-ap):
/// <c>healthdcatap:healthCategory</c> (1..* for NON_PUBLIC datasets) names the EHDS category of data of art. 51
/// (electronic health records, administrative data, registries…), and <c>healthdcatap:healthTheme</c> (recommended)
/// names a disease or policy area. Our themes are kinds of record, so each maps to categories; only some fit an area.
/// </summary>
/// <param name="Code">Our code, as a holder's dataset carries it ("diagnoses").</param>
/// <param name="NameSv">The Swedish name, the catalogue's first language (also a <c>dcat:keyword</c>).</param>
/// <param name="NameEn">The English name, for HealthData@EU.</param>
/// <param name="Categories">The <c>healthdcatap:healthCategory</c> concepts (EHDS art. 51(1) categories).</param>
/// <param name="Topic">The <c>healthdcatap:healthTheme</c> concept, where one of the vocabulary's areas fits.</param>
public sealed record HealthTheme(string Code, string NameSv, string NameEn, IReadOnlyList<Uri> Categories, Uri? Topic);

/// <summary>The health themes our datasets use, with their HealthDCAT-AP concepts.</summary>
public static class HealthThemes
{
    /// <summary>The authority table of EHDS art. 51 categories, as HealthDCAT-AP release 8 requires it.</summary>
    public const string CategoryTable = "https://hdeu-dcat.data.health.europa.eu/resource/authority/healthcategories/";

    /// <summary>The authority table of health themes (areas), as HealthDCAT-AP release 8 requires it.</summary>
    public const string ThemeTable = "https://hdeu-dcat.data.health.europa.eu/resource/authority/health-theme/";

    /// <summary>Art. 51(1)(a): electronic health data from electronic health records (EHRS).</summary>
    public static readonly Uri ElectronicHealthRecords = new(CategoryTable + "EHRS");

    /// <summary>Art. 51(1)(c): healthcare-related administrative data, including dispensations and claims (HRAD).</summary>
    public static readonly Uri AdministrativeData = new(CategoryTable + "HRAD");

    /// <summary>Art. 51(1)(b): data on factors impacting on health, including socio-economic determinants (DIOH).</summary>
    public static readonly Uri HealthDeterminants = new(CategoryTable + "DIOH");

    /// <summary>Diagnoses recorded in the care providers' records (ICD-10).</summary>
    public static readonly HealthTheme Diagnoses = new("diagnoses", "Diagnoser", "Diagnoses", [ElectronicHealthRecords], null);

    /// <summary>
    /// Prescribed and dispensed medicines (ATC): both a record entry and a dispensation, the administrative data of
    /// art. 51(1)(c), hence two categories. The area is "health products".
    /// </summary>
    public static readonly HealthTheme Medication = new("medication", "Läkemedel", "Medication",
        [ElectronicHealthRecords, AdministrativeData], new Uri(ThemeTable + "HEALTH_PRODUCTS"));

    /// <summary>Laboratory results (LOINC), part of the health record (EHDS art. 14 names them a priority category).</summary>
    public static readonly HealthTheme Laboratory = new("laboratory", "Laboratorieresultat", "Laboratory results",
        [ElectronicHealthRecords], null);

    /// <summary>Vaccinations given; the area is immunisation and vaccine-preventable diseases.</summary>
    public static readonly HealthTheme Immunisation = new("immunisation", "Vaccinationer", "Immunisations",
        [ElectronicHealthRecords], new Uri(ThemeTable + "IMMUNIZATION_DISEASES"));

    /// <summary>Procedures performed (SNOMED CT).</summary>
    public static readonly HealthTheme Procedures = new("procedures", "Åtgärder", "Procedures", [ElectronicHealthRecords], null);

    /// <summary>
    /// The population register's demographics (birth date, sex, municipality, region): not health data, but the
    /// determinants every study stratifies by, which is category (b); no disease area fits.
    /// </summary>
    public static readonly HealthTheme Demographics = new("demographics", "Befolkningsuppgifter", "Demographics (population register)",
        [HealthDeterminants], null);

    public static IReadOnlyList<HealthTheme> All { get; } = [Diagnoses, Medication, Laboratory, Immunisation, Procedures, Demographics];

    /// <summary>The theme with this code (case-insensitive), or null when the catalogue does not know it.</summary>
    public static HealthTheme? Find(string? code) =>
        code is null ? null : All.FirstOrDefault(t => string.Equals(t.Code, code, StringComparison.OrdinalIgnoreCase));
}
