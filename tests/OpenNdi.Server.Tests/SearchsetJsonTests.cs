using System.Text;
using System.Text.Json.Nodes;
using Hl7.Fhir.Model;
using OpenNdi.Core.Identifiers;
using OpenNdi.Core.Index;
using OpenNdi.Fhir;
using OpenNdi.Server.PatientIndex;

namespace OpenNdi.Server.Tests;

/// <summary>The lookup's hand-written searchset JSON against the Firely model it stands in for.</summary>
public sealed class SearchsetJsonTests
{
    private static readonly OrganizationNumber RegionOrg = OrganizationNumber.Parse("232100-0016");
    private static readonly HsaId Region = HsaId.Create(RegionOrg, "1000");
    private const string BaseUrl = "http://localhost/fhir";

    /// <summary>The searchset as the lookup built it with the Firely model before the writer replaced it.</summary>
    private static string Firely(IReadOnlyList<IndexMatch> matches, string? withheld, int? total = null, IReadOnlyList<(string Relation, string Url)>? links = null)
    {
        var bundle = new Bundle { Type = Bundle.BundleType.Searchset, Total = total ?? matches.Count };
        foreach (var (relation, url) in links ?? [])
            bundle.Link.Add(new Bundle.LinkComponent { Relation = relation, Url = url });
        foreach (var (entry, fetchFrom, viaBreak) in matches)
        {
            var document = DocumentReferences.From(entry, fetchFrom, viaBreak);
            bundle.Entry.Add(new Bundle.EntryComponent
            {
                FullUrl = $"{BaseUrl}/DocumentReference/{document.Id}",
                Resource = document,
                Search = new Bundle.SearchComponent { Mode = Bundle.SearchEntryMode.Match },
            });
        }
        if (withheld is not null)
            bundle.Entry.Add(new Bundle.EntryComponent { Resource = DocumentReferences.WithheldOutcome(withheld), Search = new Bundle.SearchComponent { Mode = Bundle.SearchEntryMode.Outcome } });
        return FhirJson.Serialize(bundle);
    }

    // Re-encoded the same way on both sides, element order kept: equal strings mean the same elements in the same order.
    private static string Normalised(string json) => JsonNode.Parse(json)!.ToJsonString();

    [Fact]
    public void Write_GivesTheFirelyModelsJson_ElementForElement()
    {
        var person = PersonalIdentityNumber.Parse("191212121212");
        var coordination = PersonalIdentityNumber.Create(new DateOnly(1990, 5, 17), 234, coordination: true);
        List<IndexMatch> matches =
        [
            new(new IndexEntry(new IndexEntryKey(person, DataCategory.Laboratory, HsaId.Create(RegionOrg, "15CQ"), "ehr-1", "lab|1 \"quoted\" åäö"), Region, new(2020, 1, 5), new(2025, 12, 31)),
                new Uri("https://lab.region.example/fhir?x=1&y=å")),
            new(new IndexEntry(new IndexEntryKey(coordination, DataCategory.EDispensation, HsaId.Create(RegionOrg, "E001"), "apotek+", "d-9"), Region, new(2024, 2, 1), new(2024, 2, 1)), null, ViaEmergencyBreak: true),
        ];

        foreach (var set in (List<IndexMatch>[])[matches, [], [matches[1]]])
        {
            foreach (var withheld in (string?[])[null, "2 entries withheld: blocked by the patient (2)."])
                Assert.Equal(Normalised(Firely(set, withheld)), Normalised(Encoding.UTF8.GetString(SearchsetJson.Write(set, withheld, BaseUrl))));
        }
        List<(string, string)> links = [("self", $"{BaseUrl}/DocumentReference?patient.identifier=191212121212&_count=1"), ("next", $"{BaseUrl}/DocumentReference?_count=1&_page=WyIy")];
        Assert.Equal(Normalised(Firely([matches[0]], null, 2, links)), Normalised(Encoding.UTF8.GetString(SearchsetJson.Write([matches[0]], null, BaseUrl, 2, links))));
    }
}
