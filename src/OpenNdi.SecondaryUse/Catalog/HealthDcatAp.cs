using System.Globalization;
using System.Text.Json.Nodes;
using static OpenNdi.SecondaryUse.Catalog.DcatVocabulary;

namespace OpenNdi.SecondaryUse.Catalog;

/// <summary>The health data access body that publishes the catalogue (Socialstyrelsen, SOU 2026:6).</summary>
/// <param name="Uri">Its web site, where applications for data are made.</param>
/// <param name="Email">The address applicants and holders write to.</param>
public sealed record CatalogPublisher(string Name, string Uri, string Email);

/// <summary>
/// The national dataset catalogue as JSON-LD in DCAT-AP 3 with the HealthDCAT-AP extension, at the NON_PUBLIC access
/// level (health data reached only through a permit). Property names, cardinalities and vocabularies were checked
/// against HealthDCAT-AP release 8: its SHACL shapes for NON_PUBLIC datasets, its cardinality rules and its per-property
/// RDF examples at commit cd7841f of code.europa.eu/healthdataeu/healthdcat-ap (read through a snapshot of that
/// commit), and against the CKAN DCAT extension's HealthDCAT-AP profile (ckanext/dcat/profiles/euro_health_dcat_ap.py)
/// for the typing of the counts. Where release 8 differs from the earlier drafts that ADR 0011 was written from, it
/// is followed: coding systems and health categories come from HealthData@EU's authority tables, not Wikidata, and
/// agents carry a <c>cv:contactPoint</c>.
/// Every prefixed name written is declared in the <c>@context</c>; no term definitions are used, so the document
/// expands with nothing but the prefix table.
/// </summary>
public static class HealthDcatAp
{
    /// <summary>
    /// The catalogue: a <c>dcat:Catalog</c> published by the body, its title and description in Swedish and English,
    /// and every entry as a <c>dcat:Dataset</c>.
    /// </summary>
    public static JsonObject Catalog(IReadOnlyList<CatalogEntry> entries, CatalogPublisher body, Uri baseUri)
    {
        var root = Root(baseUri);
        return new JsonObject
        {
            ["@context"] = Context(),
            ["@id"] = new Uri(root, "sdu/catalog").AbsoluteUri,
            ["@type"] = "dcat:Catalog",
            ["dct:title"] = SvEn("Nationell datamängdskatalog för sekundär användning av hälsodata",
                "National dataset catalogue for the secondary use of health data"),
            ["dct:description"] = SvEn(
                "De datamängder som hälsodatainnehavare i Sverige gör tillgängliga för sekundär användning enligt EHDS. "
                + "Antal poster och individer, period och åldrar är beräknade ur uppgifterna; personer som invänt räknas inte.",
                "The datasets health data holders in Sweden make available for secondary use under the EHDS. "
                + "Numbers of records and individuals, periods and ages are computed from the data; persons who object are not counted."),
            ["dct:publisher"] = BodyAgent(body),
            // HealthDCAT-AP release 8 requires the applicable legislation on the catalogue too (:Catalog_Shape).
            ["dcatap:applicableLegislation"] = Iri(Ehds),
            ["dct:spatial"] = Iri(Sweden),
            ["dct:language"] = Iris([Swedish, English]),
            ["dcat:dataset"] = new JsonArray(entries.Select(e => (JsonNode)DatasetNode(e, body, root)).ToArray()),
        };
    }

    /// <summary>
    /// One entry on its own, with its <c>@context</c>. It takes the body as well as the entry because HealthDCAT-AP
    /// release 8 requires every dataset to name its health data access body (<c>healthdcatap:hdab</c>, 1..1) and a
    /// distribution through which access is requested.
    /// </summary>
    public static JsonObject Dataset(CatalogEntry entry, CatalogPublisher body, Uri baseUri)
    {
        var node = DatasetNode(entry, body, Root(baseUri));
        var withContext = new JsonObject { ["@context"] = Context() };
        foreach (var (key, value) in node.ToList())
        {
            node.Remove(key);
            withContext[key] = value;
        }
        return withContext;
    }

    /// <summary>A dataset's IRI: base + "sdu/catalog/datasets/" + its id, each path segment of the id escaped.</summary>
    public static Uri DatasetUri(Uri baseUri, string datasetId) =>
        new(Root(baseUri), "sdu/catalog/datasets/" + EscapeSegments(datasetId));

