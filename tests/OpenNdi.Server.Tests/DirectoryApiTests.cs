using System.Net;
using Hl7.Fhir.Model;
using OpenNdi.Core.Identifiers;
using OpenNdi.Core.Index;
using OpenNdi.Data.Index;
using OpenNdi.Fhir;
using Task = System.Threading.Tasks.Task;

namespace OpenNdi.Server.Tests;

/// <summary>The service addressing directory over HTTP: registering endpoints, their history, and routing index entries to them.</summary>
public sealed class DirectoryApiTests : IDisposable
{
    private static readonly OrganizationNumber RegionOrg = OrganizationNumber.Parse("232100-0016");
    private static readonly string Region = HsaId.Create(RegionOrg, "1000").Value;
    private readonly TestIssuer _issuer = new("https://idp.national.example");

    public void Dispose() => _issuer.Dispose();

    private Task<NdiServer> StartAsync(string backend = "sqlite") => NdiServer.StartTrustingAsync(backend, _issuer);

    private string Admin => _issuer.Token("user/Endpoint.crus ndi/directory.admin", claims: new Dictionary<string, object> { ["ndi_actor"] = "operator" });

    private static string Endpoint(string address = "https://ehr.region.example/fhir", string? loinc = null, string protocol = "hl7-fhir-rest", string provider = "", string id = "region-ehr") => $$$"""
        {"resourceType":"Endpoint","id":"{{{id}}}","status":"active",
         "identifier":[{"system":"urn:openndi:directory:source-system","value":"ehr-1"}],
         "connectionType":{"system":"http://terminology.hl7.org/CodeSystem/endpoint-connection-type","code":"{{{protocol}}}"},
         "managingOrganization":{"identifier":{"system":"urn:oid:1.2.752.29.4.19","value":"{{{(provider.Length == 0 ? Region : provider)}}}"}},
         "payloadType":[{{{(loinc is null ? "{\"text\":\"any\"}" : "{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"" + loinc + "\"}]}")}}}],
         "address":"{{{address}}}"}
        """;

    private static Task<HttpResponseMessage> SendAsync(NdiServer server, HttpMethod method, string url, string? token, string? body = null) =>
        server.SendAsync(method, url, token, body);

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Register_Change_Read_Search_AndHistory(string backend)
    {
        await using var server = await StartAsync(backend);

        using var created = await SendAsync(server, HttpMethod.Put, "/fhir/Endpoint/region-ehr", Admin, Endpoint());
        using var changed = await SendAsync(server, HttpMethod.Put, "/fhir/Endpoint/region-ehr", Admin, Endpoint("https://new.region.example/fhir"));
        using var read = await SendAsync(server, HttpMethod.Get, "/fhir/Endpoint/region-ehr", Admin);
        using var search = await SendAsync(server, HttpMethod.Get, $"/fhir/Endpoint?organization.identifier=urn:oid:1.2.752.29.4.19|{Region}", Admin);
        using var history = await SendAsync(server, HttpMethod.Get, "/fhir/Endpoint/region-ehr/_history", Admin);

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.Equal("https://new.region.example/fhir", FhirJson.Parse<Hl7.Fhir.Model.Endpoint>(await read.Content.ReadAsStringAsync()).Address);
        Assert.Single(FhirJson.Parse<Bundle>(await search.Content.ReadAsStringAsync()).Entry);
        var versions = FhirJson.Parse<Bundle>(await history.Content.ReadAsStringAsync());
        Assert.Equal(Bundle.BundleType.History, versions.Type);
        Assert.Equal(["2", "1"], versions.Entry.Select(e => e.Resource.Meta.VersionId));
        Assert.All(versions.Entry, e => Assert.Contains(_issuer.Issuer, e.Response.Outcome is OperationOutcome o ? o.Issue[0].Diagnostics : ""));
    }

    [Fact]
    public async Task IndexLookup_UsesTheCategorysRegisteredEndpoint()
    {
        await using var server = await StartAsync();
        await SendAsync(server, HttpMethod.Put, "/fhir/Endpoint/region-ehr", Admin, Endpoint());
        await SendAsync(server, HttpMethod.Put, "/fhir/Endpoint/region-lab", Admin, Endpoint("https://lab.region.example/fhir", loinc: "11502-2", id: "region-lab"));
        var patient = PersonalIdentityNumber.Parse("191212121212");
        var unit = HsaId.Create(RegionOrg, "15CQ");
        await new IndexStore(server.Database.Database).PublishAsync(
        [
            new IndexEntry(new IndexEntryKey(patient, DataCategory.Laboratory, unit, "ehr-1", "lab"), HsaId.Parse(Region), new(2024, 1, 1), new(2024, 1, 1)),
            new IndexEntry(new IndexEntryKey(patient, DataCategory.DischargeReport, unit, "ehr-1", "dr"), HsaId.Parse(Region), new(2023, 1, 1), new(2023, 1, 1)),
        ]);

        using var response = await server.SendAsync(HttpMethod.Get, "/fhir/DocumentReference?patient.identifier=191212121212",
            _issuer.Token("user/DocumentReference.rs", claims: IndexApiTests.ClinicianClaims), headers: IndexApiTests.CareRelationship);
        var documents = FhirJson.Parse<Bundle>(await response.Content.ReadAsStringAsync()).Entry.Select(e => (DocumentReference)e.Resource).ToList();

        Assert.Equal("https://lab.region.example/fhir", documents.Single(d => d.Type.Coding[0].Code == "11502-2").Content[0].Attachment.Url);
        Assert.Equal("https://ehr.region.example/fhir", documents.Single(d => d.Type.Coding[0].Code == "34105-7").Content[0].Attachment.Url);
    }

    [Theory]
    [InlineData("ftp://ehr.example/fhir", "hl7-fhir-rest", "", "address")]
    [InlineData("https://ehr.example/fhir", "ihe-xca", "", "protocol")]
    [InlineData("https://ehr.example/fhir", "hl7-fhir-rest", "SE0000000000-X", "managingOrganization")]
    public async Task Register_InvalidEndpoint_IsABadRequestAndStoresNothing(string address, string protocol, string provider, string named)
    {
        await using var server = await StartAsync();

        using var response = await SendAsync(server, HttpMethod.Put, "/fhir/Endpoint/region-ehr", Admin, Endpoint(address, protocol: protocol, provider: provider));
        using var read = await SendAsync(server, HttpMethod.Get, "/fhir/Endpoint/region-ehr", Admin);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(named, await response.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, read.StatusCode);
    }

    [Fact]
    public async Task Register_WhenTheBodyIdDiffersFromTheUrl_IsABadRequest()
    {
        await using var server = await StartAsync();

        using var response = await SendAsync(server, HttpMethod.Put, "/fhir/Endpoint/other-id", Admin, Endpoint());

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Register_WithAReadOnlyScopeOrNoToken_IsRefused()
    {
        await using var server = await StartAsync();

        using var readOnly = await SendAsync(server, HttpMethod.Put, "/fhir/Endpoint/region-ehr", _issuer.Token("user/Endpoint.rs", claims: new Dictionary<string, object> { ["ndi_actor"] = "operator" }), Endpoint());
        using var anonymous = await SendAsync(server, HttpMethod.Put, "/fhir/Endpoint/region-ehr", null, Endpoint());

        Assert.Equal(HttpStatusCode.Forbidden, readOnly.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }
}
