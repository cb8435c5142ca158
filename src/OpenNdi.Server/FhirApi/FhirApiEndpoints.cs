using Hl7.Fhir.Model;
using OpenNdi.Fhir;
using OpenNdi.Server.Audit;

namespace OpenNdi.Server.FhirApi;

/// <summary>
/// The national FHIR API at <c>/fhir</c>. National services register what they serve as
/// <see cref="FhirCapability"/> entries; <c>GET /fhir/metadata</c> states exactly those, so the
/// CapabilityStatement never claims more than the server does.
/// </summary>
internal static class FhirApiEndpoints
{
    public static IServiceCollection AddFhirApi(this IServiceCollection services)
    {
        services.AddSingleton<CapabilityStatementFactory>();
        return services;
    }

    public static IEndpointRouteBuilder MapFhirApi(this IEndpointRouteBuilder app)
    {
        var fhir = app.MapGroup("/fhir").WithTags("FHIR");
        fhir.MapGet("/metadata", (CapabilityStatementFactory factory, HttpRequest request) =>
                FhirResults.Resource(factory.Create($"{request.Scheme}://{request.Host}{request.PathBase}/fhir")))
            .WithSummary("FHIR R4 CapabilityStatement of the national FHIR API")
            .Produces(200, contentType: FhirResults.ContentType)
            .Public("the CapabilityStatement (FHIR requires it to be readable without a token)");
        return app;
    }
}

/// <summary>One resource type a national service serves through <c>/fhir</c>, with its interactions, searches and operations.</summary>
public sealed record FhirCapability(
    string ResourceType,
    IReadOnlyList<CapabilityStatement.TypeRestfulInteraction> Interactions,
    IReadOnlyList<(string Name, SearchParamType Type)> SearchParameters,
    IReadOnlyList<(string Name, string Definition)> Operations);

/// <summary>Builds the CapabilityStatement from the registered capabilities.</summary>
internal sealed class CapabilityStatementFactory(IEnumerable<FhirCapability> capabilities)
{
    public CapabilityStatement Create(string baseUrl)
    {
        var version = typeof(CapabilityStatementFactory).Assembly.GetName().Version?.ToString() ?? "0.0.0";
        var statement = new CapabilityStatement
        {
            Url = $"{baseUrl}/metadata",
            Version = version,
            Name = "OpenNdiNationalFhirApi",
            Title = "OpenNdi national FHIR API",
            Status = PublicationStatus.Active,
            Date = "2026-11-22",
            Publisher = "OpenNdi",
            Kind = CapabilityStatementKind.Instance,
            Software = new CapabilityStatement.SoftwareComponent { Name = "OpenNdi", Version = version },
            Implementation = new CapabilityStatement.ImplementationComponent { Description = "OpenNdi national digital infrastructure for health data", Url = baseUrl },
            FhirVersion = FHIRVersion.N4_0_1,
            Format = ["json"],
        };
        var rest = new CapabilityStatement.RestComponent
        {
            Mode = CapabilityStatement.RestfulCapabilityMode.Server,
            Documentation = "National services of OpenNdi. Each provider EHR simulated by this host has its own FHIR base at /sim/{provider}/fhir.",
        };
        foreach (var capability in capabilities.OrderBy(c => c.ResourceType, StringComparer.Ordinal))
        {
            rest.Resource.Add(new CapabilityStatement.ResourceComponent
            {
                Type = capability.ResourceType,
                Interaction = [.. capability.Interactions.Select(i => new CapabilityStatement.ResourceInteractionComponent { Code = i })],
                SearchParam = [.. capability.SearchParameters.Select(p => new CapabilityStatement.SearchParamComponent { Name = p.Name, Type = p.Type })],
                Operation = [.. capability.Operations.Select(o => new CapabilityStatement.OperationComponent { Name = o.Name, Definition = o.Definition })],
            });
        }
        statement.Rest.Add(rest);
        return statement;
    }
}