    private static JsonObject DatasetNode(CatalogEntry entry, CatalogPublisher body, Uri root)
    {
        var dataset = entry.Dataset;
        var figures = entry.Figures;
        var theme = HealthThemes.Find(dataset.Theme);
        var holder = new Uri(root, "sdu/catalog/holders/" + EscapeSegments(dataset.Holder)).AbsoluteUri;

        var node = new JsonObject
        {
            ["@id"] = DatasetUri(root, dataset.Id).AbsoluteUri,
            ["@type"] = "dcat:Dataset",
            ["dct:identifier"] = dataset.Id,
            ["dct:title"] = dataset.Title,
            ["dct:description"] = dataset.Description,
            ["dcat:keyword"] = theme is null ? new JsonArray(JsonValue.Create(dataset.Theme)) : SvEn(theme.NameSv, theme.NameEn),
            // The holder publishes its description (release 8: "this may be the data holder") and is the custodian,
            // the EHDS data holder of art. 2(2)(t); one node, referred to twice.
            ["dct:publisher"] = HolderAgent(holder, dataset.HolderName, dataset.ContactEmail),
            ["geodcatap:custodian"] = Iri(holder),
            ["healthdcatap:hdab"] = BodyAgent(body),
            ["dcat:contactPoint"] = new JsonObject
            {
                ["@type"] = "vcard:Kind",
                ["vcard:fn"] = dataset.HolderName,
                ["vcard:hasEmail"] = Iri("mailto:" + dataset.ContactEmail),
            },
            ["dct:accessRights"] = Iri(NonPublic),
            ["dcatap:applicableLegislation"] = Iri(Ehds),
            ["dpv:hasLegalBasis"] = LegalBasis(),
            ["dcat:theme"] = Iri(HealthDataTheme),
            ["dct:type"] = Iri(Statistical),
            ["healthdcatap:healthCategory"] = Iris(theme?.Categories.Select(c => c.AbsoluteUri) ?? []),
            ["healthdcatap:hasCodingSystem"] = Iris(dataset.CodingSystems
                .Select(CodingSystems.ForFhirSystem).OfType<CodingSystem>().Select(c => c.Concept.AbsoluteUri).Distinct()),
            ["healthdcatap:hasStructuredData"] = true,
            ["healthdcatap:hasVariables"] = DatasetVariables.TableGroup(dataset),
            ["healthdcatap:numberOfRecords"] = NonNegative(figures.Records),
            ["healthdcatap:numberOfUniqueIndividuals"] = NonNegative(figures.Individuals),
            ["dct:spatial"] = Iri(Sweden),
            ["dct:issued"] = Typed(Instant(entry.Published), "xsd:dateTime"),
            ["dct:modified"] = Typed(Instant(entry.LastChecked), "xsd:dateTime"),
            ["adms:status"] = Iri(Completed),
            // The holder's description, and the figures computed with it, are renewed at least once a year (EHDS art.
            // 60(2)): ANNUAL is the frequency table's word for it. Neither DCAT-AP nor HealthDCAT-AP has a property
            // for the day the next check falls due, so that date is in our own namespace, where no consumer mistakes
            // it for the profile's.
            ["dct:accrualPeriodicity"] = Iri(Annual),
            ["ndi:reviewDue"] = Typed(Date(entry.ReviewDue), "xsd:date"),
            ["dct:provenance"] = Provenance(entry),
            ["dcat:distribution"] = new JsonArray(Distribution(body)),
        };
        if (theme?.Topic is { } topic)
            node["healthdcatap:healthTheme"] = Iris([topic.AbsoluteUri]);
        if (TypicalAges(figures) is var (min, max))
        {
            node["healthdcatap:minTypicalAge"] = NonNegative(min);
            node["healthdcatap:maxTypicalAge"] = NonNegative(max);
        }
        if (figures.Earliest is { } earliest && figures.Latest is { } latest)
        {
            node["dct:temporal"] = new JsonObject
            {
                ["@type"] = "dct:PeriodOfTime",
                ["dcat:startDate"] = Typed(Date(earliest), "xsd:date"),
                ["dcat:endDate"] = Typed(Date(latest), "xsd:date"),
            };
        }
        return node;
    }

    /// <summary>
    /// The typical ages, widened to whole five-year bands: the profile asks for "the approximate minimum [maximum] age
    /// of subjects … Approximate age is given to protect potentially sensitive information of subjects in the
    /// dataset" (usage note of minTypicalAge/maxTypicalAge), and an exact extreme age can point at one person.
    /// </summary>
    internal static (int Min, int Max)? TypicalAges(DatasetFigures figures) =>
        figures is { MinAge: { } min, MaxAge: { } max } ? (min / 5 * 5, (max / 5 * 5) + 4) : null;

