using System.Net;
using Hl7.Fhir.Model;
using OpenNdi.Core.Identifiers;
using OpenNdi.Fhir;
using Task = System.Threading.Tasks.Task;

namespace OpenNdi.Server.Tests;

/// <summary>
/// Bad input is a 400 (or 413) with an OperationOutcome that says why, never a 500, and changes nothing
/// (issue 12 finding 11): JSON that is not an object, dates at the ends of the calendar or not dates at all, and
/// bodies too large for their route.
/// </summary>
[Trait("Category", "Security")]
public sealed class InputHardeningTests(TrustingServerFixture fixture) : IClassFixture<TrustingServerFixture>
{
    private static readonly string Region = HsaId.Create(OrganizationNumber.Parse("232100-0016"), "1000").Value;

    private string Publisher => fixture.Issuer.Token("system/DocumentReference.cs system/DocumentReference.rs",
        claims: new Dictionary<string, object> { ["subject_organization_id"] = Region });

    private string Operator => fixture.Issuer.Token("user/Organization.crus user/Location.crus user/HealthcareService.crus user/Endpoint.crus",
        claims: new Dictionary<string, object> { ["ndi_actor"] = "operator" });

    private string Patient(PersonalIdentityNumber person) => fixture.Issuer.PersonToken("patient/Consent.cruds", person);

    private static readonly PersonalIdentityNumber Person = PersonalIdentityNumber.Create(new DateOnly(1961, 3, 14), 420, coordination: false);

    public static TheoryData<string, string> WriteRoutes => new()
    {
        { "POST", "/fhir/DocumentReference" },
        { "POST", "/fhir" },
        { "POST", "/fhir/DocumentReference/$bulk" },
        { "POST", "/fhir/Consent" },
        { "PUT", "/fhir/Endpoint/region-ehr" },
        { "PUT", "/fhir/Organization/" + "SE2321000016-1000" },
        { "PUT", "/fhir/Location/a-location" },
        { "PUT", "/fhir/HealthcareService/a-service" },
    };

    private string TokenFor(string url) => url.Contains("Consent", StringComparison.Ordinal) ? Patient(Person)
        : url.Contains("DocumentReference", StringComparison.Ordinal) || url == "/fhir" ? Publisher
        : Operator;

    [Theory]
    [MemberData(nameof(WriteRoutes))]
    public async Task Write_WhenTheBodyIsAJsonArrayOrScalar_Is400AndChangesNothing(string method, string url)
    {
        foreach (var body in new[] { "[]", "[1]", "[{\"resourceType\":\"Endpoint\"}]", "42", "\"text\"", "null", "true" })
        {
            using var response = await fixture.Server.SendAsync(new HttpMethod(method), url, TokenFor(url), body,
                url.EndsWith("$bulk", StringComparison.Ordinal) ? "application/fhir+ndjson" : "application/fhir+json");

            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{method} {url} with {body}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            var outcome = FhirJson.Parse<OperationOutcome>(await response.Content.ReadAsStringAsync());
            Assert.Equal(OperationOutcome.IssueType.Invalid, outcome.Issue[0].Code);
        }
        using var read = await fixture.Server.SendAsync(HttpMethod.Get, url.StartsWith("/fhir/Consent", StringComparison.Ordinal) ? $"/fhir/Consent?patient={Person.Value}" : "/fhir/Endpoint/region-ehr",
            TokenFor(url));
        if (url.StartsWith("/fhir/Consent", StringComparison.Ordinal))
            Assert.Empty(FhirJson.Parse<Bundle>(await read.Content.ReadAsStringAsync()).Entry);
        else if (url.StartsWith("/fhir/Endpoint", StringComparison.Ordinal))
            Assert.Equal(HttpStatusCode.NotFound, read.StatusCode);
    }

