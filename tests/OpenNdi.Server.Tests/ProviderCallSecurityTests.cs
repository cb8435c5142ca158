using System.Net;
using System.Text.Json;
using Hl7.Fhir.Model;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using OpenNdi.Fhir;
using OpenNdi.Server.ProfessionalAccess;
using Task = System.Threading.Tasks.Task;

namespace OpenNdi.Server.Tests;

/// <summary>One server on SQLite with two more backend clients: one for the providers' audience, one for the national APIs'.</summary>
public sealed class ProviderCallServerFixture : IAsyncLifetime
{
    /// <summary>Another system with a key of its own, registered for the providers' audience (it is not the access service).</summary>
    public TestIssuer OtherSystem { get; } = new("other-provider-system");

    /// <summary>A provider's system registered for the national APIs (it publishes to the index).</summary>
    public TestIssuer NationalSystem { get; } = new("region-index-publisher");

    /// <summary>An identity provider the server does not trust.</summary>
    public TestIssuer Stranger { get; } = new("https://idp.stranger.example");

    public NdiServer Server { get; private set; } = null!;

    public async ValueTask InitializeAsync() => Server = await NdiServer.StartAsync("sqlite", new Dictionary<string, string>
    {
        ["Demo:Persons"] = "20",
        ["Demo:Providers"] = "2",
        ["Identity:Server:Clients:0:ClientId"] = OtherSystem.Issuer,
        ["Identity:Server:Clients:0:Jwks"] = OtherSystem.Jwks,
        ["Identity:Server:Clients:0:Scopes"] = "system/*.rs",
        ["Identity:Server:Clients:0:Audience"] = "openndi-providers",
        ["Identity:Server:Clients:1:ClientId"] = NationalSystem.Issuer,
        ["Identity:Server:Clients:1:Jwks"] = NationalSystem.Jwks,
        ["Identity:Server:Clients:1:Scopes"] = "system/*.rs",
    });

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        OtherSystem.Dispose();
        NationalSystem.Dispose();
        Stranger.Dispose();
    }
}

/// <summary>
/// Calls to provider systems are authenticated (issue 14): the access service's token is for the providers' audience,
/// the simulated EHRs refuse every other token, and the national APIs refuse the access service's.
/// </summary>
[Trait("Category", "Security")]
public sealed class ProviderCallSecurityTests(ProviderCallServerFixture fixture) : IClassFixture<ProviderCallServerFixture>
{
    private const string TokenUrl = NdiServer.Issuer + "/oauth/token";

    private NdiServer Server => fixture.Server;

    private async Task<string> ProviderKeyAsync()
    {
        using var client = Server.CreateClient();
        using var providers = JsonDocument.Parse(await client.GetStringAsync("/sim"));
        return providers.RootElement[0].GetProperty("key").GetString()!;
    }

