using Microsoft.Extensions.DependencyInjection.Extensions;
using OpenIddict.Server;
using OpenNdi.Core.Audit;
using OpenNdi.Core.Identity;
using OpenNdi.Data;
using OpenNdi.Data.Identity;
using OpenNdi.Server.Audit;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace OpenNdi.Server.Identity.AuthorizationServer;

/// <summary>
/// The embedded OAuth 2.0 / OpenID Connect authorization server: OpenIddict's server over its Entity Framework Core
/// stores in the platform's database (docs/adr/0008). OpenIddict does the protocol (request validation, client
/// authentication with PKCE or <c>private_key_jwt</c>, codes, refresh token rotation and replay detection, token
/// exchange, ID tokens, discovery, JWKS, revocation, introspection); OpenNdi decides only who the subject is and
/// what they get (the passthrough endpoints below, <see cref="ScopeGrant"/>, <see cref="ClaimDestinations"/>).
/// <code>
/// GET  /.well-known/openid-configuration     OpenIddict        GET  /.well-known/smart-configuration   SMART App Launch 2.2
/// GET  /oauth/jwks                           OpenIddict        POST /oauth/revoke, /oauth/introspect   OpenIddict (RFC 7009, 7662)
/// GET|POST /oauth/authorize                  EHR launch, or the demo's login page    (AuthorizeEndpoint)
/// POST /oauth/token                          every grant, after OpenIddict validated it (TokenEndpoint)
/// GET|POST /oauth/userinfo                   the subject's claims, by scope     (UserinfoEndpoint)
/// POST /oauth/launch                         an EHR registers a launch context  (LaunchEndpoint)
/// GET  /demo                                 demo only: a one-page SMART app
/// </code>
/// </summary>
internal static class AuthorizationServerSetup
{
    public static IServiceCollection AddAuthorizationServer(this IServiceCollection services, AuthorizationServerOptions options)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(options);
        services.AddSingleton<IssuerKeys>();
        // Built-in apps and contributed backend services come from the modules that serve them, whenever those are added.
        services.AddSingleton(sp => new OAuthClients(options, sp.GetServices<BuiltInApp>(), sp.GetServices<OAuthClientOptions>()));
        services.TryAddSingleton(sp => new UsedAssertionStore(sp.GetRequiredService<NdiDatabase>()));
        services.TryAddSingleton(sp => new LaunchContextStore(sp.GetRequiredService<NdiDatabase>()));
        services.AddHostedService<ClientRegistrations>();
        services.AddDbContext<IdentityDbContext>((sp, db) => IdentityDbContext.Configure(db, sp.GetRequiredService<NdiDatabase>()));

