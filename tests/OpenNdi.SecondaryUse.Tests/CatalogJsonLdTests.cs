using System.Text.Json;
using System.Text.Json.Nodes;
using OpenNdi.SecondaryUse.Catalog;
using static OpenNdi.SecondaryUse.Tests.CatalogExamples;

namespace OpenNdi.SecondaryUse.Tests;

/// <summary>
/// The catalogue's JSON-LD, read back from its text. Expected namespaces, properties and concepts are written out
/// here as the specifications give them (DCAT 3, DCAT-AP 3, HealthDCAT-AP release 8's shapes and examples, the EU
/// authority tables), not taken from the code. No JSON-LD library is on the package mirror, so the tests expand
/// prefixed names themselves: with no term definitions in the context, a prefix table is all expansion needs.
/// </summary>
public sealed class CatalogJsonLdTests
{
    private static readonly Dictionary<string, string> Namespaces = new()
    {
        ["dcat"] = "http://www.w3.org/ns/dcat#",
        ["dct"] = "http://purl.org/dc/terms/",
        ["dcatap"] = "http://data.europa.eu/r5r/",
        ["healthdcatap"] = "http://healthdataportal.eu/ns/health#",
        ["dpv"] = "https://w3id.org/dpv#",
        ["foaf"] = "http://xmlns.com/foaf/0.1/",
        ["vcard"] = "http://www.w3.org/2006/vcard/ns#",
        ["cv"] = "http://data.europa.eu/m8g/",
        ["geodcatap"] = "http://data.europa.eu/930/",
        ["adms"] = "http://www.w3.org/ns/adms#",
        ["csvw"] = "http://www.w3.org/ns/csvw#",
        ["rdfs"] = "http://www.w3.org/2000/01/rdf-schema#",
        ["xsd"] = "http://www.w3.org/2001/XMLSchema#",
        ["ndi"] = "https://openndi.se/ns/catalog#", // ours
    };

    private const string Dcat = "http://www.w3.org/ns/dcat#";
    private const string Dct = "http://purl.org/dc/terms/";
    private const string Health = "http://healthdataportal.eu/ns/health#";
    private const string Cv = "http://data.europa.eu/m8g/";
    private const string Foaf = "http://xmlns.com/foaf/0.1/";
    private const string Xsd = "http://www.w3.org/2001/XMLSchema#";
    private const string Csvw = "http://www.w3.org/ns/csvw#";

    private static readonly Uri Base = new("https://ndi.example.se/");
    private static readonly CatalogPublisher Body = new("Socialstyrelsen", "https://hdab.example.se/", "hdab@example.se");

    private static readonly CatalogEntry Conditions = new(
        Events("region-x/conditions", codingSystems: ["http://hl7.org/fhir/sid/icd-10", "http://snomed.info/sct", "http://example.org/local"]),
        new DatasetFigures(1234, 567, new DateOnly(2015, 1, 1), new DateOnly(2025, 12, 31), 16, 75),
        new DateTimeOffset(2025, 1, 2, 9, 0, 0, TimeSpan.FromHours(1)), new DateTimeOffset(2025, 3, 10, 14, 30, 0, TimeSpan.FromHours(1)),
        new DateOnly(2026, 3, 10));

    private static readonly CatalogEntry Population = new(Register(), new DatasetFigures(3, 3, null, null, 0, 101),
        new DateTimeOffset(2025, 1, 2, 9, 0, 0, TimeSpan.Zero), new DateTimeOffset(2025, 1, 2, 9, 0, 0, TimeSpan.Zero), new DateOnly(2026, 1, 2));

    /// <summary>The catalogue as a consumer gets it: serialised, parsed again, its names expanded to full IRIs.</summary>
    private static JsonObject ExpandedCatalog() => Expand(Parse(HealthDcatAp.Catalog([Conditions, Population], Body, Base)));

    private static JsonObject ExpandedDataset(string id) =>
        ExpandedCatalog()[Dcat + "dataset"]!.AsArray().Single(d => (string?)d![Dct + "identifier"] == id)!.AsObject();

    private static JsonObject Parse(JsonObject document) => JsonNode.Parse(document.ToJsonString())!.AsObject();

