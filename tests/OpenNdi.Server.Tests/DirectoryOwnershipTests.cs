using System.Net;
using Hl7.Fhir.Model;
using OpenNdi.Core.Audit;
using OpenNdi.Core.Identifiers;
using OpenNdi.Data.Audit;
using OpenNdi.Fhir;
using Task = System.Threading.Tasks.Task;

namespace OpenNdi.Server.Tests;

/// <summary>
/// Issue 12 finding 1, directory takeover: the directory decides where every summary fetch goes, so only a provider's
/// own system writes that provider's entries, an operator only with the administrative scope, a professional never;
/// addresses pass the address rule; every change and every refusal is in the audit log.
/// </summary>
[Trait("Category", "Security")]
public sealed class DirectoryOwnershipTests : IAsyncLifetime
{
    private static readonly OrganizationNumber RegionOrg = OrganizationNumber.Parse("232100-0016");
    private static readonly HsaId Region = HsaId.Create(RegionOrg, "1000");
    private static readonly HsaId RegionUnit = HsaId.Create(RegionOrg, "15CQ");
    private static readonly OrganizationNumber ClinicOrg = OrganizationNumber.Parse("556012-5790");
    private static readonly HsaId Clinic = HsaId.Create(ClinicOrg, "2000");

    private readonly TestIssuer _issuer = new("https://idp.national.example");
    private NdiServer _server = null!;

    public async ValueTask InitializeAsync()
    {
        _server = await NdiServer.StartTrustingAsync("sqlite", _issuer);
        // The region's directory entries, written by the region's own system.
        await PutAsync("/fhir/Organization/" + Region, SystemOf(Region), Provider(Region, RegionOrg, "Region Exempel"), HttpStatusCode.Created);
        await PutAsync("/fhir/Organization/" + RegionUnit, SystemOf(Region), CareUnit(RegionUnit, Region), HttpStatusCode.Created);
        await PutAsync("/fhir/Location/region-site", SystemOf(Region), Location(RegionUnit), HttpStatusCode.Created);
        await PutAsync("/fhir/HealthcareService/region-primary", SystemOf(Region), Service(RegionUnit), HttpStatusCode.Created);
        await PutAsync("/fhir/Endpoint/region-ehr", SystemOf(Region), Endpoint(Region, "https://ehr.region.example/fhir"), HttpStatusCode.Created);
        await PutAsync("/fhir/Organization/" + Clinic, Operator(administrator: true), Provider(Clinic, ClinicOrg, "Klinik Exempel"), HttpStatusCode.Created);
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        _issuer.Dispose();
    }

    private const string WriteScopes = "Endpoint.cruds {0}/Organization.cruds {0}/Location.cruds {0}/HealthcareService.cruds";

    private string SystemOf(HsaId provider) => _issuer.Token("system/" + string.Format(WriteScopes, "system"),
        claims: new Dictionary<string, object> { ["ndi_actor"] = "system", ["client_id"] = $"ehr-of-{provider.Value}", ["subject_organization_id"] = provider.Value });

    private string Operator(bool administrator) => _issuer.Token("user/" + string.Format(WriteScopes, "user") + (administrator ? " ndi/directory.admin" : ""),
        claims: new Dictionary<string, object> { ["ndi_actor"] = "operator", ["sub"] = "operator-7" });

    private string Professional() => _issuer.Token("user/" + string.Format(WriteScopes, "user") + " ndi/directory.admin",
        claims: new Dictionary<string, object>(IndexApiTests.ClinicianClaims) { ["sub"] = HsaId.Create(ClinicOrg, "DOC1").Value });

    private static string Provider(HsaId id, OrganizationNumber number, string name) => $$$"""
        {"resourceType":"Organization","id":"{{{id}}}","active":true,"name":"{{{name}}}",
         "identifier":[{"system":"urn:oid:1.2.752.29.4.19","value":"{{{id}}}"},{"system":"urn:oid:2.5.4.97","value":"{{{number.Value}}}"}],
         "type":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/organization-type","code":"prov"}]}]}
        """;