        services.AddOpenIddict()
            .AddCore(core => core.UseEntityFrameworkCore().UseDbContext<IdentityDbContext>())
            .AddServer(server =>
            {
                server.SetIssuer(new Uri(options.Issuer));
                server.SetAuthorizationEndpointUris("oauth/authorize")
                    .SetTokenEndpointUris("oauth/token")
                    .SetUserInfoEndpointUris("oauth/userinfo")
                    .SetRevocationEndpointUris("oauth/revoke")
                    .SetIntrospectionEndpointUris("oauth/introspect")
                    .SetJsonWebKeySetEndpointUris("oauth/jwks")
                    .SetConfigurationEndpointUris(".well-known/openid-configuration");
                server.AllowAuthorizationCodeFlow().RequireProofKeyForCodeExchange()
                    .AllowClientCredentialsFlow()
                    .AllowRefreshTokenFlow()
                    .AllowTokenExchangeFlow();
                // Access tokens are plain signed JWTs (RFC 9068 at+jwt) that every resource server validates with the
                // JWKS; codes and refresh tokens stay encrypted, readable by this server only.
                server.DisableAccessTokenEncryption();
                // SMART scopes are patterns (user/Observation.rs, patient/*.cruds?category=…): no finite list to store.
                // ScopeGrant decides them against the client's registration and the actor, in the token handlers.
                server.DisableScopeValidation();
                server.IgnoreScopePermissions();
                server.RegisterScopes(SmartScopes.Advertised);
                server.RegisterClaims(ClaimDestinations.Advertised);
                server.SetAccessTokenLifetime(TimeSpan.FromMinutes(options.AccessTokenMinutes))
                    .SetIdentityTokenLifetime(TimeSpan.FromMinutes(options.AccessTokenMinutes))
                    .SetAuthorizationCodeLifetime(TimeSpan.FromMinutes(1))
                    .SetRefreshTokenLifetime(TimeSpan.FromHours(options.RefreshTokenHours))
                    .SetIssuedTokenLifetime(TimeSpan.FromMinutes(options.EmergencyTokenMinutes));
                // Refresh tokens rotate (OpenIddict's default) and a reused one revokes the whole chain: no leeway.
                server.SetRefreshTokenReuseLeeway(TimeSpan.Zero);
                server.AddEventHandler(ClientAssertionRules.Descriptor);
                server.AddEventHandler(SmartClientAssertionType.Descriptor);
                server.AddEventHandler(SmartClientAssertionType.AsAssertion.Descriptor);
                server.AddEventHandler(TokenErrorAudit.Descriptor);
                var aspNetCore = server.UseAspNetCore()
                    .EnableAuthorizationEndpointPassthrough()
                    .EnableTokenEndpointPassthrough()
                    .EnableUserInfoEndpointPassthrough();
                // Behind the platform's TLS-terminating proxy the issuer URL says https; an http issuer is the laptop demo and the tests.
                if (new Uri(options.Issuer).Scheme == Uri.UriSchemeHttp)
                    aspNetCore.DisableTransportSecurityRequirement();
            });
        // Keys come from the database, which is migrated at start: read when OpenIddict first needs its options.
        services.AddOptions<OpenIddictServerOptions>().Configure<IssuerKeys>((server, keys) =>
        {
            server.SigningCredentials.Add(keys.Signing.Credentials);
            server.EncryptionCredentials.Add(new Microsoft.IdentityModel.Tokens.EncryptingCredentials(keys.Encryption,
                Microsoft.IdentityModel.Tokens.SecurityAlgorithms.RsaOAEP, Microsoft.IdentityModel.Tokens.SecurityAlgorithms.Aes256CbcHmacSha512));
        });
        return services;
    }

    public static IEndpointRouteBuilder MapAuthorizationServer(this IEndpointRouteBuilder app)
    {
        if (app.ServiceProvider.GetService<AuthorizationServerOptions>() is null)
            return app; // disabled: tokens come from the national identity providers only
        var keys = app.ServiceProvider.GetRequiredService<IssuerKeys>();
        app.ServiceProvider.GetRequiredService<IHostApplicationLifetime>().ApplicationStarted.Register(() =>
            app.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger("OpenNdi.Server.Identity.AuthorizationServer")
                .LogInformation("Authorization server {Issuer} (OpenIddict): signing key {KeyId}, {Origin}", app.ServiceProvider.GetRequiredService<AuthorizationServerOptions>().Issuer,
                    keys.Signing.Key.KeyId, keys.Signing.Origin));
        var group = app.MapGroup("").WithTags("Authorization server").ExcludeFromDescription();
        group.MapGet("/.well-known/smart-configuration", DiscoveryEndpoints.SmartConfiguration).Public("discovery metadata, no personal data");
        group.MapGet("/fhir/.well-known/smart-configuration", DiscoveryEndpoints.SmartConfiguration).Public("discovery metadata, no personal data");
        group.MapPost("/oauth/token", TokenEndpoint.HandleAsync).DisableAntiforgery().AuditedPublic(AuditEventCodes.TokenIssue, AuditAction.Execute);
        group.MapMethods("/oauth/userinfo", ["GET", "POST"], (Delegate)UserinfoEndpoint.HandleAsync).DisableAntiforgery().Public("the caller's own claims, from their own valid token");
        group.MapGet("/oauth/authorize", AuthorizeEndpoint.ShowAsync).AuditedPublic(AuditEventCodes.Login, AuditAction.Execute);
        group.MapPost("/oauth/authorize", AuthorizeEndpoint.LoginAsync).DisableAntiforgery().AuditedPublic(AuditEventCodes.Login, AuditAction.Execute);
        group.MapPost("/oauth/launch", LaunchEndpoint.CreateAsync).DisableAntiforgery().RequireAuthorization().AuditedPublic(AuditEventCodes.Login, AuditAction.Create);
        return app;
    }

    /// <summary>The demo page (a one-page SMART app). Mapped only when module <c>DemoLogin</c> runs.</summary>
    public static IEndpointRouteBuilder MapPasswordlessLogin(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("").WithTags("Authorization server").ExcludeFromDescription();
        group.MapGet("/demo", DemoPortalPage.Show).Public("static demo page; calls the APIs from the browser");
        group.MapGet("/demo/callback", DemoPortalPage.Show).Public("static demo page; calls the APIs from the browser");
        return app;
    }
}

/// <summary>The scopes discovery advertises: OpenID Connect's, SMART's context scopes, and the SMART v2 patterns OpenNdi grants.</summary>
internal static class SmartScopes
{
    public static readonly string[] Advertised =
    [
        Scopes.OpenId, "fhirUser", Scopes.OfflineAccess, "online_access", "launch", "launch/patient",
        "patient/*.rs", "user/*.rs", "system/*.rs", "system/DocumentReference.c", DirectoryScopes.Administration, EhrLaunchScopes.CreateLaunch,
    ];
}
