using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using OpenNdi.Core.Identity;
using OpenNdi.Server.Identity.AuthorizationServer;

namespace OpenNdi.Server.Tests;

/// <summary>
/// What the OpenIddict server adds to the logins of <see cref="AuthorizationServerTests"/>: ID tokens and userinfo,
/// refresh tokens that rotate (a reused one revokes the chain), revocation (RFC 7009), introspection (RFC 7662) for
/// a resource server, break-glass by token exchange (RFC 8693), and the SMART EHR launch.
/// </summary>
[Trait("Category", "Security")]
public sealed class TokenLifecycleTests(TokenLifecycleTests.Fixture fixture) : IClassFixture<TokenLifecycleTests.Fixture>
{
    private const string Portal = "openndi-demo-portal";
    private const string Callback = NdiServer.Issuer + "/demo/callback";
    private const string TokenUrl = NdiServer.Issuer + "/oauth/token";
    private const string ResourceServerId = "ndi-resource-server";
    private const string EhrId = "demo-ehr";
    private const string OtherEhrId = "other-ehr";

    public sealed class Fixture : IAsyncLifetime
    {
        public TestIssuer ResourceServerKey { get; } = new(ResourceServerId);

        public TestIssuer EhrKey { get; } = new(EhrId);

        public TestIssuer OtherEhrKey { get; } = new(OtherEhrId);

        public NdiServer Server { get; private set; } = null!;

        public LoginUser Clinician { get; private set; } = null!;

        public async ValueTask InitializeAsync()
        {
            // The EHR's provider must be the clinician's: read the demo clinician from a first start of the same population.
            await using (var probe = await NdiServer.StartAsync("sqlite"))
                Clinician = probe.Services.GetRequiredService<ILoginUsers>().Users.First(u => u.Id == "clinician-1");
            Server = await NdiServer.StartAsync("sqlite", new Dictionary<string, string>
            {
                ["Identity:Server:ResourceServers:0"] = ResourceServerId,
                ["Identity:Server:Clients:0:ClientId"] = ResourceServerId,
                ["Identity:Server:Clients:0:Jwks"] = ResourceServerKey.Jwks,
                ["Identity:Server:Clients:0:Scopes"] = "system/Endpoint.rs",
                ["Identity:Server:Clients:0:Introspection"] = "true",
                ["Identity:Server:Clients:1:ClientId"] = EhrId,
                ["Identity:Server:Clients:1:Jwks"] = EhrKey.Jwks,
                ["Identity:Server:Clients:1:Organization"] = Clinician.Subject.Claims[NdiClaims.SubjectOrganizationId],
                ["Identity:Server:Clients:1:Scopes"] = "ndi/launch",
                ["Identity:Server:Clients:2:ClientId"] = OtherEhrId,
                ["Identity:Server:Clients:2:Jwks"] = OtherEhrKey.Jwks,
                ["Identity:Server:Clients:2:Organization"] = "SE2321000016-1000",
                ["Identity:Server:Clients:2:Scopes"] = "ndi/launch",
            });
        }

        public async ValueTask DisposeAsync()
        {
            await Server.DisposeAsync();
            ResourceServerKey.Dispose();
            EhrKey.Dispose();
            OtherEhrKey.Dispose();
        }
    }

    private NdiServer Server => fixture.Server;

    private HttpClient Client() => Server.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

