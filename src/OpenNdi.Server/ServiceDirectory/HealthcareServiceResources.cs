using Hl7.Fhir.Model;
using OpenNdi.Core.ServiceDirectory;

namespace OpenNdi.Server.ServiceDirectory;

/// <summary>
/// Directory healthcare services as FHIR HealthcareService resources shaped after IHE mCSD: <c>category</c> and
/// <c>type</c> the care unit kind (<see cref="CareUnitKinds"/>), <c>providedBy</c> the care unit, <c>location</c> its
/// Location, and <c>endpoint</c> its provider's registered endpoints (derived, see <see cref="EndpointLinks"/>).
/// </summary>
internal static class HealthcareServiceResources
{
    public static HealthcareService ToFhir(DirectoryHealthcareService service, IReadOnlyList<string> endpointIds, int? version = null)
    {
        var kind = new CodeableConcept(CareUnitKinds.System, service.CareUnitKind, CareUnitKinds.Displays[service.CareUnitKind]);
        return new HealthcareService
        {
            Id = service.Id,
            Meta = DirectoryFhir.Version(version),
            Active = service.Active,
            ProvidedBy = DirectoryFhir.OrganizationReference(service.ProvidedBy),
            Category = [kind],
            Type = [(CodeableConcept)kind.DeepCopy()],
            Name = service.Name,
            Location = service.LocationId is null ? [] : [new ResourceReference($"Location/{service.LocationId}")],
            Endpoint = [.. endpointIds.Select(id => new ResourceReference($"Endpoint/{id}"))],
        };
    }

    public static (DirectoryHealthcareService? Service, string? Error, string? Expression) FromFhir(HealthcareService resource, string id)
    {
        if (resource.Id is not null && resource.Id != id)
            return (null, $"the resource id '{resource.Id}' differs from the id in the URL '{id}'", "HealthcareService.id");
        if (DirectoryFhir.OrganizationOf(resource.ProvidedBy) is not { } providedBy)
            return (null, "providedBy must reference the care unit by HSA-id", "HealthcareService.providedBy");
        var kind = resource.Category.Concat(resource.Type).SelectMany(c => c.Coding).FirstOrDefault(c => c.System == CareUnitKinds.System)?.Code;
        if (resource.Location.Count > 1)
            return (null, "at most one location: each care unit's service is offered where the unit is", "HealthcareService.location");
        string? location = null;
        if (resource.Location.Count == 1)
        {
            var reference = resource.Location[0].Reference;
            if (reference is null || !reference.StartsWith("Location/", StringComparison.Ordinal))
                return (null, "location must be a reference Location/{id}", "HealthcareService.location");
            location = reference["Location/".Length..];
        }
        var service = new DirectoryHealthcareService(id, resource.Name ?? string.Empty, providedBy, kind ?? string.Empty, location, resource.Active ?? true);
        return service.Validate() is { } problem ? (null, problem, "HealthcareService") : (service, null, null);
    }
}
