using OpenNdi.Core.Audit;
using OpenNdi.Core.Policy;

namespace OpenNdi.Server.Audit;

/// <summary>
/// The one audit record of a request to a national API route, started by <see cref="NationalApiFilter"/> from the
/// route's declaration (event, action) and the caller (actor, address, time), completed by the handler with what it
/// knows (patient, entities, outcome), and stored by the filter before the answer is sent. Handlers never store
/// records themselves: they describe the access, the route's declaration makes sure it is logged.
/// </summary>
/// <remarks>Bound as a handler parameter (<see cref="BindAsync"/>): the filter and the handler share the request's instance.</remarks>
internal sealed class AuditScope
{
    private AuditRecord? _record;
    private Actor? _actor;

    /// <summary>The caller as the access policy knows them; every route that requires a scope has one (the filter refuses tokens that name none).</summary>
    public Actor Actor => _actor ?? throw new InvalidOperationException("This route declares no scope, so its caller is not an actor.");

    /// <summary>The caller, when the token named one (null on public routes such as the token endpoint).</summary>
    public Actor? ActorOrNull => _actor;

    /// <summary>The record as it stands; the handler replaces it with a completed copy (<c>audit.Record = audit.Record with { … }</c>).</summary>
    public AuditRecord Record
    {
        get => _record ?? throw new InvalidOperationException("The audit record is started by NationalApiFilter; this route declares no audit.");
        set => _record = value;
    }

    /// <summary>Names the patient the request is about.</summary>
    public void Patient(string? patient) => Record = Record with { Patient = patient };

    /// <summary>A denial decided by the handler: outcome minor failure (BALP), with why.</summary>
    public void Refused(string why) => Record = AuditTrail.Refused(Record, why);

    internal bool Started => _record is not null;

    internal void Start(AuditRecord record, Actor? actor)
    {
        _record = record;
        _actor = actor;
    }

    /// <summary>The request's scope: one per request, created on first use.</summary>
    public static AuditScope Of(HttpContext http)
    {
        if (http.Features.Get<AuditScope>() is { } scope)
            return scope;
        scope = new AuditScope();
        http.Features.Set(scope);
        return scope;
    }

    /// <summary>Minimal API binding: the handler's <c>AuditScope</c> parameter is the request's scope.</summary>
    public static ValueTask<AuditScope?> BindAsync(HttpContext http) => ValueTask.FromResult<AuditScope?>(Of(http));
}