    private static (string Verifier, string Challenge) Pkce()
    {
        var verifier = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));
        return (verifier, Base64UrlEncoder.Encode(SHA256.HashData(System.Text.Encoding.ASCII.GetBytes(verifier))));
    }

    private static string Parameter(Uri location, string name) => Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(location.Query)[name].ToString();

    private async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(string path, Dictionary<string, string> form)
    {
        using var client = Client();
        using var response = await client.PostAsync(path, new FormUrlEncodedContent(form));
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    private Dictionary<string, string> AuthorizeParameters(string scope, string challenge, string? launch = null)
    {
        var parameters = new Dictionary<string, string>
        {
            ["response_type"] = "code", ["client_id"] = Portal, ["redirect_uri"] = Callback, ["scope"] = scope,
            ["state"] = "st4te", ["code_challenge"] = challenge, ["code_challenge_method"] = "S256",
        };
        if (launch is not null)
            parameters["launch"] = launch;
        return parameters;
    }

    private async Task<JsonElement> LoginAsync(string user, string scope)
    {
        var (verifier, challenge) = Pkce();
        var form = AuthorizeParameters(scope, challenge);
        form["user"] = user;
        form["purpose_of_use"] = "TREAT";
        using var client = Client();
        using var login = await client.PostAsync("/oauth/authorize", new FormUrlEncodedContent(form));
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        return await RedeemAsync(Parameter(login.Headers.Location!, "code"), verifier);
    }

    private async Task<JsonElement> RedeemAsync(string code, string verifier)
    {
        var (status, body) = await PostAsync("/oauth/token", new()
        {
            ["grant_type"] = "authorization_code", ["code"] = code, ["redirect_uri"] = Callback, ["client_id"] = Portal, ["code_verifier"] = verifier,
        });
        Assert.True(status == HttpStatusCode.OK, body.ToString());
        return body;
    }

    private Task<(HttpStatusCode Status, JsonElement Body)> RefreshAsync(string refreshToken) =>
        PostAsync("/oauth/token", new() { ["grant_type"] = "refresh_token", ["refresh_token"] = refreshToken, ["client_id"] = Portal });

    private Task<(HttpStatusCode Status, JsonElement Body)> IntrospectAsync(string token, TestIssuer? caller = null) => PostAsync("/oauth/introspect", new()
    {
        ["token"] = token, ["client_id"] = (caller ?? fixture.ResourceServerKey).Issuer,
        ["client_assertion_type"] = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer", ["client_assertion"] = (caller ?? fixture.ResourceServerKey).Assertion(TokenUrl),
    });

    private static string Text(JsonElement body, string name) => body.GetProperty(name).GetString()!;

    [Fact]
    public async Task OpenIdLogin_GivesAnIdToken_SignedByTheAdvertisedKeys_AndUserinfoSaysTheSame()
    {
        var body = await LoginAsync("clinician-1", "openid fhirUser user/*.rs");
        using var client = Client();
        var discovery = await client.GetFromJsonAsync<JsonElement>("/.well-known/openid-configuration");
        var jwks = new JsonWebKeySet(await client.GetStringAsync(new Uri(Text(discovery, "jwks_uri")).PathAndQuery));
        var validated = await new JsonWebTokenHandler().ValidateTokenAsync(Text(body, "id_token"), new TokenValidationParameters
        {
            ValidIssuer = Text(discovery, "issuer"), ValidAudience = Portal, IssuerSigningKeys = jwks.GetSigningKeys(),
        });
        using var userinfoRequest = new HttpRequestMessage(HttpMethod.Get, "/oauth/userinfo");
        userinfoRequest.Headers.Authorization = new("Bearer", Text(body, "access_token"));
        using var userinfoResponse = await client.SendAsync(userinfoRequest);
        var userinfo = await userinfoResponse.Content.ReadFromJsonAsync<JsonElement>();

        Assert.True(validated.IsValid, validated.Exception?.Message);
        var idToken = (JsonWebToken)validated.SecurityToken;
        Assert.Equal(fixture.Clinician.Subject.Subject, idToken.Subject);
        Assert.EndsWith($"/fhir/Practitioner/{fixture.Clinician.Subject.Subject}", idToken.GetClaim("fhirUser").Value);
        Assert.False(idToken.TryGetClaim("assignment_id", out _)); // what the APIs decide on stays in the access token
        Assert.Equal(HttpStatusCode.OK, userinfoResponse.StatusCode);
        Assert.Equal(idToken.Subject, Text(userinfo, "sub"));
        Assert.Equal(idToken.GetClaim("fhirUser").Value, Text(userinfo, "fhirUser"));
        foreach (var endpoint in new[] { "userinfo_endpoint", "revocation_endpoint", "introspection_endpoint", "token_endpoint", "authorization_endpoint" })
            Assert.StartsWith(Text(discovery, "issuer").TrimEnd('/') + "/oauth/", Text(discovery, endpoint));
        var grants = discovery.GetProperty("grant_types_supported").EnumerateArray().Select(g => g.GetString()).ToList();
        Assert.Contains("refresh_token", grants);
        Assert.Contains("urn:ietf:params:oauth:grant-type:token-exchange", grants);
        Assert.DoesNotContain("implicit", grants);
        Assert.DoesNotContain("password", grants);
    }

    [Fact]
    public async Task RefreshToken_Rotates_AndReusingAnOldOne_RevokesTheWholeChain()
    {
        var first = await LoginAsync("patient-1", "openid offline_access patient/*.rs");

        var (secondStatus, second) = await RefreshAsync(Text(first, "refresh_token"));
        var (reusedStatus, reused) = await RefreshAsync(Text(first, "refresh_token"));
        var (afterStatus, _) = await RefreshAsync(Text(second, "refresh_token"));

        Assert.Equal(HttpStatusCode.OK, secondStatus);
        Assert.NotEqual(Text(first, "refresh_token"), Text(second, "refresh_token"));
        Assert.NotEqual(Text(first, "access_token"), Text(second, "access_token"));
        Assert.Equal(HttpStatusCode.BadRequest, reusedStatus);
        Assert.Equal("invalid_grant", Text(reused, "error"));
        Assert.Equal(HttpStatusCode.BadRequest, afterStatus); // the replay revoked the refresh token issued in between
    }

    [Fact]
    public async Task RevokedRefreshToken_NoLongerRefreshes()
    {
        var login = await LoginAsync("patient-1", "openid offline_access patient/*.rs");

        var (revokeStatus, _) = await PostAsync("/oauth/revoke", new() { ["token"] = Text(login, "refresh_token"), ["token_type_hint"] = "refresh_token", ["client_id"] = Portal });
        var (status, body) = await RefreshAsync(Text(login, "refresh_token"));

        Assert.Equal(HttpStatusCode.OK, revokeStatus);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("invalid_grant", Text(body, "error"));
    }

    [Fact]
    public async Task Introspection_TellsAResourceServerWhatATokenIs_UntilItIsRevoked()
    {
        var login = await LoginAsync("clinician-1", "openid user/*.rs");
        var accessToken = Text(login, "access_token");

        var (activeStatus, active) = await IntrospectAsync(accessToken);
        var (revokeStatus, _) = await PostAsync("/oauth/revoke", new() { ["token"] = accessToken, ["token_type_hint"] = "access_token", ["client_id"] = Portal });
        var (_, revoked) = await IntrospectAsync(accessToken);
        var (_, garbage) = await IntrospectAsync("not-a-token");
        var (_, stranger) = await IntrospectAsync(accessToken, fixture.OtherEhrKey);

        Assert.Equal(HttpStatusCode.OK, activeStatus);
        Assert.True(active.GetProperty("active").GetBoolean());
        Assert.Equal(fixture.Clinician.Subject.Subject, Text(active, "sub"));
        Assert.Equal(HttpStatusCode.OK, revokeStatus);
        Assert.False(revoked.GetProperty("active").GetBoolean());
        Assert.False(garbage.GetProperty("active").GetBoolean());
        Assert.False(stranger.TryGetProperty("active", out var strangerActive) && strangerActive.GetBoolean()); // a client not registered for introspection learns nothing
    }

    private Task<(HttpStatusCode Status, JsonElement Body)> ExchangeAsync(string subjectToken, string purpose = "BTG", string? reason = "medvetslös, okänd medicinering",
        string patient = "191212121212", string? scope = null)
    {
        var form = new Dictionary<string, string>
        {
            ["grant_type"] = "urn:ietf:params:oauth:grant-type:token-exchange", ["client_id"] = Portal,
            ["subject_token"] = subjectToken, ["subject_token_type"] = "urn:ietf:params:oauth:token-type:access_token",
            ["purpose_of_use"] = purpose, ["patient"] = patient,
        };
        if (reason is not null)
            form["emergency_reason"] = reason;
        if (scope is not null)
            form["scope"] = scope;
        return PostAsync("/oauth/token", form);
    }

    [Fact]
    public async Task TokenExchange_GivesAShortBreakGlassToken_BoundToOnePatient_WithTheReason()
    {
        var login = await LoginAsync("clinician-1", "openid user/*.rs");

        var (status, body) = await ExchangeAsync(Text(login, "access_token"));
        var token = new JsonWebToken(Text(body, "access_token"));

        Assert.True(status == HttpStatusCode.OK, body.ToString());
        Assert.Equal("BTG", token.GetClaim("purpose_of_use").Value);
        Assert.Equal("medvetslös, okänd medicinering", token.GetClaim("ndi_emergency_reason").Value);
        Assert.Equal("191212121212", token.GetClaim("ndi_patient").Value);
        Assert.Equal(fixture.Clinician.Subject.Subject, token.Subject);
        Assert.True(token.ValidTo - token.IssuedAt <= TimeSpan.FromMinutes(5));
        using var api = await Server.SendAsync(HttpMethod.Get, "/fhir/DocumentReference?patient.identifier=191212121212", Text(body, "access_token"));
        Assert.Equal(HttpStatusCode.OK, api.StatusCode); // the APIs accept it like any access token of ours
    }

    [Fact]
    public async Task TokenExchange_IsRefused_WithoutReason_ForAPatient_ForWiderScopes_OrAnotherPurpose()
    {
        var clinician = Text(await LoginAsync("clinician-1", "openid user/*.rs"), "access_token");
        var patient = Text(await LoginAsync("patient-1", "openid patient/*.rs"), "access_token");

        var (noReason, noReasonBody) = await ExchangeAsync(clinician, reason: null);
        var (asPatient, _) = await ExchangeAsync(patient);
        var (wider, widerBody) = await ExchangeAsync(clinician, scope: "user/*.cruds");
        var (treat, _) = await ExchangeAsync(clinician, purpose: "TREAT");
        var (badPatient, _) = await ExchangeAsync(clinician, patient: "191212121213");
        var (forged, _) = await ExchangeAsync("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.");

        Assert.Equal(HttpStatusCode.BadRequest, noReason);
        Assert.Equal("invalid_request", Text(noReasonBody, "error"));
        Assert.Equal(HttpStatusCode.BadRequest, asPatient);
        Assert.Equal("invalid_scope", Text(widerBody, "error"));
        Assert.Equal(HttpStatusCode.BadRequest, wider);
        Assert.Equal(HttpStatusCode.BadRequest, treat);
        Assert.Equal(HttpStatusCode.BadRequest, badPatient);
        Assert.Equal(HttpStatusCode.BadRequest, forged);
    }

    private async Task<string> SystemTokenAsync(TestIssuer key, string scope)
    {
        var (status, body) = await PostAsync("/oauth/token", new()
        {
            ["grant_type"] = "client_credentials", ["scope"] = scope,
            ["client_assertion_type"] = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer", ["client_assertion"] = key.Assertion(TokenUrl),
        });
        Assert.True(status == HttpStatusCode.OK, body.ToString());
        return Text(body, "access_token");
    }

    private LaunchContext LaunchFor(string patient) => new(
        new LaunchProfessional(fixture.Clinician.Subject.Subject, fixture.Clinician.Name, fixture.Clinician.Subject.Claims[NdiClaims.SubjectOrganizationId],
            fixture.Clinician.Subject.Claims[NdiClaims.CareUnitId], "physician", AssignmentId: "uppdrag-ehr", AssignmentScope: NdiClaims.CoherentRecords),
        patient, CareRelationship: true);

    private async Task<(HttpStatusCode Status, JsonElement Body)> CreateLaunchAsync(string systemToken, LaunchContext context)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/oauth/launch") { Content = JsonContent.Create(context) };
        request.Headers.Authorization = new("Bearer", systemToken);
        using var client = Client();
        using var response = await client.SendAsync(request);
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }

    [Fact]
    public async Task EhrLaunch_LogsTheEhrsClinicianIn_WithoutALoginPage_WithThePatientAndTheCareRelationship()
    {
        var ehr = await SystemTokenAsync(fixture.EhrKey, "ndi/launch");
        var (created, launch) = await CreateLaunchAsync(ehr, LaunchFor("191212121212"));
        var (verifier, challenge) = Pkce();
        using var client = Client();

        using var authorize = await client.GetAsync("/oauth/authorize?" + string.Join('&',
            AuthorizeParameters("launch openid fhirUser user/*.rs", challenge, Text(launch, "launch")).Select(p => $"{p.Key}={Uri.EscapeDataString(p.Value)}")));
        Assert.True(authorize.StatusCode == HttpStatusCode.Redirect, $"{(int)authorize.StatusCode}: {await authorize.Content.ReadAsStringAsync()}");
        var token = await RedeemAsync(Parameter(authorize.Headers.Location!, "code"), verifier);
        var access = new JsonWebToken(Text(token, "access_token"));
        using var again = await client.GetAsync("/oauth/authorize?" + string.Join('&',
            AuthorizeParameters("launch openid user/*.rs", challenge, Text(launch, "launch")).Select(p => $"{p.Key}={Uri.EscapeDataString(p.Value)}")));

        Assert.Equal(HttpStatusCode.OK, created);
        Assert.Equal(HttpStatusCode.Redirect, authorize.StatusCode); // straight back to the app with a code: no login page
        Assert.Equal("191212121212", Text(token, "patient"));
        Assert.Equal(fixture.Clinician.Subject.Subject, access.Subject);
        Assert.Equal("191212121212", access.GetClaim("ndi_care_relationship").Value);
        Assert.Equal("invalid_request", Parameter(again.Headers.Location!, "error")); // a launch is single use
    }

    [Fact]
    public async Task EhrLaunch_IsRefused_ForAnotherProvidersClinician_WithoutTheScope_AndWhenMalformed()
    {
        var other = await SystemTokenAsync(fixture.OtherEhrKey, "ndi/launch");
        var own = await SystemTokenAsync(fixture.EhrKey, "ndi/launch");
        var notAnEhr = await SystemTokenAsync(fixture.ResourceServerKey, "system/Endpoint.rs");

        var (otherStatus, _) = await CreateLaunchAsync(other, LaunchFor("191212121212"));
        var (scopeStatus, _) = await CreateLaunchAsync(notAnEhr, LaunchFor("191212121212"));
        var (badStatus, bad) = await CreateLaunchAsync(own, LaunchFor("191212121213"));
        using var client = Client();
        using var anonymous = await client.PostAsJsonAsync("/oauth/launch", LaunchFor("191212121212"));

        Assert.Equal(HttpStatusCode.Forbidden, otherStatus);
        Assert.Equal(HttpStatusCode.Forbidden, scopeStatus);
        Assert.Equal(HttpStatusCode.BadRequest, badStatus);
        Assert.Contains("patient", bad.GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }
}
