using Hl7.Fhir.Model;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using OpenNdi.Core.Identifiers;
using OpenNdi.Core.Identity;
using OpenNdi.Core.Index;
using OpenNdi.Core.Policy;
using OpenNdi.Data;
using OpenNdi.Data.Index;
using OpenNdi.Data.ServiceDirectory;
using OpenNdi.Core.Audit;
using OpenNdi.Fhir;
using OpenNdi.Server.Audit;
using OpenNdi.Server.Consent;
using OpenNdi.Server.FhirApi;
using OpenNdi.Server.Identity;
using OpenNdi.Server.ServiceDirectory;
using Task = System.Threading.Tasks.Task;

namespace OpenNdi.Server.PatientIndex;

/// <summary>
/// The patient data index's FHIR API, shaped as IHE MHD Find Document References (ITI-67): where data about a
/// patient exists, each entry joined with the service addressing directory to say where to fetch it.
/// <code>
/// GET /fhir/DocumentReference?patient.identifier=urn:oid:1.2.752.129.2.1.3.1|19121212-1212[&amp;type=laboratory][&amp;period=ge2024-01-01][&amp;period=le2024-12-31][&amp;_count=100]
/// </code>
/// Answers are paged (<see cref="LookupPage"/>): <c>Bundle.total</c> counts every entry the caller may see, and
/// <c>Bundle.link</c> <c>next</c> continues the listing.
/// </summary>
internal static class IndexEndpoints
{
    public static IServiceCollection AddPatientIndex(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection("Index").Get<IndexOptions>() ?? new IndexOptions();
        if (options.Validate() is { Count: > 0 } problems)
            throw new InvalidOperationException("Invalid index settings: " + string.Join("; ", problems));
        services.AddSingleton(Options.Create(options));
        // The directory module registers the same store; either may come first, and the index also runs without it.
        services.TryAddDirectoryStore();
        services.TryAddIndexAccess(); // every lookup is decided by the access policy on the patient's settings
        services.AddSingleton<IndexWriteAccess>(); // every write is decided by the access policy on the directory and the stored owner
        services.AddSingleton(new FhirCapability("DocumentReference", [CapabilityStatement.TypeRestfulInteraction.SearchType, CapabilityStatement.TypeRestfulInteraction.Create],
            [("patient.identifier", SearchParamType.Token), ("type", SearchParamType.Token), ("period", SearchParamType.Date)], []));
        return services;
    }

    public static IEndpointRouteBuilder MapPatientIndex(this IEndpointRouteBuilder app)
    {
        app.MapIndexPublishing();
        app.MapGet("/fhir/DocumentReference", LookupAsync)
            .WithTags("Patient data index")
            .NationalApi(AuditEventCodes.IndexLookup, AuditAction.Execute, "DocumentReference", ScopePermissions.Read | ScopePermissions.Search, ScopeContext.User, ScopeContext.System, ScopeContext.Patient)
            .ExcludeFromDescription();
        return app;
    }

    public const string CareRelationshipHeader = IndexAccess.CareRelationshipHeader;

    public const string EmergencyReasonHeader = IndexAccess.EmergencyReasonHeader;

