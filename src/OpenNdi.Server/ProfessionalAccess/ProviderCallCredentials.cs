using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace OpenNdi.Server.ProfessionalAccess;

/// <summary>The access service could not get a token for provider calls; the fetch names the provider as missed for it (NDI-PAS-019).</summary>
internal sealed class ProviderTokenException(string message, Exception? inner = null) : HttpRequestException(message, inner);

/// <summary>
/// The access service's token for provider calls (SMART Backend Services, backend-services §4): it authenticates at
/// the token endpoint with <c>grant_type=client_credentials</c> and a <c>private_key_jwt</c> assertion (RFC 7523 §2.2,
/// §3: <c>iss</c> = <c>sub</c> = client id, <c>aud</c> = the token endpoint, <c>exp</c> at most five minutes ahead, a
/// <c>jti</c> never used before) and keeps the token until <see cref="ProviderCallOptions.RenewSecondsBeforeExpiry"/>
/// before it expires, on the <see cref="TimeProvider"/>. One request renews it however many fetches are waiting.
/// </summary>
internal sealed class ProviderCallCredentials(ProviderCallOptions options, Uri tokenEndpoint, ProviderCallKey key, IHttpClientFactory clients, TimeProvider time)
{
    /// <summary>The HttpClient that reaches the token endpoint.</summary>
    public const string HttpClientName = "provider-call-token";

    private static readonly TimeSpan AssertionLifetime = TimeSpan.FromMinutes(5);

    private readonly JsonWebTokenHandler _handler = new();
    private readonly Lock _gate = new();
    private CachedToken? _token;
    private Task<CachedToken>? _fetching;

    private sealed record CachedToken(string Value, DateTimeOffset RenewAt);

    public Uri TokenEndpoint => tokenEndpoint;

    /// <summary>
    /// A token valid for a while yet: the cached one, or a new one. Callers share one request to the token endpoint,
    /// which a caller's cancellation (a provider's timeout) does not abort: a cold token endpoint that answers after
    /// the first summary's deadline still leaves its token for the next one. The request itself is bounded by its
    /// HttpClient's timeout (10 s).
    /// </summary>
    public async ValueTask<string> GetTokenAsync(CancellationToken cancellationToken)
    {
        Task<CachedToken> fetching;
        lock (_gate)
        {
            if (_token is { } cached && time.GetUtcNow() < cached.RenewAt)
                return cached.Value;
            fetching = _fetching ??= FetchAsync();
        }
        return (await fetching.WaitAsync(cancellationToken)).Value;
    }

    private async Task<CachedToken> FetchAsync()
    {
        await Task.Yield(); // never completes inside GetTokenAsync's lock, so the finally below clears a stored task
        try
        {
            var token = await RequestAsync(CancellationToken.None);
            lock (_gate)
                _token = token;
            return token;
        }
        finally
        {
            lock (_gate)
                _fetching = null;
        }
    }

    /// <summary>The client assertion: a JWT this service signs with its own key (RFC 7523 §3).</summary>
    public string CreateAssertion()
    {
        var now = time.GetUtcNow().UtcDateTime;
        return _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = options.ClientId,
            Audience = tokenEndpoint.AbsoluteUri,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + AssertionLifetime,
            Claims = new Dictionary<string, object> { ["sub"] = options.ClientId, ["jti"] = Guid.NewGuid().ToString("N") },
            SigningCredentials = key.Credentials,
        });
    }

    private async Task<CachedToken> RequestAsync(CancellationToken cancellationToken)
    {
        var requested = time.GetUtcNow();
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["scope"] = options.Scope,
            ["client_assertion_type"] = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ["client_assertion"] = CreateAssertion(),
        });
        HttpResponseMessage response;
        try
        {
            response = await clients.CreateClient(HttpClientName).PostAsync(tokenEndpoint, form, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            throw new ProviderTokenException($"the token endpoint {tokenEndpoint} could not be reached: {ex.Message}", ex);
        }
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            try
            {
                using var json = JsonDocument.Parse(body);
                var root = json.RootElement;
                if (!response.IsSuccessStatusCode)
                {
                    var error = root.TryGetProperty("error", out var e) ? e.GetString() : null;
                    var description = root.TryGetProperty("error_description", out var d) ? d.GetString() : null;
                    throw new ProviderTokenException($"the token endpoint refused the access service ({(int)response.StatusCode} {error}: {description})");
                }
                var accessToken = root.GetProperty("access_token").GetString();
                var expiresIn = root.TryGetProperty("expires_in", out var expires) && expires.TryGetInt32(out var seconds) ? seconds : 0;
                if (string.IsNullOrEmpty(accessToken) || expiresIn <= 0)
                    throw new ProviderTokenException("the token endpoint answered without an access_token and a positive expires_in");
                // Renew early, but never keep a short-lived token for less than half its life.
                var early = TimeSpan.FromSeconds(Math.Min(options.RenewSecondsBeforeExpiry, expiresIn / 2.0));
                return new CachedToken(accessToken, requested + TimeSpan.FromSeconds(expiresIn) - early);
            }
            catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
            {
                throw new ProviderTokenException($"the token endpoint answered {(int)response.StatusCode} with no usable token response", ex);
            }
        }
    }
}