    private static string CareUnit(HsaId id, HsaId partOf) => $$$"""
        {"resourceType":"Organization","id":"{{{id}}}","name":"Åsens vårdcentral",
         "identifier":[{"system":"urn:oid:1.2.752.29.4.19","value":"{{{id}}}"}],
         "type":[{"coding":[{"system":"urn:openndi:directory:care-unit-kind","code":"primary-care"}]}],
         "partOf":{"reference":"Organization/{{{partOf}}}"}}
        """;

    private static string Location(HsaId managedBy) => $$$"""
        {"resourceType":"Location","id":"region-site","status":"active","name":"Åsens vårdcentral",
         "address":{"city":"Örebro","country":"SE","extension":[{"url":"urn:openndi:directory:municipality-code","valueCode":"1880"}]},
         "managingOrganization":{"identifier":{"system":"urn:oid:1.2.752.29.4.19","value":"{{{managedBy}}}"}}
        }
        """;

    private static string Service(HsaId providedBy) => $$$"""
        {"resourceType":"HealthcareService","id":"region-primary","active":true,"name":"Åsens vårdcentral",
         "category":[{"coding":[{"system":"urn:openndi:directory:care-unit-kind","code":"primary-care"}]}],
         "providedBy":{"reference":"Organization/{{{providedBy}}}"}}
        """;

    private static string Endpoint(HsaId provider, string address) => $$$"""
        {"resourceType":"Endpoint","id":"region-ehr","status":"active",
         "identifier":[{"system":"urn:openndi:directory:source-system","value":"ehr-1"}],
         "connectionType":{"system":"http://terminology.hl7.org/CodeSystem/endpoint-connection-type","code":"hl7-fhir-rest"},
         "managingOrganization":{"identifier":{"system":"urn:oid:1.2.752.29.4.19","value":"{{{provider}}}"}},
         "payloadType":[{"text":"any"}],"address":"{{{address}}}"}
        """;

    private async Task<string> PutAsync(string url, string token, string body, HttpStatusCode expected)
    {
        using var response = await _server.SendAsync(HttpMethod.Put, url, token, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"PUT {url}: {(int)response.StatusCode} {text}");
        return text;
    }

    private async Task<string> AddressAsync() =>
        FhirJson.Parse<Hl7.Fhir.Model.Endpoint>(await (await _server.SendAsync(HttpMethod.Get, "/fhir/Endpoint/region-ehr", SystemOf(Region))).Content.ReadAsStringAsync()).Address ?? string.Empty;

    private static string ErrorCode(string body) => FhirJson.Parse<OperationOutcome>(body).Issue[0].Details.Coding[0].Code ?? string.Empty;

    [Fact]
    public async Task AnotherProvidersSystem_CannotRedirectTheEndpoint_NorTakeItOver()
    {
        var redirect = await PutAsync("/fhir/Endpoint/region-ehr", SystemOf(Clinic), Endpoint(Region, "https://attacker.example/fhir"), HttpStatusCode.Forbidden);
        var takeover = await PutAsync("/fhir/Endpoint/region-ehr", SystemOf(Clinic), Endpoint(Clinic, "https://attacker.example/fhir"), HttpStatusCode.Forbidden);

        Assert.Equal("NDI-DIR-011", ErrorCode(redirect));
        Assert.Equal("NDI-DIR-011", ErrorCode(takeover));
        Assert.Equal("https://ehr.region.example/fhir", await AddressAsync());
    }

    [Fact]
    public async Task TheProvidersOwnSystem_ChangesItsEndpoint()
    {
        await PutAsync("/fhir/Endpoint/region-ehr", SystemOf(Region), Endpoint(Region, "https://new.region.example/fhir"), HttpStatusCode.OK);

        Assert.Equal("https://new.region.example/fhir", await AddressAsync());
    }

