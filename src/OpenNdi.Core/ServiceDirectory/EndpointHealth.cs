namespace OpenNdi.Core.ServiceDirectory;

/// <summary>What the last probe of an endpoint found.</summary>
public enum EndpointHealthOutcome
{
    /// <summary>Answered its CapabilityStatement in time.</summary>
    Up,

    /// <summary>Answered, but slowly or not with a FHIR CapabilityStatement; <see cref="EndpointHealth.Reason"/> says which.</summary>
    Degraded,

    /// <summary>Refused, failed (an HTTP error) or did not answer within the deadline.</summary>
    Down,
}

/// <summary>
/// The last health probe of one directory endpoint (<c>GET {address}/metadata</c>), so operators see which provider
/// systems answer before a clinician's fan-out finds out the hard way.
/// </summary>
public sealed record EndpointHealth(
    string EndpointId,
    DateTimeOffset CheckedAt,
    EndpointHealthOutcome Outcome,
    int? HttpStatus,
    int LatencyMs,
    string? Reason);
