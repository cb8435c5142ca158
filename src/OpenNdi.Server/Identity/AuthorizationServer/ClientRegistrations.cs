using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace OpenNdi.Server.Identity.AuthorizationServer;

/// <summary>
/// Writes the registered clients (<see cref="OAuthClients"/>) into OpenIddict's application store at start, so that
/// OpenIddict itself checks client ids, redirect URIs, PKCE, grant types and <c>private_key_jwt</c> assertions against
/// them. Every replica does it; a replica that loses the race to create a client updates it instead.
/// </summary>
internal sealed class ClientRegistrations(IServiceScopeFactory scopes, IServiceProvider services, ILogger<ClientRegistrations> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // Resolved here, after the migrations (an earlier hosted service): a contributed client's key may be kept in the database.
        var clients = services.GetRequiredService<OAuthClients>();
        foreach (var client in clients.All)
            await WriteAsync(scopes, client, logger, cancellationToken);
        logger.LogInformation("Authorization server: {Count} clients registered", clients.All.Count);
    }

    /// <summary>Creates or updates one client's application in OpenIddict's store.</summary>
    public static async Task WriteAsync(IServiceScopeFactory scopes, OAuthClient client, ILogger logger, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            // A fresh scope (and EF context) per attempt: a failed save leaves its context unusable.
            await using var scope = scopes.CreateAsyncScope();
            var applications = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
            try
            {
                var descriptor = Describe(client);
                if (await applications.FindByClientIdAsync(client.ClientId, cancellationToken) is { } existing)
                    await applications.UpdateAsync(existing, descriptor, cancellationToken);
                else
                    await applications.CreateAsync(descriptor, cancellationToken);
                return;
            }
            catch (Exception exception) when (attempt < 3 && exception is not OperationCanceledException)
            {
                // Another replica created or changed it meanwhile (unique client id, concurrency token): read again.
                logger.LogInformation("Client {ClientId} changed meanwhile by another node ({Error}); trying again", client.ClientId, exception.GetType().Name);
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// A backend service is a confidential client authenticating with its JWKS (SMART Backend Services); an app is a
    /// public client with PKCE, redirect URIs, refresh tokens and token exchange (break-glass, ADR 0008).
    /// </summary>
    internal static OpenIddictApplicationDescriptor Describe(OAuthClient client)
    {
        var descriptor = new OpenIddictApplicationDescriptor
        {
            ClientId = client.ClientId,
            DisplayName = client.Name,
            ClientType = client.IsBackendService ? ClientTypes.Confidential : ClientTypes.Public,
            ApplicationType = client.IsBackendService ? ApplicationTypes.Native : ApplicationTypes.Web,
            ConsentType = ConsentTypes.Implicit,
        };
        descriptor.Permissions.Add(Permissions.Endpoints.Token);
        descriptor.Permissions.Add(Permissions.Endpoints.Revocation);
        if (client.IsBackendService)
        {
            descriptor.JsonWebKeySet = new JsonWebKeySet(client.Jwks!);
            descriptor.Permissions.Add(Permissions.GrantTypes.ClientCredentials);
            if (client.Introspection)
                descriptor.Permissions.Add(Permissions.Endpoints.Introspection);
        }
        else
        {
            descriptor.Permissions.Add(Permissions.Endpoints.Authorization);
            descriptor.Permissions.Add(Permissions.GrantTypes.AuthorizationCode);
            descriptor.Permissions.Add(Permissions.GrantTypes.RefreshToken);
            descriptor.Permissions.Add(Permissions.GrantTypes.TokenExchange);
            descriptor.Permissions.Add(Permissions.ResponseTypes.Code);
            descriptor.Requirements.Add(Requirements.Features.ProofKeyForCodeExchange);
            foreach (var uri in client.RedirectUris)
                descriptor.RedirectUris.Add(new Uri(uri));
        }
        return descriptor;
    }
}
