using System.Net;
using Hl7.Fhir.Model;
using OpenNdi.Core.Identifiers;
using OpenNdi.Data.Index;
using OpenNdi.Fhir;
using Task = System.Threading.Tasks.Task;

namespace OpenNdi.Server.Tests;

/// <summary>Provider systems publishing to and retracting from the index over HTTP.</summary>
[Trait("Category", "Security")]
public sealed class IndexPublishTests : IDisposable
{
    private const string Pnr = "191212121212";
    private const string Lookup = "/fhir/DocumentReference?patient.identifier=" + Pnr;
    private static readonly OrganizationNumber RegionOrg = OrganizationNumber.Parse("232100-0016");
    private static readonly OrganizationNumber PrivateOrg = OrganizationNumber.Parse("556012-5790");
    private static readonly string Region = HsaId.Create(RegionOrg, "1000").Value;
    private static readonly string RegionUnit = HsaId.Create(RegionOrg, "15CQ").Value;
    private static readonly string Private = HsaId.Create(PrivateOrg, "2000").Value;
    private static readonly string PrivateUnit = HsaId.Create(PrivateOrg, "7A1B").Value;

    private readonly TestIssuer _issuer = new("https://idp.national.example");

    public void Dispose() => _issuer.Dispose();

    /// <summary>A server whose directory places the region's lab under the region and one unit under the private provider.</summary>
    private async Task<NdiServer> StartAsync(string backend = "sqlite")
    {
        var server = await NdiServer.StartTrustingAsync(backend, _issuer);
        await server.RegisterCareUnitsAsync(HsaId.Parse(Region), HsaId.Parse(RegionUnit));
        await server.RegisterCareUnitsAsync(HsaId.Parse(Private), HsaId.Parse(PrivateUnit));
        return server;
    }

    private string SystemToken(string? provider) => _issuer.Token("system/DocumentReference.cs system/DocumentReference.rs",
        claims: provider is null ? null : new Dictionary<string, object> { ["subject_organization_id"] = provider });

    private static string Document(string reference, string loinc = "11502-2", string unit = "", string status = "current", string pnr = Pnr, string start = "2024-01-05", string end = "2024-03-01") => $$$"""
        {"resourceType":"DocumentReference","status":"{{{status}}}",
         "identifier":[{"system":"urn:openndi:index:source-reference","value":"ehr-1|{{{reference}}}"}],
         "type":{"coding":[{"system":"http://loinc.org","code":"{{{loinc}}}"}]},
         "subject":{"identifier":{"system":"urn:oid:1.2.752.129.2.1.3.1","value":"{{{pnr}}}"}},
         "author":[{"identifier":{"system":"urn:oid:1.2.752.29.4.19","value":"{{{(unit.Length == 0 ? RegionUnit : unit)}}}"}}],
         "context":{"period":{"start":"{{{start}}}","end":"{{{end}}}"}},
         "content":[{"attachment":{"contentType":"application/fhir+json"}}]}
        """;

    private static Task<HttpResponseMessage> SendAsync(NdiServer server, HttpMethod method, string url, string token, string? body = null, string contentType = "application/fhir+json") =>
        server.SendAsync(method, url, token, body, contentType);

    private async Task<int> CountAsync(NdiServer server)
    {
        using var response = await SendAsync(server, HttpMethod.Get, Lookup, SystemToken(Region));
        return FhirJson.Parse<Bundle>(await response.Content.ReadAsStringAsync()).Entry.Count;
    }

    private static async Task<OperationOutcome.IssueComponent> IssueAsync(HttpResponseMessage response) =>
        FhirJson.Parse<OperationOutcome>(await response.Content.ReadAsStringAsync()).Issue.Single();

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Publish_Lookup_Retract_RoundTrip(string backend)
    {
        await using var server = await StartAsync(backend);
        var token = SystemToken(Region);

        using var published = await SendAsync(server, HttpMethod.Post, "/fhir/DocumentReference", token, Document("lab-1"));
        var afterPublish = await CountAsync(server);
        using var retracted = await SendAsync(server, HttpMethod.Post, "/fhir/DocumentReference", token, Document("lab-1", status: "entered-in-error"));
        var afterRetract = await CountAsync(server);

        Assert.Equal(HttpStatusCode.Created, published.StatusCode);
        Assert.StartsWith("/fhir/DocumentReference/", published.Headers.Location?.ToString());
        Assert.Equal(1, afterPublish);
        Assert.Equal(HttpStatusCode.OK, retracted.StatusCode);
        Assert.Equal(0, afterRetract);
    }

    [Fact]
    public async Task Publish_TheSameEntryTwice_IsOneEntryWithTheSameId()
    {
        await using var server = await StartAsync();
        var token = SystemToken(Region);

        using var first = await SendAsync(server, HttpMethod.Post, "/fhir/DocumentReference", token, Document("lab-1"));
        using var second = await SendAsync(server, HttpMethod.Post, "/fhir/DocumentReference", token, Document("lab-1"));

        Assert.Equal(first.Headers.Location, second.Headers.Location);
        Assert.Equal(1, await CountAsync(server));
    }

