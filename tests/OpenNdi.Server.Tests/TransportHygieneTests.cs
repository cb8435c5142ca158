using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Hl7.Fhir.Model;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.IdentityModel.Tokens;
using OpenNdi.Core.Identifiers;
using OpenNdi.Fhir;
using OpenNdi.Testing;
using Task = System.Threading.Tasks.Task;

namespace OpenNdi.Server.Tests;

/// <summary>
/// Web and transport hygiene (issue 12 finding 12): headers that keep answers out of caches and pages out of frames,
/// API tokens of the right type and a bounded lifetime refused in plain words, client assertions honouring
/// <c>nbf</c> and never replayable (not even after a restart), and a SQLite file only its owner can read.
/// </summary>
[Trait("Category", "Security")]
public sealed class TransportHygieneTests(TrustingServerFixture fixture) : IClassFixture<TrustingServerFixture>
{
    private const string Pnr = "191212121212";
    private const string DemoPortal = "openndi-demo-portal";
    private static readonly string Region = HsaId.Create(OrganizationNumber.Parse("232100-0016"), "1000").Value;

    private HttpClient Client() => fixture.Server.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

    private static string Pkce() => Base64UrlEncoder.Encode(SHA256.HashData(RandomNumberGenerator.GetBytes(32)));

    private static string LoginPage => "/oauth/authorize?" + string.Join('&', new Dictionary<string, string>
    {
        ["response_type"] = "code", ["client_id"] = DemoPortal, ["redirect_uri"] = NdiServer.Issuer + "/demo/callback", ["scope"] = "user/*.rs",
        ["state"] = "st4te", ["code_challenge"] = Pkce(), ["code_challenge_method"] = "S256",
    }.Select(p => $"{p.Key}={Uri.EscapeDataString(p.Value)}"));

