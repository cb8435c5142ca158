using OpenIddict.Abstractions;
using OpenIddict.Server;
using OpenNdi.Data.Identity;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace OpenNdi.Server.Identity.AuthorizationServer;

/// <summary>
/// What SMART Backend Services asks of a <c>private_key_jwt</c> assertion beyond what OpenIddict checks (signature
/// by the client's registered keys, <c>iss</c> = <c>sub</c>, audience, expiry): a <c>jti</c>, an <c>exp</c> at most
/// five minutes ahead, not valid before <c>nbf</c>, and a <c>jti</c> never used before (RFC 7523 §3 item 7). Used
/// ids are kept in the database until they expire, so neither a restart nor another replica reopens a captured
/// assertion. Every refusal is <c>invalid_client</c> (RFC 7523 §3.2).
/// </summary>
internal sealed class ClientAssertionRules(UsedAssertionStore used, TimeProvider time) : IOpenIddictServerHandler<ProcessAuthenticationContext>
{
    private static readonly TimeSpan MaxLifetime = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(30);

    public static OpenIddictServerHandlerDescriptor Descriptor { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<ProcessAuthenticationContext>()
        .AddFilter<OpenIddictServerHandlerFilters.RequireClientAssertionPrincipal>()
        .AddFilter<OpenIddictServerHandlerFilters.RequireClientAssertionValidated>()
        .UseScopedHandler<ClientAssertionRules>()
        .SetOrder(OpenIddictServerHandlers.ValidateClientAssertionIssuer.Descriptor.Order + 500)
        .SetType(OpenIddictServerHandlerType.Custom)
        .Build();

    public async ValueTask HandleAsync(ProcessAuthenticationContext context)
    {
        var assertion = context.ClientAssertionPrincipal!;
        var now = time.GetUtcNow();
        var clientId = assertion.GetClaim(Claims.Issuer);
        var jti = assertion.GetClaim(Claims.JwtId);
        var expires = assertion.GetExpirationDate();
        string? problem = null;
        if (string.IsNullOrEmpty(jti))
            problem = "client_assertion: jti is required";
        else if (expires is not { } exp || exp < now - ClockSkew)
            problem = "client_assertion is not valid: it has expired";
        else if (exp > now + MaxLifetime + ClockSkew)
            problem = "client_assertion: exp must be at most five minutes ahead";
        else if (assertion.GetClaim(Claims.NotBefore) is { } nbf && long.TryParse(nbf, out var notBefore) && DateTimeOffset.FromUnixTimeSeconds(notBefore) > now + ClockSkew)
            problem = "client_assertion is not valid yet (nbf)";
        else if (!await used.TryUseAsync($"{clientId}/{jti}", exp + ClockSkew, now, context.CancellationToken))
            problem = "client_assertion: this jti was already used";
        if (problem is not null)
            context.Reject(Errors.InvalidClient, problem);
    }
}

/// <summary>
/// SMART Backend Services (App Launch 2.2, §Backend Services, "Protocol details") fixes the client assertion's header
/// <c>typ</c> to <c>JWT</c>, while OpenIddict 7 accepts only <c>client-authentication+jwt</c>
/// (draft-ietf-oauth-rfc7523bis). Both are accepted here, for client assertions only, so that SMART clients written to
/// the published specification authenticate, as does its audience, the token endpoint URL. The confusion rfc7523bis guards against (another JWT replayed as an
/// assertion) is closed by <see cref="ClientAssertionRules"/>: a single-use <c>jti</c>, <c>iss</c> = <c>sub</c> = the
/// client, and a lifetime of at most five minutes.
/// </summary>
internal sealed class SmartClientAssertionType(AuthorizationServerOptions options) : IOpenIddictServerHandler<ValidateTokenContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<ValidateTokenContext>()
        .UseSingletonHandler<SmartClientAssertionType>()
        .SetOrder(OpenIddictServerHandlers.Protection.ResolveTokenValidationParameters.Descriptor.Order + 1)
        .SetType(OpenIddictServerHandlerType.Custom)
        .Build();

    public ValueTask HandleAsync(ValidateTokenContext context)
    {
        if (!OnlyAssertions(context))
            return default;
        if (context.TokenValidationParameters.ValidTypes is { } types)
            context.TokenValidationParameters.ValidTypes = [.. types, "JWT"];
        // SMART Backend Services and OpenID Connect Core §9 name the token endpoint as the audience; OpenIddict the issuer. Both are ours.
        if (context.ValidAudiences.Count > 0)
            context.ValidAudiences.Add(options.TokenEndpoint.AbsoluteUri);
        return default;
    }

    private static bool OnlyAssertions(ValidateTokenContext context) =>
        context.ValidTokenTypes.Count == 1 && context.ValidTokenTypes.Contains(TokenTypeIdentifiers.Private.ClientAssertion);

    /// <summary>OpenIddict reads a <c>JWT</c> type as an ID token; where only a client assertion is expected, it is one.</summary>
    internal sealed class AsAssertion : IOpenIddictServerHandler<ValidateTokenContext>
    {
        public static OpenIddictServerHandlerDescriptor Descriptor { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<ValidateTokenContext>()
            .UseSingletonHandler<AsAssertion>()
            .SetOrder(OpenIddictServerHandlers.Protection.ValidateIdentityModelToken.Descriptor.Order + 1)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

        public ValueTask HandleAsync(ValidateTokenContext context)
        {
            if (OnlyAssertions(context) && context.Principal is { } principal)
                principal.SetTokenType(TokenTypeIdentifiers.Private.ClientAssertion);
            return default;
        }
    }
}
