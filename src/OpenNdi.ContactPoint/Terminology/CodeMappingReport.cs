namespace OpenNdi.ContactPoint.Terminology;

/// <summary>Why a coding could not be mapped to the eHDSI Master Value Set Catalogue.</summary>
public enum UnmappedReason
{
    /// <summary>The catalogue draws on the coding's system, but not on this code (e.g. a SNOMED CT finding outside the allergy value sets).</summary>
    CodeNotInCatalogue,

    /// <summary>The catalogue has no value set of the coding's system: a national or local code system (NPU, KVÅ, a peer's own).</summary>
    SystemNotInCatalogue,

    /// <summary>The coding has no system or no code, so nothing can be looked up.</summary>
    Incomplete,
}

/// <summary>A coding kept as it was sent and flagged, because the catalogue does not hold it.</summary>
/// <param name="ResourceType">The document entry's resource type.</param>
/// <param name="ResourceId">Its id, if it has one.</param>
/// <param name="Path">Where the coding is, as a FHIRPath expression from that resource (<c>Condition.code.coding[0]</c>).</param>
public sealed record UnmappedCode(string ResourceType, string? ResourceId, string Path, string? System, string? Code, string? Display, UnmappedReason Reason);

/// <summary>
/// What <see cref="DocumentCodeMapper.Map"/> did to one document, for the caller to audit and show.
/// Every coding walked is counted once: <c>Walked == Mapped + FhirDefined + Unmapped.Count</c>.
/// </summary>
/// <param name="Language">The requested language's primary subtag (<c>de</c> for <c>de-DE</c>).</param>
/// <param name="Walked">Codings found in the document's entries.</param>
/// <param name="Mapped">Codings whose system and code are in the catalogue.</param>
/// <param name="Translated">Mapped codings that got a translation extension into <paramref name="Language"/> on this call.</param>
/// <param name="DisplaysAdded">Mapped codings that had no display and got the catalogue's English one.</param>
/// <param name="FhirDefined">Codings of code systems the FHIR specification itself defines (see <see cref="DocumentCodeMapper.IsFhirDefined"/>), left as they are and not flagged.</param>
/// <param name="Unmapped">Codings kept as sent and flagged.</param>
public sealed record CodeMappingReport(
    string Language,
    int Walked,
    int Mapped,
    int Translated,
    int DisplaysAdded,
    int FhirDefined,
    IReadOnlyList<UnmappedCode> Unmapped);
