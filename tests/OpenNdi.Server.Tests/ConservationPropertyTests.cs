using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Hl7.Fhir.Model;
using OpenNdi.Core.Index;
using OpenNdi.Core.Policy;
using OpenNdi.Fhir.Merging;
using OpenNdi.Server.ProfessionalAccess;
using OpenNdi.Testing;
using static OpenNdi.Server.Tests.ProviderAnswerPipeline;

namespace OpenNdi.Server.Tests;

/// <summary>
/// Conservation (issue 13) as a property over generated answers: one to three providers each answer a variant of the
/// HL7 IPS minimal example, with resources spoilt, about another patient, duplicated, shared with another provider,
/// and categories blocked, all drawn from a seeded generator. For every case, every entry each provider sent is
/// accounted for exactly once; what the generator spoilt is rejected for that reason; what a block covers is
/// withheld; the released accounts are exactly the providers' resources in the document; and the answer's counts
/// add up. The expected values come from the generator, never from the code under test.
/// </summary>
public sealed partial class ConservationPropertyTests
{
    private const string MinimalPatient = "7685713c-e29e-4a75-8a90-45be7ba3be94";

    /// <summary>Entries of the minimal example that are clinical items, with the element whose removal spoils them and their category.</summary>
    private static readonly (int Entry, string Required, DataCategory Category)[] Clinical =
    [
        (4, "subject", DataCategory.Problems), (5, "status", DataCategory.Medications), (7, "patient", DataCategory.Allergies),
    ];

    [GeneratedRegex("urn:uuid:([0-9a-f-]{36})")]
    private static partial Regex Uuid();

    private sealed record Expected(HashSet<string> Urls, HashSet<string> Unreadable, HashSet<string> OtherPatient, HashSet<string> Blocked);