    [Fact]
    public async Task Publish_ForAnotherProvidersCareUnit_IsRefusedAndChangesNothing()
    {
        await using var server = await StartAsync();

        using var response = await SendAsync(server, HttpMethod.Post, "/fhir/DocumentReference", SystemToken(Private), Document("lab-1"));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var issue = await IssueAsync(response);
        Assert.Equal("NDI-PDI-016", issue.Details.Coding[0].Code);
        Assert.Contains($"belongs to provider {Region} in the service directory", issue.Diagnostics);
        Assert.Equal(0, await CountAsync(server));
    }

    [Fact]
    public async Task Publish_ForACareUnitTheDirectoryDoesNotKnow_IsRefused()
    {
        await using var server = await StartAsync();

        // Same organisation number as the region: the HSA-id's prefix proves nothing, the directory decides.
        using var response = await SendAsync(server, HttpMethod.Post, "/fhir/DocumentReference", SystemToken(Region), Document("lab-1", unit: HsaId.Create(RegionOrg, "99ZZ").Value));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("is not in the service directory", (await IssueAsync(response)).Diagnostics);
        Assert.Equal(0, await CountAsync(server));
    }

    [Fact]
    public async Task WhichProviderACareUnitBelongsTo_ComesFromTheDirectory_NotFromItsHsaIdPrefix()
    {
        await using var server = await StartAsync();
        // A unit whose HSA-id carries the private provider's organisation number, run by the region.
        var unit = HsaId.Create(PrivateOrg, "R55");
        await server.RegisterCareUnitsAsync(HsaId.Parse(Region), unit);

        using var byPrefix = await SendAsync(server, HttpMethod.Post, "/fhir/DocumentReference", SystemToken(Private), Document("lab-1", unit: unit.Value));
        using var byDirectory = await SendAsync(server, HttpMethod.Post, "/fhir/DocumentReference", SystemToken(Region), Document("lab-1", unit: unit.Value));

        Assert.Equal(HttpStatusCode.Forbidden, byPrefix.StatusCode);
        Assert.Equal(HttpStatusCode.Created, byDirectory.StatusCode);
        Assert.Equal(1, await CountAsync(server));
    }

    [Fact]
    public async Task Retract_ByAnotherProvider_IsForbiddenAndTheEntryStays()
    {
        await using var server = await StartAsync();
        using var published = await SendAsync(server, HttpMethod.Post, "/fhir/DocumentReference", SystemToken(Region), Document("lab-1"));
        Assert.Equal(HttpStatusCode.Created, published.StatusCode);
        // The private provider names the region's very entry (same patient, category, care unit, system and reference).
        var key = new Core.Index.IndexEntryKey(PersonalIdentityNumber.Parse(Pnr), Core.Index.DataCategory.Laboratory, HsaId.Parse(RegionUnit), "ehr-1", "lab-1");

        var outcome = await new IndexStore(server.Database.Database).RetractAsync(key, HsaId.Parse(Private));
        using var viaApi = await SendAsync(server, HttpMethod.Post, "/fhir/DocumentReference", SystemToken(Private), Document("lab-1", status: "entered-in-error"));

        Assert.Equal(Core.Index.RetractOutcome.NotOwner, outcome);
        Assert.Equal(HttpStatusCode.Forbidden, viaApi.StatusCode);
        Assert.Equal("NDI-PDI-011", (await IssueAsync(viaApi)).Details.Coding[0].Code);
        Assert.Equal(1, await CountAsync(server));
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Republish_ByAnotherProvider_CannotTakeTheEntryOver_NorThenRetractIt(string backend)
    {
        await using var server = await StartAsync(backend);
        using var published = await SendAsync(server, HttpMethod.Post, "/fhir/DocumentReference", SystemToken(Region), Document("lab-1"));
        // The unit moves to the private provider in the directory; the region's entry for it is still the region's.
        await server.RegisterCareUnitsAsync(HsaId.Parse(Private), HsaId.Parse(RegionUnit));

        using var takeover = await SendAsync(server, HttpMethod.Post, "/fhir/DocumentReference", SystemToken(Private), Document("lab-1", start: "2020-01-01"));
        using var retract = await SendAsync(server, HttpMethod.Post, "/fhir/DocumentReference", SystemToken(Private), Document("lab-1", status: "entered-in-error"));
        using var again = await SendAsync(server, HttpMethod.Post, "/fhir/DocumentReference", SystemToken(Region), Document("lab-1", status: "entered-in-error"));

        Assert.Equal(HttpStatusCode.Created, published.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, takeover.StatusCode);
        var issue = await IssueAsync(takeover);
        Assert.Equal("NDI-PDI-011", issue.Details.Coding[0].Code);
        Assert.Contains($"belongs to provider {Region}", issue.Diagnostics);
        Assert.Equal(HttpStatusCode.Forbidden, retract.StatusCode);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode); // its own provider still retracts it
        Assert.Equal(0, await CountAsync(server));
    }