    private static string DocumentLine(string reference) =>
        $$$"""{"resourceType":"DocumentReference","status":"current","identifier":[{"system":"urn:openndi:index:source-reference","value":"ehr-1|{{{reference}}}"}],"type":{"coding":[{"system":"http://loinc.org","code":"11502-2"}]},"subject":{"identifier":{"system":"urn:oid:1.2.752.129.2.1.3.1","value":"191212121212"}},"author":[{"identifier":{"system":"urn:oid:1.2.752.29.4.19","value":"{{{HsaId.Create(OrganizationNumber.Parse("232100-0016"), "15CQ").Value}}}"}}],"context":{"period":{"start":"2024-01-05","end":"2024-03-01"}},"content":[{"attachment":{"contentType":"application/fhir+json"}}]}""";

    /// <summary>One DocumentReference line, then blank lines (NDJSON allows them) up to <paramref name="bytes"/>.</summary>
    private static byte[] BulkBody(int bytes)
    {
        var body = new byte[bytes];
        Array.Fill(body, (byte)' ');
        var line = System.Text.Encoding.UTF8.GetBytes(DocumentLine("bulk-1") + "\n");
        line.CopyTo(body, 0);
        for (var i = line.Length + 999; i < bytes; i += 1000)
            body[i] = (byte)'\n';
        return body;
    }

