using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using OpenNdi.Data.Identity;

namespace OpenNdi.Server.Identity.AuthorizationServer;

/// <summary>
/// Authenticates a backend service by its <c>private_key_jwt</c> client assertion (RFC 7523, SMART Backend Services):
/// a JWT the client signed with its own key, whose <c>iss</c> and <c>sub</c> are its client id, whose <c>aud</c> is
/// our token endpoint, which is valid now (<c>nbf</c>, <c>exp</c>), expires within five minutes and whose <c>jti</c>
/// has not been used before. Used ids are kept in the database until they expire, so a restart does not reopen a
/// captured assertion for replay (RFC 7523 §3, item 7).
/// </summary>
public sealed class ClientAssertionValidator(AuthorizationServerOptions options, OAuthClients clients, UsedAssertionStore used, TimeProvider time)
{
    public const string AssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
    private static readonly TimeSpan MaxLifetime = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(30);

    private readonly JsonWebTokenHandler _handler = new();

    /// <summary>The authenticated client, or the reason it is not (for the <c>invalid_client</c> description).</summary>
    public async Task<(OAuthClient? Client, string? Error)> ValidateAsync(string? assertionType, string? assertion, string? clientId, CancellationToken cancellationToken = default)
    {
        if (assertionType != AssertionType)
            return (null, $"client_assertion_type must be {AssertionType}");
        if (string.IsNullOrWhiteSpace(assertion))
            return (null, "client_assertion is required");
        JsonWebToken unverified;
        try
        {
            unverified = new JsonWebToken(assertion);
        }
        catch (ArgumentException)
        {
            return (null, "client_assertion is not a JWT");
        }
        if (!clients.TryGet(unverified.Issuer, out var client) || !client.IsBackendService)
            return (null, "client_assertion: iss names no registered backend service");
        if (clientId is not null && clientId != client.ClientId)
            return (null, "client_id does not match the client_assertion's iss");

        var result = await _handler.ValidateTokenAsync(assertion, new TokenValidationParameters
        {
            ValidIssuer = client.ClientId,
            ValidAudiences = [options.TokenEndpoint.AbsoluteUri, options.Issuer],
            IssuerSigningKeys = client.Keys,
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            ValidAlgorithms = [SecurityAlgorithms.RsaSha256, SecurityAlgorithms.RsaSha384, SecurityAlgorithms.EcdsaSha256, SecurityAlgorithms.EcdsaSha384],
            ClockSkew = ClockSkew,
            LifetimeValidator = (_, expires, _, _) => expires is { } e && e > time.GetUtcNow().UtcDateTime - ClockSkew,
        });
        if (!result.IsValid)
            return (null, $"client_assertion is not valid: {(result.Exception is SecurityTokenInvalidLifetimeException ? "it has expired" : IdentitySetup.Reason(result.Exception))}");
        var token = (JsonWebToken)result.SecurityToken;
        var now = time.GetUtcNow().UtcDateTime;
        if (token.ValidFrom != DateTime.MinValue && token.ValidFrom > now + ClockSkew)
            return (null, "client_assertion is not valid yet (nbf)");
        if (token.Subject != client.ClientId)
            return (null, "client_assertion: sub must be the client id");
        if (token.ValidTo > now + MaxLifetime + ClockSkew)
            return (null, "client_assertion: exp must be at most five minutes ahead");
        if (string.IsNullOrEmpty(token.Id))
            return (null, "client_assertion: jti is required");
        if (!await used.TryUseAsync($"{client.ClientId}/{token.Id}", new DateTimeOffset(token.ValidTo, TimeSpan.Zero) + ClockSkew, time.GetUtcNow(), cancellationToken))
            return (null, "client_assertion: this jti was already used");
        return (client, null);
    }
}
