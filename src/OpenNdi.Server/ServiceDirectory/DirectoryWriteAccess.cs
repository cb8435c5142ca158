using Hl7.Fhir.Model;
using OpenNdi.Core.Audit;
using OpenNdi.Core.Identifiers;
using OpenNdi.Core.Identity;
using OpenNdi.Core.Policy;
using OpenNdi.Fhir;
using OpenNdi.Server.Audit;

namespace OpenNdi.Server.ServiceDirectory;

/// <summary>
/// The ownership check every directory write makes before it saves (the decision is the access policy's,
/// <see cref="AccessPolicy.MayChangeDirectory"/>), and what the route's audit record says about the change: the
/// entry, the provider it belongs to, and the version written.
/// </summary>
internal static class DirectoryWriteAccess
{
    /// <summary>Null when the caller may write the entry; otherwise the 403 (NDI-DIR-011), with the refusal in the audit record.</summary>
    public static IResult? Check(HttpContext http, AuditScope audit, string type, string id, HsaId? storedOwner, HsaId newOwner)
    {
        audit.Record = audit.Record with { Entities = [new AuditEntity(type, $"{type}/{id}", Provider: newOwner.Value)] };
        var decision = AccessPolicy.MayChangeDirectory(audit.Actor, IsAdministrator(http), storedOwner, newOwner);
        if (decision.Allowed)
            return null;
        audit.Refused(decision.Reason!);
        return FhirResults.Error(403, "NDI-DIR-011", OperationOutcome.IssueType.Forbidden, $"{type}/{id} may not be written: {decision.Reason}.");
    }

    /// <summary>Completes the audit record with the version the change wrote.</summary>
    public static void Saved(AuditScope audit, int version) =>
        audit.Record = audit.Record with { Entities = [.. audit.Record.Entities.Select(e => e with { Detail = version == 1 ? "created, version 1" : $"changed, version {version}" })] };

    /// <summary>The 400 (NDI-DIR-004) for an endpoint address the directory does not accept.</summary>
    public static IResult BadAddress(string problem) =>
        FhirResults.Error(400, "NDI-DIR-004", OperationOutcome.IssueType.Invalid, problem, "Endpoint.address");

    private static bool IsAdministrator(HttpContext http) =>
        Identity.Actors.TryReadScopes(http.User, out var scopes, out _) && scopes.OtherScopes.Contains(DirectoryScopes.Administration, StringComparer.Ordinal);
}