    [Fact]
    public void Catalog_IsADcatCatalog_TitledInSwedishAndEnglish_PublishedByTheBody()
    {
        var catalog = ExpandedCatalog();

        Assert.Equal(Dcat + "Catalog", (string?)catalog["@type"]);
        Assert.Equal("https://ndi.example.se/sdu/catalog", (string?)catalog["@id"]);
        Assert.Equal(["en", "sv"], Languages(catalog[Dct + "title"]));
        Assert.Equal(["en", "sv"], Languages(catalog[Dct + "description"]));
        Assert.Equal(Foaf + "Agent", (string?)catalog[Dct + "publisher"]!["@type"]);
        Assert.Equal("Socialstyrelsen", (string?)catalog[Dct + "publisher"]![Foaf + "name"]);
        Assert.Equal("http://data.europa.eu/eli/reg/2025/327/oj", (string?)catalog["http://data.europa.eu/r5r/applicableLegislation"]!["@id"]);
        Assert.Equal(2, catalog[Dcat + "dataset"]!.AsArray().Count);
    }

    [Fact]
    public void Catalog_DescribesEveryEntryAsADcatDataset_WithTheMandatoryProperties()
    {
        foreach (var dataset in ExpandedCatalog()[Dcat + "dataset"]!.AsArray().Select(d => d!.AsObject()))
        {
            Assert.Equal(Dcat + "Dataset", (string?)dataset["@type"]);
            foreach (var property in new[] { Dct + "title", Dct + "description", Dct + "publisher", Dcat + "contactPoint", Dct + "identifier",
                         Dct + "accessRights", Dcat + "theme", Dcat + "distribution", Dcat + "keyword", Dct + "type", Dct + "provenance",
                         "http://data.europa.eu/r5r/applicableLegislation", Health + "hdab", Health + "healthCategory", Health + "hasStructuredData" })
                Assert.True(dataset.ContainsKey(property), $"{dataset["@id"]} lacks {property}");
        }
    }

    [Fact]
    public void Context_MapsEveryPrefixUsed_ToTheNamespaceOfItsSpecification()
    {
        var document = Parse(HealthDcatAp.Catalog([Conditions, Population], Body, Base));
        var context = document["@context"]!.AsObject();

        foreach (var prefix in PrefixesUsed(document))
            Assert.Equal(Namespaces[prefix], (string?)context[prefix]);
    }

    [Fact]
    public void EveryPrefixedName_InTheCatalogAndInADatasetOnItsOwn_UsesAPrefixItsContextDefines()
    {
        foreach (var document in new[] { HealthDcatAp.Catalog([Conditions, Population], Body, Base), HealthDcatAp.Dataset(Conditions, Body, Base) })
        {
            var parsed = Parse(document);
            var defined = parsed["@context"]!.AsObject().Select(p => p.Key).ToHashSet();
            var used = PrefixesUsed(parsed);

            Assert.NotEmpty(used);
            Assert.Empty(used.Except(defined));
        }
    }

    [Fact]
    public void Dataset_NamesItsHealthCategoryCodingSystemsAccessAndLegislation_ByTheirConcepts()
    {
        var dataset = ExpandedDataset("region-x/conditions");

        Assert.Equal(["https://hdeu-dcat.data.health.europa.eu/resource/authority/healthcategories/EHRS"], Ids(dataset[Health + "healthCategory"]));
        // The local system has no concept in HealthData@EU's table, so it is left out.
        Assert.Equal(["https://hdeu-dcat.data.health.europa.eu/resource/authority/coding-system/ICD-10",
            "https://hdeu-dcat.data.health.europa.eu/resource/authority/coding-system/SNOMED-CT"], Ids(dataset[Health + "hasCodingSystem"]));
        Assert.Equal(["http://publications.europa.eu/resource/authority/access-right/NON_PUBLIC"], Ids(dataset[Dct + "accessRights"]));
        Assert.Equal(["http://data.europa.eu/eli/reg/2025/327/oj"], Ids(dataset["http://data.europa.eu/r5r/applicableLegislation"]));
        Assert.Equal(["http://publications.europa.eu/resource/authority/data-theme/HEAL"], Ids(dataset[Dcat + "theme"]));
        Assert.Equal(["http://publications.europa.eu/resource/authority/country/SWE"], Ids(dataset[Dct + "spatial"]));
        Assert.Equal(["http://publications.europa.eu/resource/authority/frequency/ANNUAL"], Ids(dataset[Dct + "accrualPeriodicity"]));
        Assert.Equal(["http://publications.europa.eu/resource/authority/dataset-status/COMPLETED"], Ids(dataset["http://www.w3.org/ns/adms#status"]));
        Assert.Equal("https://w3id.org/dpv#LegalBasis", (string?)dataset["https://w3id.org/dpv#hasLegalBasis"]!["@type"]);
        Assert.Equal(JsonValueKind.True, dataset[Health + "hasStructuredData"]!.GetValueKind());
    }

