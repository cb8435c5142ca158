using Microsoft.Extensions.DependencyInjection.Extensions;
using OpenNdi.Core.Audit;
using OpenNdi.Data;
using OpenNdi.Data.Identity;
using OpenNdi.Server.Audit;

namespace OpenNdi.Server.Identity.AuthorizationServer;

/// <summary>
/// The embedded OAuth 2.0 / OpenID Connect authorization server (see docs/adr/0003). It issues tokens for
/// professionals and patients (authorization code with PKCE, through the login page) and for systems
/// (client credentials with <c>private_key_jwt</c>); the APIs trust it like any other configured issuer.
/// <code>
/// GET  /.well-known/openid-configuration, /.well-known/smart-configuration, /oauth/jwks
/// POST /oauth/token       code or client_credentials
/// Demo login only (module DemoLogin, <see cref="MapPasswordlessLogin"/>):
/// GET  /oauth/authorize   login page          POST /oauth/authorize   log in, redirect with a code
/// GET  /demo              a one-page SMART app to try it
/// </code>
/// </summary>
internal static class AuthorizationServerSetup
{
    public static IServiceCollection AddAuthorizationServer(this IServiceCollection services, AuthorizationServerOptions options, IssuerSigningKey key)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(options);
        services.AddSingleton(key);
        // Built-in apps (the clinician portal) and backend clients (the access service's, for provider calls) are
        // contributed by their services, whenever those are added.
        services.AddSingleton(sp => new OAuthClients(options, sp.GetServices<BuiltInApp>(), sp.GetServices<OAuthClientOptions>()));
        services.AddSingleton<AuthorizationCodes>();
        services.TryAddSingleton(sp => new UsedAssertionStore(sp.GetRequiredService<NdiDatabase>()));
        services.AddSingleton<ClientAssertionValidator>();
        services.AddSingleton<AccessTokenIssuer>();
        return services;
    }

    public static IEndpointRouteBuilder MapAuthorizationServer(this IEndpointRouteBuilder app)
    {
        if (app.ServiceProvider.GetService<OAuthClients>() is null)
            return app; // disabled: tokens come from the national identity providers only
        var key = app.ServiceProvider.GetRequiredService<IssuerSigningKey>();
        app.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger("OpenNdi.Server.Identity.AuthorizationServer")
            .LogInformation("Authorization server {Issuer}: signing key {KeyId}, {Origin}", app.ServiceProvider.GetRequiredService<AuthorizationServerOptions>().Issuer, key.Key.KeyId, key.Origin);
        var group = app.MapGroup("").WithTags("Authorization server").ExcludeFromDescription();
        group.MapGet("/.well-known/openid-configuration", DiscoveryEndpoints.OpenIdConfiguration).Public("discovery metadata, no personal data");
        group.MapGet("/.well-known/smart-configuration", DiscoveryEndpoints.SmartConfiguration).Public("discovery metadata, no personal data");
        group.MapGet("/fhir/.well-known/smart-configuration", DiscoveryEndpoints.SmartConfiguration).Public("discovery metadata, no personal data");
        group.MapGet("/oauth/jwks", DiscoveryEndpoints.Jwks).Public("the issuer's public keys");
        group.MapPost("/oauth/token", TokenEndpoint.HandleAsync).DisableAntiforgery().AuditedPublic(AuditEventCodes.TokenIssue, AuditAction.Execute);
        return app;
    }

    /// <summary>
    /// The passwordless login of the demo (choosing a synthetic person stands in for BankID or SITHS) and the demo
    /// page. Mapped only when module <c>DemoLogin</c> runs: a production server has no login of its own.
    /// </summary>
    public static IEndpointRouteBuilder MapPasswordlessLogin(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("").WithTags("Authorization server").ExcludeFromDescription();
        group.MapGet("/oauth/authorize", AuthorizeEndpoint.Show).Public("the login page; the login itself (POST) is logged");
        group.MapPost("/oauth/authorize", AuthorizeEndpoint.LoginAsync).DisableAntiforgery().AuditedPublic(AuditEventCodes.Login, AuditAction.Execute);
        group.MapGet("/demo", DemoPortalPage.Show).Public("static demo page; calls the APIs from the browser");
        group.MapGet("/demo/callback", DemoPortalPage.Show).Public("static demo page; calls the APIs from the browser");
        return app;
    }
}
