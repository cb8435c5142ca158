using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using OpenNdi.Core.Identifiers;

namespace OpenNdi.Server.Tests;

/// <summary>
/// The embedded authorization server end to end: discovery, the login page with authorization code + PKCE for
/// professionals, patients and operators, client credentials with private_key_jwt for backend services, and every
/// way a request is refused. Tokens it issues are then used on the national APIs.
/// </summary>
[Trait("Category", "Security")]
public sealed class AuthorizationServerTests(AuthorizationServerTests.Fixture fixture) : IClassFixture<AuthorizationServerTests.Fixture>
{
    private const string Portal = "openndi-demo-portal";
    private const string Callback = NdiServer.Issuer + "/demo/callback";
    private const string TokenUrl = NdiServer.Issuer + "/oauth/token";
    private const string BackendId = "region-ehr";
    private static readonly OrganizationNumber RegionOrg = OrganizationNumber.Parse("232100-0016");
    private static readonly string Region = HsaId.Create(RegionOrg, "1000").Value;
    private static readonly string RegionUnit = HsaId.Create(RegionOrg, "15CQ").Value;

    /// <summary>One server for the class (tests here change nothing another test reads), with a registered backend service.</summary>
    public sealed class Fixture : IAsyncLifetime
    {
        public TestIssuer BackendKey { get; } = new(BackendId);

        /// <summary>A key that claims to be the backend service but is not registered.</summary>
        public TestIssuer StrangerKey { get; } = new(BackendId);

        public NdiServer Server { get; private set; } = null!;

        public async ValueTask InitializeAsync()
        {
            Server = await NdiServer.StartAsync("sqlite", new Dictionary<string, string>
            {
                ["Identity:Server:Clients:0:ClientId"] = BackendId,
                ["Identity:Server:Clients:0:Name"] = "Region EHR",
                ["Identity:Server:Clients:0:Jwks"] = BackendKey.Jwks,
                ["Identity:Server:Clients:0:Organization"] = Region,
                ["Identity:Server:Clients:0:Scopes"] = "system/DocumentReference.crs system/Endpoint.rs",
            });
            await Server.RegisterCareUnitsAsync(HsaId.Parse(Region), HsaId.Parse(RegionUnit));
        }

        public async ValueTask DisposeAsync()
        {
            await Server.DisposeAsync();
            BackendKey.Dispose();
            StrangerKey.Dispose();
        }
    }

    private NdiServer Server => fixture.Server;

    private TestIssuer BackendKey => fixture.BackendKey;

    private TestIssuer StrangerKey => fixture.StrangerKey;

    private HttpClient Client() => Server.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