    [Fact]
    public void Dataset_Counts_AreNonNegativeIntegers_EqualToTheFigures()
    {
        var dataset = ExpandedDataset("region-x/conditions");

        Assert.Equal(("1234", Xsd + "nonNegativeInteger"), Literal(dataset[Health + "numberOfRecords"]));
        Assert.Equal(("567", Xsd + "nonNegativeInteger"), Literal(dataset[Health + "numberOfUniqueIndividuals"]));
    }

    [Fact]
    public void Dataset_TypicalAges_AreTheFiveYearBandsAroundTheYoungestAndTheOldest()
    {
        // Ages 16 to 75 are given as 15 to 79; 0 to 101 as 0 to 104.
        Assert.Equal(("15", Xsd + "nonNegativeInteger"), Literal(ExpandedDataset("region-x/conditions")[Health + "minTypicalAge"]));
        Assert.Equal(("79", Xsd + "nonNegativeInteger"), Literal(ExpandedDataset("region-x/conditions")[Health + "maxTypicalAge"]));
        Assert.Equal(("0", Xsd + "nonNegativeInteger"), Literal(ExpandedDataset("skatteverket/folkbokforing")[Health + "minTypicalAge"]));
        Assert.Equal(("104", Xsd + "nonNegativeInteger"), Literal(ExpandedDataset("skatteverket/folkbokforing")[Health + "maxTypicalAge"]));
    }

    [Fact]
    public void Dataset_Period_IsThatOfItsRows_AndTheRegisterHasNone()
    {
        var temporal = ExpandedDataset("region-x/conditions")[Dct + "temporal"]!;

        Assert.Equal(Dct + "PeriodOfTime", (string?)temporal["@type"]);
        Assert.Equal(("2015-01-01", Xsd + "date"), Literal(temporal[Dcat + "startDate"]));
        Assert.Equal(("2025-12-31", Xsd + "date"), Literal(temporal[Dcat + "endDate"]));
        Assert.False(ExpandedDataset("skatteverket/folkbokforing").ContainsKey(Dct + "temporal"));
    }

    [Fact]
    public void Dataset_Dates_AreItsPublicationLastCheckAndReviewDay()
    {
        var dataset = ExpandedDataset("region-x/conditions");

        Assert.Equal(("2025-01-02T09:00:00+01:00", Xsd + "dateTime"), Literal(dataset[Dct + "issued"]));
        Assert.Equal(("2025-03-10T14:30:00+01:00", Xsd + "dateTime"), Literal(dataset[Dct + "modified"]));
        Assert.Equal(("2026-03-10", Xsd + "date"), Literal(dataset["https://openndi.se/ns/catalog#reviewDue"]));
    }

    [Fact]
    public void Dataset_Agents_AreTheHolderAsPublisherAndCustodian_AndTheBodyAsHdab_EachWithOneContactPoint()
    {
        var dataset = ExpandedDataset("region-x/conditions");
        var publisher = dataset[Dct + "publisher"]!;
        var hdab = dataset[Health + "hdab"]!;

        Assert.Equal("Region Exempel", (string?)publisher[Foaf + "name"]);
        Assert.Equal("data@exempel.se", (string?)publisher[Cv + "contactPoint"]![Cv + "email"]);
        Assert.Equal(Cv + "ContactPoint", (string?)publisher[Cv + "contactPoint"]!["@type"]);
        Assert.Equal((string?)publisher["@id"], (string?)dataset["http://data.europa.eu/930/custodian"]!["@id"]);
        Assert.Equal("Socialstyrelsen", (string?)hdab[Foaf + "name"]);
        Assert.Equal("hdab@example.se", (string?)hdab[Cv + "contactPoint"]![Cv + "email"]);
        Assert.Equal("http://www.w3.org/2006/vcard/ns#Kind", (string?)dataset[Dcat + "contactPoint"]!["@type"]);
        Assert.Equal("mailto:data@exempel.se", (string?)dataset[Dcat + "contactPoint"]!["http://www.w3.org/2006/vcard/ns#hasEmail"]!["@id"]);
    }

