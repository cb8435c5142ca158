using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Hl7.Fhir.Model;
using Microsoft.Extensions.DependencyInjection;
using OpenNdi.Core.Audit;
using OpenNdi.Core.Identifiers;
using OpenNdi.Core.Index;
using OpenNdi.Core.ServiceDirectory;
using OpenNdi.Data.Audit;
using OpenNdi.Data.Index;
using OpenNdi.Data.ServiceDirectory;
using OpenNdi.Fhir;
using OpenNdi.Server.ProfessionalAccess;
using Task = System.Threading.Tasks.Task;

namespace OpenNdi.Server.Tests;

/// <summary>
/// Issue 12 finding 8: one provider system publishing 5,000 entries for a patient made each summary of that patient
/// fire 5,000 provider requests, and the index lookup answered all of them at once. Now a summary asks a system once
/// per category, an answer makes at most ProfessionalAccess:MaxProviderRequests requests and names what it left out,
/// a system may hold at most Index:MaxEntriesPerSystemPerPatient entries per patient, and the lookup is paged.
/// </summary>
[Trait("Category", "Security")]
public sealed class FanOutLimitTests : IDisposable
{
    private static readonly OrganizationNumber RegionOrg = OrganizationNumber.Parse("232100-0016");
    private static readonly HsaId Region = HsaId.Create(RegionOrg, "1000");
    private static readonly HsaId RegionUnit = HsaId.Create(RegionOrg, "15CQ");
    private static readonly HsaId RegionWard = HsaId.Create(RegionOrg, "16AB");
    private static readonly PersonalIdentityNumber Patient = PersonalIdentityNumber.Parse("191212121212");

    private readonly TestIssuer _issuer = new("https://idp.national.example");

    public void Dispose() => _issuer.Dispose();

