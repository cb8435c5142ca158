using System.Net;
using Hl7.Fhir.Model;
using OpenNdi.Core.Identifiers;
using OpenNdi.Fhir;
using Task = System.Threading.Tasks.Task;

namespace OpenNdi.Server.Tests;

/// <summary>The directory's mCSD care services over HTTP: Organization, Location and HealthcareService.</summary>
public sealed class DirectoryCareServicesApiTests : IDisposable
{
    private static readonly string Region = HsaId.Create(OrganizationNumber.Parse("232100-0016"), "1000").Value;
    private static readonly string Unit = HsaId.Create(OrganizationNumber.Parse("232100-0016"), "15CQ").Value;
    private const string Hsa = "urn:oid:1.2.752.29.4.19";
    private readonly TestIssuer _issuer = new("https://idp.national.example");

    public void Dispose() => _issuer.Dispose();

    private Task<NdiServer> StartAsync(string backend = "sqlite") => NdiServer.StartTrustingAsync(backend, _issuer);

    private string Admin => _issuer.Token("user/Organization.crus user/Location.crus user/HealthcareService.crus user/Endpoint.crus ndi/directory.admin", claims: new Dictionary<string, object> { ["ndi_actor"] = "operator" });

    private static string Provider(string name = "Region Örebro län") => $$$"""
        {"resourceType":"Organization","id":"{{{Region}}}","active":true,"name":"{{{name}}}",
         "identifier":[{"system":"{{{Hsa}}}","value":"{{{Region}}}"},{"system":"urn:oid:2.5.4.97","value":"2321000016"}],
         "type":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/organization-type","code":"prov"}]}]}
        """;

    private static string CareUnit(string name = "Åsens vårdcentral", string kind = "primary-care", string partOf = "") => $$$"""
        {"resourceType":"Organization","id":"{{{Unit}}}","name":"{{{name}}}",
         "identifier":[{"system":"{{{Hsa}}}","value":"{{{Unit}}}"}],
         "type":[{"coding":[{"system":"urn:openndi:directory:care-unit-kind","code":"{{{kind}}}"}]}],
         "partOf":{"reference":"Organization/{{{(partOf.Length == 0 ? Region : partOf)}}}"}}
        """;

    private static string Location(string municipality = "1880", string organization = "") => $$$"""
        {"resourceType":"Location","id":"asen","status":"active","name":"Åsens vårdcentral",
         "address":{"city":"Örebro","country":"SE","extension":[{"url":"urn:openndi:directory:municipality-code","valueCode":"{{{municipality}}}"}]},
         "managingOrganization":{"identifier":{"system":"{{{Hsa}}}","value":"{{{(organization.Length == 0 ? Unit : organization)}}}"}}
        }
        """;

    private static string Service(string kind = "primary-care", string providedBy = "", string location = "asen") => $$$"""
        {"resourceType":"HealthcareService","id":"asen-primary","active":true,"name":"Åsens vårdcentral",
         "category":[{"coding":[{"system":"urn:openndi:directory:care-unit-kind","code":"{{{kind}}}"}]}],
         "providedBy":{"reference":"Organization/{{{(providedBy.Length == 0 ? Unit : providedBy)}}}"},
         "location":[{"reference":"Location/{{{location}}}"}]}
        """;

    private const string Endpoint = """
        {"resourceType":"Endpoint","id":"region-ehr","status":"active",
         "identifier":[{"system":"urn:openndi:directory:source-system","value":"ehr-1"}],
         "connectionType":{"system":"http://terminology.hl7.org/CodeSystem/endpoint-connection-type","code":"hl7-fhir-rest"},
         "managingOrganization":{"identifier":{"system":"urn:oid:1.2.752.29.4.19","value":"SE2321000016-1000"}},
         "payloadType":[{"text":"any"}],"address":"https://ehr.region.example/fhir"}
        """;

