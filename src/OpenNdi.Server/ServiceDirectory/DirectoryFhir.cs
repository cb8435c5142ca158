using System.Security.Claims;
using Hl7.Fhir.Model;
using OpenNdi.Core.Identifiers;
using OpenNdi.Core.ServiceDirectory;
using OpenNdi.Fhir;

namespace OpenNdi.Server.ServiceDirectory;

/// <summary>
/// What every directory resource API shares, so the four of them read alike: base URL, searchset and history
/// bundles, the request body, who made a change, and references to organizations by HSA-id.
/// </summary>
internal static class DirectoryFhir
{
    public static string BaseUrl(HttpRequest request) => $"{request.Scheme}://{request.Host}{request.PathBase}/fhir";

    public static Meta? Version(int? version) =>
        version is null ? null : new Meta { VersionId = version.Value.ToString(System.Globalization.CultureInfo.InvariantCulture) };

    public static IResult Searchset(HttpRequest request, IEnumerable<Resource> resources)
    {
        var bundle = new Bundle { Type = Bundle.BundleType.Searchset };
        foreach (var resource in resources)
            bundle.Entry.Add(new Bundle.EntryComponent { FullUrl = $"{BaseUrl(request)}/{resource.TypeName}/{resource.Id}", Resource = resource, Search = new Bundle.SearchComponent { Mode = Bundle.SearchEntryMode.Match } });
        bundle.Total = bundle.Entry.Count;
        return FhirResults.Resource(bundle);
    }

    /// <summary>A history bundle, newest first, each version saying in its outcome who changed it (NDI-DIR-010).</summary>
    public static IResult History<T>(HttpRequest request, string type, string id, IReadOnlyList<DirectoryChange<T>> changes, Func<T, int, Resource> toFhir)
        where T : class
    {
        if (changes.Count == 0)
            return NotFound(type, id);
        var bundle = new Bundle { Type = Bundle.BundleType.History, Total = changes.Count };
        foreach (var change in changes.Reverse())
        {
            bundle.Entry.Add(new Bundle.EntryComponent
            {
                FullUrl = $"{BaseUrl(request)}/{type}/{id}",
                Resource = change.Entry is null ? null : toFhir(change.Entry, change.Version),
                Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.PUT, Url = $"{type}/{id}" },
                Response = new Bundle.ResponseComponent { Status = change.Version == 1 ? "201" : "200", LastModified = change.ChangedAt, Etag = $"W/\"{change.Version}\"", Outcome = Outcomes.Issue(OperationOutcome.IssueSeverity.Information, "NDI-DIR-010", OperationOutcome.IssueType.Informational, $"changed by {change.ChangedBy}") },
            });
        }
        return FhirResults.Resource(bundle);
    }

    public static IResult NotFound(string type, string id) =>
        FhirResults.Error(404, "NDI-DIR-002", OperationOutcome.IssueType.NotFound, $"{type}/{id} is not in the directory.");

    public static IResult BadSearch(string parameter, string problem) =>
        FhirResults.Error(400, "NDI-DIR-001", OperationOutcome.IssueType.Invalid, $"{parameter}: {problem}", parameter);

    public static IResult UnknownSearch(string type, string parameter) =>
        FhirResults.Error(400, "NDI-DIR-001", OperationOutcome.IssueType.Invalid, $"search parameter '{parameter}' is not supported for {type}", parameter);

    /// <summary>A reference to an entry the directory does not hold (NDI-DIR-008): nothing is saved.</summary>
    public static IResult UnknownReference(string expression, string reference) =>
        FhirResults.Error(400, "NDI-DIR-008", OperationOutcome.IssueType.NotFound, $"{expression} references {reference}, which is not in the directory; register it first", expression);

    /// <summary>A directory entry is a small resource: a body larger than this is refused unread (NDI-DIR-009).</summary>
    public const int MaxBodyBytes = 1 << 20;

    /// <summary>
    /// The body as a resource of type <typeparamref name="T"/>, or the 400 (NDI-DIR-003) that says why not; a body over
    /// <see cref="MaxBodyBytes"/> is a 413 (NDI-DIR-009), read no further than the limit.
    /// </summary>
    public static Task<(T? Resource, IResult? Error)> ReadBodyAsync<T>(HttpRequest request, CancellationToken cancellationToken)
        where T : Resource =>
        FhirApi.RequestBodies.ReadResourceAsync<T>(request, MaxBodyBytes, "NDI-DIR-009", $"A directory entry is at most {MaxBodyBytes / 1024} KiB.",
            "NDI-DIR-003", $"a {typeof(T).Name}", cancellationToken);

    /// <summary>Who made a change, for the history: the token's issuer and subject.</summary>
    public static string ChangedBy(ClaimsPrincipal user) => $"{user.FindFirst("iss")?.Value}#{user.FindFirst("sub")?.Value ?? "unknown"}";

    /// <summary>An Organization reference as the directory writes it: by id (which is the HSA-id) and by identifier.</summary>
    public static ResourceReference OrganizationReference(HsaId organization) =>
        new($"Organization/{organization.Value}") { Identifier = new Identifier(HsaId.System, organization.Value) };

    /// <summary>The HSA-id an Organization reference names, by identifier (system HSA) or as <c>Organization/{hsa-id}</c>.</summary>
    public static HsaId? OrganizationOf(ResourceReference? reference)
    {
        if (reference?.Identifier is { System: HsaId.System, Value: var value } && HsaId.TryParse(value, out var byIdentifier, out _))
            return byIdentifier;
        return reference?.Reference is { } literal && ParseOrganizationParameter(literal) is { } byId ? byId : null;
    }

    /// <summary>A reference search value (<c>Organization/{hsa-id}</c>, or the bare HSA-id) as an HSA-id; null when malformed.</summary>
    public static HsaId? ParseOrganizationParameter(string value)
    {
        var id = value.StartsWith("Organization/", StringComparison.Ordinal) ? value["Organization/".Length..] : value;
        return HsaId.TryParse(id, out var hsa, out _) ? hsa : null;
    }
}