    [Fact]
    public async Task Publish_WithATokenThatNamesNoProvider_IsForbidden()
    {
        await using var server = await StartAsync();

        using var response = await SendAsync(server, HttpMethod.Post, "/fhir/DocumentReference", SystemToken(null), Document("lab-1"));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        // A token with neither an actor nor a provider is refused by the route's declaration before the handler.
        Assert.Equal("NDI-IAM-005", (await IssueAsync(response)).Details.Coding[0].Code);
    }

    [Fact]
    public async Task Publish_WithOnlyAReadScope_IsForbidden()
    {
        await using var server = await StartAsync();
        var token = _issuer.Token("system/DocumentReference.rs", claims: new Dictionary<string, object> { ["subject_organization_id"] = Region });

        using var response = await SendAsync(server, HttpMethod.Post, "/fhir/DocumentReference", token, Document("lab-1"));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Theory]
    [InlineData("{\"resourceType\":\"DocumentReference\",", "not valid FHIR JSON")]
    [InlineData("{\"resourceType\":\"Patient\",\"id\":\"p1\",\"active\":true}", "expected a DocumentReference")]
    public async Task Publish_MalformedFhir_IsABadRequestAndChangesNothing(string body, string expected)
    {
        await using var server = await StartAsync();

        using var response = await SendAsync(server, HttpMethod.Post, "/fhir/DocumentReference", SystemToken(Region), body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(expected, (await IssueAsync(response)).Diagnostics);
        Assert.Equal(0, await CountAsync(server));
    }

    [Theory]
    [InlineData("191212121213", "11502-2", "check digit")]
    [InlineData(Pnr, "99999-9", "unknown data category")]
    public async Task Publish_WithAnInvalidPersonnummerOrUnknownCategory_IsABadRequest(string pnr, string loinc, string expected)
    {
        await using var server = await StartAsync();

        using var response = await SendAsync(server, HttpMethod.Post, "/fhir/DocumentReference", SystemToken(Region), Document("lab-1", loinc: loinc, pnr: pnr));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(expected, (await IssueAsync(response)).Diagnostics);
    }

    [Fact]
    public async Task Publish_AnOversizedBody_IsRefusedWith413()
    {
        await using var server = await StartAsync();
        var huge = Document("lab-1").Replace("\"current\"", "\"current\",\"description\":\"" + new string('x', 2 << 20) + "\"");

        using var response = await SendAsync(server, HttpMethod.Post, "/fhir/DocumentReference", SystemToken(Region), huge);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("NDI-PDI-004", (await IssueAsync(response)).Details.Coding[0].Code);
    }

    [Fact]
    public async Task Transaction_PublishesEveryEntryOrNone()
    {
        await using var server = await StartAsync();
        string Bundle(params string[] documents) => "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[" +
            string.Join(',', documents.Select(d => $"{{\"resource\":{d},\"request\":{{\"method\":\"POST\",\"url\":\"DocumentReference\"}}}}")) + "]}";

        using var bad = await SendAsync(server, HttpMethod.Post, "/fhir", SystemToken(Region), Bundle(Document("a"), Document("b", loinc: "99999-9")));
        var afterBad = await CountAsync(server);
        using var good = await SendAsync(server, HttpMethod.Post, "/fhir", SystemToken(Region), Bundle(Document("a"), Document("b", loinc: "34105-7")));

        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("Bundle.entry[1]", Assert.Single((await IssueAsync(bad)).Expression));
        Assert.Equal(0, afterBad);
        Assert.Equal(HttpStatusCode.OK, good.StatusCode);
        Assert.Equal(2, FhirJson.Parse<Bundle>(await good.Content.ReadAsStringAsync()).Entry.Count);
        Assert.Equal(2, await CountAsync(server));
    }

    [Fact]
    public async Task Bulk_Ndjson_PublishesEveryLineOrNoneAndNamesTheBadLine()
    {
        await using var server = await StartAsync();
        string Ndjson(params string[] documents) => string.Join('\n', documents.Select(d => d.ReplaceLineEndings(" ")));

        using var bad = await SendAsync(server, HttpMethod.Post, "/fhir/DocumentReference/$bulk", SystemToken(Region),
            Ndjson(Document("a"), Document("b"), "{\"resourceType\":"), "application/fhir+ndjson");
        var afterBad = await CountAsync(server);
        using var good = await SendAsync(server, HttpMethod.Post, "/fhir/DocumentReference/$bulk", SystemToken(Region),
            Ndjson([.. Enumerable.Range(0, 50).Select(i => Document($"lab-{i}"))]), "application/fhir+ndjson");

        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("line 3", (await IssueAsync(bad)).Diagnostics);
        Assert.Equal(0, afterBad);
        Assert.Equal(HttpStatusCode.OK, good.StatusCode);
        Assert.Equal(50, await CountAsync(server));
    }
}