    private static async Task<IResult> LookupAsync(HttpContext http, IndexAccess access, IDirectoryStore directory, IOptions<IndexOptions> options, AuditScope audit, CancellationToken cancellationToken)
    {
        var request = http.Request;
        var (query, paging, error, parameter) = ParseQuery(request.Query, options.Value);
        if (query is null)
            return FhirResults.Error(400, "NDI-PDI-001", OperationOutcome.IssueType.Invalid, error!, parameter);
        audit.Patient(query.Patient.Value);
        var (emergency, refused) = IndexAccess.ReadEmergency(request, query.Patient);
        if (refused is not null)
            return refused;

        var lookup = await access.DecideAsync(request, audit.Actor, query, null, emergency, cancellationToken);
        var (entries, decision) = (lookup.Entries, lookup.Decision);

        // The route's audit filter stores the record before anything is answered: an access that is not logged is not given.
        // The record has every reason and count; the caller hears only what the policy discloses to them.
        audit.Record = IndexAccess.Audited(audit.Record, request, lookup, "index-entries");
        if (decision.Disclosure.Excluded)
            return IndexAccess.Excluded(decision.Disclosure, "NDI-PDI-015");

        // Every entry is decided, so the total counts what this caller may see, and no more; then one page of those,
        // in the lookup's own order, continued after the cursor's entry.
        var permitted = entries.Select((entry, i) => (Entry: entry, Decision: decision.Items[i])).Where(p => p.Decision.Permitted)
            .OrderBy(p => p.Entry, LookupPage.Order).ToList();
        var first = paging.After is { } after ? permitted.FindIndex(p => LookupPage.Order.Compare(p.Entry, after) > 0) : 0;
        var page = first < 0 ? [] : permitted.Skip(first).Take(paging.Count).ToList();
        var more = first >= 0 && first + page.Count < permitted.Count;

        // Many entries share a provider system and category: resolve each route once per request.
        var routes = new Dictionary<(HsaId, string, DataCategory), Uri?>();
        var matches = new List<IndexMatch>(page.Count);
        foreach (var (entry, item) in page)
        {
            var route = (entry.Provider, entry.Key.SourceSystem, entry.Key.Category);
            if (!routes.TryGetValue(route, out var address))
            {
                address = (await directory.ResolveAsync(entry.Provider, entry.Key.SourceSystem, entry.Key.Category, cancellationToken))?.Address;
                routes[route] = address;
            }
            matches.Add(new IndexMatch(entry, address, item.ViaEmergencyBreak));
        }
        var baseUrl = $"{request.Scheme}://{request.Host}{request.PathBase}/fhir";
        var links = new List<(string, string)> { ("self", $"{baseUrl}/DocumentReference{request.QueryString}") };
        if (more)
            links.Add(("next", $"{baseUrl}/DocumentReference?{LookupPage.NextQuery(request.Query, paging.Count, page[^1].Entry)}"));
        return FhirResults.Json(SearchsetJson.Write(matches, IndexAccess.Told(decision.Disclosure), baseUrl, permitted.Count, links));
    }

    private static (IndexQuery? Query, LookupPage Paging, string? Error, string? Parameter) ParseQuery(IQueryCollection query, IndexOptions options)
    {
        var (paging, pagingError, pagingParameter) = LookupPage.Parse(query, options.DefaultPageSize, options.MaxPageSize);
        if (pagingError is not null)
            return (null, paging, pagingError, pagingParameter);
        var (parsed, error, parameter) = ParseSearch(query);
        return (parsed, paging, error, parameter);
    }

    private static (IndexQuery? Query, string? Error, string? Parameter) ParseSearch(IQueryCollection query)
    {
        PersonalIdentityNumber? patient = null;
        DataCategory? category = null;
        DateOnly? from = null, to = null;
        foreach (var (name, values) in query)
        {
            foreach (var value in values)
            {
                switch (name)
                {
                    case "patient.identifier":
                        if (!PatientIdentifierParameter.TryParse(value, name, out var id, out var problem))
                            return (null, problem, name);
                        patient = id;
                        break;
                    case "type":
                        if (!DataCategory.TryParse(value, out var parsed, out var typeProblem))
                            return (null, typeProblem!, name);
                        category = parsed;
                        break;
                    case "period":
                        var v = value ?? string.Empty;
                        if (v.Length != 12 || !DateOnly.TryParseExact(v[2..], "yyyy-MM-dd", out var date) || v[..2] is not ("ge" or "le"))
                            return (null, "period must be geYYYY-MM-DD or leYYYY-MM-DD", name);
                        if (v.StartsWith("ge", StringComparison.Ordinal))
                            from = date;
                        else
                            to = date;
                        break;
                    case LookupPage.CountParameter or LookupPage.PageParameter:
                        break; // read by LookupPage
                    default:
                        return (null, $"search parameter '{name}' is not supported for DocumentReference", name);
                }
            }
        }
        return patient is { } p
            ? (new IndexQuery(p, category, from, to), null, null)
            : (null, "patient.identifier is required: the index is searched one patient at a time", "patient.identifier");
    }
}
