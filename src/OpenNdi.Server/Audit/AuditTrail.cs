using System.Security.Claims;
using OpenNdi.Core.Audit;
using OpenNdi.Core.Identity;
using OpenNdi.Core.Policy;
using OpenNdi.Data.Audit;

namespace OpenNdi.Server.Audit;

/// <summary>
/// How access flows write the audit log: a record started from the request (who, from where, when, for what purpose)
/// and completed by the flow, then stored before the flow answers. If the log cannot store it, the flow fails with
/// <see cref="AuditWriteException"/> and the caller gets 503: an access that is not logged is not given.
/// </summary>
internal sealed class AuditTrail(IReadOnlyList<AuditWriter> writers, TimeProvider time) : IAsyncDisposable
{
    private int _next;

    public IEnumerable<string> Partitions => writers.Select(w => w.Partition);

    /// <summary>The log's clock, for records written outside a request.</summary>
    public DateTimeOffset Now => time.GetUtcNow();

    /// <summary>A record of <paramref name="event"/> by the request's actor, with time, source address and purpose filled in.</summary>
    public AuditRecord Start(HttpContext http, Actor actor, string @event, AuditAction action, string? patient = null) =>
        new(time.GetUtcNow(), @event, action, AuditOutcome.Success, AgentOf(actor, http.User), Patient: patient,
            PurposeOfUse: actor switch
            {
                ProfessionalActor { PurposeOfUse: { Length: > 0 } purpose } => purpose,
                CrossBorderProfessionalActor { PurposeOfUse: { Length: > 0 } purpose } => purpose,
                _ => null,
            },
            Source: http.Connection.RemoteIpAddress?.ToString());

    /// <summary>Stores the record through the next writer in turn; completes when it is committed.</summary>
    public Task<AuditReceipt> RecordAsync(AuditRecord record, CancellationToken cancellationToken) =>
        writers[(int)((uint)Interlocked.Increment(ref _next) % (uint)writers.Count)].AppendAsync(record, cancellationToken);

    /// <summary>At shutdown every queued record is stored (or failed) before the process ends.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var writer in writers)
            await writer.DisposeAsync();
    }

    /// <summary>The agent for an actor, with the token's display name and role where it has them.</summary>
    public static AuditAgent AgentOf(Actor actor, ClaimsPrincipal user)
    {
        var name = user.FindFirst(NdiClaims.SubjectName)?.Value;
        return actor switch
        {
            ProfessionalActor p => new AuditAgent(AuditAgentKind.Professional, p.Id.Value, name, user.FindFirst(NdiClaims.SubjectRole)?.Value, p.Provider.Value, p.CareUnit.Value, p.Assignment?.Id),
            PersonActor p => new AuditAgent(AuditAgentKind.Person, p.Person.Value, name),
            SystemActor s => new AuditAgent(AuditAgentKind.System, s.ClientId, name, Provider: s.Provider?.Value),
            OperatorActor o => new AuditAgent(AuditAgentKind.Operator, o.Id, name),
            // The provider is the contact point the professional asked through (its trust-list id names the country).
            CrossBorderProfessionalActor f => new AuditAgent(AuditAgentKind.ForeignProfessional, f.Id, name, user.FindFirst(NdiClaims.SubjectRole)?.Value, f.Peer),
            ApplicantActor a => new AuditAgent(AuditAgentKind.Applicant, a.Person.Value, name, Provider: a.Organisation),
            AccessBodyOfficerActor o => new AuditAgent(AuditAgentKind.AccessBodyOfficer, o.Id, name),
            _ => throw new ArgumentOutOfRangeException(nameof(actor), actor, "unknown actor kind"),
        };
    }

    /// <summary>The represented patient as the second agent of a representative's record: the log shows both identities.</summary>
    public static AuditAgent? OnBehalfOf(Representation? representation) => representation is null
        ? null
        : new AuditAgent(AuditAgentKind.Person, representation.Represented.Value, Role: representation.Kind == RepresentationKind.Guardian ? "represented-by-guardian" : "represented-by-proxy", Assignment: representation.ProxyId);

    /// <summary>
    /// Logs a request refused before its handler ran (a verified token without the scope the endpoint needs), when the
    /// token names an actor and the audit module runs in this process. The patient is not known at that point: the
    /// record names the request instead.
    /// </summary>
    public static async Task RecordRefusalAsync(HttpContext http, string why)
    {
        if (http.RequestServices.GetService<AuditTrail>() is not { } trail || Identity.Actors.From(http.User) is not { } actor)
            return;
        var record = trail.Start(http, actor, AuditEventCodes.AccessRefused, AuditAction.Execute) with
        {
            Entities = [new AuditEntity("request", $"{http.Request.Method} {http.Request.Path}{http.Request.QueryString}")],
        };
        await trail.RecordAsync(Refused(record, why), http.RequestAborted);
    }

    /// <summary>Outcome and text for a request refused before any data was looked at.</summary>
    public static AuditRecord Refused(AuditRecord record, string why) => record with { Outcome = AuditOutcome.MinorFailure, OutcomeText = why };
}
