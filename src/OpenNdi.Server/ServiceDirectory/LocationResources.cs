using Hl7.Fhir.Model;
using OpenNdi.Core.ServiceDirectory;
using FhirLocation = Hl7.Fhir.Model.Location;

namespace OpenNdi.Server.ServiceDirectory;

/// <summary>
/// Directory locations as FHIR Location resources shaped after IHE mCSD: a site (physicalType <c>si</c>) with
/// its town and the municipality code, managed by its care unit's Organization. FHIR Address has no coded
/// municipality, so the SCB kommunkod rides in an extension on the address.
/// </summary>
internal static class LocationResources
{
    public const string MunicipalityCodeExtension = "urn:openndi:directory:municipality-code";
    private const string PhysicalTypeSystem = "http://terminology.hl7.org/CodeSystem/location-physical-type";

    public static FhirLocation ToFhir(DirectoryLocation location, int? version = null) => new()
    {
        Id = location.Id,
        Meta = DirectoryFhir.Version(version),
        Status = location.Active ? FhirLocation.LocationStatus.Active : FhirLocation.LocationStatus.Inactive,
        Name = location.Name,
        Mode = FhirLocation.LocationMode.Instance,
        PhysicalType = new CodeableConcept(PhysicalTypeSystem, "si", "Site"),
        Address = new Address
        {
            City = location.City,
            Country = "SE",
            Extension = [new Extension(MunicipalityCodeExtension, new Code(location.MunicipalityCode))],
        },
        ManagingOrganization = DirectoryFhir.OrganizationReference(location.ManagingOrganization),
    };

    public static (DirectoryLocation? Location, string? Error, string? Expression) FromFhir(FhirLocation resource, string id)
    {
        if (resource.Id is not null && resource.Id != id)
            return (null, $"the resource id '{resource.Id}' differs from the id in the URL '{id}'", "Location.id");
        if (DirectoryFhir.OrganizationOf(resource.ManagingOrganization) is not { } managing)
            return (null, "managingOrganization must reference the care unit by HSA-id", "Location.managingOrganization");
        var municipality = resource.Address?.GetExtensionValue<Code>(MunicipalityCodeExtension)?.Value;
        if (municipality is null)
            return (null, $"address needs the municipality code (extension {MunicipalityCodeExtension})", "Location.address");
        var location = new DirectoryLocation(id, resource.Name ?? string.Empty, managing, municipality, resource.Address?.City,
            resource.Status is null or FhirLocation.LocationStatus.Active);
        return location.Validate() is { } problem ? (null, problem, "Location") : (location, null, null);
    }
}
