namespace OpenNdi.SecondaryUse.Catalog;

/// <summary>
/// A code system the holders' rows use, under both of its names: the FHIR system URI the platform writes in every
/// coding (what <see cref="Ports.HeldDataset.CodingSystems"/> lists), and the concept HealthDCAT-AP's
/// <c>healthdcatap:hasCodingSystem</c> takes.
/// </summary>
/// <param name="Code">The identifier in HealthData@EU's coding-system table ("ICD-10").</param>
/// <param name="Fhir">The FHIR system URI (http://hl7.org/fhir/sid/icd-10).</param>
/// <param name="Concept">The HealthData@EU coding-system concept.</param>
public sealed record CodingSystem(string Code, string Name, Uri Fhir, Uri Concept);

/// <summary>
/// The coding systems of our datasets. Earlier HealthDCAT-AP drafts, and the CKAN DCAT extension's mapping written
/// against them, asked for Wikidata URIs here (http://www.wikidata.org/entity/P494 for ICD-10); release 8 replaced
/// them: "The coding systems controlled vocabulary (https://hdeu-dcat.data.health.europa.eu/resource/authority/coding-system/)
/// MUST be used" (usage note of <c>healthdcatap:hasCodingSystem</c>; the table's concepts ICD-10, ATC, LOINC and
/// SNOMED-CT checked in its coding-system.rdf at commit cd7841f of code.europa.eu/healthdataeu/healthdcat-ap).
/// </summary>
public static class CodingSystems
{
    /// <summary>HealthData@EU's authority table of coding systems.</summary>
    public const string Table = "https://hdeu-dcat.data.health.europa.eu/resource/authority/coding-system/";

    public static readonly CodingSystem Icd10 = new("ICD-10", "ICD-10", new Uri("http://hl7.org/fhir/sid/icd-10"), new Uri(Table + "ICD-10"));

    public static readonly CodingSystem Atc = new("ATC", "Anatomical Therapeutic Chemical Classification System",
        new Uri("http://www.whocc.no/atc"), new Uri(Table + "ATC"));

    public static readonly CodingSystem Loinc = new("LOINC", "LOINC", new Uri("http://loinc.org"), new Uri(Table + "LOINC"));

    public static readonly CodingSystem SnomedCt = new("SNOMED-CT", "SNOMED CT", new Uri("http://snomed.info/sct"), new Uri(Table + "SNOMED-CT"));

    public static IReadOnlyList<CodingSystem> All { get; } = [Icd10, Atc, Loinc, SnomedCt];

    /// <summary>
    /// The coding system a FHIR system URI names, or null: a system the table has no concept for is left out of the
    /// description rather than given a made-up one.
    /// </summary>
    public static CodingSystem? ForFhirSystem(string? system) =>
        system is null ? null : All.FirstOrDefault(c => string.Equals(c.Fhir.OriginalString, system.TrimEnd('/'), StringComparison.Ordinal));
}
