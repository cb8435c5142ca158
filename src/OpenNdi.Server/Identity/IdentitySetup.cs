using Hl7.Fhir.Model;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using OpenNdi.Core.Identity;
using OpenNdi.Fhir;
using OpenNdi.Server.Identity.AuthorizationServer;
using Task = System.Threading.Tasks.Task;

namespace OpenNdi.Server.Identity;

/// <summary>One identity provider whose tokens OpenNdi accepts, with the public keys it signs with (a JWKS document).</summary>
public sealed class TrustedIssuer
{
    public string Issuer { get; set; } = string.Empty;

    /// <summary>The issuer's JSON Web Key Set, as JSON.</summary>
    public string Jwks { get; set; } = string.Empty;
}

/// <summary>Settings of section <c>Identity</c>: the audience tokens must name, and the trusted issuers.</summary>
public sealed class IdentityOptions
{
    public string Audience { get; set; } = "openndi";

    /// <summary>
    /// The longest lifetime an access token may have (exp − iat, or exp − nbf without iat), in minutes: a stolen token
    /// is useful for at most this long. A token that lives longer is refused whoever issued it.
    /// </summary>
    public int MaxTokenLifetimeMinutes { get; set; } = 60;

    public List<TrustedIssuer> TrustedIssuers { get; set; } = [];
}

