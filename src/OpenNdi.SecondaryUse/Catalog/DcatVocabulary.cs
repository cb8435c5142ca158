using System.Text.Json.Nodes;

namespace OpenNdi.SecondaryUse.Catalog;

/// <summary>
/// The namespaces and fixed concepts the catalogue's JSON-LD uses. Each namespace is the one HealthDCAT-AP release 8
/// declares in its SHACL shapes (validator/shapes/non-public-shapes.ttl at commit cd7841f of
/// code.europa.eu/healthdataeu/healthdcat-ap) and its RDF examples; <c>healthdcatap</c> is still the provisional
/// http://healthdataportal.eu/ns/health# ("To be changed when the HealthDCAT-AP namespace is created", says the shapes
/// file), so it lives here, in one place.
/// </summary>
internal static class DcatVocabulary
{
    public const string Dcat = "http://www.w3.org/ns/dcat#";
    public const string Dct = "http://purl.org/dc/terms/";
    public const string DcatAp = "http://data.europa.eu/r5r/";
    public const string HealthDcatAp = "http://healthdataportal.eu/ns/health#";
    public const string Dpv = "https://w3id.org/dpv#";
    public const string Foaf = "http://xmlns.com/foaf/0.1/";
    public const string Vcard = "http://www.w3.org/2006/vcard/ns#";
    public const string Cv = "http://data.europa.eu/m8g/";
    public const string GeoDcatAp = "http://data.europa.eu/930/";
    public const string Adms = "http://www.w3.org/ns/adms#";
    public const string Csvw = "http://www.w3.org/ns/csvw#";
    public const string Rdfs = "http://www.w3.org/2000/01/rdf-schema#";
    public const string Xsd = "http://www.w3.org/2001/XMLSchema#";

    /// <summary>
    /// Our own terms, for what neither DCAT-AP nor HealthDCAT-AP has a property for (the date a description's yearly
    /// check falls due). A namespace of our own makes it plain to any consumer that the term is not the profile's.
    /// </summary>
    public const string Ndi = "https://openndi.se/ns/catalog#";

    /// <summary>The EHDS, Regulation (EU) 2025/327, by its ELI: the applicable legislation of every dataset and of the catalogue.</summary>
    public const string Ehds = "http://data.europa.eu/eli/reg/2025/327/oj";

    public const string NonPublic = "http://publications.europa.eu/resource/authority/access-right/NON_PUBLIC";
    public const string HealthDataTheme = "http://publications.europa.eu/resource/authority/data-theme/HEAL";
    public const string Sweden = "http://publications.europa.eu/resource/authority/country/SWE";
    public const string Swedish = "http://publications.europa.eu/resource/authority/language/SWE";
    public const string English = "http://publications.europa.eu/resource/authority/language/ENG";
    public const string Annual = "http://publications.europa.eu/resource/authority/frequency/ANNUAL";
    public const string Completed = "http://publications.europa.eu/resource/authority/dataset-status/COMPLETED";

    /// <summary>
    /// The EU dataset-type table has no "personal data" or "microdata" type (version 20240925-0, as HealthDCAT-AP
    /// release 8 ships it); STATISTICAL is the one that fits data delivered for statistics and research, and it is
    /// the type the profile's own example uses. <c>dct:type</c> is mandatory for NON_PUBLIC datasets.
    /// </summary>
    public const string Statistical = "http://publications.europa.eu/resource/authority/dataset-type/STATISTICAL";

    /// <summary>A fresh JSON-LD context mapping each prefix the catalogue writes to its namespace.</summary>
    public static JsonObject Context() => new()
    {
        ["dcat"] = Dcat,
        ["dct"] = Dct,
        ["dcatap"] = DcatAp,
        ["healthdcatap"] = HealthDcatAp,
        ["dpv"] = Dpv,
        ["foaf"] = Foaf,
        ["vcard"] = Vcard,
        ["cv"] = Cv,
        ["geodcatap"] = GeoDcatAp,
        ["adms"] = Adms,
        ["csvw"] = Csvw,
        ["rdfs"] = Rdfs,
        ["xsd"] = Xsd,
        ["ndi"] = Ndi,
    };

    /// <summary>A node reference: the value is an IRI, not a string.</summary>
    public static JsonObject Iri(string iri) => new() { ["@id"] = iri };

    public static JsonObject Typed(string lexical, string type) => new() { ["@value"] = lexical, ["@type"] = type };

    /// <summary>A Swedish and an English version of one text, as two language-tagged literals.</summary>
    public static JsonArray SvEn(string sv, string en) =>
    [
        new JsonObject { ["@value"] = sv, ["@language"] = "sv" },
        new JsonObject { ["@value"] = en, ["@language"] = "en" },
    ];

    public static JsonArray Iris(IEnumerable<string> iris) => new(iris.Select(i => (JsonNode)Iri(i)).ToArray());
}
