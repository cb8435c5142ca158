using OpenNdi.Core.Identifiers;

namespace OpenNdi.Core.ServiceDirectory;

/// <summary>
/// Where a care unit is (IHE mCSD Location): its name, the municipality by its official four-digit code (SCB
/// kommunkod, which also gives the region) and the town, managed by the care unit's Organization.
/// </summary>
public sealed record DirectoryLocation(
    string Id,
    string Name,
    HsaId ManagingOrganization,
    string MunicipalityCode,
    string? City = null,
    bool Active = true) : IDirectoryEntry
{
    public string? Validate()
    {
        if (FhirId.Validate(Id) is { } idProblem)
            return idProblem;
        if (string.IsNullOrWhiteSpace(Name) || Name.Length > 200)
            return "name must be 1 to 200 characters";
        if (ManagingOrganization.Value.Length == 0)
            return "managingOrganization (the care unit's HSA-id) is required";
        if (MunicipalityCode is not { Length: 4 } || !MunicipalityCode.All(char.IsAsciiDigit))
            return "the municipality code must be four digits (SCB kommunkod)";
        return City is { Length: > 100 } ? "city must be at most 100 characters" : null;
    }
}
