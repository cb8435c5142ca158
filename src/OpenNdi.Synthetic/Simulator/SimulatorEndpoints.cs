using System.Text.Json;
using Hl7.Fhir.Model;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OpenNdi.Data;
using OpenNdi.Data.Simulator;
using OpenNdi.Fhir;
using Task = System.Threading.Tasks.Task;

namespace OpenNdi.Synthetic.Simulator;

/// <summary>
/// The provider EHR simulator's HTTP surface. Each simulated provider answers as its own FHIR R4 server at
/// <c>/sim/{provider}/fhir</c>, for its own patients only, with its configured latency and faults, to the national
/// access service's token only (<see cref="SimulatorAuthentication"/>).
/// <code>
/// GET /sim                                     providers, their FHIR base and behaviour
/// GET /sim/{provider}/behaviour                current behaviour
/// PUT /sim/{provider}/behaviour                change latency, error rate, timeouts, downtime
/// GET /sim/{provider}/fhir/metadata            CapabilityStatement (the only FHIR call without a token)
/// GET /sim/{provider}/fhir/Patient/{id}/$summary   this provider's part of the patient summary (IPS document)
/// GET /sim/{provider}/fhir/{type}/{id}         read
/// GET /sim/{provider}/fhir/{type}?…            search (patient, date, code; Patient: identifier, _id;
///                                              DiagnosticReport, Observation, Condition: category; Composition: type;
///                                              DiagnosticReport: _include=DiagnosticReport:result)
/// </code>
/// </summary>
public static class SimulatorEndpoints
{
    /// <param name="randomSeed">Seeds the fault and latency draws (<see cref="SimulatorDraws"/>).</param>
    /// <param name="registryMaxAge">How stale the registry may get without change notifications (<see cref="SimulatorRegistry.MaxAge"/>).</param>
    public static IServiceCollection AddSimulator(this IServiceCollection services, int randomSeed = SimulatorDraws.DefaultSeed, TimeSpan? registryMaxAge = null)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(new SimulatorDraws(randomSeed));
        services.AddSingleton<ISimulatorStore>(sp => new SimulatorStore(sp.GetRequiredService<NdiDatabase>()));
        // Provider kinds and care unit kinds read as words ("region"), not numbers, in the simulator's JSON.
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter(JsonNamingPolicy.CamelCase)));
        services.AddSingleton(sp => new SimulatorRegistry(sp.GetRequiredService<ISimulatorStore>(), sp.GetRequiredService<TimeProvider>(), sp.GetService<OpenNdi.Data.Changes.DataChanges>(), registryMaxAge));
        return services;
    }

    public static IEndpointRouteBuilder MapSimulator(this IEndpointRouteBuilder app)
    {
        var sim = app.MapGroup("/sim").WithTags("Provider EHR simulator");
        sim.MapGet("/", ListProviders).WithSummary("Simulated providers, their FHIR base URLs and behaviour");
        sim.MapGet("/{provider}/behaviour", GetBehaviour).WithSummary("A simulated provider's latency and fault settings");
        sim.MapPut("/{provider}/behaviour", PutBehaviourAsync).WithSummary("Change a simulated provider's latency and fault settings");

        // The token check comes first, as at a real EHR's gateway: a caller without the access service's token learns
        // nothing, not even whether a provider is down (SimulatorAuthentication; metadata stays open).
        if (app.ServiceProvider.GetService<SimulatorAuthenticationOptions>() is null)
            throw new InvalidOperationException("The simulator's FHIR endpoints need AddSimulatorAuthentication: they never answer without a token check.");
        var fhir = app.MapGroup("/sim/{provider}/fhir").WithTags("Provider EHR simulator (FHIR)")
            .AddEndpointFilter(SimulatorAuthentication.RequireAccessServiceTokenAsync)
            .AddEndpointFilter(InjectFaultsAsync);
        fhir.MapGet("/metadata", Metadata).ExcludeFromDescription();
        fhir.MapGet("/Patient/{id}/$summary", SummaryAsync).ExcludeFromDescription();
        fhir.MapGet("/{type}/{id}", ReadAsync).ExcludeFromDescription();
        fhir.MapGet("/{type}", SearchAsync).ExcludeFromDescription();
        return app;
    }

    private static IResult ListProviders(SimulatorRegistry registry, HttpRequest request) => Results.Ok(registry.Providers.Select(p =>
    {
        registry.TryGet(p.Key, out _, out var behaviour);
        return new { p.Key, p.HsaId, p.Name, p.Kind, FhirBase = BaseUrl(request, p.Key), Behaviour = behaviour, CareUnits = p.CareUnits };
    }));

    private static IResult GetBehaviour(string provider, SimulatorRegistry registry) =>
        registry.TryGet(provider, out _, out var behaviour)
            ? Results.Ok(behaviour)
            : UnknownProvider(provider);

    private static IResult UnknownProvider(string provider) =>
        Results.Problem(statusCode: 404, title: "Unknown provider", detail: $"No simulated provider '{provider}'.", type: "urn:openndi:error:NDI-SIM-001");

    private static IResult MalformedBehaviour(string detail) =>
        Results.Problem(statusCode: 400, title: "Malformed behaviour", detail: detail, type: "urn:openndi:error:NDI-SIM-002");

    private static async Task<IResult> PutBehaviourAsync(string provider, HttpRequest request, SimulatorRegistry registry, CancellationToken cancellationToken)
    {
        if (!registry.TryGet(provider, out _, out _))
            return UnknownProvider(provider);
        ProviderBehaviour? behaviour;
        try
        {
            behaviour = await JsonSerializer.DeserializeAsync<ProviderBehaviour>(request.Body, SimulatorJson.Options, cancellationToken);
        }
        catch (JsonException ex)
        {
            return MalformedBehaviour(ex.Message);
        }
        if (behaviour is null)
            return MalformedBehaviour("The body must be a behaviour object.");
        var problems = behaviour.Validate();
        if (problems.Count > 0)
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["behaviour"] = [.. problems] }, title: "Invalid behaviour", type: "urn:openndi:error:NDI-SIM-003");
        await registry.SetBehaviourAsync(provider, behaviour, cancellationToken);
        return Results.Ok(behaviour);
    }

    /// <summary>Applies the provider's behaviour before the request is answered: unknown provider, downtime, timeouts, errors, latency.</summary>
    private static async ValueTask<object?> InjectFaultsAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var key = (string)http.Request.RouteValues["provider"]!;
        var registry = http.RequestServices.GetRequiredService<SimulatorRegistry>();
        if (!registry.TryGet(key, out _, out var behaviour))
            return FhirResults.Error(404, "NDI-SIM-001", OperationOutcome.IssueType.NotFound, $"No simulated provider '{key}'.");
        var time = http.RequestServices.GetRequiredService<TimeProvider>();
        var draws = http.RequestServices.GetRequiredService<SimulatorDraws>();
        if (behaviour.IsDownAt(time.GetUtcNow()))
            return FhirResults.Error(503, "NDI-SIM-010", OperationOutcome.IssueType.Transient, $"The EHR of '{key}' is down (simulated downtime).");
        var draw = draws.NextFault();
        if (draw < behaviour.TimeoutRate)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(behaviour.TimeoutMs), time, http.RequestAborted);
            return FhirResults.Error(504, "NDI-SIM-011", OperationOutcome.IssueType.Timeout, $"The EHR of '{key}' did not answer in time (simulated timeout).");
        }
        var latency = draws.NextLatency(behaviour);
        if (latency > TimeSpan.Zero)
            await Task.Delay(latency, time, http.RequestAborted);
        var failing = behaviour.TimeoutRate + behaviour.ErrorRate;
        if (draw < failing)
            return FhirResults.Error(500, "NDI-SIM-012", OperationOutcome.IssueType.Exception, $"The EHR of '{key}' failed (simulated error).");
        if (draw < failing + behaviour.InvalidRate)
            return FhirResults.Json("{\"resourceType\":\"Bundle\",\"type\":\"searchset\",\"entry\":[{\"resource\":{\"resourceType\":\"Observ"); // cut off mid-answer
        if (draw < failing + behaviour.InvalidRate + behaviour.WrongPatientRate)
            await AnswerForAnotherPatientAsync(context, key);
        return await next(context);
    }

    /// <summary>
    /// Turns the request into one about another patient this EHR holds: the <c>patient</c> search parameter and the
    /// <c>{id}</c> of <c>Patient/{id}/$summary</c> are swapped, so the answer is well-formed FHIR about the wrong person.
    /// </summary>
    private static async Task AnswerForAnotherPatientAsync(EndpointFilterInvocationContext context, string provider)
    {
        var http = context.HttpContext;
        var asked = http.Request.Query["patient"].ToString() is { Length: > 0 } searched ? searched[(searched.LastIndexOf('/') + 1)..] : http.Request.RouteValues["id"] as string;
        if (asked is null)
            return;
        var store = http.RequestServices.GetRequiredService<ISimulatorStore>();
        var other = (await store.SearchAsync(new ResourceQuery(provider, "Patient", Limit: 2), http.RequestAborted)).Select(p => p.Id).FirstOrDefault(id => id != asked);
        if (other is null)
            return;
        if (http.Request.Query.ContainsKey("patient"))
        {
            var query = http.Request.Query.SelectMany(q => q.Value.Select(v => $"{Uri.EscapeDataString(q.Key)}={Uri.EscapeDataString(q.Key == "patient" ? other : v ?? "")}"));
            http.Request.QueryString = new QueryString("?" + string.Join('&', query));
        }
        for (var i = 0; i < context.Arguments.Count; i++)
        {
            if (context.Arguments[i] is string value && value == asked && http.Request.RouteValues["id"] as string == asked)
                context.Arguments[i] = other;
        }
    }

    private static IResult Metadata(string provider, SimulatorRegistry registry, HttpRequest request)
    {
        registry.TryGet(provider, out var p, out _);
        return FhirResults.Resource(ProviderCapabilities.For(p, BaseUrl(request, provider)));
    }

    private static async Task<IResult> ReadAsync(string provider, string type, string id, ISimulatorStore store, CancellationToken cancellationToken)
    {
        if (!SearchParameters.IsServed(type))
            return FhirResults.Error(404, "NDI-SIM-020", OperationOutcome.IssueType.NotSupported, $"Resource type '{type}' is not served by this EHR.");
        var stored = await store.ReadAsync(provider, type, id, cancellationToken);
        return stored is null
            ? FhirResults.Error(404, "NDI-SIM-021", OperationOutcome.IssueType.NotFound, $"{type}/{id} is not known to this EHR.")
            : FhirResults.Json(stored.Json);
    }

    private static async Task<IResult> SearchAsync(string provider, string type, HttpRequest request, ISimulatorStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!SearchParameters.IsServed(type))
            return FhirResults.Error(404, "NDI-SIM-020", OperationOutcome.IssueType.NotSupported, $"Resource type '{type}' is not served by this EHR.");
        var (parameters, error, parameter) = SearchParameters.Parse(type, request.Query, DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime));
        if (parameters is null)
            return FhirResults.Error(400, "NDI-SIM-022", OperationOutcome.IssueType.Invalid, error!, parameter);

        IReadOnlyList<StoredResource> matches;
        if (type == "Patient" && (parameters.Identifier is not null || parameters.Id is not null))
        {
            var id = parameters.Id;
            if (parameters.Identifier is { } identifier)
            {
                var found = await store.FindPatientIdAsync(provider, identifier.Value, cancellationToken);
                id = id is null || id == found ? found : null;
            }
            var patient = id is null ? null : await store.ReadAsync(provider, type, id, cancellationToken);
            matches = patient is null || parameters.Offset > 0 || parameters.Count == 0 ? [] : [patient];
        }
        else if (type == "Organization" && parameters.Id is not null)
        {
            var organization = await store.ReadAsync(provider, type, parameters.Id, cancellationToken);
            matches = organization is null ? [] : [organization];
        }
        else
        {
            matches = await store.SearchAsync(parameters.ToQuery(provider, type), cancellationToken);
        }

        var baseUrl = BaseUrl(request, provider);
        var self = $"{baseUrl}/{type}{request.QueryString}";
        string? next = null;
        if (matches.Count == parameters.Count && parameters.Count > 0)
        {
            var query = request.Query.Where(q => q.Key != "_offset").Select(q => $"{Uri.EscapeDataString(q.Key)}={Uri.EscapeDataString(q.Value.ToString())}")
                .Append($"_offset={parameters.Offset + parameters.Count}");
            next = $"{baseUrl}/{type}?{string.Join('&', query)}";
        }
        var included = parameters.IncludeResults ? await SearchIncludes.ReportResultsAsync(store, provider, matches, cancellationToken) : null;
        return FhirResults.Json(SearchBundle.Write(baseUrl, self, next, matches, included));
    }

    private static async Task<IResult> SummaryAsync(string provider, string id, SimulatorRegistry registry, ISimulatorStore store, HttpRequest request, TimeProvider time, CancellationToken cancellationToken)
    {
        var stored = await store.ReadAsync(provider, "Patient", id, cancellationToken);
        if (stored is null)
            return FhirResults.Error(404, "NDI-SIM-021", OperationOutcome.IssueType.NotFound, $"Patient/{id} is not known to this EHR.");
        registry.TryGet(provider, out var p, out _);
        var resources = new List<Resource>();
        foreach (var type in SummaryTypes)
        {
            foreach (var row in await store.SearchAsync(new ResourceQuery(provider, type, id, Limit: SearchParameters.MaxCount), cancellationToken))
                resources.Add(FhirJson.Parse(row.Json));
        }
        // The author travels in the document: what a Composition references is part of it (FHIR R4 Composition).
        if (await store.ReadAsync(provider, "Organization", p.HsaId, cancellationToken) is { } organization)
            resources.Add(FhirJson.Parse(organization.Json));
        var summary = PatientSummaryBuilder.Build(FhirJson.Parse<Patient>(stored.Json), resources, BaseUrl(request, provider),
            History.FhirFactory.OrganizationReference(p.HsaId, p.Name), $"{provider}-{id}-summary", time.GetUtcNow());
        return FhirResults.Resource(summary);
    }

    private static readonly string[] SummaryTypes =
        ["AllergyIntolerance", "MedicationStatement", "MedicationRequest", "Condition", "Immunization", "Procedure", "DeviceUseStatement", "Device", "Observation", "Flag"];

    private static string BaseUrl(HttpRequest request, string provider) => $"{request.Scheme}://{request.Host}{request.PathBase}/sim/{provider}/fhir";
}
