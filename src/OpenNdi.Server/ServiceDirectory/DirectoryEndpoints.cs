using Hl7.Fhir.Model;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OpenNdi.Core.Identifiers;
using OpenNdi.Core.Identity;
using OpenNdi.Data;
using OpenNdi.Data.ServiceDirectory;
using OpenNdi.Fhir;
using OpenNdi.Core.Audit;
using OpenNdi.Server.Audit;
using OpenNdi.Server.FhirApi;
using OpenNdi.Server.Identity;
using FhirEndpoint = Hl7.Fhir.Model.Endpoint;
using Task = System.Threading.Tasks.Task;

namespace OpenNdi.Server.ServiceDirectory;

/// <summary>
/// The national service addressing directory (IHE mCSD): Endpoint here, with an administration write that keeps
/// every version; Organization, Location and HealthcareService in their own files; endpoint health probing.
/// <code>
/// GET /fhir/Endpoint?organization.identifier=HSA-id     endpoints of a provider
/// GET /fhir/Endpoint/{id}                               one endpoint
/// GET /fhir/Endpoint/{id}/_history                      every version, who changed it and when
/// PUT /fhir/Endpoint/{id}                               register or change (scope Endpoint.cu; own provider's, or ndi/directory.admin)
/// GET /fhir/Endpoint/$health                            last probe of every endpoint (EndpointHealthEndpoints)
/// </code>
/// </summary>
internal static class DirectoryEndpoints
{
    /// <summary>
    /// How long a resolved directory route is reused when no change notification arrives (SQLite, or the listener
    /// disconnected); changes made through this server apply at once, and on PostgreSQL those of other replicas too.
    /// </summary>
    public static readonly TimeSpan DirectoryRouteLifetime = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The endpoint store, with routes cached briefly: an index lookup resolves several, the directory changes a few
    /// times a day. Registered by whichever module comes first (the index runs without the directory API too).
    /// </summary>
    public static IServiceCollection TryAddDirectoryStore(this IServiceCollection services)
    {
        services.TryAddSingleton<IDirectoryStore>(sp => new CachedDirectoryStore(new DirectoryStore(sp.GetRequiredService<NdiDatabase>()), DirectoryRouteLifetime, sp.GetRequiredService<TimeProvider>(), sp.GetService<OpenNdi.Data.Changes.DataChanges>()));
        services.TryAddSingleton<ICareServicesStore>(sp => new CareServicesStore(sp.GetRequiredService<NdiDatabase>()));
        return services;
    }

    public static IServiceCollection AddServiceDirectory(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddDirectoryStore();
        services.AddSingleton<IEndpointHealthStore>(sp => new EndpointHealthStore(sp.GetRequiredService<NdiDatabase>()));
        services.AddSingleton<SimulatedProviderDirectory>();
        services.AddSingleton(new EndpointAddressRule(configuration.GetSection("Directory:Addresses").Get<EndpointAddressOptions>() ?? new EndpointAddressOptions()));

        var health = configuration.GetSection("Directory:HealthCheck").Get<EndpointHealthOptions>() ?? new EndpointHealthOptions();
        if (health.Validate() is { Count: > 0 } problems)
            throw new InvalidOperationException("Invalid directory health check settings: " + string.Join("; ", problems));
        services.AddSingleton(health);
        services.TryAddSingleton(TimeProvider.System);
        // Probes resolve names off the thread pool: a registered name that does not resolve must not hold request threads.
        services.AddHttpClient(EndpointHealthChecker.HttpClientName, client => client.MaxResponseContentBufferSize = 4 * 1024 * 1024)
            .ConfigurePrimaryHttpMessageHandler(Platform.OffPoolNameResolution.Handler);
        services.AddSingleton<EndpointHealthChecker>();
        services.AddHostedService<EndpointHealthService>();

        services.AddSingleton(new FhirCapability("Endpoint", DirectoryCapabilities.Interactions,
            [("organization.identifier", SearchParamType.Token)], [("health", EndpointHealthEndpoints.OperationDefinition)]));
        services.AddSingleton(OrganizationEndpoints.Capability);
        services.AddSingleton(LocationEndpoints.Capability);
        services.AddSingleton(HealthcareServiceEndpoints.Capability);
        return services;
    }

