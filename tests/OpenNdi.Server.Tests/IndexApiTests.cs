using System.Net;
using Hl7.Fhir.Model;
using OpenNdi.Core.Identifiers;
using OpenNdi.Core.Index;
using OpenNdi.Core.ServiceDirectory;
using OpenNdi.Data.Index;
using OpenNdi.Data.ServiceDirectory;
using OpenNdi.Fhir;
using Task = System.Threading.Tasks.Task;

namespace OpenNdi.Server.Tests;

/// <summary>The index lookup API: who may call it (tokens from trusted issuers, with the right scope) and what it answers.</summary>
[Trait("Category", "Security")]
public sealed class IndexApiTests : IDisposable
{
    private static readonly PersonalIdentityNumber Patient = PersonalIdentityNumber.Parse("19121212-1212", new DateOnly(2026, 11, 1));
    private static readonly OrganizationNumber RegionOrg = OrganizationNumber.Parse("232100-0016");
    private static readonly HsaId Region = HsaId.Create(RegionOrg, "1000");
    private static readonly HsaId RegionUnit = HsaId.Create(RegionOrg, "15CQ");
    private const string Lookup = "/fhir/DocumentReference?patient.identifier=urn:oid:1.2.752.129.2.1.3.1|191212121212";
    private const string ReadScope = "user/DocumentReference.rs";

    private readonly TestIssuer _national = new("https://idp.national.example");
    private readonly TestIssuer _region = new("https://idp.region.example");
    private readonly TestIssuer _stranger = new("https://idp.stranger.example");

    public void Dispose()
    {
        _national.Dispose();
        _region.Dispose();
        _stranger.Dispose();
    }

    private Task<NdiServer> StartAsync(string backend = "sqlite") => NdiServer.StartTrustingAsync(backend, _national, _region);

    /// <summary>A clinician at another provider, with an assignment covering other providers, treating the patient.</summary>
    internal static readonly Dictionary<string, object> ClinicianClaims = new()
    {
        ["ndi_actor"] = "professional", ["subject_organization_id"] = HsaId.Create(OrganizationNumber.Parse("556012-5790"), "2000").Value,
        ["care_unit_id"] = HsaId.Create(OrganizationNumber.Parse("556012-5790"), "V1").Value, ["assignment_id"] = "uppdrag-1",
        ["assignment_scope"] = "coherent-records", ["purpose_of_use"] = "TREAT",
    };

    internal static readonly Dictionary<string, string> CareRelationship = new() { ["Ndi-Care-Relationship"] = "declared" };

    private static Task<HttpResponseMessage> GetAsync(NdiServer server, string url, string? token) => server.SendAsync(HttpMethod.Get, url, token, headers: CareRelationship);

    private static async Task<OperationOutcome.IssueComponent> IssueAsync(HttpResponseMessage response) =>
        FhirJson.Parse<OperationOutcome>(await response.Content.ReadAsStringAsync()).Issue.Single();

