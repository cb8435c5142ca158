using System.Net;
using System.Text.Json;
using Hl7.Fhir.Model;
using Microsoft.AspNetCore.Mvc.Testing;
using OpenNdi.Core.Identifiers;
using OpenNdi.Core.Index;
using OpenNdi.Data.Index;
using OpenNdi.Fhir;
using Task = System.Threading.Tasks.Task;

namespace OpenNdi.Server.Tests;

/// <summary>
/// Issue 12's probe list, run against a server configured as Production deploys it (environment Production,
/// appsettings.json's defaults: no demo login, no simulator, no demo population), trusting one national identity
/// provider and one registered backend service. Each probe is what an attacker tried; each must hold.
/// </summary>
[Trait("Category", "Security")]
public sealed class ProductionProbeTests(ProductionProbeTests.Fixture fixture) : IClassFixture<ProductionProbeTests.Fixture>
{
    private const string BackendId = "region-ehr";
    private const string TokenUrl = NdiServer.Issuer + "/oauth/token";
    private static readonly OrganizationNumber RegionOrg = OrganizationNumber.Parse("232100-0016");
    private static readonly HsaId Region = HsaId.Create(RegionOrg, "1000");
    private static readonly HsaId RegionUnit = HsaId.Create(RegionOrg, "15CQ");
    private static readonly HsaId Private = HsaId.Create(OrganizationNumber.Parse("556677-8899"), "3000");
    private static readonly HsaId PrivateUnit = HsaId.Create(OrganizationNumber.Parse("556677-8899"), "V7");
    private static readonly PersonalIdentityNumber Patient = PersonalIdentityNumber.Create(new DateOnly(1971, 3, 14), 238, coordination: false);
    private static readonly PersonalIdentityNumber OptedOut = PersonalIdentityNumber.Create(new DateOnly(1990, 1, 2), 556, coordination: false);
    private static readonly PersonalIdentityNumber Other = PersonalIdentityNumber.Create(new DateOnly(1985, 7, 7), 191, coordination: false);

    /// <summary>One Production server for the class; the probes change nothing another probe reads.</summary>
    public sealed class Fixture : IAsyncLifetime
    {
        public TestIssuer National { get; } = new("https://idp.national.example");

        /// <summary>Claims to be the national identity provider, with a key nobody trusts (a forged or retired key).</summary>
        public TestIssuer Forger { get; } = new("https://idp.national.example");

        public TestIssuer Backend { get; } = new(BackendId);

        public NdiServer Server { get; private set; } = null!;

        public async ValueTask InitializeAsync()
        {
            Server = await NdiServer.StartProductionAsync("sqlite", new Dictionary<string, string>
            {
                ["Identity:TrustedIssuers:0:Issuer"] = National.Issuer,
                ["Identity:TrustedIssuers:0:Jwks"] = National.Jwks,
                ["Identity:Server:Clients:0:ClientId"] = BackendId,
                ["Identity:Server:Clients:0:Name"] = "Region EHR",
                ["Identity:Server:Clients:0:Jwks"] = Backend.Jwks,
                ["Identity:Server:Clients:0:Organization"] = Region.Value,
                ["Identity:Server:Clients:0:Scopes"] = "system/DocumentReference.crs",
            });
            var index = new IndexStore(Server.Database.Database);
            foreach (var patient in new[] { Patient, OptedOut })
            {
                await index.PublishAsync(
                [
                    new IndexEntry(new IndexEntryKey(patient, DataCategory.Laboratory, RegionUnit, "ehr-1", "lab-1"), Region, new(2024, 1, 1), new(2025, 1, 1)),
                    new IndexEntry(new IndexEntryKey(patient, DataCategory.Problems, PrivateUnit, "private-ehr", "problems"), Private, new(2023, 5, 1), new(2025, 6, 1)),
                ]);
            }
            await ConsentRequests.PostAsync(Server, National, OptedOut, "optout-primary", """{"type":"deny"}""");
        }

        public async ValueTask DisposeAsync()
        {
            await Server.DisposeAsync();
            National.Dispose();
            Forger.Dispose();
            Backend.Dispose();
        }
    }

    private NdiServer Server => fixture.Server;

    private static string Lookup(PersonalIdentityNumber patient) => $"/fhir/DocumentReference?patient.identifier={patient.Value}";

    private static readonly Dictionary<string, object> ClinicianAtPrivate = new()
    {
        ["ndi_actor"] = "professional", ["subject_organization_id"] = Private.Value, ["care_unit_id"] = PrivateUnit.Value,
        ["assignment_id"] = "uppdrag-1", ["assignment_scope"] = "coherent-records", ["purpose_of_use"] = "TREAT",
    };