    private static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values) ? string.Join(", ", values) : "";

    [Fact]
    public async Task EveryAnswer_SaysNosniff()
    {
        using var client = Client();
        foreach (var url in new[] { "/fhir/metadata", "/health/live", "/oauth/jwks", "/demo", LoginPage, "/oauth/authorize", "/portal/clinician", "/web/clinician.js",
            "/fhir/DocumentReference?patient.identifier=" + Pnr, "/no/such/page", "/sim" })
        {
            using var response = await client.GetAsync(url);

            Assert.True(Header(response, "X-Content-Type-Options") == "nosniff", $"{url} ({(int)response.StatusCode}) has no nosniff");
        }
    }

    [Fact]
    public async Task HtmlPages_CannotBeFramed()
    {
        using var client = Client();
        // A bare /oauth/authorize is refused by OpenIddict in plain text (no page to frame); the login page itself is HTML.
        foreach (var url in new[] { "/demo", "/demo/callback", LoginPage, "/portal/clinician", "/ehr" })
        {
            using var response = await client.GetAsync(url);

            Assert.StartsWith("text/html", response.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
            Assert.True(Header(response, "Content-Security-Policy").Contains("frame-ancestors 'none'", StringComparison.Ordinal), $"{url}: no frame-ancestors");
            Assert.True(Header(response, "X-Frame-Options") == "DENY", $"{url}: no X-Frame-Options");
        }
    }

    [Fact]
    public async Task IndexConsentAndAuditAnswers_AreNeverCached()
    {
        var person = PersonalIdentityNumber.Parse(Pnr);
        var clinician = fixture.Issuer.Token("user/DocumentReference.rs", claims: IndexApiTests.ClinicianClaims);
        var patient = fixture.Issuer.PersonToken("patient/Consent.cruds patient/AuditEvent.rs patient/DocumentReference.rs", person);
        var answers = new (string What, Func<Task<HttpResponseMessage>> Send)[]
        {
            ("index lookup", () => fixture.Server.SendAsync(HttpMethod.Get, "/fhir/DocumentReference?patient.identifier=" + Pnr, clinician, headers: IndexApiTests.CareRelationship)),
            ("consent search", () => fixture.Server.SendAsync(HttpMethod.Get, "/fhir/Consent?patient=" + Pnr, patient)),
            ("audit search", () => fixture.Server.SendAsync(HttpMethod.Get, "/fhir/AuditEvent?patient.identifier=" + Pnr, patient)),
            ("refused lookup", () => fixture.Server.SendAsync(HttpMethod.Get, "/fhir/DocumentReference?patient.identifier=" + Pnr, null)),
            ("bad lookup", () => fixture.Server.SendAsync(HttpMethod.Get, "/fhir/DocumentReference?patient.identifier=x", clinician)),
        };
        foreach (var (what, send) in answers)
        {
            using var response = await send();

            Assert.True(response.Headers.CacheControl?.NoStore == true, $"{what} ({(int)response.StatusCode}): Cache-Control {response.Headers.CacheControl}");
        }
    }

    private async Task<(HttpStatusCode Status, string Text)> LookupAsync(string token)
    {
        using var response = await fixture.Server.SendAsync(HttpMethod.Get, "/fhir/DocumentReference?patient.identifier=" + Pnr, token, headers: IndexApiTests.CareRelationship);
        var body = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, response.StatusCode == HttpStatusCode.Unauthorized ? FhirJson.Parse<OperationOutcome>(body).Issue[0].Diagnostics : body);
    }

    private string Lookup(string? type = null, TimeSpan? lifetime = null, DateTime? issuedAt = null) => type is null
        ? fixture.Issuer.Token("user/DocumentReference.rs", lifetime: lifetime, issuedAt: issuedAt, claims: IndexApiTests.ClinicianClaims)
        : fixture.Issuer.Token("user/DocumentReference.rs", lifetime: lifetime, issuedAt: issuedAt, claims: IndexApiTests.ClinicianClaims, type: type);

    [Theory]
    [InlineData("JWT")]
    [InlineData("id_token+jwt")]
    [InlineData("")]
    public async Task ApiToken_NotOfTypeAtJwt_Is401(string type)
    {
        var (status, text) = await LookupAsync(Lookup(type));

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("Not authenticated: wrong token type: an access token of type at+jwt (RFC 9068) is required", text);
    }

    [Fact]
    public async Task ApiToken_OfTypeAtJwt_WithinTheMaximumLifetime_IsAccepted()
    {
        var (status, text) = await LookupAsync(Lookup(lifetime: TimeSpan.FromMinutes(60)));

        Assert.True(status == HttpStatusCode.OK, text);
    }

    [Theory]
    [InlineData(24 * 60, 0)]   // a day-long token issued now
    [InlineData(61, 0)]        // just over the default hour
    [InlineData(90, -80)]      // issued 80 minutes ago, 10 minutes left: its lifetime is still 90 minutes
    public async Task ApiToken_LivingLongerThanTheMaximum_Is401(int lifetimeMinutes, int issuedMinutesAgo)
    {
        var token = Lookup(lifetime: TimeSpan.FromMinutes(lifetimeMinutes), issuedAt: DateTime.UtcNow.AddMinutes(issuedMinutesAgo));

        var (status, text) = await LookupAsync(token);

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("Not authenticated: the token's lifetime is too long", text);
    }

    [Fact]
    public async Task ApiToken_MaximumLifetime_IsASetting()
    {
        await using var server = await NdiServer.StartAsync("sqlite", new Dictionary<string, string>
        {
            ["Demo:Persons"] = "3", ["Demo:Providers"] = "1", ["Identity:MaxTokenLifetimeMinutes"] = "20", ["Identity:Server:AccessTokenMinutes"] = "10",
            ["Identity:TrustedIssuers:0:Issuer"] = fixture.Issuer.Issuer, ["Identity:TrustedIssuers:0:Jwks"] = fixture.Issuer.Jwks,
        });

        using var shortLived = await server.SendAsync(HttpMethod.Get, "/fhir/DocumentReference?patient.identifier=" + Pnr, Lookup(lifetime: TimeSpan.FromMinutes(20)), headers: IndexApiTests.CareRelationship);
        using var longer = await server.SendAsync(HttpMethod.Get, "/fhir/DocumentReference?patient.identifier=" + Pnr, Lookup(lifetime: TimeSpan.FromMinutes(30)), headers: IndexApiTests.CareRelationship);

        Assert.Equal(HttpStatusCode.OK, shortLived.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, longer.StatusCode);
    }

    [Fact]
    public async Task RefusedTokens_AreExplainedInPlainWords_WithoutTheLibrarysInternals()
    {
        using var stranger = new TestIssuer(fixture.Issuer.Issuer); // same issuer name, another key
        using var unknown = new TestIssuer("https://idp.unknown.example");
        var scope = "user/DocumentReference.rs";
        var cases = new (string Token, string Reason)[]
        {
            (fixture.Issuer.Token(scope, lifetime: TimeSpan.FromMinutes(5), issuedAt: DateTime.UtcNow.AddHours(-1), claims: IndexApiTests.ClinicianClaims), "the token has expired"),
            (stranger.Token(scope, claims: IndexApiTests.ClinicianClaims), "bad signature"),
            (unknown.Token(scope, claims: IndexApiTests.ClinicianClaims), "unknown issuer"),
            (fixture.Issuer.Token(scope, audience: "someone-else", claims: IndexApiTests.ClinicianClaims), "wrong audience"),
            (fixture.Issuer.Token(scope, claims: IndexApiTests.ClinicianClaims, type: "JWT"), "wrong token type: an access token of type at+jwt (RFC 9068) is required"),
            (fixture.Issuer.Token(scope, lifetime: TimeSpan.FromDays(30), claims: IndexApiTests.ClinicianClaims), "the token's lifetime is too long"),
            ("not.a.jwt", "not a well-formed JWT"),
        };
        foreach (var (token, reason) in cases)
        {
            var (status, text) = await LookupAsync(token);

            Assert.Equal(HttpStatusCode.Unauthorized, status);
            Assert.Equal($"Not authenticated: {reason}", text);
            Assert.DoesNotContain("IDX", text, StringComparison.Ordinal);
        }
    }

    /// <summary>A server with a registered backend service on a database the test keeps, so it can be restarted.</summary>
    private static NdiServer BackendServer(TestDatabase database, TestIssuer backend) => NdiServer.StartOn(database, new Dictionary<string, string>
    {
        ["Demo:Persons"] = "3", ["Demo:Providers"] = "1",
        ["Identity:Server:Clients:0:ClientId"] = backend.Issuer, ["Identity:Server:Clients:0:Name"] = "Region EHR",
        ["Identity:Server:Clients:0:Jwks"] = backend.Jwks, ["Identity:Server:Clients:0:Organization"] = Region,
        ["Identity:Server:Clients:0:Scopes"] = "system/DocumentReference.crs",
    });

    private static async Task<(HttpStatusCode Status, JsonElement Body)> ClientCredentialsAsync(NdiServer server, string assertion)
    {
        using var client = server.CreateClient();
        using var response = await client.PostAsync("/oauth/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials", ["scope"] = "system/DocumentReference.rs",
            ["client_assertion_type"] = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer", ["client_assertion"] = assertion,
        }));
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }

    [Fact]
    public async Task ClientAssertion_NotValidYet_IsRefused()
    {
        using var backend = new TestIssuer("region-ehr");
        await using var database = await TestDatabase.CreateAsync("sqlite", migrate: false);
        await using var server = BackendServer(database, backend);

        var (status, body) = await ClientCredentialsAsync(server, backend.Assertion(NdiServer.Issuer + "/oauth/token", notBefore: DateTime.UtcNow.AddMinutes(3)));

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("invalid_client", body.GetProperty("error").GetString());
        Assert.Contains("nbf", body.GetProperty("error_description").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task ClientAssertion_UsedOnce_IsRefusedAfterARestart(string backend)
    {
        using var key = new TestIssuer("region-ehr");
        await using var database = await TestDatabase.CreateAsync(backend, migrate: false);
        var assertion = key.Assertion(NdiServer.Issuer + "/oauth/token");

        HttpStatusCode first;
        await using (var before = BackendServer(database, key))
            (first, _) = await ClientCredentialsAsync(before, assertion);
        await using var after = BackendServer(database, key);
        var (replayed, body) = await ClientCredentialsAsync(after, assertion);
        var (fresh, _) = await ClientCredentialsAsync(after, key.Assertion(NdiServer.Issuer + "/oauth/token"));

        Assert.Equal(HttpStatusCode.OK, first);
        Assert.Equal(HttpStatusCode.Unauthorized, replayed);
        Assert.Contains("jti", body.GetProperty("error_description").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, fresh);
    }

    [Fact]
    public async Task SqliteFile_IsReadableByItsOwnerOnly()
    {
        if (OperatingSystem.IsWindows())
            Assert.Skip("Unix file modes");
        await using var server = await NdiServer.StartAsync("sqlite", new Dictionary<string, string> { ["Demo:Persons"] = "3", ["Demo:Providers"] = "1" });
        var file = server.Database.ConfigurationValue;

        foreach (var path in new[] { file, file + "-wal", file + "-shm" }.Where(File.Exists))
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, OperatingSystem.IsWindows() ? default : File.GetUnixFileMode(path));
        Assert.True(File.Exists(file));
    }
}
