using Hl7.Fhir.Model;
using OpenNdi.Core.Identity;
using OpenNdi.Core.ServiceDirectory;
using OpenNdi.Data.ServiceDirectory;
using OpenNdi.Server.Identity;
using Task = System.Threading.Tasks.Task;

using OpenNdi.Core.Audit;
using OpenNdi.Server.Audit;

namespace OpenNdi.Server.ServiceDirectory;

/// <summary>
/// The operators' view of endpoint health, as a FHIR operation any FHIR client can call and read:
/// <code>
/// GET /fhir/Endpoint/$health     every endpoint, each with its last probe as an extension (scope user/ or system/Endpoint.r: operators log in as users, monitoring systems use system scopes)
/// </code>
/// The answer is a searchset Bundle of Endpoint resources. A probed endpoint carries the complex extension
/// <c>urn:openndi:directory:endpoint-health</c> with <c>checked</c> (instant), <c>outcome</c> (code up | degraded |
/// down), <c>httpStatus</c> (integer, when it answered), <c>latencyMs</c> (integer) and <c>reason</c> (string, when
/// not up); an endpoint without it has not been probed (it is not active, or no round has run since it was added).
/// Only the system context is accepted: this is for monitoring and operations consoles, not for clinicians' apps.
/// </summary>
internal static class EndpointHealthEndpoints
{
    public const string HealthExtension = "urn:openndi:directory:endpoint-health";
    public const string OperationDefinition = "urn:openndi:directory:OperationDefinition/endpoint-health";

    public static IEndpointRouteBuilder MapEndpointHealth(this IEndpointRouteBuilder app)
    {
        app.MapGet("/fhir/Endpoint/$health", ListAsync).NationalApi(AuditEventCodes.DirectoryRead, AuditAction.Read, "Endpoint", ScopePermissions.Read, ScopeContext.User, ScopeContext.System).ExcludeFromDescription();
        return app;
    }

    private static async Task<IResult> ListAsync(HttpRequest request, IDirectoryStore directory, IEndpointHealthStore health, CancellationToken cancellationToken)
    {
        if (request.Query.Count > 0)
            return DirectoryFhir.UnknownSearch("Endpoint/$health", request.Query.Keys.First());
        var probes = (await health.ListAsync(cancellationToken)).ToDictionary(h => h.EndpointId, StringComparer.Ordinal);
        var resources = new List<Resource>();
        foreach (var endpoint in await directory.ListAsync(null, cancellationToken))
        {
            var resource = EndpointResources.ToFhir(endpoint);
            if (probes.TryGetValue(endpoint.Id, out var probe))
                resource.Extension.Add(ToExtension(probe));
            resources.Add(resource);
        }
        return DirectoryFhir.Searchset(request, resources);
    }

    public static Extension ToExtension(EndpointHealth probe)
    {
        var extension = new Extension { Url = HealthExtension };
        extension.Extension.Add(new Extension("checked", new Instant(probe.CheckedAt)));
        extension.Extension.Add(new Extension("outcome", new Code(probe.Outcome.ToString().ToLowerInvariant())));
        if (probe.HttpStatus is { } status)
            extension.Extension.Add(new Extension("httpStatus", new Integer(status)));
        extension.Extension.Add(new Extension("latencyMs", new Integer(probe.LatencyMs)));
        if (probe.Reason is { } reason)
            extension.Extension.Add(new Extension("reason", new FhirString(reason)));
        return extension;
    }
}
