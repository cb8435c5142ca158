using Hl7.Fhir.Model;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OpenNdi.ContactPoint.Domain;
using OpenNdi.Fhir;

namespace OpenNdi.ContactPoint.Simulation;

/// <summary>
/// Simulated foreign contact points (Germany, France) answering the MyHealth@EU NCPeH FHIR API as <em>their</em>
/// country of affiliation, for Sweden only (ADR 0010 §1, the same shapes as Sweden's own <c>/ncp/fhir</c>). They run
/// in the tests and in the demo; Sweden, as the country of treatment, calls them.
/// <code>
/// GET  /sim-ncp/{cc}/fhir/Patient?identifier={system}|{value}&amp;birthdate=eq{yyyy-MM-dd}[&amp;family=…][&amp;given=…][&amp;gender=…]
/// POST /sim-ncp/{cc}/fhir/Patient/_search            the same, as a form
/// GET  /sim-ncp/{cc}/fhir/DocumentReference?patient.identifier={system}|{value}&amp;type=http://loinc.org|60591-5 (or |57833-6)
/// GET  /sim-ncp/{cc}/fhir/Bundle/{id}                 the summary document, or one prescription (collection)
/// POST /sim-ncp/{cc}/fhir                             a transaction reporting a dispensation (DocumentReference 60593-1 + MedicationDispense collection)
/// </code>
/// Every request passes, in order: the fault injection (<see cref="SimulatedPeerBehaviour"/>), the caller's client
/// certificate (only Sweden's, by the peer's own trust list: NDI-NCP-001, 403) and its signed assertion (iss Sweden,
/// aud the peer's base URL: NDI-NCP-002, 401, or -005, 403). Each handler then checks that the assertion's
/// treatment relationship (<c>person_id</c>) names the patient asked about. The peers do not check the
/// professional's role (Sweden's own edge does; a simulation need not).
/// </summary>
public static class SimulatedPeerEndpoints
{
    public const string Route = "/sim-ncp/{cc}/fhir";
    internal const string PatientSummaryClass = "60591-5";
    internal const string PrescriptionClass = "57833-6";
    internal const string DispensationClass = "60593-1";

    private const string PeerItem = "OpenNdi.Simulation.Peer";
    private const string ProfessionalItem = "OpenNdi.Simulation.Professional";

    /// <summary>The peers, their fault switches, and the host's clock (the system's unless one is registered).</summary>
    public static IServiceCollection AddSimulatedPeers(this IServiceCollection services, SimulatedPeerOptions options)
    {
        if (options.Validate() is { Count: > 0 } problems)
            throw new InvalidOperationException($"Simulated contact points: {string.Join(" ", problems)}");
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(options);
        services.AddSingleton(sp => new SimulatedPeers(options, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new SimulatedPeerBehaviour(sp.GetRequiredService<TimeProvider>()));
        return services;
    }

    /// <returns>The peers' route group, for the host to declare (they authenticate Sweden themselves).</returns>
    public static RouteGroupBuilder MapSimulatedPeers(this IEndpointRouteBuilder app)
    {
        var peers = app.MapGroup(Route).WithTags("Simulated foreign contact points").ExcludeFromDescription().AddEndpointFilter(AuthenticateAsync);
        peers.MapGet("/Patient", (HttpContext http) => SimulatedIdentification.Identify(http, Peer(http), Professional(http), http.Request.Query));
        peers.MapPost("/Patient/_search", async (HttpContext http) =>
        {
            if (!http.Request.HasFormContentType)
                return FhirResults.Error(StatusCodes.Status415UnsupportedMediaType, "NDI-NCP-012", OperationOutcome.IssueType.NotSupported, "POST _search takes application/x-www-form-urlencoded");
            var form = await http.Request.ReadFormAsync(http.RequestAborted);
            return SimulatedIdentification.Identify(http, Peer(http), Professional(http), form);
        });
        peers.MapGet("/DocumentReference", (HttpContext http, TimeProvider time) => SimulatedDocumentSearch.Find(http, Peer(http), Professional(http), time));
        peers.MapGet("/Bundle/{id}", (HttpContext http, string id, TimeProvider time) => SimulatedDocumentSearch.Retrieve(http, Peer(http), Professional(http), id, time));
        peers.MapPost("/", (HttpContext http, TimeProvider time) => SimulatedDispensation.ProvideAsync(http, Peer(http), Professional(http), time));
        return peers;
    }

    /// <summary>Faults first (a peer that is down authenticates nobody), then the certificate, then the assertion.</summary>
    private static async ValueTask<object?> AuthenticateAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var code = (http.GetRouteValue("cc") as string ?? "").ToLowerInvariant();
        if (http.RequestServices.GetRequiredService<SimulatedPeers>().Find(code) is not { } peer)
            return FhirResults.Error(StatusCodes.Status404NotFound, "NDI-NCP-013", OperationOutcome.IssueType.NotFound, $"no simulated contact point '{code}'");
        if (!await http.RequestServices.GetRequiredService<SimulatedPeerBehaviour>().ApplyAsync(peer.Country.Code, http.RequestAborted))
            return FhirResults.Error(StatusCodes.Status503ServiceUnavailable, "NDI-NCP-036", OperationOutcome.IssueType.Transient, $"the contact point of {peer.Country.Name} is down (simulated)");

        var caller = peer.Authentication.IdentifyPeer(http.Connection.ClientCertificate);
        if (!caller.IsTrusted)
            return Refuse(http, caller.Refusal);
        var authorization = http.Request.Headers.Authorization.ToString();
        var token = authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? authorization["Bearer ".Length..].Trim() : null;
        var professional = await peer.Assertions.ValidateAsync(token, caller.Value);
        if (!professional.IsTrusted)
            return Refuse(http, professional.Refusal);
        http.Items[PeerItem] = peer;
        http.Items[ProfessionalItem] = professional.Value;
        return await next(context);
    }

    private static SimulatedPeer Peer(HttpContext http) => (SimulatedPeer)http.Items[PeerItem]!;

    private static ForeignProfessional Professional(HttpContext http) => (ForeignProfessional)http.Items[ProfessionalItem]!;

    /// <summary>A refusal as OperationOutcome (ADR 0010 §6): 401 with <c>WWW-Authenticate</c>, 403 forbidden, 404/410 not found, 409 conflict or business rule, else invalid.</summary>
    internal static IResult Refuse(HttpContext http, NcpRefusal refusal)
    {
        var type = refusal.Status switch
        {
            401 => OperationOutcome.IssueType.Login,
            403 => OperationOutcome.IssueType.Forbidden,
            404 or 410 => OperationOutcome.IssueType.NotFound,
            409 when refusal.Code == "NDI-NCP-020" => OperationOutcome.IssueType.Conflict,
            409 => OperationOutcome.IssueType.BusinessRule,
            _ => OperationOutcome.IssueType.Invalid,
        };
        if (refusal.Status == StatusCodes.Status401Unauthorized)
            http.Response.Headers.WWWAuthenticate = "Bearer error=\"invalid_token\"";
        return FhirResults.Error(refusal.Status, refusal.Code, type, refusal.Message);
    }

    /// <summary>The assertion vouches for one patient (<c>person_id</c>, ADR 0010 §5): anything about another is refused before it is looked up.</summary>
    internal static NcpRefusal? NotTreated(ForeignProfessional professional, string system, string value) =>
        professional.TreatedPatient == $"{system}|{value}" ? null
            : new NcpRefusal("NDI-NCP-002", StatusCodes.Status401Unauthorized, "the assertion's treatment relationship (person_id) names another patient");
}
