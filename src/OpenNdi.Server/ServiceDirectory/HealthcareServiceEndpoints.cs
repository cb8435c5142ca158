using Hl7.Fhir.Model;
using OpenNdi.Core.Identifiers;
using OpenNdi.Core.Identity;
using OpenNdi.Core.ServiceDirectory;
using OpenNdi.Data.ServiceDirectory;
using OpenNdi.Fhir;
using OpenNdi.Core.Audit;
using OpenNdi.Server.Audit;
using OpenNdi.Server.FhirApi;
using OpenNdi.Server.Identity;
using Task = System.Threading.Tasks.Task;

namespace OpenNdi.Server.ServiceDirectory;

/// <summary>
/// What care units offer, as IHE mCSD HealthcareServices:
/// <code>
/// GET /fhir/HealthcareService?organization=Organization/{hsa-id}   services a care unit provides
/// GET /fhir/HealthcareService/{id}                                 one service
/// GET /fhir/HealthcareService/{id}/_history                        every version
/// PUT /fhir/HealthcareService/{id}                                 register or change (scope HealthcareService.cu)
/// </code>
/// </summary>
internal static class HealthcareServiceEndpoints
{
    public static FhirCapability Capability { get; } = new("HealthcareService", DirectoryCapabilities.Interactions, [("organization", SearchParamType.Reference)], []);

    public static IEndpointRouteBuilder MapHealthcareServices(this IEndpointRouteBuilder app)
    {
        var read = ScopePermissions.Read | ScopePermissions.Search;
        app.MapGet("/fhir/HealthcareService", SearchAsync).NationalApi(AuditEventCodes.DirectoryRead, AuditAction.Read, "HealthcareService", read, ScopeContext.User, ScopeContext.System).ExcludeFromDescription();
        app.MapGet("/fhir/HealthcareService/{id}", ReadAsync).NationalApi(AuditEventCodes.DirectoryRead, AuditAction.Read, "HealthcareService", ScopePermissions.Read, ScopeContext.User, ScopeContext.System).ExcludeFromDescription();
        app.MapGet("/fhir/HealthcareService/{id}/_history", HistoryAsync).NationalApi(AuditEventCodes.DirectoryRead, AuditAction.Read, "HealthcareService", ScopePermissions.Read, ScopeContext.User, ScopeContext.System).ExcludeFromDescription();
        app.MapPut("/fhir/HealthcareService/{id}", SaveAsync).NationalApi(AuditEventCodes.DirectoryChange, AuditAction.Update, "HealthcareService", ScopePermissions.Create | ScopePermissions.Update, ScopeContext.User, ScopeContext.System).ExcludeFromDescription();
        return app;
    }

    private static async Task<IResult> SearchAsync(HttpRequest request, ICareServicesStore store, IDirectoryStore endpoints, CancellationToken cancellationToken)
    {
        HsaId? organization = null;
        foreach (var (name, values) in request.Query)
        {
            if (name != "organization")
                return DirectoryFhir.UnknownSearch("HealthcareService", name);
            organization = DirectoryFhir.ParseOrganizationParameter(values.ToString());
            if (organization is null)
                return DirectoryFhir.BadSearch(name, "Organization/{hsa-id} or an HSA-id is expected");
        }
        var links = new EndpointLinks(endpoints, store);
        var resources = new List<Resource>();
        foreach (var service in await store.ListAsync<DirectoryHealthcareService>(organization, cancellationToken))
            resources.Add(HealthcareServiceResources.ToFhir(service, await links.OfAsync(service.ProvidedBy, cancellationToken)));
        return DirectoryFhir.Searchset(request, resources);
    }

    private static async Task<IResult> ReadAsync(string id, ICareServicesStore store, IDirectoryStore endpoints, CancellationToken cancellationToken) =>
        await store.GetAsync<DirectoryHealthcareService>(id, cancellationToken) is { } service
            ? FhirResults.Resource(HealthcareServiceResources.ToFhir(service, await new EndpointLinks(endpoints, store).OfAsync(service.ProvidedBy, cancellationToken)))
            : DirectoryFhir.NotFound("HealthcareService", id);

    private static async Task<IResult> HistoryAsync(string id, HttpRequest request, ICareServicesStore store, CancellationToken cancellationToken) =>
        DirectoryFhir.History(request, "HealthcareService", id, await store.HistoryAsync<DirectoryHealthcareService>(id, cancellationToken),
            (service, version) => HealthcareServiceResources.ToFhir(service, [], version));

    private static async Task<IResult> SaveAsync(string id, HttpContext http, ICareServicesStore store, IDirectoryStore endpoints, AuditScope audit, CancellationToken cancellationToken)
    {
        var (resource, bodyError) = await DirectoryFhir.ReadBodyAsync<HealthcareService>(http.Request, cancellationToken);
        if (resource is null)
            return bodyError!;
        var (service, error, expression) = HealthcareServiceResources.FromFhir(resource, id);
        if (service is null)
            return FhirResults.Error(400, "NDI-DIR-007", OperationOutcome.IssueType.Invalid, error!, expression);
        if (await store.GetAsync<DirectoryOrganization>(service.ProvidedBy.Value, cancellationToken) is not { } providedBy)
            return DirectoryFhir.UnknownReference("HealthcareService.providedBy", $"Organization/{service.ProvidedBy.Value}");
        if (service.LocationId is { } location && await store.GetAsync<DirectoryLocation>(location, cancellationToken) is null)
            return DirectoryFhir.UnknownReference("HealthcareService.location", $"Location/{location}");
        var storedOwner = await store.GetAsync<DirectoryHealthcareService>(id, cancellationToken) is { } stored
            ? (await store.GetAsync<DirectoryOrganization>(stored.ProvidedBy.Value, cancellationToken))?.Provider ?? stored.ProvidedBy
            : (HsaId?)null;
        if (DirectoryWriteAccess.Check(http, audit, "HealthcareService", id, storedOwner, providedBy.Provider) is { } refusal)
            return refusal;
        var version = await store.SaveAsync(service, DirectoryFhir.ChangedBy(http.User), cancellationToken);
        DirectoryWriteAccess.Saved(audit, version);
        http.Response.Headers.ETag = $"W/\"{version}\"";
        var links = await new EndpointLinks(endpoints, store).OfAsync(service.ProvidedBy, cancellationToken);
        return FhirResults.Resource(HealthcareServiceResources.ToFhir(service, links, version), version == 1 ? StatusCodes.Status201Created : StatusCodes.Status200OK);
    }
}