    [Fact]
    public async Task AProfessional_NeverWritesTheDirectory_EvenWithWriteScopes()
    {
        await PutAsync("/fhir/Endpoint/region-ehr", Professional(), Endpoint(Region, "https://attacker.example/fhir"), HttpStatusCode.Forbidden);
        await PutAsync("/fhir/Endpoint/clinic-new", Professional(), Endpoint(Clinic, "https://attacker.example/fhir").Replace("\"region-ehr\"", "\"clinic-new\""), HttpStatusCode.Forbidden);

        Assert.Equal("https://ehr.region.example/fhir", await AddressAsync());
        using var absent = await _server.SendAsync(HttpMethod.Get, "/fhir/Endpoint/clinic-new", SystemOf(Region));
        Assert.Equal(HttpStatusCode.NotFound, absent.StatusCode);
    }

    [Fact]
    public async Task AnOperator_WritesOnlyWithTheAdministrationScope()
    {
        await PutAsync("/fhir/Endpoint/region-ehr", Operator(administrator: false), Endpoint(Region, "https://other.region.example/fhir"), HttpStatusCode.Forbidden);
        Assert.Equal("https://ehr.region.example/fhir", await AddressAsync());

        await PutAsync("/fhir/Endpoint/region-ehr", Operator(administrator: true), Endpoint(Region, "https://other.region.example/fhir"), HttpStatusCode.OK);
        Assert.Equal("https://other.region.example/fhir", await AddressAsync());
    }

    [Fact]
    public async Task AnotherProvidersSystem_CannotChangeOrReparentTheCareServices()
    {
        var renamed = Provider(Region, RegionOrg, "Taken over");
        await PutAsync("/fhir/Organization/" + Region, SystemOf(Clinic), renamed, HttpStatusCode.Forbidden);
        await PutAsync("/fhir/Organization/" + RegionUnit, SystemOf(Clinic), CareUnit(RegionUnit, Clinic), HttpStatusCode.Forbidden);
        await PutAsync("/fhir/Location/region-site", SystemOf(Clinic), Location(Clinic), HttpStatusCode.Forbidden);
        await PutAsync("/fhir/HealthcareService/region-primary", SystemOf(Clinic), Service(Clinic), HttpStatusCode.Forbidden);
        // Nor may it attach its own entries to the region's care unit.
        await PutAsync("/fhir/Location/clinic-site", SystemOf(Clinic), Location(RegionUnit).Replace("\"region-site\"", "\"clinic-site\""), HttpStatusCode.Forbidden);

        using var unit = await _server.SendAsync(HttpMethod.Get, "/fhir/Organization/" + RegionUnit, SystemOf(Region));
        Assert.Equal($"Organization/{Region}", FhirJson.Parse<Organization>(await unit.Content.ReadAsStringAsync()).PartOf.Reference);
        using var provider = await _server.SendAsync(HttpMethod.Get, "/fhir/Organization/" + Region, SystemOf(Region));
        Assert.Equal("Region Exempel", FhirJson.Parse<Organization>(await provider.Content.ReadAsStringAsync()).Name);
        using var location = await _server.SendAsync(HttpMethod.Get, "/fhir/Location/region-site", SystemOf(Region));
        Assert.Equal($"Organization/{RegionUnit}", FhirJson.Parse<Hl7.Fhir.Model.Location>(await location.Content.ReadAsStringAsync()).ManagingOrganization.Reference);
    }

