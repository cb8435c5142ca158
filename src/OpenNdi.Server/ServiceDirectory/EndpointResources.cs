using Hl7.Fhir.Model;
using OpenNdi.Core.Identifiers;
using OpenNdi.Core.Index;
using OpenNdi.Core.ServiceDirectory;
using FhirEndpoint = Hl7.Fhir.Model.Endpoint;

namespace OpenNdi.Server.ServiceDirectory;

/// <summary>
/// Directory endpoints as FHIR Endpoint resources shaped after IHE mCSD: connectionType hl7-fhir-rest,
/// managingOrganization by HSA-id, payloadType the data category's LOINC code (absent: every category), and the
/// provider's source system as an identifier.
/// </summary>
internal static class EndpointResources
{
    public const string SourceSystemIdentifier = "urn:openndi:directory:source-system";
    private const string ConnectionTypeSystem = "http://terminology.hl7.org/CodeSystem/endpoint-connection-type";
    private const string FormatVersionExtension = "urn:openndi:directory:format-version";

    public static FhirEndpoint ToFhir(DirectoryEndpoint endpoint, int? version = null) => new()
    {
        Id = endpoint.Id,
        Meta = version is null ? null : new Meta { VersionId = version.Value.ToString(System.Globalization.CultureInfo.InvariantCulture) },
        Identifier = [new Identifier(SourceSystemIdentifier, endpoint.SourceSystem)],
        Status = endpoint.Status switch
        {
            EndpointStatus.Active => FhirEndpoint.EndpointStatus.Active,
            EndpointStatus.Suspended => FhirEndpoint.EndpointStatus.Suspended,
            EndpointStatus.Error => FhirEndpoint.EndpointStatus.Error,
            EndpointStatus.Off => FhirEndpoint.EndpointStatus.Off,
            EndpointStatus.EnteredInError => FhirEndpoint.EndpointStatus.EnteredInError,
            _ => FhirEndpoint.EndpointStatus.Test,
        },
        ConnectionType = new Coding(ConnectionTypeSystem, endpoint.Protocol),
        ManagingOrganization = new ResourceReference { Type = "Organization", Identifier = new Identifier(HsaId.System, endpoint.Provider.Value) },
        PayloadType = endpoint.Category is { } c ? [new CodeableConcept(DataCategory.LoincSystem, c.Loinc, c.Display)] : [new CodeableConcept("urn:openndi:index:category", "any", "Every data category")],
        PayloadMimeType = ["application/fhir+json"],
        Address = endpoint.Address.AbsoluteUri,
        Extension = [new Extension(FormatVersionExtension, new FhirString(endpoint.FormatVersion))],
    };

    public static (DirectoryEndpoint? Endpoint, string? Error, string? Expression) FromFhir(FhirEndpoint resource, string id)
    {
        if (resource.Id is not null && resource.Id != id)
            return (null, $"the resource id '{resource.Id}' differs from the id in the URL '{id}'", "Endpoint.id");
        var organization = resource.ManagingOrganization?.Identifier;
        if (organization?.System != HsaId.System || !HsaId.TryParse(organization.Value, out var provider, out _))
            return (null, $"managingOrganization.identifier must be the provider's HSA-id (system {HsaId.System})", "Endpoint.managingOrganization");
        var system = resource.Identifier.FirstOrDefault(i => i.System == SourceSystemIdentifier)?.Value;
        if (string.IsNullOrWhiteSpace(system))
            return (null, $"an identifier with system {SourceSystemIdentifier} naming the source system is required", "Endpoint.identifier");
        DataCategory? category = null;
        var payload = resource.PayloadType.SelectMany(p => p.Coding).FirstOrDefault(c => c.System == DataCategory.LoincSystem);
        if (payload is not null)
        {
            if (!DataCategory.TryParse(payload.Code, out var parsed, out var categoryError))
                return (null, $"payloadType: {categoryError}", "Endpoint.payloadType");
            category = parsed;
        }
        if (!Uri.TryCreate(resource.Address, UriKind.Absolute, out var address))
            return (null, "address must be an absolute URL", "Endpoint.address");
        var format = (resource.GetExtensionValue<FhirString>(FormatVersionExtension))?.Value ?? "4.0.1";
        var status = resource.Status switch
        {
            FhirEndpoint.EndpointStatus.Active => EndpointStatus.Active,
            FhirEndpoint.EndpointStatus.Suspended => EndpointStatus.Suspended,
            FhirEndpoint.EndpointStatus.Error => EndpointStatus.Error,
            FhirEndpoint.EndpointStatus.Off => EndpointStatus.Off,
            FhirEndpoint.EndpointStatus.EnteredInError => EndpointStatus.EnteredInError,
            FhirEndpoint.EndpointStatus.Test => EndpointStatus.Test,
            _ => (EndpointStatus?)null,
        };
        if (status is null)
            return (null, "status is required", "Endpoint.status");
        var endpoint = new DirectoryEndpoint(id, provider, system, category, address, resource.ConnectionType?.Code ?? string.Empty, format, status.Value);
        return endpoint.Validate() is { } problem ? (null, problem, "Endpoint") : (endpoint, null, null);
    }
}
