using Hl7.Fhir.Model;
using OpenNdi.Core.Identifiers;
using OpenNdi.Core.Identity;
using OpenNdi.Data.ServiceDirectory;
using OpenNdi.Fhir;
using OpenNdi.Server.FhirApi;
using OpenNdi.Server.Identity;
using FhirEndpoint = Hl7.Fhir.Model.Endpoint;
using Task = System.Threading.Tasks.Task;

namespace OpenNdi.Server.ServiceDirectory;

/// <summary>
/// The national service addressing directory's FHIR API (IHE mCSD Endpoint), with an administration write that
/// keeps every version:
/// <code>
/// GET /fhir/Endpoint?organization.identifier=HSA-id     endpoints of a provider
/// GET /fhir/Endpoint/{id}                               one endpoint
/// GET /fhir/Endpoint/{id}/_history                      every version, who changed it and when
/// PUT /fhir/Endpoint/{id}                               register or change (scope Endpoint.cu)
/// </code>
/// </summary>
internal static class DirectoryEndpoints
{
    public static IServiceCollection AddServiceDirectory(this IServiceCollection services)
    {
        services.AddSingleton(new FhirCapability("Endpoint",
            [CapabilityStatement.TypeRestfulInteraction.Read, CapabilityStatement.TypeRestfulInteraction.SearchType, CapabilityStatement.TypeRestfulInteraction.Update, CapabilityStatement.TypeRestfulInteraction.HistoryInstance],
            [("organization.identifier", SearchParamType.Token)], []));
        return services;
    }

    public static IEndpointRouteBuilder MapServiceDirectory(this IEndpointRouteBuilder app)
    {
        var read = ScopePermissions.Read | ScopePermissions.Search;
        app.MapGet("/fhir/Endpoint", SearchAsync).RequireScope("Endpoint", read, ScopeContext.User, ScopeContext.System).ExcludeFromDescription();
        app.MapGet("/fhir/Endpoint/{id}", ReadAsync).RequireScope("Endpoint", ScopePermissions.Read, ScopeContext.User, ScopeContext.System).ExcludeFromDescription();
        app.MapGet("/fhir/Endpoint/{id}/_history", HistoryAsync).RequireScope("Endpoint", ScopePermissions.Read, ScopeContext.User, ScopeContext.System).ExcludeFromDescription();
        app.MapPut("/fhir/Endpoint/{id}", SaveAsync).RequireScope("Endpoint", ScopePermissions.Create | ScopePermissions.Update, ScopeContext.User, ScopeContext.System).ExcludeFromDescription();
        return app;
    }

    private static async Task<IResult> SearchAsync(HttpRequest request, IDirectoryStore directory, CancellationToken cancellationToken)
    {
        HsaId? provider = null;
        foreach (var (name, values) in request.Query)
        {
            if (name != "organization.identifier")
                return FhirResults.Error(400, "NDI-DIR-001", OperationOutcome.IssueType.Invalid, $"search parameter '{name}' is not supported for Endpoint", name);
            var value = values.ToString();
            var bar = value.IndexOf('|');
            if (!HsaId.TryParse(bar >= 0 ? value[(bar + 1)..] : value, out var id, out var error))
                return FhirResults.Error(400, "NDI-DIR-001", OperationOutcome.IssueType.Invalid, $"organization.identifier: {error}", name);
            provider = id;
        }
        var bundle = new Bundle { Type = Bundle.BundleType.Searchset };
        foreach (var endpoint in await directory.ListAsync(provider, cancellationToken))
            bundle.Entry.Add(new Bundle.EntryComponent { FullUrl = $"{BaseUrl(request)}/Endpoint/{endpoint.Id}", Resource = EndpointResources.ToFhir(endpoint), Search = new Bundle.SearchComponent { Mode = Bundle.SearchEntryMode.Match } });
        bundle.Total = bundle.Entry.Count;
        return FhirResults.Resource(bundle);
    }

    private static async Task<IResult> ReadAsync(string id, IDirectoryStore directory, CancellationToken cancellationToken) =>
        await directory.GetAsync(id, cancellationToken) is { } endpoint
            ? FhirResults.Resource(EndpointResources.ToFhir(endpoint))
            : FhirResults.Error(404, "NDI-DIR-002", OperationOutcome.IssueType.NotFound, $"Endpoint/{id} is not in the directory.");

    private static async Task<IResult> HistoryAsync(string id, HttpRequest request, IDirectoryStore directory, CancellationToken cancellationToken)
    {
        var changes = await directory.HistoryAsync(id, cancellationToken);
        if (changes.Count == 0)
            return FhirResults.Error(404, "NDI-DIR-002", OperationOutcome.IssueType.NotFound, $"Endpoint/{id} is not in the directory.");
        var bundle = new Bundle { Type = Bundle.BundleType.History, Total = changes.Count };
        foreach (var change in changes.Reverse())
        {
            bundle.Entry.Add(new Bundle.EntryComponent
            {
                FullUrl = $"{BaseUrl(request)}/Endpoint/{id}",
                Resource = change.Entry is null ? null : EndpointResources.ToFhir(change.Entry, change.Version),
                Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.PUT, Url = $"Endpoint/{id}" },
                Response = new Bundle.ResponseComponent { Status = change.Version == 1 ? "201" : "200", LastModified = change.ChangedAt, Etag = $"W/\"{change.Version}\"", Outcome = Outcomes.Issue(OperationOutcome.IssueSeverity.Information, "NDI-DIR-010", OperationOutcome.IssueType.Informational, $"changed by {change.ChangedBy}") },
            });
        }
        return FhirResults.Resource(bundle);
    }

    private static async Task<IResult> SaveAsync(string id, HttpContext http, IDirectoryStore directory, CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(http.Request.Body);
        var body = await reader.ReadToEndAsync(cancellationToken);
        var resource = FhirJson.TryParse(body, out var parseError);
        if (resource is not FhirEndpoint fhirEndpoint)
            return FhirResults.Error(400, "NDI-DIR-003", OperationOutcome.IssueType.Invalid, resource is null ? $"not valid FHIR JSON: {parseError}" : $"expected an Endpoint, got a {resource.TypeName}");
        var (endpoint, error, expression) = EndpointResources.FromFhir(fhirEndpoint, id);
        if (endpoint is null)
            return FhirResults.Error(400, "NDI-DIR-004", OperationOutcome.IssueType.Invalid, error!, expression);
        var changedBy = http.User.FindFirst("sub")?.Value ?? "unknown";
        var version = await directory.SaveAsync(endpoint, $"{http.User.FindFirst("iss")?.Value}#{changedBy}", cancellationToken);
        http.Response.Headers.ETag = $"W/\"{version}\"";
        return FhirResults.Resource(EndpointResources.ToFhir(endpoint, version), version == 1 ? StatusCodes.Status201Created : StatusCodes.Status200OK);
    }

    private static string BaseUrl(HttpRequest request) => $"{request.Scheme}://{request.Host}{request.PathBase}/fhir";
}
