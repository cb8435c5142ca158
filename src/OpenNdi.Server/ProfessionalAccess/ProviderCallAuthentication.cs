using System.Net.Http.Headers;
using OpenNdi.Server.Identity.AuthorizationServer;

namespace OpenNdi.Server.ProfessionalAccess;

/// <summary>Puts the access service's bearer token on every provider call (RFC 6750 §2.1).</summary>
internal sealed class ProviderTokenHandler(ProviderCallCredentials credentials) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await credentials.GetTokenAsync(cancellationToken));
        return await base.SendAsync(request, cancellationToken);
    }
}

/// <summary>
/// Wires the access service's authentication to provider systems (issue 14): its key, its registration as a backend
/// service of the embedded authorization server (an <see cref="OAuthClientOptions"/> contributed to DI, whose tokens
/// carry the providers' audience), the token on every call of <see cref="ProviderFetcher"/>'s HttpClient, and mutual
/// TLS when a client certificate is configured.
/// </summary>
internal static class ProviderCallAuthentication
{
    public static IServiceCollection AddProviderCallAuthentication(this IServiceCollection services, IConfiguration configuration, IHttpClientBuilder providerClient)
    {
        var options = configuration.GetSection("ProfessionalAccess:ProviderCalls").Get<ProviderCallOptions>() ?? new ProviderCallOptions();
        if (options.Validate() is { Count: > 0 } problems)
            throw new InvalidOperationException("Invalid provider call settings: " + string.Join("; ", problems));
        services.AddSingleton(options);
        providerClient.ConfigurePrimaryHttpMessageHandler(() => ProviderCallTls.CreateHandler(options));

        var embedded = configuration.GetValue("Identity:Server:Enabled", true);
        var issuer = configuration["Identity:Server:Issuer"] ?? "http://localhost:5080";
        var tokenEndpoint = options.TokenEndpoint.Length > 0 ? new Uri(options.TokenEndpoint) : embedded ? new Uri($"{issuer.TrimEnd('/')}/oauth/token") : null;
        if (tokenEndpoint is null)
            return services; // no authorization server to ask: provider calls go without a token (logged at start)

        // The key is read when first needed (after the migrations: the registration at start is the first use).
        var keptByIdentity = embedded && options.TokenEndpoint.Length == 0;
        services.AddSingleton(sp => new ProviderCallKey(options, keptByIdentity ? sp.GetRequiredService<IssuerKeys>() : null));
        if (keptByIdentity)
        {
            // The one hook into the authorization server: it registers every OAuthClientOptions found in DI.
            services.AddSingleton(sp => new OAuthClientOptions
            {
                ClientId = options.ClientId,
                Name = "National access service for professionals (provider calls)",
                Jwks = sp.GetRequiredService<ProviderCallKey>().Jwks,
                Scopes = options.Scope,
                Audience = options.Audience,
            });
        }
        services.AddHttpClient(ProviderCallCredentials.HttpClientName, client => client.Timeout = TimeSpan.FromSeconds(10));
        services.AddSingleton(sp => new ProviderCallCredentials(options, tokenEndpoint, sp.GetRequiredService<ProviderCallKey>(), sp.GetRequiredService<IHttpClientFactory>(), sp.GetRequiredService<TimeProvider>()));
        services.AddTransient<ProviderTokenHandler>();
        providerClient.AddHttpMessageHandler<ProviderTokenHandler>();
        return services;
    }

    /// <summary>Says at start how provider calls are authenticated, so an operator sees a missing token or certificate.</summary>
    public static void LogProviderCallAuthentication(this IEndpointRouteBuilder app)
    {
        var logger = app.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ProviderCallAuthentication));
        var options = app.ServiceProvider.GetRequiredService<ProviderCallOptions>();
        var tls = options.ClientCertificate.Length > 0 ? $"client certificate {options.ClientCertificate}" : "no client certificate";
        if (app.ServiceProvider.GetRequiredService<IServiceProviderIsService>().IsService(typeof(ProviderCallCredentials)))
        {
            // Once started: the key may be kept in the database, which the migrations make ready during start-up.
            app.ServiceProvider.GetRequiredService<IHostApplicationLifetime>().ApplicationStarted.Register(() =>
            {
                var key = app.ServiceProvider.GetRequiredService<ProviderCallKey>();
                var credentials = app.ServiceProvider.GetRequiredService<ProviderCallCredentials>();
                logger.LogInformation("Provider calls: client {ClientId} with key {KeyId} ({Origin}), tokens from {TokenEndpoint} for {Audience}, {Tls}",
                    options.ClientId, key.Key.KeyId, key.Origin, credentials.TokenEndpoint, options.Audience, tls);
                // The first token now, not inside the first summary's provider timeouts (a cold token endpoint takes a while).
                _ = Task.Run(async () =>
                {
                    try
                    {
                        await credentials.GetTokenAsync(CancellationToken.None);
                    }
                    catch (Exception exception) // whatever it was, the next provider call asks again and names the problem (NDI-PAS-019)
                    {
                        logger.LogWarning(exception, "Provider calls: no token at start ({Problem}); each provider call asks again", exception.Message);
                    }
                });
            });
        }
        else
        {
            logger.LogWarning("Provider calls go WITHOUT a token: the embedded authorization server is off and ProfessionalAccess:ProviderCalls:TokenEndpoint is not set; {Tls}", tls);
        }
    }
}