    public static IEndpointRouteBuilder MapServiceDirectory(this IEndpointRouteBuilder app)
    {
        var read = ScopePermissions.Read | ScopePermissions.Search;
        app.MapGet("/fhir/Endpoint", SearchAsync).NationalApi(AuditEventCodes.DirectoryRead, AuditAction.Read, "Endpoint", read, ScopeContext.User, ScopeContext.System).ExcludeFromDescription();
        app.MapGet("/fhir/Endpoint/{id}", ReadAsync).NationalApi(AuditEventCodes.DirectoryRead, AuditAction.Read, "Endpoint", ScopePermissions.Read, ScopeContext.User, ScopeContext.System).ExcludeFromDescription();
        app.MapGet("/fhir/Endpoint/{id}/_history", HistoryAsync).NationalApi(AuditEventCodes.DirectoryRead, AuditAction.Read, "Endpoint", ScopePermissions.Read, ScopeContext.User, ScopeContext.System).ExcludeFromDescription();
        app.MapPut("/fhir/Endpoint/{id}", SaveAsync).NationalApi(AuditEventCodes.DirectoryChange, AuditAction.Update, "Endpoint", ScopePermissions.Create | ScopePermissions.Update, ScopeContext.User, ScopeContext.System).ExcludeFromDescription();
        app.MapEndpointHealth();
        app.MapOrganizations();
        app.MapLocations();
        app.MapHealthcareServices();
        return app;
    }

    private static async Task<IResult> SearchAsync(HttpRequest request, IDirectoryStore directory, CancellationToken cancellationToken)
    {
        HsaId? provider = null;
        foreach (var (name, values) in request.Query)
        {
            if (name != "organization.identifier")
                return DirectoryFhir.UnknownSearch("Endpoint", name);
            var value = values.ToString();
            var bar = value.IndexOf('|');
            if (!HsaId.TryParse(bar >= 0 ? value[(bar + 1)..] : value, out var id, out var error))
                return DirectoryFhir.BadSearch(name, error);
            provider = id;
        }
        return DirectoryFhir.Searchset(request, (await directory.ListAsync(provider, cancellationToken)).Select(e => EndpointResources.ToFhir(e)));
    }

    private static async Task<IResult> ReadAsync(string id, IDirectoryStore directory, CancellationToken cancellationToken) =>
        await directory.GetAsync(id, cancellationToken) is { } endpoint
            ? FhirResults.Resource(EndpointResources.ToFhir(endpoint))
            : DirectoryFhir.NotFound("Endpoint", id);

    private static async Task<IResult> HistoryAsync(string id, HttpRequest request, IDirectoryStore directory, CancellationToken cancellationToken) =>
        DirectoryFhir.History(request, "Endpoint", id, await directory.HistoryAsync(id, cancellationToken), (endpoint, version) => EndpointResources.ToFhir(endpoint, version));

    private static async Task<IResult> SaveAsync(string id, HttpContext http, IDirectoryStore directory, EndpointAddressRule addresses, AuditScope audit, CancellationToken cancellationToken)
    {
        var (resource, bodyError) = await DirectoryFhir.ReadBodyAsync<FhirEndpoint>(http.Request, cancellationToken);
        if (resource is null)
            return bodyError!;
        var (endpoint, error, expression) = EndpointResources.FromFhir(resource, id);
        if (endpoint is null)
            return FhirResults.Error(400, "NDI-DIR-004", OperationOutcome.IssueType.Invalid, error!, expression);
        if (addresses.Check(endpoint.Address) is { } addressProblem)
            return DirectoryWriteAccess.BadAddress(addressProblem);
        var stored = await directory.GetAsync(id, cancellationToken);
        if (DirectoryWriteAccess.Check(http, audit, "Endpoint", id, stored?.Provider, endpoint.Provider) is { } refusal)
            return refusal;
        var version = await directory.SaveAsync(endpoint, DirectoryFhir.ChangedBy(http.User), cancellationToken);
        DirectoryWriteAccess.Saved(audit, version);
        http.Response.Headers.ETag = $"W/\"{version}\"";
        return FhirResults.Resource(EndpointResources.ToFhir(endpoint, version), version == 1 ? StatusCodes.Status201Created : StatusCodes.Status200OK);
    }
}

/// <summary>What every directory resource type supports: read, search, versioned update and instance history.</summary>
internal static class DirectoryCapabilities
{
    public static IReadOnlyList<CapabilityStatement.TypeRestfulInteraction> Interactions { get; } =
    [
        CapabilityStatement.TypeRestfulInteraction.Read,
        CapabilityStatement.TypeRestfulInteraction.SearchType,
        CapabilityStatement.TypeRestfulInteraction.Update,
        CapabilityStatement.TypeRestfulInteraction.HistoryInstance,
    ];
}
