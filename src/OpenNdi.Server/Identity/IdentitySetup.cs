using Hl7.Fhir.Model;
using Microsoft.AspNetCore.Authentication.JwtBearer;
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

    public List<TrustedIssuer> TrustedIssuers { get; set; } = [];
}

/// <summary>
/// Token validation for every national API. Tokens are accepted from more than one configured issuer (federation
/// with the national identity providers is how it runs in production); each issuer's tokens must be signed by that
/// issuer's own keys, name our audience and be within their lifetime. A missing or invalid token is answered 401 and
/// too narrow a scope 403, both with an OperationOutcome saying why.
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

        // The embedded authorization server is one more trusted issuer, its key known without fetching a JWKS.
        var server = configuration.GetSection("Identity:Server").Get<AuthorizationServerOptions>() ?? new AuthorizationServerOptions();
        if (server.Enabled)
        {
            if (keysByIssuer.ContainsKey(server.Issuer))
                throw new InvalidOperationException($"Identity:Server:Issuer {server.Issuer} is also configured as a trusted issuer; give the embedded server its own issuer URL.");
            var signingKey = new IssuerSigningKey(server);
            keysByIssuer[server.Issuer] = [signingKey.Key];
            services.AddAuthorizationServer(server, signingKey);
        }

        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(jwt =>
        {
            jwt.MapInboundClaims = false;
            jwt.TokenValidationParameters = new TokenValidationParameters
            {
                ValidIssuers = keysByIssuer.Keys,
                ValidAudience = options.Audience,
                RequireSignedTokens = true,
                RequireExpirationTime = true,
                ClockSkew = TimeSpan.FromSeconds(30),
                // Each issuer's tokens are checked against that issuer's keys only: one trusted issuer cannot sign for another.
                IssuerSigningKeyResolver = (_, token, _, _) => keysByIssuer.TryGetValue(token.Issuer, out var keys) ? keys : [],
            };
            jwt.Events = new JwtBearerEvents
            {
                OnChallenge = async context =>
                {
                    context.HandleResponse();
                    var reason = context.AuthenticateFailure?.Message ?? context.ErrorDescription ?? "a bearer token is required";
                    context.Response.Headers.WWWAuthenticate = "Bearer error=\"invalid_token\"";
                    // A denial on a national API route is logged with what is known of the caller (NationalApiFilter).
                    await Audit.NationalApiFilter.RecordUnauthenticatedAsync(context.HttpContext, Shorten(reason));
                    await FhirResults.Error(401, "NDI-IAM-001", OperationOutcome.IssueType.Login, $"Not authenticated: {Shorten(reason)}").ExecuteAsync(context.HttpContext);
                },
            };
        });
        services.AddAuthorization();
        return services;
    }

    private static string Shorten(string message) => message.Length > 300 ? message[..300] : message;
}
