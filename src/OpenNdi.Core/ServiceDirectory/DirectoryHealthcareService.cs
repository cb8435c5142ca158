using OpenNdi.Core.Identifiers;

namespace OpenNdi.Core.ServiceDirectory;

/// <summary>
/// What a care unit offers (IHE mCSD HealthcareService): the kind of care (<see cref="CareUnitKinds"/>), provided by
/// the care unit's Organization, at one of its Locations. Like an Organization, it is answered for by its provider's
/// endpoints, so those are not stored here.
/// </summary>
public sealed record DirectoryHealthcareService(
    string Id,
    string Name,
    HsaId ProvidedBy,
    string CareUnitKind,
    string? LocationId = null,
    bool Active = true) : IDirectoryEntry
{
    public string? Validate()
    {
        if (FhirId.Validate(Id) is { } idProblem)
            return idProblem;
        if (string.IsNullOrWhiteSpace(Name) || Name.Length > 200)
            return "name must be 1 to 200 characters";
        if (ProvidedBy.Value.Length == 0)
            return "providedBy (the care unit's HSA-id) is required";
        if (!CareUnitKinds.IsKnown(CareUnitKind))
            return $"category must be a care unit kind from {CareUnitKinds.System}";
        return LocationId is not null && FhirId.Validate(LocationId) is not null ? "location must reference a Location by a FHIR id" : null;
    }
}