    /// <summary>
    /// The body as a health agent: a foaf:Agent with a name (DCAT-AP's Agent) and exactly one cv:contactPoint with
    /// an e-mail literal or a contact page (release 8's :HealthAgent_Shape and :ContactPoint_Shape).
    /// </summary>
    private static JsonObject BodyAgent(CatalogPublisher body) => new()
    {
        ["@type"] = "foaf:Agent",
        ["foaf:name"] = body.Name,
        ["foaf:homepage"] = Iri(body.Uri),
        ["cv:contactPoint"] = new JsonObject
        {
            ["@type"] = "cv:ContactPoint",
            ["cv:email"] = body.Email,
            ["cv:contactPage"] = Iri(body.Uri),
        },
    };

    private static JsonObject HolderAgent(string id, string name, string email) => new()
    {
        ["@id"] = id,
        ["@type"] = "foaf:Agent",
        ["foaf:name"] = name,
        ["cv:contactPoint"] = new JsonObject { ["@type"] = "cv:ContactPoint", ["cv:email"] = email },
    };

    /// <summary>
    /// The legal basis as release 8's example gives it: a dpv:LegalBasis described in words, with its source. The
    /// basis for making the data available is the holder's duty under EHDS chapter IV.
    /// </summary>
    private static JsonObject LegalBasis() => new()
    {
        ["@type"] = "dpv:LegalBasis",
        ["dct:description"] = SvEn(
            "Förordning (EU) 2025/327 (EHDS) kapitel IV: hälsodatainnehavaren gör uppgifterna tillgängliga för hälsodataorganet "
            + "för de ändamål som anges i artikel 53 (artikel 60).",
            "Regulation (EU) 2025/327 (EHDS), chapter IV: the health data holder makes the data available to the health data "
            + "access body for the purposes of article 53 (article 60)."),
        ["dct:source"] = Iri(Ehds),
    };

    /// <summary>
    /// How the description came about. NON_PUBLIC datasets must carry a dct:provenance (release 8); ours says which
    /// figures the body computed, when, and that objecting persons were left out.
    /// </summary>
    private static JsonObject Provenance(CatalogEntry entry)
    {
        var day = Date(DateOnly.FromDateTime(entry.LastChecked.DateTime));
        var holder = entry.Dataset.HolderName;
        return new JsonObject
        {
            ["@type"] = "dct:ProvenanceStatement",
            ["rdfs:label"] = SvEn(
                $"Beskriven av {holder}. Antalet poster och individer, perioden och åldrarna beräknades av hälsodataorganet ur "
                + $"uppgifterna den {day}, utan de personer som har invänt mot sekundär användning (EHDS artikel 71).",
                $"Described by {holder}. The numbers of records and individuals, the period and the ages were computed by the "
                + $"health data access body from the data on {day}, leaving out the persons who object to secondary use (EHDS article 71)."),
        };
    }

    /// <summary>
    /// The one distribution: data are had only through the body, under a permit. Release 8 requires at least one
    /// distribution with its applicable legislation; DCAT-AP 3 requires its access URL, here the body's site.
    /// </summary>
    private static JsonObject Distribution(CatalogPublisher body) => new()
    {
        ["@type"] = "dcat:Distribution",
        ["dcat:accessURL"] = Iri(body.Uri),
        ["dcatap:applicableLegislation"] = Iri(Ehds),
        ["dct:rights"] = new JsonObject
        {
            ["@type"] = "dct:RightsStatement",
            ["rdfs:label"] = SvEn(
                "Uppgifterna lämnas endast ut med ett datatillstånd från hälsodataorganet, i dess säkra behandlingsmiljö.",
                "The data are made available only under a data permit from the health data access body, in its secure processing environment."),
        },
    };

    /// <summary>The counts and ages as xsd:nonNegativeInteger, the datatype release 8's shapes require of all four.</summary>
    private static JsonObject NonNegative(long value) => Typed(value.ToString(CultureInfo.InvariantCulture), "xsd:nonNegativeInteger");

    private static string Date(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static string Instant(DateTimeOffset instant) => instant.ToString("yyyy-MM-dd'T'HH:mm:ssK", CultureInfo.InvariantCulture);

    /// <summary>The base with a trailing slash, so that relative paths are resolved under it rather than beside it.</summary>
    private static Uri Root(Uri baseUri) =>
        baseUri.AbsoluteUri.EndsWith('/') ? baseUri : new Uri(baseUri.AbsoluteUri + "/");

    /// <summary>Escapes each segment of an id such as "region-x/conditions", keeping its slashes as path separators.</summary>
    private static string EscapeSegments(string id) => string.Join('/', id.Split('/').Select(Uri.EscapeDataString));
}
