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
/// Care providers and care units as IHE mCSD Organizations (Find Matching Care Services, ITI-90):
/// <code>
/// GET /fhir/Organization?identifier=…&amp;partof=…&amp;name=…   search (HSA-id or organisation number; provider; name prefix)
/// GET /fhir/Organization/{hsa-id}                        one organization
/// GET /fhir/Organization/{hsa-id}/_history               every version, who changed it and when
/// PUT /fhir/Organization/{hsa-id}                        register or change (scope Organization.cu)
/// </code>
/// </summary>
internal static class OrganizationEndpoints
{
    public static FhirCapability Capability { get; } = new("Organization", DirectoryCapabilities.Interactions,
        [("identifier", SearchParamType.Token), ("partof", SearchParamType.Reference), ("name", SearchParamType.String)], []);

    public static IEndpointRouteBuilder MapOrganizations(this IEndpointRouteBuilder app)
    {
        var read = ScopePermissions.Read | ScopePermissions.Search;
        app.MapGet("/fhir/Organization", SearchAsync).NationalApi(AuditEventCodes.DirectoryRead, AuditAction.Read, "Organization", read, ScopeContext.User, ScopeContext.System, ScopeContext.Patient).ExcludeFromDescription();
        app.MapGet("/fhir/Organization/{id}", ReadAsync).NationalApi(AuditEventCodes.DirectoryRead, AuditAction.Read, "Organization", ScopePermissions.Read, ScopeContext.User, ScopeContext.System, ScopeContext.Patient).ExcludeFromDescription();
        app.MapGet("/fhir/Organization/{id}/_history", HistoryAsync).NationalApi(AuditEventCodes.DirectoryRead, AuditAction.Read, "Organization", ScopePermissions.Read, ScopeContext.User, ScopeContext.System).ExcludeFromDescription();
        app.MapPut("/fhir/Organization/{id}", SaveAsync).NationalApi(AuditEventCodes.DirectoryChange, AuditAction.Update, "Organization", ScopePermissions.Create | ScopePermissions.Update, ScopeContext.User, ScopeContext.System).ExcludeFromDescription();
        return app;
    }

    private static async Task<IResult> SearchAsync(HttpRequest request, ICareServicesStore store, IDirectoryStore endpoints, CancellationToken cancellationToken)
    {
        var query = new OrganizationQuery();
        foreach (var (name, values) in request.Query)
        {
            var value = values.ToString();
            switch (name)
            {
                case "identifier":
                    var bar = value.IndexOf('|');
                    var system = bar >= 0 ? value[..bar] : null;
                    var code = bar >= 0 ? value[(bar + 1)..] : value;
                    if (system is null or HsaId.System && HsaId.TryParse(code, out var hsa, out _))
                        query = query with { HsaId = hsa };
                    else if (system is null or OrganizationResources.OrganizationNumberSystem && OrganizationNumber.TryParse(code, out var number, out _))
                        query = query with { OrganizationNumber = number };
                    else
                        return DirectoryFhir.BadSearch(name, $"an HSA-id ({HsaId.System}) or organisation number ({OrganizationResources.OrganizationNumberSystem}) is expected");
                    break;
                case "partof":
                    if (DirectoryFhir.ParseOrganizationParameter(value) is not { } partOf)
                        return DirectoryFhir.BadSearch(name, "Organization/{hsa-id} or an HSA-id is expected");
                    query = query with { PartOf = partOf };
                    break;
                case "name":
                    if (string.IsNullOrWhiteSpace(value))
                        return DirectoryFhir.BadSearch(name, "a name (prefix) is expected");
                    query = query with { Name = value };
                    break;
                default:
                    return DirectoryFhir.UnknownSearch("Organization", name);
            }
        }
        var links = new EndpointLinks(endpoints, store);
        var resources = new List<Resource>();
        foreach (var organization in await store.FindOrganizationsAsync(query, cancellationToken))
            resources.Add(OrganizationResources.ToFhir(organization, await links.OfAsync(organization, cancellationToken)));
        return DirectoryFhir.Searchset(request, resources);
    }

    private static async Task<IResult> ReadAsync(string id, ICareServicesStore store, IDirectoryStore endpoints, CancellationToken cancellationToken) =>
        await store.GetAsync<DirectoryOrganization>(id, cancellationToken) is { } organization
            ? FhirResults.Resource(OrganizationResources.ToFhir(organization, await new EndpointLinks(endpoints, store).OfAsync(organization, cancellationToken)))
            : DirectoryFhir.NotFound("Organization", id);

    private static async Task<IResult> HistoryAsync(string id, HttpRequest request, ICareServicesStore store, CancellationToken cancellationToken) =>
        DirectoryFhir.History(request, "Organization", id, await store.HistoryAsync<DirectoryOrganization>(id, cancellationToken),
            (organization, version) => OrganizationResources.ToFhir(organization, [], version));

    private static async Task<IResult> SaveAsync(string id, HttpContext http, ICareServicesStore store, IDirectoryStore endpoints, AuditScope audit, CancellationToken cancellationToken)
    {
        var (resource, bodyError) = await DirectoryFhir.ReadBodyAsync<Organization>(http.Request, cancellationToken);
        if (resource is null)
            return bodyError!;
        var (organization, error, expression) = OrganizationResources.FromFhir(resource, id);
        if (organization is null)
            return FhirResults.Error(400, "NDI-DIR-005", OperationOutcome.IssueType.Invalid, error!, expression);
        if (organization.PartOf is { } partOf && await store.GetAsync<DirectoryOrganization>(partOf.Value, cancellationToken) is not { Role: OrganizationRole.Provider })
            return DirectoryFhir.UnknownReference("Organization.partOf", $"the care provider Organization/{partOf.Value}");
        var stored = await store.GetAsync<DirectoryOrganization>(id, cancellationToken);
        if (DirectoryWriteAccess.Check(http, audit, "Organization", id, stored?.Provider, organization.Provider) is { } refusal)
            return refusal;
        var version = await store.SaveAsync(organization, DirectoryFhir.ChangedBy(http.User), cancellationToken);
        DirectoryWriteAccess.Saved(audit, version);
        http.Response.Headers.ETag = $"W/\"{version}\"";
        var links = await new EndpointLinks(endpoints, store).OfAsync(organization, cancellationToken);
        return FhirResults.Resource(OrganizationResources.ToFhir(organization, links, version), version == 1 ? StatusCodes.Status201Created : StatusCodes.Status200OK);
    }
}