/// <summary>
/// Token validation for every national API. Tokens are accepted from more than one configured issuer (federation
/// with the national identity providers is how it runs in production); each issuer's tokens must be signed by that
/// issuer's own keys, name our audience, be within their lifetime, be JWT access tokens (<c>typ</c> <c>at+jwt</c>,
/// RFC 9068 §2.1, so an ID token or a client assertion is no access token) and live no longer than
/// <see cref="IdentityOptions.MaxTokenLifetimeMinutes"/>. A missing or invalid token is answered 401 with a short
/// plain reason (never the token library's own message, which names its internals and keys), too narrow a scope
/// 403, both with an OperationOutcome.
/// </summary>
internal static class IdentitySetup
{
    public static IServiceCollection AddNdiAuthentication(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection("Identity").Get<IdentityOptions>() ?? new IdentityOptions();
        services.AddSingleton(options);
        var keysByIssuer = options.TrustedIssuers.ToDictionary(
            i => i.Issuer,
            i => (IReadOnlyList<SecurityKey>)[.. new JsonWebKeySet(i.Jwks).GetSigningKeys()],
            StringComparer.Ordinal);

        // The embedded authorization server is one more trusted issuer. Its key lives in the database (ADR 0008), so
        // it is resolved when the first token is checked, after the migrations ran at start.
        var server = configuration.GetSection("Identity:Server").Get<AuthorizationServerOptions>() ?? new AuthorizationServerOptions();
        // OpenIddict states the issuer as a normalised absolute URI (a root URL ends in '/'), and so must everything that compares it.
        server.Issuer = new Uri(server.Issuer).AbsoluteUri;
        if (server.Enabled)
        {
            if (server.AccessTokenMinutes > options.MaxTokenLifetimeMinutes)
                throw new InvalidOperationException($"Identity:Server:AccessTokenMinutes ({server.AccessTokenMinutes}) is over Identity:MaxTokenLifetimeMinutes ({options.MaxTokenLifetimeMinutes}): the APIs would refuse every token the embedded server issues.");
            if (keysByIssuer.ContainsKey(server.Issuer))
                throw new InvalidOperationException($"Identity:Server:Issuer {server.Issuer} is also configured as a trusted issuer; give the embedded server its own issuer URL.");
            services.AddAuthorizationServer(server);
        }
        var issuers = keysByIssuer.Keys.Concat(server.Enabled ? [server.Issuer] : []).ToList();

        services.AddSingleton<ValidatedTokenCache>();
        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(jwt =>
        {
            jwt.MapInboundClaims = false;
            jwt.TokenValidationParameters = new TokenValidationParameters
            {
                ValidIssuers = issuers,
                ValidAudience = options.Audience,
                RequireSignedTokens = true,
                RequireExpirationTime = true,
                ClockSkew = ClockSkew,
                ValidTypes = AccessTokenTypes,
                // Each issuer's tokens are checked against that issuer's keys only: one trusted issuer cannot sign for another.
                IssuerSigningKeyResolver = (_, token, _, _) => keysByIssuer.TryGetValue(token.Issuer, out var keys) ? keys : [],
            };
            jwt.Events = new JwtBearerEvents
            {
                // A token seen and validated before, byte for byte, and not yet expired is not verified again (ValidatedTokenCache).
                OnMessageReceived = context =>
                {
                    if (ValidatedTokenCache.BearerToken(context.Request) is { } token
                        && context.HttpContext.RequestServices.GetRequiredService<ValidatedTokenCache>().TryGet(token, out var principal))
                    {
                        context.Principal = principal;
                        context.Success();
                    }
                    return Task.CompletedTask;
                },
                OnTokenValidated = context =>
                {
                    if (context.SecurityToken is not JsonWebToken token)
                        return Task.CompletedTask;
                    if (LivesTooLong(token, TimeSpan.FromMinutes(options.MaxTokenLifetimeMinutes), context.HttpContext))
                        context.Fail(new TokenLifetimeTooLongException());
                    else if (context.Principal is { } principal && ValidatedTokenCache.BearerToken(context.Request) == token.EncodedToken)
                        context.HttpContext.RequestServices.GetRequiredService<ValidatedTokenCache>().Add(token.EncodedToken, principal, new DateTimeOffset(token.ValidTo, TimeSpan.Zero) + ClockSkew);
                    return Task.CompletedTask;
                },
                OnChallenge = async context =>
                {
                    context.HandleResponse();
                    var reason = Reason(context.AuthenticateFailure);
                    if (context.AuthenticateFailure is { } failure)
                    {
                        context.HttpContext.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(IdentitySetup))
                            .LogInformation("Token refused on {Path}: {Reason} ({Detail})", context.Request.Path, reason, failure.Message);
                    }
                    context.Response.Headers.WWWAuthenticate = context.AuthenticateFailure is null ? "Bearer" : "Bearer error=\"invalid_token\"";
                    // A denial on a national API route is logged with what is known of the caller (NationalApiFilter).
                    await Audit.NationalApiFilter.RecordUnauthenticatedAsync(context.HttpContext, reason);
                    await FhirResults.Error(401, "NDI-IAM-001", OperationOutcome.IssueType.Login, $"Not authenticated: {reason}").ExecuteAsync(context.HttpContext);
                },
            };
        });
        if (server.Enabled)
        {
            // The embedded issuer's tokens are checked against its own key only, read from the database on first use.
            services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme).Configure<IssuerKeys>((jwt, embedded) =>
                jwt.TokenValidationParameters.IssuerSigningKeyResolver = (_, token, _, _) => keysByIssuer.TryGetValue(token.Issuer, out var keys) ? keys
                    : token.Issuer == server.Issuer ? [embedded.Signing.Key] : []);
        }
        services.AddAuthorization();
        return services;
    }

    private static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(30);



    /// <summary>RFC 9068 §2.1: <c>at+jwt</c>, or its full media type.</summary>
    private static readonly string[] AccessTokenTypes = ["at+jwt", "application/at+jwt"];

    /// <summary>
    /// Whether the token's lifetime is over the maximum: from <c>iat</c> (or <c>nbf</c> without it) to <c>exp</c>, and
    /// in any case from now to <c>exp</c> (an <c>iat</c> set late does not buy a longer life).
    /// </summary>
    private static bool LivesTooLong(JsonWebToken token, TimeSpan max, HttpContext http)
    {
        var expires = token.ValidTo;
        var start = token.IssuedAt != DateTime.MinValue ? token.IssuedAt : token.ValidFrom != DateTime.MinValue ? token.ValidFrom : (DateTime?)null;
        var now = (http.RequestServices.GetService<TimeProvider>() ?? TimeProvider.System).GetUtcNow().UtcDateTime;
        return (start is { } from && expires - from > max) || expires - now > max + ClockSkew;
    }

    /// <summary>
    /// Why a token was refused, in a few plain words. The library's messages carry its error codes (IDX…), the keys it
    /// tried and the token's own content; they go to the log, not to the caller.
    /// </summary>
    internal static string Reason(Exception? failure) => (failure is AggregateException { InnerExceptions.Count: > 0 } all ? all.InnerExceptions[0] : failure) switch
    {
        null => "a bearer token is required",
        SecurityTokenExpiredException => "the token has expired",
        SecurityTokenNotYetValidException => "the token is not valid yet",
        SecurityTokenNoExpirationException => "the token has no expiry",
        SecurityTokenInvalidTypeException => "wrong token type: an access token of type at+jwt (RFC 9068) is required",
        TokenLifetimeTooLongException => "the token's lifetime is too long",
        SecurityTokenInvalidIssuerException => "unknown issuer",
        SecurityTokenInvalidAudienceException => "wrong audience",
        SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException => "bad signature",
        SecurityTokenInvalidAlgorithmException => "bad signature algorithm",
        SecurityTokenMalformedException or ArgumentException => "not a well-formed JWT",
        _ => "the token is not valid",
    };
}

/// <summary>A token that lives longer than <see cref="IdentityOptions.MaxTokenLifetimeMinutes"/> allows.</summary>
internal sealed class TokenLifetimeTooLongException() : SecurityTokenValidationException("the token's lifetime is over the maximum");