    /// <summary>A token of a registered backend client, from the token endpoint.</summary>
    private async Task<string> ClientTokenAsync(TestIssuer client, string scope = "system/*.rs")
    {
        using var http = Server.CreateClient();
        using var response = await http.PostAsync("/oauth/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["scope"] = scope,
            ["client_assertion_type"] = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ["client_assertion"] = client.Assertion(TokenUrl),
        }));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        return JsonDocument.Parse(body).RootElement.GetProperty("access_token").GetString()!;
    }

    private async Task<(HttpStatusCode Status, OperationOutcome? Outcome)> SearchAsync(string? token, string type = "Condition")
    {
        using var response = await Server.SendAsync(HttpMethod.Get, $"/sim/{await ProviderKeyAsync()}/fhir/{type}?_count=1", token);
        var body = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, response.IsSuccessStatusCode ? null : FhirJson.Parse<OperationOutcome>(body));
    }

    [Fact]
    public async Task ProviderCall_CarriesTheAccessServicesToken_ForTheProvidersAudience()
    {
        var token = new JsonWebToken(await Server.ProviderTokenAsync());

        Assert.Equal("at+jwt", token.Typ);
        Assert.Equal(new Uri(NdiServer.Issuer).AbsoluteUri, token.Issuer); // OpenIddict states the issuer as a normalised URI
        Assert.Equal(["openndi-providers"], token.Audiences);
        Assert.Equal("openndi-access-service", token.GetClaim("client_id").Value);
        Assert.Equal("system/*.rs", token.GetClaim("scope").Value);
        Assert.Equal((HttpStatusCode.OK, null), await SearchAsync(token.EncodedToken));
    }

    [Fact]
    public async Task Simulator_WithoutAToken_Refuses401WithAnOutcome()
    {
        var (status, outcome) = await SearchAsync(token: null);

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("NDI-SIM-030", outcome!.Issue[0].Details.Coding[0].Code);
    }

    [Fact]
    public async Task Simulator_WithATokenOfAnotherIssuer_Refuses401_AndOneForgedInOurIssuersNameToo()
    {
        var claims = new Dictionary<string, object> { ["client_id"] = "openndi-access-service" };
        var foreign = fixture.Stranger.Token("system/*.rs", audience: "openndi-providers", claims: claims);
        var forged = fixture.Stranger.Token("system/*.rs", audience: "openndi-providers", claimedIssuer: NdiServer.Issuer, claims: claims);

        Assert.Equal(HttpStatusCode.Unauthorized, (await SearchAsync(foreign)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await SearchAsync(forged)).Status);
    }

    [Fact]
    public async Task Simulator_WithANationalApiToken_Refuses401()
    {
        var national = await ClientTokenAsync(fixture.NationalSystem);

        Assert.Equal(["openndi"], new JsonWebToken(national).Audiences);
        Assert.Equal(HttpStatusCode.Unauthorized, (await SearchAsync(national)).Status);
    }

    [Fact]
    public async Task Simulator_WithATokenOfAnotherClient_Refuses403_EvenForTheProvidersAudience()
    {
        var other = await ClientTokenAsync(fixture.OtherSystem);

        var (status, outcome) = await SearchAsync(other);

        Assert.Equal(["openndi-providers"], new JsonWebToken(other).Audiences);
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Equal("NDI-SIM-031", outcome!.Issue[0].Details.Coding[0].Code);
    }

    [Fact]
    public async Task Simulator_WithoutAFittingSystemScope_Refuses403()
    {
        var options = Server.Services.GetRequiredService<ProviderCallOptions>();
        var narrow = new ProviderCallCredentials(new ProviderCallOptions { ClientId = options.ClientId, Scope = "system/Condition.rs" }, new Uri(TokenUrl),
            Server.Services.GetRequiredService<ProviderCallKey>(), Server.Services.GetRequiredService<IHttpClientFactory>(), TimeProvider.System);
        var token = await narrow.GetTokenAsync(CancellationToken.None);

        Assert.Equal(HttpStatusCode.OK, (await SearchAsync(token, "Condition")).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await SearchAsync(token, "Observation")).Status);
    }

    [Fact]
    public async Task NationalApis_WithTheProviderCallToken_Refuse401()
    {
        var token = await Server.ProviderTokenAsync();

        using var endpoints = await Server.SendAsync(HttpMethod.Get, "/fhir/Endpoint", token);
        using var index = await Server.SendAsync(HttpMethod.Get, "/fhir/DocumentReference?patient.identifier=http://electronichealth.se/identifier/personnummer|191212121212", token);

        Assert.Equal(HttpStatusCode.Unauthorized, endpoints.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, index.StatusCode);
    }

    [Fact]
    public async Task Simulator_MetadataStaysOpen_WithoutATokenForTheHealthProbes()
    {
        using var response = await Server.SendAsync(HttpMethod.Get, $"/sim/{await ProviderKeyAsync()}/fhir/metadata", token: null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}

/// <summary>A token that has expired is refused: the server's clock (the simulated EHRs' too) is a FakeTimeProvider.</summary>
[Trait("Category", "Security")]
public sealed class ProviderCallExpiryTests
{
    [Fact]
    public async Task Simulator_WithAnExpiredToken_Refuses401()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 4, 8, 0, 0, TimeSpan.Zero));
        await using var server = await NdiServer.StartAsync("sqlite", new Dictionary<string, string> { ["Demo:Persons"] = "20", ["Demo:Providers"] = "2" },
            services => services.AddSingleton<TimeProvider>(clock));
        using var client = server.CreateClient();
        using var providers = JsonDocument.Parse(await client.GetStringAsync("/sim"));
        var key = providers.RootElement[0].GetProperty("key").GetString();
        var url = $"/sim/{key}/fhir/Condition?_count=1";
        // No simulated latency: its delays run on the fake clock, which only the test moves.
        using (var still = await client.PutAsync($"/sim/{key}/behaviour", new StringContent("{}", System.Text.Encoding.UTF8, "application/json")))
            Assert.Equal(HttpStatusCode.OK, still.StatusCode);
        var token = await server.ProviderTokenAsync();

        using var fresh = await server.SendAsync(HttpMethod.Get, url, token);
        clock.Advance(TimeSpan.FromMinutes(16)); // the embedded server's tokens live 15 minutes
        using var expired = await server.SendAsync(HttpMethod.Get, url, token);

        Assert.Equal(HttpStatusCode.OK, fresh.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, expired.StatusCode);
    }
}
