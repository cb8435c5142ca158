using OpenNdi.Core.Identifiers;
using OpenNdi.Core.Index;

namespace OpenNdi.Core.ServiceDirectory;

/// <summary>FHIR Endpoint.status (R4 value set endpoint-status): only <see cref="Active"/> endpoints are routed to.</summary>
public enum EndpointStatus
{
    Active,
    Suspended,
    Error,
    Off,
    EnteredInError,
    Test,
}

/// <summary>
/// Where and how one provider system answers for its data (IHE mCSD Endpoint): the address, the protocol
/// (<c>hl7-fhir-rest</c>), the format version it speaks, and its status. An endpoint without a category serves every
/// category of that system; one with a category overrides it for that category.
/// </summary>
public sealed record DirectoryEndpoint(
    string Id,
    HsaId Provider,
    string SourceSystem,
    DataCategory? Category,
    Uri Address,
    string Protocol,
    string FormatVersion,
    EndpointStatus Status)
{
    public const string FhirRest = "hl7-fhir-rest";

    /// <summary>Checks what the types cannot; null when valid.</summary>
    public string? Validate()
    {
        if (FhirId.Validate(Id) is { } idProblem)
            return idProblem;
        if (string.IsNullOrWhiteSpace(SourceSystem) || SourceSystem.Length > 128)
            return "source system must be 1 to 128 characters";
        if (!Address.IsAbsoluteUri || (Address.Scheme != Uri.UriSchemeHttps && Address.Scheme != Uri.UriSchemeHttp))
            return "address must be an absolute http or https URL";
        if (Protocol != FhirRest)
            return $"protocol must be '{FhirRest}' (the only exchange protocol of the national services)";
        if (string.IsNullOrWhiteSpace(FormatVersion) || FormatVersion.Length > 64)
            return "format version must be 1 to 64 characters";
        return null;
    }

    /// <summary>
    /// The routing rule over a provider's endpoints: the active endpoint of <paramref name="sourceSystem"/> for
    /// <paramref name="category"/>, a category-specific one before the system's general one, then by id (ordinal);
    /// null when none is active. The same rule as the directory store's query, applied in memory.
    /// </summary>
    public static DirectoryEndpoint? Route(IEnumerable<DirectoryEndpoint> endpoints, string sourceSystem, DataCategory category)
    {
        DirectoryEndpoint? best = null;
        foreach (var e in endpoints)
        {
            if (e.Status != EndpointStatus.Active || e.SourceSystem != sourceSystem || (e.Category is not null && e.Category.Code != category.Code))
                continue;
            if (best is null || (best.Category is null && e.Category is not null)
                || ((best.Category is null) == (e.Category is null) && string.CompareOrdinal(e.Id, best.Id) < 0))
                best = e;
        }
        return best;
    }
}
