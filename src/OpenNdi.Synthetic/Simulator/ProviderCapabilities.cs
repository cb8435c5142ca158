using Hl7.Fhir.Model;
using OpenNdi.Synthetic.Providers;

namespace OpenNdi.Synthetic.Simulator;

/// <summary>The CapabilityStatement of one simulated EHR: what it serves and which searches it understands.</summary>
internal static class ProviderCapabilities
{
    public static CapabilityStatement For(SimulatedProvider provider, string baseUrl)
    {
        var statement = new CapabilityStatement
        {
            Status = PublicationStatus.Active,
            Date = "2026-11-22",
            Kind = CapabilityStatementKind.Instance,
            Name = "ProviderEhrSimulator",
            Title = $"{provider.Name} (simulated EHR)",
            Publisher = "OpenNdi",
            Software = new CapabilityStatement.SoftwareComponent { Name = "OpenNdi provider EHR simulator" },
            Implementation = new CapabilityStatement.ImplementationComponent { Description = provider.Name, Url = baseUrl },
            FhirVersion = FHIRVersion.N4_0_1,
            Format = ["json"],
        };
        var rest = new CapabilityStatement.RestComponent { Mode = CapabilityStatement.RestfulCapabilityMode.Server };
        rest.Resource.Add(Resource("Patient", ("_id", SearchParamType.Token), ("identifier", SearchParamType.Token)));
        rest.Resource[0].Operation.Add(new CapabilityStatement.OperationComponent
        {
            Name = "summary",
            Definition = "http://hl7.org/fhir/uv/ips/OperationDefinition/summary",
        });
        rest.Resource.Add(Resource("Organization", ("_id", SearchParamType.Token)));
        foreach (var type in SearchParameters.ClinicalTypes.Order(StringComparer.Ordinal))
        {
            List<(string, SearchParamType)> parameters = [("patient", SearchParamType.Reference), ("date", SearchParamType.Date), ("code", SearchParamType.Token)];
            if (SearchParameters.CategoryTypes.Contains(type))
                parameters.Add(("category", SearchParamType.Token));
            if (type == "Composition")
                parameters.Add(("type", SearchParamType.Token));
            var resource = Resource(type, [.. parameters]);
            if (type == "DiagnosticReport")
                resource.SearchInclude = [SearchParameters.ReportResults];
            rest.Resource.Add(resource);
        }
        statement.Rest.Add(rest);
        return statement;
    }

    private static CapabilityStatement.ResourceComponent Resource(string type, params (string Name, SearchParamType Type)[] parameters) => new()
    {
        Type = type,
        Interaction =
        [
            new CapabilityStatement.ResourceInteractionComponent { Code = CapabilityStatement.TypeRestfulInteraction.Read },
            new CapabilityStatement.ResourceInteractionComponent { Code = CapabilityStatement.TypeRestfulInteraction.SearchType },
        ],
        SearchParam = [.. parameters.Select(p => new CapabilityStatement.SearchParamComponent { Name = p.Name, Type = p.Type })],
    };
}