    [Theory]
    [InlineData(20261204)]
    [InlineData(1)]
    [InlineData(777)]
    public void EveryResourceEveryProviderSends_IsAccountedForExactlyOnce(int seed)
    {
        var random = new Random(seed);
        var template = PublishedExamples.Read("ips/bundle-minimal.json");
        for (var round = 0; round < 40; round++)
        {
            var blocked = Clinical.Where(_ => random.NextDouble() < 0.25).Select(c => c.Category).ToHashSet();
            var settings = Settings([.. blocked.Select((c, i) => new Block($"b-{i}", BlockScope.Category, null, null, c, null))]);
            var lookup = Lookup(settings);
            var providers = random.Next(1, 4);
            var answers = new List<ProviderAnswer>();
            var expected = new List<Expected>();
            for (var p = 0; p < providers; p++)
            {
                var system = ProviderSystem.Numbered(p + 1);
                var (json, want) = Variant(template, random, blocked, $"{system.Base}/Patient/{MinimalPatient}/$summary");
                answers.Add(Answer(json, system, MinimalPatient, lookup, DataCategory.PatientSummary));
                expected.Add(want);
            }

            var gathered = Gather(lookup, [.. answers]);
            var (document, released) = Summary(gathered);
            var accounts = gathered.Accounts(released);

            for (var p = 0; p < providers; p++)
            {
                var account = accounts[p];
                var want = expected[p];
                Assert.Equal(want.Urls.Count, account.Count);
                Assert.Equal(want.Urls.Order(StringComparer.Ordinal), account.Select(a => a.Url).Order(StringComparer.Ordinal));
                Assert.All(want.Unreadable, url => Assert.StartsWith(ItemAccounts.Unreadable, account.Single(a => a.Url == url).Reason, StringComparison.Ordinal));
                Assert.All(want.OtherPatient, url => Assert.Equal(ItemAccounts.AnotherPatient, account.Single(a => a.Url == url).Reason));
                Assert.All(want.Blocked, url => Assert.Equal((Disposition.Withheld, "blocked"), account.Single(a => a.Url == url) is var a ? (a.Disposition, a.Reason) : default));
                Assert.All(account.Where(a => a.Disposition == Disposition.Merged && a.Reason == ItemAccounts.SameItem), a => Assert.Contains(document.Entry, e => e.FullUrl == a.Into));
            }

            // The providers' resources in the document are exactly those accounted as released.
            var national = new HashSet<string> { document.Entry[0].FullUrl, NationalPatientUrl, document.Entry[2].FullUrl }; // Composition, Patient, author
            var inDocument = document.Entry.Where(e => !national.Contains(e.FullUrl) && e.Resource is not (Provenance or OperationOutcome)).Select(e => e.FullUrl);
            var releasedUrls = accounts.SelectMany(a => a).Where(a => a.Disposition == Disposition.Released).Select(a => a.Url);
            Assert.Equal(releasedUrls.Order(StringComparer.Ordinal), inDocument.Order(StringComparer.Ordinal));

            // The answer's own account of each provider adds up.
            var outcome = document.Entry.Select(e => e.Resource).OfType<OperationOutcome>().Single();
            foreach (var issue in outcome.Issue.Where(i => i.Details.Coding[0].Code == "NDI-PAS-018"))
            {
                var numbers = Regex.Matches(issue.Diagnostics, @"(\d+) (resources accounted for|released|merged|rejected|withheld)").ToDictionary(m => m.Groups[2].Value, m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
                Assert.Equal(numbers["resources accounted for"], numbers["released"] + numbers["merged"] + numbers["rejected"] + numbers.GetValueOrDefault("withheld"));
            }
        }
    }

    /// <summary>
    /// A variant of the minimal example with fresh entry URLs (a provider's own) and the same clinical content (so
    /// providers' items merge across them); with clinical items spoilt, moved to another patient or recorded twice.
    /// </summary>
    private static (string Json, Expected Want) Variant(string template, Random random, HashSet<DataCategory> blocked, string requestUrl)
    {
        var fresh = new Dictionary<string, string>();
        var json = Uuid().Replace(template, m => m.Groups[1].Value == MinimalPatient ? m.Value
            : "urn:uuid:" + (fresh.TryGetValue(m.Groups[1].Value, out var id) ? id : fresh[m.Groups[1].Value] = NewUuid(random)));
        var bundle = JsonNode.Parse(json)!.AsObject();
        var entries = bundle["entry"]!.AsArray();
        var unreadable = new HashSet<string>();
        var otherPatient = new HashSet<string>();
        var blockedUrls = new HashSet<string>();
        foreach (var (index, required, category) in Clinical)
        {
            var entry = entries[index]!.AsObject();
            var url = (string)entry["fullUrl"]!;
            var resource = entry["resource"]!.AsObject();
            var draw = random.NextDouble();
            if (draw < 0.15)
            {
                resource.Remove(required);
                unreadable.Add(url);
            }
            else if (draw < 0.25)
            {
                resource[required == "patient" ? "patient" : "subject"] = new JsonObject { ["reference"] = "urn:uuid:00000000-0000-4000-8000-000000000099" };
                otherPatient.Add(url);
            }
            else if (blocked.Contains(category))
                blockedUrls.Add(url);
            if (draw >= 0.25 && random.NextDouble() < 0.3)
            {
                // The same provider recording the item twice: two records, never merged.
                var copy = JsonNode.Parse(entry.ToJsonString())!.AsObject();
                var copyUrl = "urn:uuid:" + NewUuid(random);
                copy["fullUrl"] = copyUrl;
                copy["resource"]!["id"] = copyUrl[9..];
                entries.Add(copy);
                if (blocked.Contains(category))
                    blockedUrls.Add(copyUrl);
            }
        }
        if (random.NextDouble() < 0.2)
        {
            entries.Add(null); // an entry that is JSON null
        }
        var urls = entries.Select((e, i) => e is null ? null : (string?)e["fullUrl"]).ToList();
        var want = new HashSet<string>(urls.OfType<string>());
        for (var i = 0; i < urls.Count; i++)
        {
            if (urls[i] is null)
                unreadable.Add($"{requestUrl}#entry[{i}]");
        }
        want.UnionWith(unreadable);
        return (bundle.ToJsonString(), new Expected(want, unreadable, otherPatient, blockedUrls));
    }

    private static string NewUuid(Random random)
    {
        var bytes = new byte[16];
        random.NextBytes(bytes);
        return new Guid(bytes).ToString();
    }
}