    /// <summary>Stands in for every provider system: counts the requests and answers each with an empty searchset.</summary>
    private sealed class CountingProviders : HttpMessageHandler
    {
        public ConcurrentQueue<Uri> Requests { get; } = new();

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requests.Enqueue(request.RequestUri!);
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK)
            {
                Content = new StringContent("""{"resourceType":"Bundle","type":"searchset","total":0}""", Encoding.UTF8, "application/fhir+json"),
            });
        }
    }

    private async Task<NdiServer> StartAsync(string backend, Dictionary<string, string>? settings = null, CountingProviders? providers = null)
    {
        var all = new Dictionary<string, string>(settings ?? [])
        {
            ["Demo:Persons"] = "5", ["Demo:Providers"] = "2",
            ["Identity:TrustedIssuers:0:Issuer"] = _issuer.Issuer, ["Identity:TrustedIssuers:0:Jwks"] = _issuer.Jwks,
        };
        var server = await NdiServer.StartAsync(backend, all, providers is null ? null : services =>
            services.AddHttpClient(ProviderFetcher.HttpClientName).ConfigurePrimaryHttpMessageHandler(() => providers));
        await server.RegisterCareUnitsAsync(Region, RegionUnit, RegionWard);
        return server;
    }

    private string ClinicianToken() => _issuer.Token("user/*.rs", claims: IndexApiTests.ClinicianClaims);

    private string SystemToken() => _issuer.Token("system/DocumentReference.cs system/DocumentReference.rs",
        claims: new Dictionary<string, object> { ["subject_organization_id"] = Region.Value });

    private static IndexEntry Entry(PersonalIdentityNumber patient, DataCategory category, string system, string reference, int day = 0) =>
        new(new IndexEntryKey(patient, category, day % 2 == 0 ? RegionUnit : RegionWard, system, reference), Region, new(2020, 1, 1), new DateOnly(2024, 1, 1).AddDays(day % 7));

    private static Task SaveEndpointAsync(NdiServer server, string system, string address) => new DirectoryStore(server.Database.Database).SaveAsync(
        new DirectoryEndpoint($"ep-{system}", Region, system, null, new Uri(address), DirectoryEndpoint.FhirRest, "4.0.1", EndpointStatus.Active), "test");

    private Task<HttpResponseMessage> GetAsync(NdiServer server, string url, bool careRelationship = true) =>
        server.SendAsync(HttpMethod.Get, url, ClinicianToken(), headers: careRelationship ? IndexApiTests.CareRelationship : null);

    private static async Task<Bundle> BundleAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body[..Math.Min(body.Length, 500)]);
        return FhirJson.Parse<Bundle>(body);
    }

    private static string SummaryUrl(PersonalIdentityNumber patient) => $"/fhir/Patient/$summary?identifier={PersonalIdentityNumber.PersonnummerSystem}|{patient.Value}";

    // ---- professional access: requests per summary ----

    [Fact]
    public async Task Summary_OfAPatientWith5000EntriesFromOneSystem_AsksThatSystemOncePerCategory()
    {
        var providers = new CountingProviders();
        await using var server = await StartAsync("sqlite", providers: providers);
        await new IndexStore(server.Database.Database).PublishAsync(
        [
            .. Enumerable.Range(0, 4_990).Select(i => Entry(Patient, DataCategory.Problems, "ehr-1", $"Condition?patient=p1&_id=c{i}", i)),
            .. Enumerable.Range(0, 10).Select(i => Entry(Patient, DataCategory.Allergies, "ehr-1", $"AllergyIntolerance?patient=p1&_id=a{i}", i)),
        ]);
        await SaveEndpointAsync(server, "ehr-1", "https://ehr.region.example/fhir");

        var document = await BundleAsync(await GetAsync(server, SummaryUrl(Patient)));

        Assert.Equal(["https://ehr.region.example/fhir/AllergyIntolerance?patient=p1", "https://ehr.region.example/fhir/Condition?patient=p1"],
            providers.Requests.Select(u => u.AbsoluteUri).Order(StringComparer.Ordinal));
        Assert.Equal("Bundle", document.TypeName);
    }

    [Fact]
    public async Task Summary_WithMoreRequestsThanTheCap_MakesOnlyTheCap_AndNamesWhatItLeftOut()
    {
        var providers = new CountingProviders();
        await using var server = await StartAsync("sqlite", new() { ["ProfessionalAccess:MaxProviderRequests"] = "5" }, providers);
        var systems = Enumerable.Range(0, 8).Select(i => $"ehr-{i}").ToList();
        await new IndexStore(server.Database.Database).PublishAsync(
        [
            .. systems.SelectMany(system => (IndexEntry[])
            [
                Entry(Patient, DataCategory.Problems, system, "Condition?patient=p1"),
                Entry(Patient, DataCategory.Laboratory, system, "DiagnosticReport?patient=p1&category=LAB", 1),
            ]),
        ]);
        foreach (var system in systems)
            await SaveEndpointAsync(server, system, $"https://{system}.region.example/fhir");

        var document = await BundleAsync(await GetAsync(server, SummaryUrl(Patient)));

        Assert.Equal(5, providers.Requests.Count);
        Assert.Equal(5, providers.Requests.Select(u => u.Host).Distinct().Count()); // a round across systems first
        var outcome = Assert.IsType<OperationOutcome>(document.Entry[^1].Resource);
        var capped = Assert.Single(outcome.Issue, i => i.Details.Coding[0].Code == "NDI-PAS-016");
        Assert.Equal(OperationOutcome.IssueSeverity.Warning, capped.Severity);
        Assert.Contains("11 of its 16 requests were not made", capped.Diagnostics, StringComparison.Ordinal);
        var stored = await new AuditStore(server.Database.Database).QueryAsync(new AuditQuery(Patient: Patient.Value));
        var record = AuditJson.Read(Encoding.UTF8.GetBytes(Assert.Single(stored, s => AuditJson.Read(Encoding.UTF8.GetBytes(s.Json)).Event == "patient-summary").Json));
        Assert.Equal(11, record.Entities.Count(e => e.Kind == "provider-fetch" && e.Detail!.StartsWith("missed (not-asked)", StringComparison.Ordinal)));
    }

    [Fact]
    public void Cap_TakesOneRequestPerSystemBeforeASecondOne_AndKeepsEveryJob()
    {
        var jobs = Enumerable.Range(0, 3).SelectMany(s => Enumerable.Range(0, 4).Select(c => new FetchJob(Region, $"ehr-{s}", DataCategory.All[c], null, $"p{c}", "p1", [])))
            .ToList();

        var (asked, notAsked) = FetchPlan.Cap(jobs, 5);

        Assert.Equal(["ehr-0|p0", "ehr-1|p0", "ehr-2|p0", "ehr-0|p1", "ehr-1|p1"], asked.Select(j => $"{j.SourceSystem}|{j.Path}"));
        Assert.Equal(jobs.Count, asked.Concat(notAsked).Distinct().Count());
        Assert.Same(jobs, FetchPlan.Cap(jobs, 12).Asked);
    }

    // ---- the index lookup: paging ----

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Lookup_WalksEveryEntryExactlyOnce_AlongNextLinks_WithTheRightTotal(string backend)
    {
        await using var server = await StartAsync(backend);
        await new IndexStore(server.Database.Database).PublishAsync(
            [.. Enumerable.Range(0, 250).Select(i => Entry(Patient, i % 3 == 0 ? DataCategory.Laboratory : DataCategory.Problems, $"ehr-{i % 4}", $"ref-{i}|å \"{i}\"", i))]);

        var seen = new List<string>();
        var pages = new List<int>();
        string? url = $"/fhir/DocumentReference?patient.identifier={Patient.Value}&_count=100";
        while (url is not null)
        {
            var page = await BundleAsync(await GetAsync(server, url));
            Assert.Equal(250, page.Total);
            Assert.NotNull(page.SelfLink);
            pages.Add(page.Entry.Count);
            seen.AddRange(page.Entry.Select(e => ((DocumentReference)e.Resource).Identifier[0].Value));
            url = page.NextLink is { } next ? next.PathAndQuery : null;
        }

        Assert.Equal([100, 100, 50], pages);
        Assert.Equal(250, seen.Distinct().Count());
        Assert.Equal(250, seen.Count);
    }

    [Fact]
    public async Task Lookup_WithoutCount_GivesTheDefaultPage_AndTheTotal()
    {
        await using var server = await StartAsync("sqlite");
        await new IndexStore(server.Database.Database).PublishAsync([.. Enumerable.Range(0, 130).Select(i => Entry(Patient, DataCategory.Problems, "ehr-1", $"ref-{i}", i))]);

        var page = await BundleAsync(await GetAsync(server, $"/fhir/DocumentReference?patient.identifier={Patient.Value}"));

        Assert.Equal(100, page.Entry.Count);
        Assert.Equal(130, page.Total);
        Assert.Contains("_count=100", page.NextLink!.Query, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Lookup_ForACallerWhoMaySeeNothing_CountsNothing_AndLinksNowhere()
    {
        await using var server = await StartAsync("sqlite");
        await new IndexStore(server.Database.Database).PublishAsync([.. Enumerable.Range(0, 130).Select(i => Entry(Patient, DataCategory.Problems, "ehr-1", $"ref-{i}", i))]);

        var page = await BundleAsync(await GetAsync(server, $"/fhir/DocumentReference?patient.identifier={Patient.Value}&_count=10", careRelationship: false));

        Assert.Equal(0, page.Total);
        Assert.Null(page.NextLink);
        Assert.DoesNotContain(page.Entry, e => e.Search.Mode == Bundle.SearchEntryMode.Match);
    }

    [Theory]
    [InlineData("_count=0")]
    [InlineData("_count=-5")]
    [InlineData("_count=1001")]
    [InlineData("_count=ten")]
    [InlineData("_count=10&_count=20")]
    [InlineData("_page=not*a*cursor")]
    [InlineData("_page=WyJ4Il0")] // base64url of ["x"]: not a place in the listing
    [InlineData("_page=")]
    public async Task Lookup_WithMalformedPaging_IsRefused(string paging)
    {
        await using var server = await StartAsync("sqlite");

        using var response = await GetAsync(server, $"/fhir/DocumentReference?patient.identifier={Patient.Value}&{paging}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var issue = Assert.Single(FhirJson.Parse<OperationOutcome>(await response.Content.ReadAsStringAsync()).Issue);
        Assert.Equal("NDI-PDI-001", issue.Details.Coding[0].Code);
    }

    // ---- publishing: entries per system and patient ----

    private static string Document(string system, string reference, string pnr = "191212121212") => $$$"""
        {"resourceType":"DocumentReference","status":"current","identifier":[{"system":"urn:openndi:index:source-reference","value":"{{{system}}}|{{{reference}}}"}],"type":{"coding":[{"system":"http://loinc.org","code":"11450-4"}]},"subject":{"identifier":{"system":"urn:oid:1.2.752.129.2.1.3.1","value":"{{{pnr}}}"}},"author":[{"identifier":{"system":"urn:oid:1.2.752.29.4.19","value":"{{{RegionUnit.Value}}}"}}],"context":{"period":{"start":"2024-01-05","end":"2024-03-01"}},"content":[{"attachment":{"contentType":"application/fhir+json"}}]}
        """;

    private static string Bulk(string system, int from, int count) =>
        string.Join('\n', Enumerable.Range(from, count).Select(i => Document(system, $"Condition?patient=p1&_id=c{i}").Trim()));

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Publish_PastTheCapPerSystemAndPatient_IsRefusedWhole_AndStoresNothing(string backend)
    {
        await using var server = await StartAsync(backend, new() { ["Index:MaxEntriesPerSystemPerPatient"] = "50" });
        var index = new IndexStore(server.Database.Database);

        using var tooMany = await server.SendAsync(HttpMethod.Post, "/fhir/DocumentReference/$bulk", SystemToken(), Bulk("ehr-1", 0, 51), "application/fhir+ndjson");
        var afterRefusal = await index.CountAsync(Region);
        using var atTheCap = await server.SendAsync(HttpMethod.Post, "/fhir/DocumentReference/$bulk", SystemToken(), Bulk("ehr-1", 0, 50), "application/fhir+ndjson");
        using var oneMore = await server.SendAsync(HttpMethod.Post, "/fhir/DocumentReference", SystemToken(), Document("ehr-1", "Condition?patient=p1&_id=c50"));
        using var again = await server.SendAsync(HttpMethod.Post, "/fhir/DocumentReference", SystemToken(), Document("ehr-1", "Condition?patient=p1&_id=c7"));
        using var otherSystem = await server.SendAsync(HttpMethod.Post, "/fhir/DocumentReference", SystemToken(), Document("ehr-2", "Condition?patient=p1&_id=c50"));
        using var otherPatient = await server.SendAsync(HttpMethod.Post, "/fhir/DocumentReference", SystemToken(), Document("ehr-1", "Condition?patient=p2&_id=c50", PersonalIdentityNumber.Create(new DateOnly(1940, 1, 1), 980, coordination: false).Value));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, tooMany.StatusCode);
        var issue = Assert.Single(FhirJson.Parse<OperationOutcome>(await tooMany.Content.ReadAsStringAsync()).Issue);
        Assert.Equal("NDI-PDI-021", issue.Details.Coding[0].Code);
        Assert.Equal(0, afterRefusal);
        Assert.Equal(HttpStatusCode.OK, atTheCap.StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, oneMore.StatusCode);
        Assert.Equal(HttpStatusCode.Created, again.StatusCode); // republishing an entry it holds adds none
        Assert.Equal(HttpStatusCode.Created, otherSystem.StatusCode);
        Assert.Equal(HttpStatusCode.Created, otherPatient.StatusCode);
        Assert.Equal(52, await index.CountAsync(Region));
    }
}
