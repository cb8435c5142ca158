using System.Text.Json.Nodes;
using OpenNdi.SecondaryUse.Ports;
using static OpenNdi.SecondaryUse.Catalog.DcatVocabulary;

namespace OpenNdi.SecondaryUse.Catalog;

/// <summary>
/// The variables of a dataset as a CSVW table group (<c>healthdcatap:hasVariables</c>). HealthDCAT-AP release 8 makes
/// <c>healthdcatap:hasStructuredData</c> mandatory and, when it is true, requires the variables: every csvw:Column
/// with exactly one csvw:name, a csvw:title, a dct:description and exactly one csvw:datatype, every csvw:Table and
/// csvw:TableGroup with a dct:title (its non-public shapes, :CSVWTableGroup_Shape, :CSVWTable_Shape, :CSVWColumnShape).
/// Our rows have a fixed shape per <see cref="DatasetKind"/>, so the columns are known without asking the holder.
/// </summary>
internal static class DatasetVariables
{
    private sealed record Column(string Name, string Datatype, string TitleSv, string TitleEn, string DescriptionSv, string DescriptionEn);

    private static readonly Column Person = new("person", "string", "Person", "Person",
        "Personens personnummer; ersätts med en pseudonym per tillstånd innan något lämnas ut.",
        "The person's identity number; replaced by a pseudonym per permit before anything is delivered.");

    private static readonly Column[] EventColumns =
    [
        Person,
        new("date", "date", "Datum", "Date", "Dagen då händelsen inträffade.", "The day the event took place."),
        new("code", "string", "Kod", "Code",
            "Händelsens kod som system|kod, i datamängdens kodsystem; tom när händelsen saknar kod.",
            "The event's code as system|code, in the dataset's coding systems; empty when the event has none."),
    ];

    private static readonly Column[] PersonColumns =
    [
        Person,
        new("birthDate", "date", "Födelsedatum", "Birth date", "Födelsedatum enligt folkbokföringen.", "The birth date the population register holds."),
        new("sex", "string", "Kön", "Sex", "female eller male, som personnumret anger det.", "female or male, as the identity number encodes it."),
        new("municipality", "string", "Kommun", "Municipality", "Kommunkod (fyra siffror).", "Municipality code (four digits)."),
        new("region", "string", "Län", "Region", "Länskod (två siffror).", "County code (two digits)."),
    ];

    public static JsonObject TableGroup(HeldDataset dataset)
    {
        var columns = dataset.Kind == DatasetKind.Persons ? PersonColumns : EventColumns;
        var table = new JsonObject
        {
            ["@type"] = "csvw:Table",
            ["dct:title"] = SvEn(dataset.Kind == DatasetKind.Persons ? "Personer" : "Händelser",
                dataset.Kind == DatasetKind.Persons ? "Persons" : "Events"),
            ["csvw:column"] = new JsonArray(columns.Select(c => (JsonNode)ColumnNode(c)).ToArray()),
        };
        return new JsonObject
        {
            ["@type"] = "csvw:TableGroup",
            ["dct:title"] = SvEn("Variabler: " + dataset.Title, "Variables: " + dataset.Title),
            ["csvw:table"] = new JsonArray(table),
        };
    }

    private static JsonObject ColumnNode(Column column) => new()
    {
        ["@type"] = "csvw:Column",
        ["csvw:name"] = column.Name,
        ["csvw:title"] = SvEn(column.TitleSv, column.TitleEn),
        ["dct:description"] = SvEn(column.DescriptionSv, column.DescriptionEn),
        ["csvw:datatype"] = column.Datatype,
    };
}
