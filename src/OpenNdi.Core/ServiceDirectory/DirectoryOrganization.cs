using OpenNdi.Core.Identifiers;

namespace OpenNdi.Core.ServiceDirectory;

/// <summary>What an organization is in the directory: a care provider (vårdgivare) or one of its care units (vårdenhet).</summary>
public enum OrganizationRole
{
    Provider,
    CareUnit,
}

/// <summary>
/// A care provider or care unit as an IHE mCSD Organization. Its FHIR id is its HSA-id, so that a reference by id
/// and a reference by identifier name the same thing. A provider carries its organisation number; a care unit is
/// <c>partOf</c> its provider and says what kind of care it gives (<see cref="CareUnitKinds"/>). Which endpoints
/// answer for it is not stored here but follows from the provider's registered endpoints.
/// </summary>
public sealed record DirectoryOrganization(
    HsaId HsaId,
    string Name,
    OrganizationRole Role,
    OrganizationNumber? OrganizationNumber = null,
    HsaId? PartOf = null,
    string? CareUnitKind = null,
    bool Active = true) : IDirectoryEntry
{
    public string Id => HsaId.Value;

    /// <summary>The provider whose systems answer for this organization: itself, or the provider a care unit is part of.</summary>
    public HsaId Provider => Role == OrganizationRole.Provider ? HsaId : PartOf ?? HsaId;

    public string? Validate()
    {
        if (HsaId.Value.Length == 0)
            return "an HSA-id is required";
        if (string.IsNullOrWhiteSpace(Name) || Name.Length > 200)
            return "name must be 1 to 200 characters";
        if (Role == OrganizationRole.Provider)
        {
            if (PartOf is not null)
                return "a care provider is not part of another organization";
            if (CareUnitKind is not null)
                return "a care provider has no care unit kind; its care units do";
            return null;
        }
        if (PartOf is not { } provider || provider.Value.Length == 0)
            return "a care unit must be partOf its care provider";
        if (provider == HsaId)
            return "a care unit cannot be part of itself";
        return CareUnitKinds.IsKnown(CareUnitKind) ? null : $"a care unit needs a kind from {CareUnitKinds.System}";
    }
}
