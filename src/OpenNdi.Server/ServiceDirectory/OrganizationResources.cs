using Hl7.Fhir.Model;
using OpenNdi.Core.Identifiers;
using OpenNdi.Core.ServiceDirectory;

namespace OpenNdi.Server.ServiceDirectory;

/// <summary>
/// Directory organizations as FHIR Organization resources shaped after IHE mCSD (ITI-90): id and identifier the
/// HSA-id (system urn:oid:1.2.752.29.4.19), a provider's organisation number as a second identifier, and
/// <c>type</c> HL7 organization-type <c>prov</c> for a care provider or the care unit kind
/// (<see cref="CareUnitKinds"/>) for a care unit, which is <c>partOf</c> its provider. <c>endpoint</c> lists the
/// provider's registered endpoints (<see cref="EndpointLinks"/>); in a PUT it is ignored for that reason.
/// </summary>
internal static class OrganizationResources
{
    /// <summary>
    /// Organisation numbers as identifiers: the X.520 organizationIdentifier OID, which Swedish e-identification
    /// and HL7 Sweden's base profiles use for legal entities.
    /// </summary>
    public const string OrganizationNumberSystem = "urn:oid:2.5.4.97";
    public const string OrganizationTypeSystem = "http://terminology.hl7.org/CodeSystem/organization-type";

    public static Organization ToFhir(DirectoryOrganization organization, IReadOnlyList<string> endpointIds, int? version = null)
    {
        var resource = new Organization
        {
            Id = organization.Id,
            Meta = DirectoryFhir.Version(version),
            Active = organization.Active,
            Identifier = [new Identifier(HsaId.System, organization.HsaId.Value)],
            Name = organization.Name,
            Type = organization.Role == OrganizationRole.Provider
                ? [new CodeableConcept(OrganizationTypeSystem, "prov", "Healthcare Provider")]
                : [new CodeableConcept(CareUnitKinds.System, organization.CareUnitKind, CareUnitKinds.Displays[organization.CareUnitKind!])],
            PartOf = organization.PartOf is { } partOf ? DirectoryFhir.OrganizationReference(partOf) : null,
            Endpoint = [.. endpointIds.Select(id => new ResourceReference($"Endpoint/{id}"))],
        };
        if (organization.OrganizationNumber is { } number)
            resource.Identifier.Add(new Identifier(OrganizationNumberSystem, number.Value));
        return resource;
    }

    public static (DirectoryOrganization? Organization, string? Error, string? Expression) FromFhir(Organization resource, string id)
    {
        if (resource.Id is not null && resource.Id != id)
            return (null, $"the resource id '{resource.Id}' differs from the id in the URL '{id}'", "Organization.id");
        var hsa = resource.Identifier.FirstOrDefault(i => i.System == HsaId.System)?.Value;
        if (!HsaId.TryParse(hsa, out var hsaId, out var hsaError))
            return (null, $"an identifier with system {HsaId.System} (the HSA-id) is required: {hsaError}", "Organization.identifier");
        if (hsaId.Value != id)
            return (null, "a directory Organization's id is its HSA-id", "Organization.id");
        OrganizationNumber? number = null;
        if (resource.Identifier.FirstOrDefault(i => i.System == OrganizationNumberSystem)?.Value is { } numberText)
        {
            if (!OrganizationNumber.TryParse(numberText, out var parsed, out var numberError))
                return (null, numberError, "Organization.identifier");
            number = parsed;
        }
        var codings = resource.Type.SelectMany(t => t.Coding).ToList();
        var kind = codings.FirstOrDefault(c => c.System == CareUnitKinds.System)?.Code;
        OrganizationRole role;
        if (codings.Any(c => c.System == OrganizationTypeSystem && c.Code == "prov"))
            role = OrganizationRole.Provider;
        else if (kind is not null)
            role = OrganizationRole.CareUnit;
        else
            return (null, $"type must be {OrganizationTypeSystem}|prov (a care provider) or a care unit kind from {CareUnitKinds.System}", "Organization.type");
        HsaId? partOf = null;
        if (resource.PartOf is not null)
        {
            partOf = DirectoryFhir.OrganizationOf(resource.PartOf);
            if (partOf is null)
                return (null, "partOf must reference the provider by HSA-id (Organization/{hsa-id} or an identifier)", "Organization.partOf");
        }
        var organization = new DirectoryOrganization(hsaId, resource.Name ?? string.Empty, role, number, partOf,
            role == OrganizationRole.CareUnit ? kind : null, resource.Active ?? true);
        return organization.Validate() is { } problem ? (null, problem, "Organization") : (organization, null, null);
    }
}