    [Fact]
    public void Dataset_Distribution_IsAccessThroughTheBody_UnderTheEhds()
    {
        var distribution = Assert.Single(ExpandedDataset("region-x/conditions")[Dcat + "distribution"]!.AsArray())!;

        Assert.Equal(Dcat + "Distribution", (string?)distribution["@type"]);
        Assert.Equal("https://hdab.example.se/", (string?)distribution[Dcat + "accessURL"]!["@id"]);
        Assert.Equal("http://data.europa.eu/eli/reg/2025/327/oj", (string?)distribution["http://data.europa.eu/r5r/applicableLegislation"]!["@id"]);
    }

    [Fact]
    public void Dataset_Variables_AreTheColumnsOfItsRows_EachNamedTitledDescribedAndTyped()
    {
        var group = ExpandedDataset("region-x/conditions")[Health + "hasVariables"]!;
        var table = Assert.Single(group[Csvw + "table"]!.AsArray())!;
        var columns = table[Csvw + "column"]!.AsArray().Select(c => c!).ToList();

        Assert.Equal(Csvw + "TableGroup", (string?)group["@type"]);
        Assert.Equal(["person", "date", "code"], columns.Select(c => (string?)c[Csvw + "name"]));
        Assert.Equal(["string", "date", "string"], columns.Select(c => (string?)c[Csvw + "datatype"]));
        Assert.All(columns, c => Assert.Equal(["en", "sv"], Languages(c[Csvw + "title"])));
        Assert.All(columns, c => Assert.Equal(["en", "sv"], Languages(c[Dct + "description"])));
    }

    [Fact]
    public void Dataset_OnItsOwn_HasItsContext_AndItsIriUnderTheBase()
    {
        var document = Parse(HealthDcatAp.Dataset(Conditions, Body, new Uri("https://ndi.example.se/app")));

        Assert.Equal("http://healthdataportal.eu/ns/health#", (string?)document["@context"]!["healthdcatap"]);
        Assert.Equal("https://ndi.example.se/app/sdu/catalog/datasets/region-x/conditions", (string?)document["@id"]);
        Assert.Equal("dcat:Dataset", (string?)document["@type"]);
    }

    /// <summary>Every prefix of a prefixed name: property keys, @type values (node types and literal datatypes).</summary>
    private static HashSet<string> PrefixesUsed(JsonNode? node)
    {
        var prefixes = new HashSet<string>(StringComparer.Ordinal);
        Walk(node);
        return prefixes;

        void Walk(JsonNode? n)
        {
            switch (n)
            {
                case JsonArray array:
                    foreach (var item in array)
                        Walk(item);
                    break;
                case JsonObject obj:
                    foreach (var (key, value) in obj)
                    {
                        if (key == "@context")
                            continue;
                        if (!key.StartsWith('@'))
                            prefixes.Add(PrefixOf(key));
                        if (key == "@type")
                            prefixes.Add(PrefixOf((string)value!));
                        Walk(value);
                    }
                    break;
            }
        }
    }

    private static string PrefixOf(string name)
    {
        var colon = name.IndexOf(':');
        Assert.True(colon > 0 && !name[(colon + 1)..].StartsWith("//"), $"'{name}' is not a prefixed name");
        return name[..colon];
    }

    /// <summary>
    /// JSON-LD expansion for a context of prefixes only: prefixed keys and @type values become full IRIs, with the
    /// document's own context; every other value is left as it is.
    /// </summary>
    private static JsonObject Expand(JsonObject document)
    {
        var context = document["@context"]!.AsObject().ToDictionary(p => p.Key, p => (string)p.Value!);
        return (JsonObject)ExpandNode(document)!;

        string Full(string name) => context[PrefixOf(name)] + name[(name.IndexOf(':') + 1)..];

        JsonNode? ExpandNode(JsonNode? node) => node switch
        {
            JsonArray array => new JsonArray(array.Select(ExpandNode).ToArray()),
            JsonObject obj => new JsonObject(obj.Where(p => p.Key != "@context").Select(p => KeyValuePair.Create(
                p.Key.StartsWith('@') ? p.Key : Full(p.Key),
                p.Key == "@type" ? JsonValue.Create(Full((string)p.Value!)) : ExpandNode(p.Value)))),
            null => null,
            _ => node.DeepClone(),
        };
    }

    private static List<string?> Ids(JsonNode? values) =>
        values is JsonArray array ? array.Select(v => (string?)v!["@id"]).ToList() : [(string?)values!["@id"]];

    private static List<string?> Languages(JsonNode? values) =>
        values!.AsArray().Select(v => (string?)v!["@language"]).Order(StringComparer.Ordinal).ToList();

    private static (string?, string?) Literal(JsonNode? value) => ((string?)value!["@value"], (string?)value["@type"]);
}