    private Task<HttpResponseMessage> GetAsync(string url, string? token, Dictionary<string, string>? headers = null) => Server.SendAsync(HttpMethod.Get, url, token, headers: headers);

    private static async Task<List<string>> AuthorsAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        return [.. FhirJson.Parse<Bundle>(body).Entry.Where(e => e.Search.Mode == Bundle.SearchEntryMode.Match).Select(e => ((DocumentReference)e.Resource).Author[0].Identifier.Value).Order()];
    }

    public static TheoryData<string> BadTokens => new() { "forged", "expired", "id-token-type", "too-long-lived", "wrong-audience", "none" };

    [Theory]
    [MemberData(nameof(BadTokens))]
    public async Task ATokenThatIsNotValid_Gets401_AndNothingElse(string kind)
    {
        var claims = IndexApiTests.ClinicianClaims;
        var token = kind switch
        {
            "forged" => fixture.Forger.Token("user/*.rs", claims: claims),
            "expired" => fixture.National.Token("user/*.rs", issuedAt: DateTime.UtcNow.AddMinutes(-20), lifetime: TimeSpan.FromMinutes(5), claims: claims),
            "id-token-type" => fixture.National.Token("user/*.rs", claims: claims, type: "JWT"),
            "too-long-lived" => fixture.National.Token("user/*.rs", lifetime: TimeSpan.FromDays(30), claims: claims),
            "wrong-audience" => fixture.National.Token("user/*.rs", audience: "another-api", claims: claims),
            _ => null,
        };

        using var response = await GetAsync(Lookup(Patient), token, IndexApiTests.CareRelationship);
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.DoesNotContain(RegionUnit.Value, body);
        Assert.DoesNotContain("IDX", body); // no token library internals
    }

    [Fact]
    public async Task ThereIsNoPasswordlessPath_NoDemo_AndNoSimulator()
    {
        using var client = Server.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        foreach (var path in (string[])["/demo", "/sim", "/sim/region-1/fhir/Patient"])
        {
            using var response = await client.GetAsync(path);
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"GET {path}: {(int)response.StatusCode}");
        }
        // The authorization endpoint serves EHR launches (ADR 0008); the demo app is no client here: refused, no login page, no redirect.
        using var authorize = await client.GetAsync("/oauth/authorize?response_type=code&client_id=openndi-demo-portal&scope=openid");
        Assert.Equal(HttpStatusCode.BadRequest, authorize.StatusCode);
        Assert.Null(authorize.Headers.Location);
        // No authorization code can be had here, so none can be redeemed.
        using var redeem = await client.PostAsync("/oauth/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code", ["client_id"] = "openndi-demo-portal", ["code"] = "invented", ["code_verifier"] = new string('a', 43),
            ["redirect_uri"] = NdiServer.Issuer + "/demo/callback",
        }));
        // The demo portal is no client here at all (invalid_client, RFC 6749 §5.2).
        Assert.False(redeem.IsSuccessStatusCode);
        var refused = await redeem.Content.ReadAsStringAsync();
        Assert.Contains("invalid_client", refused);
        Assert.DoesNotContain("access_token", refused);
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> ClientCredentialsAsync(string assertion, string scope = "system/DocumentReference.rs")
    {
        using var client = Server.CreateClient();
        using var response = await client.PostAsync("/oauth/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials", ["scope"] = scope,
            ["client_assertion_type"] = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer", ["client_assertion"] = assertion,
        }));
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }

    [Fact]
    public async Task ABackendService_GetsATokenOnce_PerAssertion_OnlyWithinItsRegistration_AndReadsOnlyItsOwnProvidersEntries()
    {
        var assertion = fixture.Backend.Assertion(TokenUrl);

        var (first, body) = await ClientCredentialsAsync(assertion);
        var (replayed, _) = await ClientCredentialsAsync(assertion);
        var (forged, _) = await ClientCredentialsAsync(fixture.Forger.Assertion(TokenUrl));
        var (beyond, beyondBody) = await ClientCredentialsAsync(fixture.Backend.Assertion(TokenUrl), "system/Patient.rs");

        Assert.Equal(HttpStatusCode.OK, first);
        Assert.Equal(HttpStatusCode.Unauthorized, replayed);
        Assert.Equal(HttpStatusCode.Unauthorized, forged);
        Assert.Equal(HttpStatusCode.BadRequest, beyond);
        Assert.Equal("invalid_scope", beyondBody.GetProperty("error").GetString());
        using var lookup = await GetAsync(Lookup(Patient), body.GetProperty("access_token").GetString());
        Assert.Equal([RegionUnit.Value], await AuthorsAsync(lookup)); // the private provider's entry stays hidden
    }

    [Fact]
    public async Task AnOptOut_IsNeverOpened_NotEvenInAnEmergency()
    {
        var token = fixture.National.Token("user/*.rs", claims: ClinicianAtPrivate);
        var headers = new Dictionary<string, string>(IndexApiTests.CareRelationship) { ["Ndi-Emergency-Reason"] = Uri.EscapeDataString("medvetslös, inga anhöriga nåbara") };

        using var optedOut = await GetAsync(Lookup(OptedOut), token, headers);
        using var open = await GetAsync(Lookup(Patient), token, headers);

        Assert.Equal([PrivateUnit.Value], await AuthorsAsync(optedOut)); // own provider only
        Assert.Equal([RegionUnit.Value, PrivateUnit.Value], await AuthorsAsync(open));
    }

    [Fact]
    public async Task APatient_SeesOnlyThemselves()
    {
        var own = fixture.National.PersonToken("patient/*.rs", Patient);
        var other = fixture.National.PersonToken("patient/*.rs", Other);

        using var mine = await GetAsync(Lookup(Patient), own);
        using var theirs = await GetAsync(Lookup(Patient), other);

        Assert.Equal(2, (await AuthorsAsync(mine)).Count);
        Assert.Equal(HttpStatusCode.Forbidden, theirs.StatusCode);
        Assert.DoesNotContain(RegionUnit.Value, await theirs.Content.ReadAsStringAsync());
    }

    public static TheoryData<string, string> BadInput => new()
    {
        { "SQL in the patient", "/fhir/DocumentReference?patient.identifier=191212121212'%20OR%20'1'='1" },
        { "SQL in the type", "/fhir/DocumentReference?patient.identifier=191212121212&type=laboratory';DROP%20TABLE%20index_entries;--" },
        { "impossible date", "/fhir/DocumentReference?patient.identifier=191212121212&period=ge2024-13-45" },
        { "unknown parameter", "/fhir/DocumentReference?patient.identifier=191212121212&_include=*" },
    };

    [Theory]
    [MemberData(nameof(BadInput))]
    public async Task BadSearchInput_Gets400WithAnOperationOutcome(string why, string url)
    {
        using var response = await GetAsync(url, fixture.National.Token("user/*.rs", claims: IndexApiTests.ClinicianClaims), IndexApiTests.CareRelationship);

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, why);
        Assert.IsType<OperationOutcome>(FhirJson.Parse<Resource>(await response.Content.ReadAsStringAsync()));
    }

    public static TheoryData<string, string> BadBodies => new()
    {
        { "a JSON array", "[]" },
        { "nested 10,000 deep", new string('[', 10_000) + new string(']', 10_000) },
        { "an object nested deep", string.Concat(Enumerable.Repeat("{\"a\":", 5_000)) + "1" + new string('}', 5_000) },
        { "not JSON", "resourceType=DocumentReference" },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task BadBodies_Get400_AndChangeNothing(string why, string body)
    {
        var token = fixture.National.Token("system/DocumentReference.c", claims: new Dictionary<string, object> { ["ndi_actor"] = "system", ["client_id"] = BackendId, ["subject_organization_id"] = Region.Value });
        var before = await new IndexStore(Server.Database.Database).LookupAsync(new IndexQuery(Patient, null, null, null));

        using var response = await Server.SendAsync(HttpMethod.Post, "/fhir/DocumentReference", token, body);

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{why}: {(int)response.StatusCode}");
        Assert.IsType<OperationOutcome>(FhirJson.Parse<Resource>(await response.Content.ReadAsStringAsync()));
        Assert.Equal(before.Count, (await new IndexStore(Server.Database.Database).LookupAsync(new IndexQuery(Patient, null, null, null))).Count);
    }

    [Fact]
    public async Task ABurstOfRequests_GetsNo5xx()
    {
        var token = fixture.National.Token("user/*.rs", claims: ClinicianAtPrivate);
        using var client = Server.CreateClient();

        var statuses = await Task.WhenAll(Enumerable.Range(0, 200).Select(async i =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, i % 4 == 3 ? "/fhir/DocumentReference?patient.identifier=nonsense" : Lookup(i % 2 == 0 ? Patient : OptedOut));
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
            request.Headers.Add("Ndi-Care-Relationship", "declared");
            using var response = await client.SendAsync(request);
            return (int)response.StatusCode;
        }));

        Assert.DoesNotContain(statuses, s => s >= 500);
        Assert.Equal(150, statuses.Count(s => s == 200));
        Assert.Equal(50, statuses.Count(s => s == 400));
    }

    [Fact]
    public async Task Answers_CarryTheSecurityHeaders()
    {
        using var response = await GetAsync(Lookup(Patient), fixture.National.Token("user/*.rs", claims: ClinicianAtPrivate), IndexApiTests.CareRelationship);

        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
    }
}
