using Hl7.Fhir.Model;
using OpenNdi.ContactPoint.Domain;
using OpenNdi.ContactPoint.Identification;

namespace OpenNdi.ContactPoint.Transport;

/// <summary>
/// The one seam between the contact point and another country's (ADR 0010 §2): what Sweden, as the country of
/// treatment, asks a peer. The MyHealth@EU NCPeH FHIR API is one implementation (<see cref="NcpFhirTransport"/>); an
/// IHE XCPD/XCA/XDR (SOAP, SAML) adapter for peers that have not moved to FHIR would be another, and the domain would
/// not change. Expected outcomes are values (<see cref="PeerResult{T}"/>), never exceptions.
/// </summary>
public interface IPeerTransport
{
    Task<PeerResult<Patient>> IdentifyAsync(PeerRequest request, IdentificationTraits traits, CancellationToken cancellationToken);

    /// <param name="patient">The patient as the peer identified them, <c>system|value</c>.</param>
    /// <param name="documentClass">LOINC: <c>60591-5</c> patient summary, <c>57833-6</c> ePrescription.</param>
    Task<PeerResult<IReadOnlyList<DocumentReference>>> FindDocumentsAsync(PeerRequest request, string patient, string documentClass, CancellationToken cancellationToken);

    /// <param name="url">A document's <c>content.attachment.url</c>, as the search gave it.</param>
    Task<PeerResult<Bundle>> RetrieveAsync(PeerRequest request, string url, CancellationToken cancellationToken);

    /// <summary>Provides a document to the peer (a dispensation of its prescription): a transaction Bundle.</summary>
    Task<PeerResult<Bundle>> ProvideAsync(PeerRequest request, Bundle transaction, CancellationToken cancellationToken);
}

/// <summary>Who asks and how: the peer, Sweden's signed assertion for the Swedish professional, the correlation id and the language wanted.</summary>
public sealed record PeerRequest(Peer Peer, string Assertion, string CorrelationId, string Language, TimeSpan Timeout);

/// <summary>How a call to a peer failed, in our words (ADR 0010 §6, Sweden as B).</summary>
public enum PeerFailureKind
{
    /// <summary>The peer identified nobody (NDI-NCP-030, 404).</summary>
    NotFound,

    /// <summary>The peer found several persons (NDI-NCP-031, 409).</summary>
    Ambiguous,

    /// <summary>The peer refused (its OperationOutcome passed on: NDI-NCP-033, 403; a 4xx).</summary>
    Refused,

    /// <summary>The peer's server certificate is not its registered one (NDI-NCP-034, 502): nothing was sent on.</summary>
    Untrusted,

    /// <summary>No answer within the timeout (NDI-NCP-035, 504).</summary>
    Timeout,

    /// <summary>Not reachable, or a 5xx (NDI-NCP-036, 502).</summary>
    Unreachable,

    /// <summary>An answer that is not what the API promises (NDI-NCP-036, 502).</summary>
    Malformed,

    /// <summary>The peer says the prescription was already dispensed, or is not dispensable (NDI-NCP-037, 409).</summary>
    Conflict,

    /// <summary>The document's handle expired at the peer (NDI-NCP-030, 410 passed on as not found).</summary>
    Gone,
}

/// <summary>Why a peer call failed: the kind, the peer's HTTP status and its own code and text when it gave them.</summary>
public sealed record PeerFailure(PeerFailureKind Kind, int? Status, string? PeerCode, string Detail);

public sealed record PeerResult<T>(T? Value, PeerFailure? Failure) where T : class
{
    public static PeerResult<T> Ok(T value) => new(value, null);

    public static PeerResult<T> Failed(PeerFailureKind kind, string detail, int? status = null, string? peerCode = null) => new(null, new PeerFailure(kind, status, peerCode, detail));
}
