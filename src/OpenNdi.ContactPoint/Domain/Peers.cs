namespace OpenNdi.ContactPoint.Domain;

/// <summary>
/// Another member state's national contact point, as our trust list registers it (<c>ContactPoint:Peers</c>). The
/// country is the entry's, never read from a certificate's name (ADR 0010 §4).
/// </summary>
/// <param name="Id">The peer's id in the trust list and the <c>iss</c> of its assertions, e.g. <c>urn:ehdsi:ncp:DE</c>.</param>
/// <param name="Country">ISO 3166-1 alpha-2 code of the member state, upper case.</param>
/// <param name="BaseUrl">Where its NCPeH FHIR API answers (Sweden as the country of treatment calls it).</param>
/// <param name="Language">The language its professionals read (BCP 47, e.g. <c>de-DE</c>).</param>
public sealed record Peer(string Id, string Country, Uri? BaseUrl, string Language)
{
    /// <summary>
    /// The peer's identification mask (Sweden as the country of treatment checks it before anything is sent): the
    /// search parameters its country requires (<c>identifier</c>, <c>birthdate</c>, <c>family</c>, <c>given</c>, <c>gender</c>).
    /// </summary>
    public IReadOnlyList<string> Mask { get; init; } = ["identifier", "birthdate"];

    /// <summary>The identifier systems its country identifies patients by (empty: any).</summary>
    public IReadOnlyList<string> IdentifierSystems { get; init; } = [];
}

/// <summary>Why a foreign professional asks: the eHDSI purposes of use.</summary>
public enum CrossBorderPurpose
{
    Treatment,
    Emergency,
}

/// <summary>
/// The foreign health professional an incoming request speaks for, read from the requesting contact point's signed
/// assertion (ADR 0010 §5), with the peer it came through.
/// </summary>
/// <param name="Subject">The professional's id at the peer (<c>sub</c>).</param>
/// <param name="Role">ISCO-08 code (<c>221</c> doctor, <c>2262</c> pharmacist, …).</param>
/// <param name="TreatedPatient">The patient the professional has a treatment relationship with, as the identifier the peer sent (<c>system|value</c>).</param>
/// <param name="AssertionId">The assertion's <c>jti</c>.</param>
public sealed record ForeignProfessional(
    Peer Peer,
    string Subject,
    string Name,
    string Role,
    string Organization,
    string? OrganizationId,
    CrossBorderPurpose Purpose,
    string TreatedPatient,
    string AssertionId,
    DateTimeOffset ExpiresAt);