    private static async Task PublishAsync(NdiServer server)
    {
        var index = new IndexStore(server.Database.Database);
        await index.PublishAsync(
        [
            new IndexEntry(new IndexEntryKey(Patient, DataCategory.Laboratory, RegionUnit, "ehr-1", "lab-1"), Region, new(2020, 1, 1), new(2025, 1, 1)),
            new IndexEntry(new IndexEntryKey(Patient, DataCategory.DischargeReport, RegionUnit, "ehr-1", "epikris-1"), Region, new(2024, 2, 1), new(2024, 2, 9)),
        ]);
        await new DirectoryStore(server.Database.Database).SaveAsync(
            new DirectoryEndpoint("region-ehr", Region, "ehr-1", null, new Uri("https://ehr.region.example/fhir"), DirectoryEndpoint.FhirRest, "4.0.1", EndpointStatus.Active), "test");
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Lookup_WithATrustedTokenAndScope_ReturnsDocumentReferencesWithWhereToFetchThem(string backend)
    {
        await using var server = await StartAsync(backend);
        await PublishAsync(server);

        using var response = await GetAsync(server, Lookup, _national.Token(ReadScope, claims: ClinicianClaims));
        var bundle = FhirJson.Parse<Bundle>(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, bundle.Entry.Count);
        var documents = bundle.Entry.Select(e => (DocumentReference)e.Resource).ToList();
        Assert.Equal(["11502-2", "34105-7"], documents.Select(d => d.Type.Coding[0].Code).Order(StringComparer.Ordinal));
        Assert.All(documents, d => Assert.Equal("https://ehr.region.example/fhir", d.Content[0].Attachment.Url));
        Assert.All(documents, d => Assert.Equal(Patient.Value, d.Subject.Identifier.Value));
    }

    [Fact]
    public async Task Lookup_WithATokenFromTheSecondTrustedIssuer_Works()
    {
        await using var server = await StartAsync();
        await PublishAsync(server);

        using var response = await GetAsync(server, Lookup + "&type=laboratory", _region.Token("system/DocumentReference.rs", claims: new Dictionary<string, object> { ["subject_organization_id"] = Region.Value }));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Single(FhirJson.Parse<Bundle>(await response.Content.ReadAsStringAsync()).Entry);
    }

    [Fact]
    public async Task Lookup_WithoutAToken_IsUnauthorizedWithAnOutcome()
    {
        await using var server = await StartAsync();

        using var response = await GetAsync(server, Lookup, null);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("NDI-IAM-001", (await IssueAsync(response)).Details.Coding[0].Code);
        Assert.Contains("Bearer", response.Headers.WwwAuthenticate.ToString());
    }

    [Fact]
    public async Task Lookup_WithATokenFromAnUntrustedIssuer_IsUnauthorized()
    {
        await using var server = await StartAsync();

        using var response = await GetAsync(server, Lookup, _stranger.Token(ReadScope, claims: ClinicianClaims));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Lookup_WithATokenClaimingATrustedIssuerButSignedByAnother_IsUnauthorized()
    {
        await using var server = await StartAsync();

        using var forged = await GetAsync(server, Lookup, _stranger.Token(ReadScope, claimedIssuer: _national.Issuer));
        using var crossSigned = await GetAsync(server, Lookup, _region.Token(ReadScope, claimedIssuer: _national.Issuer));

        Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, crossSigned.StatusCode);
    }

    [Fact]
    public async Task Lookup_WithAnExpiredTokenOrTheWrongAudience_IsUnauthorizedAndSaysWhy()
    {
        await using var server = await StartAsync();

        using var expired = await GetAsync(server, Lookup, _national.Token(ReadScope, lifetime: TimeSpan.FromMinutes(5), issuedAt: DateTime.UtcNow.AddHours(-1)));
        using var wrongAudience = await GetAsync(server, Lookup, _national.Token(ReadScope, audience: "some-other-api"));

        Assert.Equal(HttpStatusCode.Unauthorized, expired.StatusCode);
        Assert.Contains("expired", (await IssueAsync(expired)).Diagnostics, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.Unauthorized, wrongAudience.StatusCode);
        Assert.Contains("audience", (await IssueAsync(wrongAudience)).Diagnostics, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("patient/Observation.rs")]
    [InlineData("user/DocumentReference.c")]
    [InlineData("patient/DocumentReference.rs")]
    [InlineData("openid")]
    public async Task Lookup_WithInsufficientScope_IsForbiddenAndNamesTheScopeNeeded(string scope)
    {
        await using var server = await StartAsync();

        using var response = await GetAsync(server, Lookup, _national.Token(scope, claims: ClinicianClaims));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var issue = await IssueAsync(response);
        Assert.Equal("NDI-IAM-003", issue.Details.Coding[0].Code);
        Assert.Contains("user/DocumentReference.rs", issue.Diagnostics);
    }

    [Theory]
    [InlineData("/fhir/DocumentReference", "patient.identifier")]
    [InlineData("/fhir/DocumentReference?patient.identifier=19121212-1213", "patient.identifier")]
    [InlineData("/fhir/DocumentReference?patient.identifier=191212121212&type=x-rays", "type")]
    [InlineData("/fhir/DocumentReference?patient.identifier=191212121212&period=2024", "period")]
    [InlineData("/fhir/DocumentReference?patient.identifier=191212121212&colour=blue", "colour")]
    public async Task Lookup_WithBadParameters_IsABadRequestNamingTheParameter(string url, string parameter)
    {
        await using var server = await StartAsync();

        using var response = await GetAsync(server, url, _national.Token(ReadScope, claims: ClinicianClaims));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(parameter, Assert.Single((await IssueAsync(response)).Expression));
    }
}