    private async Task RegisterAllAsync(NdiServer server)
    {
        foreach (var (url, body) in new[] { ("/fhir/Organization/" + Region, Provider()), ("/fhir/Organization/" + Unit, CareUnit()), ("/fhir/Location/asen", Location()), ("/fhir/HealthcareService/asen-primary", Service()), ("/fhir/Endpoint/region-ehr", Endpoint) })
        {
            using var response = await server.SendAsync(HttpMethod.Put, url, Admin, body);
            Assert.True(response.StatusCode == HttpStatusCode.Created, $"{url}: {await response.Content.ReadAsStringAsync()}");
        }
    }

    private async Task<T> GetAsync<T>(NdiServer server, string url)
        where T : Resource
    {
        using var response = await server.SendAsync(HttpMethod.Get, url, Admin);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{url}: {body}");
        return FhirJson.Parse<T>(body);
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Register_Change_Read_Search_AndHistory(string backend)
    {
        await using var server = await StartAsync(backend);
        await RegisterAllAsync(server);
        using var renamed = await server.SendAsync(HttpMethod.Put, "/fhir/Organization/" + Unit, Admin, CareUnit("Åsens hälsocentral"));

        var byHsa = await GetAsync<Bundle>(server, $"/fhir/Organization?identifier={Hsa}|{Region}");
        var byNumber = await GetAsync<Bundle>(server, "/fhir/Organization?identifier=urn:oid:2.5.4.97|2321000016");
        var units = await GetAsync<Bundle>(server, $"/fhir/Organization?partof=Organization/{Region}&name=ASENS");
        var unit = await GetAsync<Organization>(server, "/fhir/Organization/" + Unit);
        var history = await GetAsync<Bundle>(server, $"/fhir/Organization/{Unit}/_history");
        var locations = await GetAsync<Bundle>(server, $"/fhir/Location?organization=Organization/{Unit}");
        var services = await GetAsync<Bundle>(server, $"/fhir/HealthcareService?organization={Unit}");
        var location = await GetAsync<Hl7.Fhir.Model.Location>(server, "/fhir/Location/asen");

        Assert.Equal(HttpStatusCode.OK, renamed.StatusCode);
        Assert.Equal("prov", ((Organization)Assert.Single(byHsa.Entry).Resource).Type[0].Coding[0].Code);
        Assert.Equal(Region, Assert.Single(byNumber.Entry).Resource.Id);
        Assert.Equal(Unit, Assert.Single(units.Entry).Resource.Id);
        Assert.Equal("Åsens hälsocentral", unit.Name);
        Assert.Equal($"Organization/{Region}", unit.PartOf.Reference);
        Assert.Equal(["Endpoint/region-ehr"], unit.Endpoint.Select(e => e.Reference));
        Assert.Equal(["2", "1"], history.Entry.Select(e => e.Resource.Meta.VersionId));
        Assert.Equal("asen", Assert.Single(locations.Entry).Resource.Id);
        Assert.Equal("1880", location.Address.GetExtensionValue<Code>("urn:openndi:directory:municipality-code").Value);
        var service = (HealthcareService)Assert.Single(services.Entry).Resource;
        Assert.Equal("primary-care", service.Category[0].Coding[0].Code);
        Assert.Equal(["Endpoint/region-ehr"], service.Endpoint.Select(e => e.Reference));
        Assert.Equal("Location/asen", service.Location[0].Reference);
    }

    public static TheoryData<string, string, string> InvalidEntries => new()
    {
        { "/fhir/Organization/" + Region, Provider().Replace(Hsa, "urn:other", StringComparison.Ordinal), "NDI-DIR-005" },
        { "/fhir/Organization/" + Region, Provider(name: new string('x', 201)), "NDI-DIR-005" },
        { "/fhir/Organization/" + Unit, CareUnit(kind: "dentistry"), "NDI-DIR-005" },
        { "/fhir/Organization/" + Unit, CareUnit(partOf: "SE2321000016-9999"), "NDI-DIR-008" },
        { "/fhir/Organization/" + Region, CareUnit(), "NDI-DIR-005" },
        { "/fhir/Location/asen", Location(municipality: "18"), "NDI-DIR-006" },
        { "/fhir/Location/asen", Location(organization: "SE2321000016-9999"), "NDI-DIR-008" },
        { "/fhir/HealthcareService/asen-primary", Service(kind: "dentistry"), "NDI-DIR-007" },
        { "/fhir/HealthcareService/asen-primary", Service(location: "nowhere"), "NDI-DIR-008" },
        { "/fhir/Location/asen", Provider(), "NDI-DIR-003" },
        { "/fhir/Location/asen", "{not json", "NDI-DIR-003" },
    };

    [Theory]
    [MemberData(nameof(InvalidEntries))]
    public async Task Register_InvalidEntry_IsABadRequestAndChangesNothing(string url, string body, string code)
    {
        await using var server = await StartAsync();
        await RegisterAllAsync(server);
        var before = await server.SendAsync(HttpMethod.Get, url + "/_history", Admin);
        var versions = FhirJson.Parse<Bundle>(await before.Content.ReadAsStringAsync()).Entry.Count;

        using var response = await server.SendAsync(HttpMethod.Put, url, Admin, body);
        using var after = await server.SendAsync(HttpMethod.Get, url + "/_history", Admin);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(code, await response.Content.ReadAsStringAsync());
        Assert.Equal(versions, FhirJson.Parse<Bundle>(await after.Content.ReadAsStringAsync()).Entry.Count);
    }

    [Theory]
    [InlineData("/fhir/Organization?colour=blue")]
    [InlineData("/fhir/Organization?identifier=urn:other|x")]
    [InlineData("/fhir/Organization?partof=Organization/not-an-hsa-id")]
    [InlineData("/fhir/Location?organization=nope")]
    [InlineData("/fhir/HealthcareService?name=x")]
    public async Task Search_WithAnUnknownOrMalformedParameter_IsABadRequest(string url)
    {
        await using var server = await StartAsync();

        using var response = await server.SendAsync(HttpMethod.Get, url, Admin);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("NDI-DIR-001", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Read_WhenUnknown_IsNotFound()
    {
        await using var server = await StartAsync();

        using var response = await server.SendAsync(HttpMethod.Get, "/fhir/HealthcareService/nothing", Admin);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("NDI-DIR-002", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task ReadAndWrite_WithoutATokenOrTheRightScope_AreRefused()
    {
        await using var server = await StartAsync();

        using var anonymous = await server.SendAsync(HttpMethod.Get, "/fhir/Organization", null);
        using var readOnly = await server.SendAsync(HttpMethod.Put, "/fhir/Organization/" + Region, _issuer.Token("user/Organization.rs", claims: new Dictionary<string, object> { ["ndi_actor"] = "operator" }), Provider());
        using var otherType = await server.SendAsync(HttpMethod.Get, "/fhir/Location", _issuer.Token("user/Organization.rs", claims: new Dictionary<string, object> { ["ndi_actor"] = "operator" }));
        using var read = await server.SendAsync(HttpMethod.Get, "/fhir/Organization/" + Region, Admin);

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, readOnly.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, otherType.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, read.StatusCode);
    }

    [Fact]
    public async Task Metadata_DeclaresTheCareServicesTypes()
    {
        await using var server = await StartAsync();

        var statement = await GetAsync<CapabilityStatement>(server, "/fhir/metadata");

        var types = statement.Rest[0].Resource.Select(r => r.Type).ToList();
        Assert.Contains("Organization", types);
        Assert.Contains("Location", types);
        Assert.Contains("HealthcareService", types);
        Assert.Contains(statement.Rest[0].Resource.Single(r => r.Type == "Endpoint").Operation, o => o.Name == "health");
    }
}