    [Fact]
    public async Task EveryChangeAndRefusal_IsInTheAuditLog_NamingTheEntry()
    {
        await PutAsync("/fhir/Endpoint/region-ehr", SystemOf(Clinic), Endpoint(Region, "https://attacker.example/fhir"), HttpStatusCode.Forbidden);
        await PutAsync("/fhir/Endpoint/region-ehr", SystemOf(Region), Endpoint(Region, "https://v2.region.example/fhir"), HttpStatusCode.OK);

        var stored = await new AuditStore(_server.Database.Database).QueryAsync(new AuditQuery(Limit: AuditStore.MaxPage));
        var changes = stored.Select(s => AuditJson.Read(System.Text.Encoding.UTF8.GetBytes(s.Json)))
            .Where(r => r.Event == "directory-change" && r.Entities.Any(e => e.Reference == "Endpoint/region-ehr")).ToList();
        var refused = Assert.Single(changes, r => r.Outcome == AuditOutcome.MinorFailure);
        Assert.Equal(Clinic.Value, refused.Who.Provider);
        Assert.Contains("writes only its own provider's entries", refused.OutcomeText, StringComparison.Ordinal);
        Assert.Equal(2, changes.Count(r => r.Outcome == AuditOutcome.Success)); // created in setup, changed here
        Assert.Contains(changes, r => r.Outcome == AuditOutcome.Success && r.Entities.Any(e => e.Detail == "changed, version 2"));
    }
}

/// <summary>Issue 12 finding 1: the directory's address rule as production runs it (https, no private networks).</summary>
[Trait("Category", "Security")]
public sealed class DirectoryAddressRuleTests : IDisposable
{
    private static readonly HsaId Region = HsaId.Create(OrganizationNumber.Parse("232100-0016"), "1000");
    private readonly TestIssuer _issuer = new("https://idp.national.example");

    public void Dispose() => _issuer.Dispose();

    [Theory]
    [InlineData("http://ehr.region.example/fhir")]
    [InlineData("https://169.254.169.254/latest/meta-data")]
    [InlineData("https://127.0.0.1:5080/fhir")]
    [InlineData("https://localhost/fhir")]
    [InlineData("https://10.1.2.3/fhir")]
    [InlineData("https://[::1]/fhir")]
    [InlineData("https://user:secret@ehr.region.example/fhir")]
    [InlineData("https://ehr.elsewhere.example/fhir")]
    public async Task AnAddressOutsideTheRule_IsRefused_AndNothingIsStored(string address)
    {
        await using var server = await NdiServer.StartAsync("sqlite", new Dictionary<string, string>
        {
            ["Demo:Persons"] = "5", ["Demo:Providers"] = "2",
            ["Identity:TrustedIssuers:0:Issuer"] = _issuer.Issuer, ["Identity:TrustedIssuers:0:Jwks"] = _issuer.Jwks,
            ["Directory:Addresses:RequireHttps"] = "true", ["Directory:Addresses:AllowPrivateNetworks"] = "false",
            ["Directory:Addresses:AllowedHosts:0"] = "region.example",
        });
        var token = _issuer.Token("system/Endpoint.cruds", claims: new Dictionary<string, object> { ["ndi_actor"] = "system", ["client_id"] = "region-ehr", ["subject_organization_id"] = Region.Value });
        var body = $$$"""
            {"resourceType":"Endpoint","id":"region-ehr","status":"active",
             "identifier":[{"system":"urn:openndi:directory:source-system","value":"ehr-1"}],
             "connectionType":{"system":"http://terminology.hl7.org/CodeSystem/endpoint-connection-type","code":"hl7-fhir-rest"},
             "managingOrganization":{"identifier":{"system":"urn:oid:1.2.752.29.4.19","value":"{{{Region}}}"}},
             "payloadType":[{"text":"any"}],"address":"{{{address}}}"}
            """;

        using var refused = await server.SendAsync(HttpMethod.Put, "/fhir/Endpoint/region-ehr", token, body);
        using var accepted = await server.SendAsync(HttpMethod.Put, "/fhir/Endpoint/region-ehr", token, body.Replace(address, "https://ehr.region.example/fhir", StringComparison.Ordinal));

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var outcome = FhirJson.Parse<OperationOutcome>(await refused.Content.ReadAsStringAsync());
        Assert.Equal("NDI-DIR-004", outcome.Issue[0].Details.Coding[0].Code);
        Assert.Equal(HttpStatusCode.Created, accepted.StatusCode); // the refused PUT stored nothing, so this one creates
    }
}
