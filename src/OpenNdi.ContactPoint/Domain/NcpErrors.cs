namespace OpenNdi.ContactPoint.Domain;

/// <summary>
/// A refusal of the contact point, with the code it is answered and audited with (NDI-NCP-0xx, docs/errors.md), the
/// HTTP status, and the text the caller gets. The audit may keep more (<see cref="AuditDetail"/>) than the caller hears.
/// </summary>
public sealed record NcpRefusal(string Code, int Status, string Message, string? AuditDetail = null);