    /// <summary>
    /// The documented bulk limit is 64 MiB, but Kestrel refuses bodies over 30 MB on its own (an exception in the
    /// handler's read, so a 500). Tested on a real Kestrel: the in-memory test server has no body limit at all.
    /// </summary>
    [Fact]
    public async Task Bulk_Between30MBAnd64MiB_IsPublished_AndOver64MiB_Is413()
    {
        await using var server = await NdiServer.StartListeningAsync("sqlite", new Dictionary<string, string>
        {
            ["Demo:Persons"] = "3", ["Demo:Providers"] = "1",
            ["Identity:TrustedIssuers:0:Issuer"] = fixture.Issuer.Issuer, ["Identity:TrustedIssuers:0:Jwks"] = fixture.Issuer.Jwks,
        });
        await server.RegisterCareUnitsAsync(HsaId.Parse(Region), HsaId.Create(OrganizationNumber.Parse("232100-0016"), "15CQ"));
        using var client = new HttpClient { BaseAddress = new Uri(server.Origin!), Timeout = TimeSpan.FromMinutes(2) };

        async Task<HttpResponseMessage> PostAsync(byte[] body)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/fhir/DocumentReference/$bulk") { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/fhir+ndjson");
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Publisher);
            return await client.SendAsync(request);
        }

        using var forty = await PostAsync(BulkBody(40_000_000));
        Assert.True(forty.StatusCode == HttpStatusCode.OK, $"{(int)forty.StatusCode} {await forty.Content.ReadAsStringAsync()}");
        Assert.Contains("NDI-PDI-013", await forty.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var over = await PostAsync(BulkBody((64 << 20) + 1));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, over.StatusCode);
        Assert.Contains("NDI-PDI-004", await over.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DirectoryWrite_OverOneMiB_Is413AndNothingIsSaved()
    {
        var padding = new string(' ', (1 << 20) + 1);
        var body = $$$"""{"resourceType":"Endpoint","id":"big-ehr","status":"active","address":"https://ehr.example/fhir"{{{padding}}}}""";

        using var response = await fixture.Server.SendAsync(HttpMethod.Put, "/fhir/Endpoint/big-ehr", Operator, body);
        using var read = await fixture.Server.SendAsync(HttpMethod.Get, "/fhir/Endpoint/big-ehr", Operator);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("NDI-DIR-009", FhirJson.Parse<OperationOutcome>(await response.Content.ReadAsStringAsync()).Issue[0].Details.Coding[0].Code);
        Assert.Equal(HttpStatusCode.NotFound, read.StatusCode);
    }

    private static readonly string[] EdgeDates =
    [
        "le9999-12-31", "gt9999-12-31", "ge9999-12-31", "lt9999-12-31",
        "le9999-12-31T23:59:59.9999999Z", "gt9999-12-31T23:59:59Z",
        "ge0001-01-01", "lt0001-01-01", "gt0001-01-01T00:00:00Z", "le0001-01-01T00:00:00+01:00",
    ];

    /// <summary>The ends of the calendar are dates like any other: an answer (or a 400), never an overflow's 500.</summary>
    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task AuditSearch_AtTheEndsOfTheCalendar_AnswersCorrectly(string backend)
    {
        await using var server = backend == "sqlite" ? null : await NdiServer.StartTrustingAsync(backend, fixture.Issuer);
        var target = server ?? fixture.Server;
        var token = fixture.Issuer.Token("user/AuditEvent.rs", claims: new Dictionary<string, object> { ["ndi_actor"] = "operator" });
        // Something in the log to find: a lookup by a clinician.
        (await target.SendAsync(HttpMethod.Get, "/fhir/DocumentReference?patient.identifier=191212121212",
            fixture.Issuer.Token("user/DocumentReference.rs", claims: IndexApiTests.ClinicianClaims), headers: IndexApiTests.CareRelationship)).Dispose();

        var totals = new Dictionary<string, int>();
        foreach (var date in EdgeDates)
        {
            using var response = await target.SendAsync(HttpMethod.Get, $"/fhir/AuditEvent?date={Uri.EscapeDataString(date)}", token);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.BadRequest, $"date={date}: {(int)response.StatusCode} {body}");
            if (response.StatusCode == HttpStatusCode.OK)
                totals[date] = FhirJson.Parse<Bundle>(body).Entry.Count;
        }

        // Each search is itself logged, so the open-ended ones see a growing log: all of it, more each time.
        Assert.True(totals["le9999-12-31"] > 0);
        Assert.True(totals["lt9999-12-31"] > totals["le9999-12-31"]);
        Assert.True(totals["ge0001-01-01"] > totals["lt9999-12-31"]);
        Assert.Equal(0, totals["gt9999-12-31"]);
        Assert.Equal(0, totals["ge9999-12-31"]);
        Assert.Equal(0, totals["lt0001-01-01"]);
    }

    [Theory]
    [InlineData("9999")]
    [InlineData("9999-12")]
    [InlineData("9999-12-31")]
    [InlineData("le9999-12-31")]
    [InlineData("gt9999-12-31T23:59:59Z")]
    [InlineData("eq9999-12-31T23:59:59.5Z")]
    [InlineData("0001")]
    [InlineData("lt0001-01-01")]
    public async Task SimulatorSearch_AtTheEndsOfTheCalendar_AnswersAndNeverFails(string date)
    {
        using var client = fixture.Server.CreateProviderClient();
        using var providers = System.Text.Json.JsonDocument.Parse(await client.GetStringAsync("/sim"));
        var key = providers.RootElement[0].GetProperty("key").GetString();

        using var response = await client.GetAsync($"/sim/{key}/fhir/Condition?date={Uri.EscapeDataString(date)}");

        Assert.True(response.StatusCode == HttpStatusCode.OK, $"date={date}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    [Theory]
    [InlineData("2024-99-01")]
    [InlineData("ge2024-13")]
    [InlineData("2024-02-30")]
    [InlineData("lt2024-00-10")]
    [InlineData("0000")]
    [InlineData("\u0662\u0660\u0662\u0664")] // Arabic-Indic digits: a regex's \d matches them, a FHIR date does not
    public async Task ProfessionalSearch_WithAnImpossibleDate_Is400AndFetchesNothing(string date)
    {
        var token = fixture.Issuer.Token("user/*.rs", claims: IndexApiTests.ClinicianClaims);

        using var response = await fixture.Server.SendAsync(HttpMethod.Get, $"/fhir/Condition?patient.identifier=191212121212&date={Uri.EscapeDataString(date)}", token,
            headers: IndexApiTests.CareRelationship);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var issue = FhirJson.Parse<OperationOutcome>(await response.Content.ReadAsStringAsync()).Issue[0];
        Assert.Equal("NDI-PAS-002", issue.Details.Coding[0].Code);
        Assert.Equal("date", issue.Expression.Single());
    }
}
