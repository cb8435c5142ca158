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
/// Where care units are, as IHE mCSD Locations:
/// <code>
/// GET /fhir/Location?organization=Organization/{hsa-id}   locations a care unit manages
/// GET /fhir/Location/{id}                                 one location
/// GET /fhir/Location/{id}/_history                        every version
/// PUT /fhir/Location/{id}                                 register or change (scope Location.cu)
/// </code>
/// </summary>
internal static class LocationEndpoints
{
    public static FhirCapability Capability { get; } = new("Location", DirectoryCapabilities.Interactions, [("organization", SearchParamType.Reference)], []);

    public static IEndpointRouteBuilder MapLocations(this IEndpointRouteBuilder app)
    {
        var read = ScopePermissions.Read | ScopePermissions.Search;
        app.MapGet("/fhir/Location", SearchAsync).NationalApi(AuditEventCodes.DirectoryRead, AuditAction.Read, "Location", read, ScopeContext.User, ScopeContext.System).ExcludeFromDescription();
        app.MapGet("/fhir/Location/{id}", ReadAsync).NationalApi(AuditEventCodes.DirectoryRead, AuditAction.Read, "Location", ScopePermissions.Read, ScopeContext.User, ScopeContext.System).ExcludeFromDescription();
        app.MapGet("/fhir/Location/{id}/_history", HistoryAsync).NationalApi(AuditEventCodes.DirectoryRead, AuditAction.Read, "Location", ScopePermissions.Read, ScopeContext.User, ScopeContext.System).ExcludeFromDescription();
        app.MapPut("/fhir/Location/{id}", SaveAsync).NationalApi(AuditEventCodes.DirectoryChange, AuditAction.Update, "Location", ScopePermissions.Create | ScopePermissions.Update, ScopeContext.User, ScopeContext.System).ExcludeFromDescription();
        return app;
    }

    private static async Task<IResult> SearchAsync(HttpRequest request, ICareServicesStore store, CancellationToken cancellationToken)
    {
        Core.Identifiers.HsaId? organization = null;
        foreach (var (name, values) in request.Query)
        {
            if (name != "organization")
                return DirectoryFhir.UnknownSearch("Location", name);
            organization = DirectoryFhir.ParseOrganizationParameter(values.ToString());
            if (organization is null)
                return DirectoryFhir.BadSearch(name, "Organization/{hsa-id} or an HSA-id is expected");
        }
        var locations = await store.ListAsync<DirectoryLocation>(organization, cancellationToken);
        return DirectoryFhir.Searchset(request, locations.Select(l => LocationResources.ToFhir(l)));
    }

    private static async Task<IResult> ReadAsync(string id, ICareServicesStore store, CancellationToken cancellationToken) =>
        await store.GetAsync<DirectoryLocation>(id, cancellationToken) is { } location
            ? FhirResults.Resource(LocationResources.ToFhir(location))
            : DirectoryFhir.NotFound("Location", id);

    private static async Task<IResult> HistoryAsync(string id, HttpRequest request, ICareServicesStore store, CancellationToken cancellationToken) =>
        DirectoryFhir.History(request, "Location", id, await store.HistoryAsync<DirectoryLocation>(id, cancellationToken), (l, version) => LocationResources.ToFhir(l, version));

    private static async Task<IResult> SaveAsync(string id, HttpContext http, ICareServicesStore store, AuditScope audit, CancellationToken cancellationToken)
    {
        var (resource, bodyError) = await DirectoryFhir.ReadBodyAsync<Hl7.Fhir.Model.Location>(http.Request, cancellationToken);
        if (resource is null)
            return bodyError!;
        var (location, error, expression) = LocationResources.FromFhir(resource, id);
        if (location is null)
            return FhirResults.Error(400, "NDI-DIR-006", OperationOutcome.IssueType.Invalid, error!, expression);
        if (await store.GetAsync<DirectoryOrganization>(location.ManagingOrganization.Value, cancellationToken) is not { } managing)
            return DirectoryFhir.UnknownReference("Location.managingOrganization", $"Organization/{location.ManagingOrganization.Value}");
        var storedOwner = await store.GetAsync<DirectoryLocation>(id, cancellationToken) is { } stored
            ? (await store.GetAsync<DirectoryOrganization>(stored.ManagingOrganization.Value, cancellationToken))?.Provider ?? stored.ManagingOrganization
            : (HsaId?)null;
        if (DirectoryWriteAccess.Check(http, audit, "Location", id, storedOwner, managing.Provider) is { } refusal)
            return refusal;
        var version = await store.SaveAsync(location, DirectoryFhir.ChangedBy(http.User), cancellationToken);
        DirectoryWriteAccess.Saved(audit, version);
        http.Response.Headers.ETag = $"W/\"{version}\"";
        return FhirResults.Resource(LocationResources.ToFhir(location, version), version == 1 ? StatusCodes.Status201Created : StatusCodes.Status200OK);
    }
}
