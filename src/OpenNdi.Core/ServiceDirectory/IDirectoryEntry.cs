namespace OpenNdi.Core.ServiceDirectory;

/// <summary>
/// An mCSD care-services entry of the directory (Organization, Location or HealthcareService): it has a FHIR id
/// and checks what its types cannot. Lets one store keep all three with the same versioning.
/// </summary>
public interface IDirectoryEntry
{
    string Id { get; }

    /// <summary>Null when valid; otherwise the first problem, naming the field.</summary>
    string? Validate();
}
