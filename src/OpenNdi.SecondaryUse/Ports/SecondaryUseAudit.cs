using Microsoft.AspNetCore.Http;

namespace OpenNdi.SecondaryUse.Ports;

/// <summary>
/// The audit, as the host gives it to the secondary-use chain. Within a request the route's declaration stores the
/// record and the handler only describes it (<see cref="Entity"/>, <see cref="Refused"/>); steps that run outside a
/// request (preparing an extract, closing a workspace at expiry) are recorded by <see cref="RecordStepAsync"/> as the
/// body's own system actions.
/// </summary>
public interface ISecondaryUseAudit
{
    void Entity(HttpContext http, string kind, string? reference, string? detail);

    void Refused(HttpContext http, string why);

    /// <summary>Records a step the body ran itself (event code of <c>AuditEventCodes</c>), about <paramref name="permit"/>; <paramref name="failed"/> when it did not complete.</summary>
    Task RecordStepAsync(string @event, string permit, string detail, bool failed, CancellationToken cancellationToken);
}