    private static (string Verifier, string Challenge) Pkce()
    {
        var verifier = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));
        return (verifier, Base64UrlEncoder.Encode(SHA256.HashData(System.Text.Encoding.ASCII.GetBytes(verifier))));
    }

    private static Dictionary<string, string> AuthorizeParameters(string scope, string challenge, string redirect = Callback) => new()
    {
        ["response_type"] = "code", ["client_id"] = Portal, ["redirect_uri"] = redirect, ["scope"] = scope,
        ["state"] = "st4te", ["code_challenge"] = challenge, ["code_challenge_method"] = "S256",
    };

    private static string Query(Dictionary<string, string> parameters) =>
        string.Join('&', parameters.Select(p => $"{p.Key}={Uri.EscapeDataString(p.Value)}"));

    /// <summary>Logs in on the form as the given demo user; returns the redirect location.</summary>
    private async Task<Uri> LoginAsync(string user, string scope, string challenge, string purpose = "TREAT")
    {
        using var client = Client();
        var form = AuthorizeParameters(scope, challenge);
        form["user"] = user;
        form["purpose_of_use"] = purpose;
        using var response = await client.PostAsync("/oauth/authorize", new FormUrlEncodedContent(form));
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        return response.Headers.Location!;
    }

    private static string Parameter(Uri location, string name) =>
        Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(location.Query)[name].ToString();

    private async Task<(HttpStatusCode Status, JsonElement Body)> TokenAsync(Dictionary<string, string> form)
    {
        using var client = Client();
        using var response = await client.PostAsync("/oauth/token", new FormUrlEncodedContent(form));
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }

    private Task<(HttpStatusCode Status, JsonElement Body)> RedeemAsync(string code, string verifier) => TokenAsync(new()
    {
        ["grant_type"] = "authorization_code", ["code"] = code, ["redirect_uri"] = Callback, ["client_id"] = Portal, ["code_verifier"] = verifier,
    });

    private async Task<JsonElement> LoginAndRedeemAsync(string user, string scope, string purpose = "TREAT")
    {
        var (verifier, challenge) = Pkce();
        var location = await LoginAsync(user, scope, challenge, purpose);
        var (status, body) = await RedeemAsync(Parameter(location, "code"), verifier);
        Assert.Equal(HttpStatusCode.OK, status);
        return body;
    }

    private Task<(HttpStatusCode Status, JsonElement Body)> ClientCredentialsAsync(string assertion, string scope = "system/DocumentReference.c") => TokenAsync(new()
    {
        ["grant_type"] = "client_credentials", ["scope"] = scope,
        ["client_assertion_type"] = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer", ["client_assertion"] = assertion,
    });

    private static JsonWebToken Decode(JsonElement tokenResponse) => new(tokenResponse.GetProperty("access_token").GetString()!);

    [Fact]
    public async Task SmartConfiguration_AdvertisesEndpointsAndCapabilities()
    {
        using var client = Client();
        var json = JsonDocument.Parse(await client.GetStringAsync("/.well-known/smart-configuration")).RootElement;
        var capabilities = json.GetProperty("capabilities").EnumerateArray().Select(c => c.GetString()).ToList();

        Assert.Equal(TokenUrl, json.GetProperty("token_endpoint").GetString());
        Assert.Contains("client-confidential-asymmetric", capabilities);
        Assert.Contains("permission-v2", capabilities);
        Assert.Contains("private_key_jwt", json.GetProperty("token_endpoint_auth_methods_supported").EnumerateArray().Select(e => e.GetString()));
        var jwks = new JsonWebKeySet(await client.GetStringAsync("/oauth/jwks"));
        Assert.Single(jwks.Keys);
    }

    [Fact]
    public async Task LoginPage_ListsTheDemoPeople()
    {
        using var client = Client();
        var html = await client.GetStringAsync("/oauth/authorize?" + Query(AuthorizeParameters("user/*.rs", Pkce().Challenge)));

        foreach (var id in (string[])["clinician-1", "clinician-2", "clinician-3", "patient-1", "guardian-1", "operator-1"])
            Assert.Contains($"value=\"{id}\"", html);
    }

    [Fact]
    public async Task Clinician_GetsAProfessionalToken_ThatTheApisAccept()
    {
        var response = await LoginAndRedeemAsync("clinician-1", "openid user/*.rs patient/*.rs", purpose: "ETREAT");
        var token = Decode(response);

        Assert.Equal("openid user/*.rs", response.GetProperty("scope").GetString()); // patient/ scopes are not for professionals
        Assert.Equal(new Uri(NdiServer.Issuer).AbsoluteUri, token.Issuer); // OpenIddict states the issuer as a normalised URI
        Assert.Equal("professional", token.GetClaim("ndi_actor").Value);
        Assert.Equal("ETREAT", token.GetClaim("purpose_of_use").Value);
        Assert.True(HsaId.TryParse(token.Subject, out _, out _));
        Assert.True(HsaId.TryParse(token.GetClaim("care_unit_id").Value, out _, out _));
        Assert.True(HsaId.TryParse(token.GetClaim("subject_organization_id").Value, out _, out _));
        Assert.NotEmpty(token.GetClaim("assignment_id").Value);
        using var api = await Server.SendAsync(HttpMethod.Get, "/fhir/Endpoint", response.GetProperty("access_token").GetString());
        Assert.Equal(HttpStatusCode.OK, api.StatusCode);
    }

    [Fact]
    public async Task Clinicians_WorkAtDifferentProviders()
    {
        var providers = new List<string>();
        foreach (var user in (string[])["clinician-1", "clinician-2", "clinician-3"])
            providers.Add(Decode(await LoginAndRedeemAsync(user, "user/*.rs")).GetClaim("subject_organization_id").Value);

        Assert.Equal(3, providers.Distinct().Count());
    }

    [Fact]
    public async Task Patient_GetsPatientScopesAndContext_AndSeesOnlyTheirOwnIndexEntries()
    {
        var response = await LoginAndRedeemAsync("patient-1", "openid launch/patient patient/*.rs user/*.rs");
        var token = Decode(response);

        Assert.Equal("openid launch/patient patient/*.rs", response.GetProperty("scope").GetString());
        Assert.True(PersonalIdentityNumber.TryParse(response.GetProperty("patient").GetString(), out _, out _));
        Assert.Equal(response.GetProperty("patient").GetString(), token.GetClaim("person_id").Value);
        Assert.Equal("http://id.elegnamnden.se/loa/1.0/loa3", token.GetClaim("acr").Value);
        using var own = await Server.SendAsync(HttpMethod.Get, $"/fhir/DocumentReference?patient.identifier={token.GetClaim("person_id").Value}", response.GetProperty("access_token").GetString());
        // Another person of the demo population who has entries in the index, so a leak would show as matches.
        var index = Server.Services.GetRequiredService<OpenNdi.Data.Index.IIndexStore>();
        var someoneElse = default(PersonalIdentityNumber);
        foreach (var person in await Server.Services.GetRequiredService<OpenNdi.Data.Population.IPopulationStore>().ListAsync(0, 100))
        {
            if (person.Id.Value != token.GetClaim("person_id").Value && (await index.LookupAsync(new OpenNdi.Data.Index.IndexQuery(person.Id))).Count > 0)
            {
                someoneElse = person.Id;
                break;
            }
        }
        Assert.False(string.IsNullOrEmpty(someoneElse.Value), "the demo population has another person with index entries");
        using var other = await Server.SendAsync(HttpMethod.Get, $"/fhir/DocumentReference?patient.identifier={someoneElse.Value}", response.GetProperty("access_token").GetString());
        using var directory = await Server.SendAsync(HttpMethod.Get, "/fhir/Endpoint", response.GetProperty("access_token").GetString());
        static int Matches(string json) => OpenNdi.Fhir.FhirJson.Parse<Hl7.Fhir.Model.Bundle>(json).Entry.Count(e => e.Search.Mode == Hl7.Fhir.Model.Bundle.SearchEntryMode.Match);
        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        Assert.True(Matches(await own.Content.ReadAsStringAsync()) > 0);
        var otherBody = await other.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.Forbidden, other.StatusCode); // the same for every other person (ExistenceOracleTests)
        Assert.DoesNotContain("DocumentReference\"", otherBody, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, directory.StatusCode);
    }

    [Fact]
    [Trait("Category", "Security")]
    public async Task DemoLogReviewer_ReadsTheProvidersWholeLog_WhileAClinicianOfThatProviderReadsOnlyTheirOwn()
    {
        var reviewer = await LoginAndRedeemAsync("reviewer-1", "user/*.rs");
        var reviewerToken = Decode(reviewer);
        // clinician-1 works at the reviewer's provider, and looks a patient up.
        var clinician = await LoginAndRedeemAsync("clinician-1", "user/*.rs");
        var clinicianId = Decode(clinician).Subject;
        Assert.Equal(reviewerToken.GetClaim("subject_organization_id").Value, Decode(clinician).GetClaim("subject_organization_id").Value);
        using (var lookup = await Server.SendAsync(HttpMethod.Get, "/fhir/DocumentReference?patient.identifier=191212121212", clinician.GetProperty("access_token").GetString()))
            Assert.Equal(HttpStatusCode.OK, lookup.StatusCode);

        using var reviewed = await Server.SendAsync(HttpMethod.Get, $"/fhir/AuditEvent?agent.identifier={clinicianId}", reviewer.GetProperty("access_token").GetString());
        using var ownOnly = await Server.SendAsync(HttpMethod.Get, $"/fhir/AuditEvent?agent.identifier={reviewerToken.Subject}", clinician.GetProperty("access_token").GetString());

        Assert.Equal("log-reviewer", reviewerToken.GetClaim("ndi_roles").Value);
        Assert.Equal(HttpStatusCode.OK, reviewed.StatusCode);
        Assert.Contains(OpenNdi.Fhir.FhirJson.Parse<Hl7.Fhir.Model.Bundle>(await reviewed.Content.ReadAsStringAsync()).Entry,
            e => e.Resource is Hl7.Fhir.Model.AuditEvent a && a.Agent.Any(x => x.Requestor == true && x.Who.Identifier.Value == clinicianId));
        Assert.Equal(HttpStatusCode.Forbidden, ownOnly.StatusCode);
        Assert.Contains("NDI-AUD-006", await ownOnly.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Category", "Security")]
    public async Task Professional_AskingForDirectoryWrites_GetsReadsOnly()
    {
        var response = await LoginAndRedeemAsync("clinician-1", "user/Endpoint.cruds user/Organization.cruds user/Endpoint.rs user/DocumentReference.rs ndi/directory.admin");

        Assert.Equal("user/Endpoint.rs user/DocumentReference.rs", response.GetProperty("scope").GetString());
    }

    [Fact]
    [Trait("Category", "Security")]
    public async Task Operator_GetsTheDirectoryAdministrationScope_OnlyWhenAskingForIt()
    {
        var asked = await LoginAndRedeemAsync("operator-1", "user/Endpoint.cruds ndi/directory.admin");
        var notAsked = await LoginAndRedeemAsync("operator-1", "user/Endpoint.cruds");

        Assert.Equal("ndi/directory.admin user/Endpoint.cruds", asked.GetProperty("scope").GetString());
        Assert.Equal("user/Endpoint.cruds", notAsked.GetProperty("scope").GetString());
    }

    [Fact]
    public async Task Operator_GetsDirectoryScopesOnly()
    {
        var response = await LoginAndRedeemAsync("operator-1", "user/*.rs user/Endpoint.cruds");

        Assert.Equal("user/Endpoint.cruds", response.GetProperty("scope").GetString());
    }

    [Fact]
    public async Task Login_WithOnlyUnsuitableScopes_RedirectsWithInvalidScope()
    {
        var location = await LoginAsync("patient-1", "user/*.rs", Pkce().Challenge);

        Assert.Equal("invalid_scope", Parameter(location, "error"));
        Assert.Equal("st4te", Parameter(location, "state"));
    }

    [Fact]
    public async Task Code_IsSingleUse_AndBoundToTheVerifier()
    {
        var (verifier, challenge) = Pkce();
        var code = Parameter(await LoginAsync("clinician-1", "user/*.rs", challenge), "code");
        var (wrongVerifierStatus, wrongVerifier) = await RedeemAsync(code, Pkce().Verifier);

        var (verifier2, challenge2) = Pkce();
        var code2 = Parameter(await LoginAsync("clinician-1", "user/*.rs", challenge2), "code");
        var (firstStatus, _) = await RedeemAsync(code2, verifier2);
        var (secondStatus, second) = await RedeemAsync(code2, verifier2);

        Assert.Equal(HttpStatusCode.BadRequest, wrongVerifierStatus);
        Assert.Equal("invalid_grant", wrongVerifier.GetProperty("error").GetString());
        Assert.Equal(HttpStatusCode.OK, firstStatus);
        Assert.Equal(HttpStatusCode.BadRequest, secondStatus);
        Assert.Equal("invalid_grant", second.GetProperty("error").GetString());
        _ = verifier;
    }

    [Fact]
    public async Task Authorize_WithAnUnregisteredRedirect_IsAnsweredHere_NotRedirected()
    {
        using var client = Client();
        using var response = await client.GetAsync("/oauth/authorize?" + Query(AuthorizeParameters("user/*.rs", Pkce().Challenge, redirect: "https://evil.example/cb")));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(response.Headers.Location);
    }

    [Fact]
    public async Task Authorize_WithoutPkce_IsRefusedWithInvalidRequest()
    {
        var parameters = AuthorizeParameters("user/*.rs", Pkce().Challenge);
        parameters.Remove("code_challenge");
        parameters.Remove("code_challenge_method");
        using var client = Client();
        using var response = await client.GetAsync("/oauth/authorize?" + Query(parameters));
        var body = await response.Content.ReadAsStringAsync();

        // OpenIddict refuses a request without PKCE before it trusts the redirect URI, so it answers here (RFC 6749 §4.1.2.1 allows not redirecting).
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(response.Headers.Location);
        Assert.Contains("invalid_request", body);
    }

    [Fact]
    public async Task BackendService_WithPrivateKeyJwt_GetsASystemToken_AndPublishesForItsProvider()
    {
        var (status, body) = await ClientCredentialsAsync(BackendKey.Assertion(TokenUrl), "system/DocumentReference.c user/*.rs");
        var token = Decode(body);
        var document = $$$"""
            {"resourceType":"DocumentReference","status":"current",
             "identifier":[{"system":"urn:openndi:index:source-reference","value":"ehr-1|lab-9"}],
             "type":{"coding":[{"system":"http://loinc.org","code":"11502-2"}]},
             "subject":{"identifier":{"system":"urn:oid:1.2.752.129.2.1.3.1","value":"191212121212"}},
             "author":[{"identifier":{"system":"urn:oid:1.2.752.29.4.19","value":"{{{RegionUnit}}}"}}],
             "context":{"period":{"start":"2024-01-05","end":"2024-03-01"}},
             "content":[{"attachment":{"contentType":"application/fhir+json"}}]}
            """;
        using var published = await Server.SendAsync(HttpMethod.Post, "/fhir/DocumentReference", body.GetProperty("access_token").GetString(), document);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("system/DocumentReference.c", body.GetProperty("scope").GetString());
        Assert.Equal("system", token.GetClaim("ndi_actor").Value);
        Assert.Equal(Region, token.GetClaim("subject_organization_id").Value);
        Assert.Equal(HttpStatusCode.Created, published.StatusCode);
    }

    public static TheoryData<string, string> BadAssertions => new()
    {
        { "wrong audience", "audience" },
        { "expired", "expired" },
        { "more than five minutes", "long" },
        { "signed by another key", "stranger" },
        { "sub is not the client", "subject" },
        { "not a JWT", "garbage" },
        { "unknown client", "unknown" },
    };

    [Theory]
    [MemberData(nameof(BadAssertions))]
    public async Task BackendService_WithABadAssertion_IsRefusedAsInvalidClient(string why, string kind)
    {
        using var unknown = new TestIssuer("someone-else");
        var assertion = kind switch
        {
            "audience" => BackendKey.Assertion("https://other.example/token"),
            "expired" => BackendKey.Assertion(TokenUrl, lifetime: TimeSpan.FromMinutes(2), issuedAt: DateTime.UtcNow.AddMinutes(-10)),
            "long" => BackendKey.Assertion(TokenUrl, lifetime: TimeSpan.FromHours(1)),
            "stranger" => StrangerKey.Assertion(TokenUrl),
            "subject" => BackendKey.Assertion(TokenUrl, subject: "someone-else"),
            "garbage" => "not-a-jwt",
            _ => unknown.Assertion(TokenUrl),
        };

        var (status, body) = await ClientCredentialsAsync(assertion);

        Assert.True(status == HttpStatusCode.Unauthorized, why);
        Assert.Equal("invalid_client", body.GetProperty("error").GetString());
        Assert.False(body.TryGetProperty("access_token", out _));
    }

    [Fact]
    public async Task BackendService_ReplayingAnAssertion_IsRefused()
    {
        var assertion = BackendKey.Assertion(TokenUrl);

        var (first, _) = await ClientCredentialsAsync(assertion);
        var (second, body) = await ClientCredentialsAsync(assertion);

        Assert.Equal(HttpStatusCode.OK, first);
        Assert.Equal(HttpStatusCode.Unauthorized, second);
        Assert.Contains("jti", body.GetProperty("error_description").GetString());
    }

    [Fact]
    public async Task BackendService_AskingBeyondItsRegistration_GetsInvalidScope()
    {
        var (status, body) = await ClientCredentialsAsync(BackendKey.Assertion(TokenUrl), "system/Patient.rs");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("invalid_scope", body.GetProperty("error").GetString());
    }

    [Theory]
    [InlineData("grant_type=password&username=a&password=b", "unsupported_grant_type")]
    [InlineData("code=abc", "invalid_request")]
    public async Task Token_BadRequests_GetOAuthErrors(string form, string error)
    {
        using var client = Client();
        using var response = await client.PostAsync("/oauth/token", new StringContent(form, System.Text.Encoding.UTF8, "application/x-www-form-urlencoded"));
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(error, body.GetProperty("error").GetString());
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
    }
}
