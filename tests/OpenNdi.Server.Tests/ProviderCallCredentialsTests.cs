using System.Net;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using OpenNdi.Server.ProfessionalAccess;
using Task = System.Threading.Tasks.Task;

namespace OpenNdi.Server.Tests;

/// <summary>The access service's token for provider calls: its client assertion and its cache, against a stub token endpoint on a fake clock.</summary>
[Trait("Category", "Security")]
public sealed class ProviderCallCredentialsTests
{
    private static readonly Uri TokenEndpoint = new("https://as.example/oauth/token");

    /// <summary>A token endpoint that answers each request with a new token living <c>expiresIn</c> seconds, and keeps the forms it got.</summary>
    private sealed class StubTokenEndpoint(int expiresIn) : HttpMessageHandler, IHttpClientFactory
    {
        public List<Dictionary<string, string>> Requests { get; } = [];

        /// <summary>When set, every answer waits for it: a token endpoint slower than its first callers.</summary>
        public TaskCompletionSource? Hold { get; set; }

        public HttpClient CreateClient(string name) => new(this, disposeHandler: false);

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var form = (await request.Content!.ReadAsStringAsync(cancellationToken)).Split('&')
                .Select(pair => pair.Split('=', 2)).ToDictionary(p => Uri.UnescapeDataString(p[0]), p => Uri.UnescapeDataString(p[1].Replace('+', ' ')));
            lock (Requests)
                Requests.Add(form);
            if (Hold is { } hold)
                await hold.Task;
            var json = $$"""{"access_token":"token-{{Requests.Count}}","token_type":"Bearer","expires_in":{{expiresIn}},"scope":"system/*.rs"}""";
            return new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        }
    }

    private static (ProviderCallCredentials Credentials, StubTokenEndpoint Endpoint, FakeTimeProvider Clock) Create(int expiresIn = 900)
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 4, 9, 0, 0, TimeSpan.Zero));
        var endpoint = new StubTokenEndpoint(expiresIn);
        var options = new ProviderCallOptions();
        return (new ProviderCallCredentials(options, TokenEndpoint, new ProviderCallKey(options), endpoint, clock), endpoint, clock);
    }

    [Fact]
    public async Task Token_IsReusedUntilAMinuteBeforeItExpires_ThenRenewed()
    {
        var (credentials, endpoint, clock) = Create(expiresIn: 900);

        var first = await credentials.GetTokenAsync(CancellationToken.None);
        clock.Advance(TimeSpan.FromMinutes(13) + TimeSpan.FromSeconds(59));
        var later = await credentials.GetTokenAsync(CancellationToken.None);
        clock.Advance(TimeSpan.FromSeconds(2)); // 14:01 of a 15-minute token: inside the last minute
        var renewed = await credentials.GetTokenAsync(CancellationToken.None);

        Assert.Equal("token-1", first);
        Assert.Equal("token-1", later);
        Assert.Equal("token-2", renewed);
        Assert.Equal(2, endpoint.Requests.Count);
    }

    /// <summary>
    /// A cold token endpoint answers after the first provider call has timed out: that caller is cancelled, but the
    /// request is not, and its token serves the next call without a second request.
    /// </summary>
    [Fact]
    public async Task Token_WhoseFirstCallerTimesOut_IsStillFetched_AndServesTheNextCaller()
    {
        var (credentials, endpoint, _) = Create();
        endpoint.Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var timeout = new CancellationTokenSource();

        var first = credentials.GetTokenAsync(timeout.Token).AsTask();
        await timeout.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first);
        endpoint.Hold.SetResult();
        var next = await credentials.GetTokenAsync(CancellationToken.None);

        Assert.Equal("token-1", next);
        Assert.Single(endpoint.Requests);
    }

    [Fact]
    public async Task Token_AskedByManyFetchesAtOnce_IsRequestedOnce()
    {
        var (credentials, endpoint, _) = Create();

        var tokens = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => credentials.GetTokenAsync(CancellationToken.None).AsTask()));

        Assert.All(tokens, t => Assert.Equal("token-1", t));
        Assert.Single(endpoint.Requests);
    }

    [Fact]
    public async Task Token_OfAShortLife_IsKeptForHalfOfIt()
    {
        var (credentials, endpoint, clock) = Create(expiresIn: 60);

        await credentials.GetTokenAsync(CancellationToken.None);
        clock.Advance(TimeSpan.FromSeconds(29));
        await credentials.GetTokenAsync(CancellationToken.None);
        clock.Advance(TimeSpan.FromSeconds(1));
        await credentials.GetTokenAsync(CancellationToken.None);

        Assert.Equal(2, endpoint.Requests.Count);
    }

    [Fact]
    public async Task TokenRequest_IsClientCredentialsWithAPrivateKeyJwt_OfRfc7523()
    {
        var (credentials, endpoint, clock) = Create(expiresIn: 60);

        await credentials.GetTokenAsync(CancellationToken.None);
        clock.Advance(TimeSpan.FromMinutes(1));
        await credentials.GetTokenAsync(CancellationToken.None);

        var form = endpoint.Requests[0];
        Assert.Equal("client_credentials", form["grant_type"]);
        Assert.Equal("system/*.rs", form["scope"]);
        Assert.Equal("urn:ietf:params:oauth:client-assertion-type:jwt-bearer", form["client_assertion_type"]);
        var assertion = new JsonWebToken(form["client_assertion"]);
        Assert.Equal("ES384", assertion.Alg);
        Assert.Equal("openndi-access-service", assertion.Issuer);
        Assert.Equal("openndi-access-service", assertion.Subject);
        Assert.Equal(["https://as.example/oauth/token"], assertion.Audiences);
        Assert.Equal(new DateTime(2026, 12, 4, 9, 5, 0, DateTimeKind.Utc), assertion.ValidTo);
        Assert.NotEqual(assertion.Id, new JsonWebToken(endpoint.Requests[1]["client_assertion"]).Id);
    }
}
