using Hl7.Fhir.Model;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenIddict.Validation.AspNetCore;
using OpenNdi.Core.Identity;
using OpenNdi.Fhir;

namespace OpenNdi.Synthetic.Simulator;

/// <summary>Whose tokens the simulated EHRs accept (issue 14).</summary>
public sealed class SimulatorAuthenticationOptions
{
    /// <summary>The national authorization server: its discovery document and JWKS are read from here, and tokens must name it as <c>iss</c>.</summary>
    public string Issuer { get; set; } = "http://localhost:5080";

    /// <summary>The audience provider systems' tokens carry; tokens for the national APIs (<c>openndi</c>) do not open a provider.</summary>
    public string Audience { get; set; } = ProviderAudience;

    /// <summary>The one client the providers answer: the national access service for professionals.</summary>
    public string AccessServiceClientId { get; set; } = AccessServiceClient;

    public const string ProviderAudience = "openndi-providers";
    public const string AccessServiceClient = "openndi-access-service";
}

/// <summary>
/// The simulated EHRs check every FHIR call the way a provider system must (SMART Backend Services, the access token
/// rules of RFC 9068): a bearer token issued by the national authorization server, signed with a key of its JWKS, for
/// the providers' audience, within its lifetime, from the national access service, with a <c>system/</c> scope that reads
/// the requested type. OpenIddict's validation library does the token part (discovery and JWKS over HTTP, signature,
/// issuer, audience, lifetime); this class adds the client and scope rules. <c>metadata</c> stays open: it holds no
/// patient data and the directory's health probes read it (FHIR R4 http.html#capabilities: the capability statement is
/// how a client learns what security the server wants).
/// </summary>
public static class SimulatorAuthentication
{
    /// <summary>Registers OpenIddict's validation under its own scheme, so it sits beside the national APIs' JWT bearer default in one host.</summary>
    public static IServiceCollection AddSimulatorAuthentication(this IServiceCollection services, SimulatorAuthenticationOptions options)
    {
        services.AddSingleton(options);
        services.AddAuthentication();
        services.AddOpenIddict().AddValidation(validation =>
        {
            validation.SetIssuer(options.Issuer);
            validation.AddAudiences(options.Audience);
            validation.UseSystemNetHttp();
            validation.UseAspNetCore();
        });
        return services;
    }

    /// <summary>The endpoint filter in front of every simulated FHIR interaction but <c>metadata</c>.</summary>
    internal static async ValueTask<object?> RequireAccessServiceTokenAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (http.Request.RouteValues["type"] is null && http.Request.Path.Value?.EndsWith("/metadata", StringComparison.Ordinal) == true)
            return await next(context);
        var options = http.RequestServices.GetService<SimulatorAuthenticationOptions>()
            ?? throw new InvalidOperationException("The simulator's FHIR endpoints need AddSimulatorAuthentication: they never answer without a token check.");
        var result = await http.AuthenticateAsync(OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme);
        if (!result.Succeeded)
        {
            var reason = result.Properties?.Items.TryGetValue(OpenIddictValidationAspNetCoreConstants.Properties.ErrorDescription, out var description) == true && description is { Length: > 0 }
                ? description
                : "a bearer token from the national authorization server is required";
            http.Response.Headers.WWWAuthenticate = result.None ? "Bearer" : "Bearer error=\"invalid_token\"";
            Log(http, "refused a call without a valid token: {Reason}", reason);
            return FhirResults.Error(401, "NDI-SIM-030", OperationOutcome.IssueType.Login, $"Not authenticated: {reason}");
        }
        var principal = result.Principal!;
        // Only the national access service: a provider EHR hands records to the national service, which decides every
        // release by the patient's opt-outs, blocks and care relationships (SOU 2026:6 §2.6.1, ADR 0005). Any other
        // holder of a national system token (another provider's system publishing to the index) reading here would
        // bypass that policy and the national audit, so it is refused even with a fitting scope.
        var client = principal.FindFirst("client_id")?.Value ?? principal.FindFirst("azp")?.Value;
        if (client != options.AccessServiceClientId)
        {
            Log(http, "refused client {Client}: only the national access service is answered", client);
            return Forbidden(http, $"This provider system answers only the national access service ({options.AccessServiceClientId}); the token was issued to {client ?? "no client"}.");
        }
        var (type, permissions) = Needed(http);
        var scope = string.Join(' ', principal.FindAll("scope").Select(c => c.Value));
        if (!ScopeSet.TryParse(scope, out var scopes, out _) || !scopes.Grants(ScopeContext.System, type, permissions))
        {
            var needed = type == "*" ? "system/*.r" : $"system/{type}.{(permissions == ScopePermissions.Search ? "s" : "r")}";
            return Forbidden(http, $"The token's scopes do not read this: it needs {needed}.");
        }
        return await next(context);
    }

    /// <summary>
    /// What a call reads: a read is <c>r</c> on its type, a search <c>s</c>; a provider's <c>$summary</c> holds every type
    /// it keeps, so it needs <c>system/*.r</c> (SMART App Launch v2 scopes, §3.1).
    /// </summary>
    private static (string Type, ScopePermissions Permissions) Needed(HttpContext http) => http.Request.RouteValues switch
    {
        var r when r.ContainsKey("type") && r.ContainsKey("id") => ((string)r["type"]!, ScopePermissions.Read),
        var r when r.ContainsKey("type") => ((string)r["type"]!, ScopePermissions.Search),
        _ => ("*", ScopePermissions.Read),
    };

    private static IResult Forbidden(HttpContext http, string text)
    {
        http.Response.Headers.WWWAuthenticate = "Bearer error=\"insufficient_scope\"";
        return FhirResults.Error(403, "NDI-SIM-031", OperationOutcome.IssueType.Forbidden, text);
    }

    private static void Log(HttpContext http, string message, object? value) =>
        http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(SimulatorAuthentication)).LogInformation("Simulated EHR {Path}: " + message, http.Request.Path.Value, value);
}
