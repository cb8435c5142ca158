using Microsoft.IdentityModel.JsonWebTokens;
using Hl7.Fhir.Model;
using OpenNdi.Core.Audit;
using OpenNdi.Core.Identity;
using OpenNdi.Core.Policy;
using OpenNdi.Data.Audit;
using OpenNdi.Fhir;
using OpenNdi.Server.Identity;

namespace OpenNdi.Server.Audit;

/// <summary>What a route logs: its event code and action (IHE BALP). Endpoint metadata, read by <see cref="NationalApiFilter"/>.</summary>
internal sealed record AuditDeclaration(string Event, AuditAction Action);

/// <summary>The SMART v2 scope a route needs, and the contexts (user/, patient/, system/) it serves. Endpoint metadata.</summary>
internal sealed record ScopeRequirement(string ResourceType, ScopePermissions Permissions, IReadOnlyList<ScopeContext> Contexts)
{
    public string Needed => string.Join(" or ", Contexts.Select(c => new SmartScope(c, ResourceType, Permissions, []).ToString()));
}

/// <summary>A route that is deliberately public and not logged (metadata, discovery, static pages), with why. Endpoint metadata.</summary>
internal sealed record PublicRoute(string Why);

/// <summary>
/// How a route declares its authorization and its audit, in one place (STYLE: cross-cutting work declared, not
/// called). <c>NationalApi</c> is the only way a national API route gets a scope check, and it always brings the
/// audit with it; an architecture test fails for any route that declares neither this nor <c>Public</c>.
/// <code>
/// app.MapGet("/fhir/DocumentReference", LookupAsync)
///    .NationalApi(AuditEventCodes.IndexLookup, AuditAction.Execute, "DocumentReference", ScopePermissions.Read | ScopePermissions.Search, ScopeContext.User, ScopeContext.System, ScopeContext.Patient);
/// </code>
/// </summary>
internal static class NationalApiRoutes
{
    /// <summary>
    /// The route needs a valid token that names an actor and grants <paramref name="permissions"/> on
    /// <paramref name="resourceType"/> in the actor's own context (user/ for professionals and operators, patient/ for
    /// persons, system/ for systems), which must be one of <paramref name="contexts"/>; every request to it, granted or
    /// refused, leaves one audit record of <paramref name="auditEvent"/>.
    /// </summary>
    public static TBuilder NationalApi<TBuilder>(this TBuilder builder, string auditEvent, AuditAction action, string resourceType, ScopePermissions permissions, params ScopeContext[] contexts)
        where TBuilder : IEndpointConventionBuilder
    {
        if (contexts.Length == 0)
            throw new ArgumentException("a national API route serves at least one scope context", nameof(contexts));
        builder.RequireAuthorization();
        builder.WithMetadata(new ScopeRequirement(resourceType, permissions, contexts), new AuditDeclaration(auditEvent, action));
        builder.AddEndpointFilter<TBuilder, NationalApiFilter>();
        return builder;
    }

    /// <summary>
    /// A route of the national contact point to MyHealth@EU (issue 17): another member state's contact point calls it
    /// with mutual TLS and a signed assertion for its professional, checked by the contact point's own authentication
    /// scheme (<paramref name="peerPolicy"/>) instead of a national token's scopes; what crosses is the access policy's
    /// to decide. Every request to it, granted or refused, leaves one audit record of <paramref name="auditEvent"/>.
    /// </summary>
    public static TBuilder CrossBorderApi<TBuilder>(this TBuilder builder, string peerPolicy, string auditEvent, AuditAction action)
        where TBuilder : IEndpointConventionBuilder
    {
        builder.RequireAuthorization(peerPolicy);
        builder.WithMetadata(new AuditDeclaration(auditEvent, action));
        builder.AddEndpointFilter<TBuilder, NationalApiFilter>();
        return builder;
    }

    /// <summary>A route anyone may call (no token: a login, the token endpoint), whose every request is still logged.</summary>
    public static TBuilder AuditedPublic<TBuilder>(this TBuilder builder, string auditEvent, AuditAction action)
        where TBuilder : IEndpointConventionBuilder
    {
        builder.WithMetadata(new AuditDeclaration(auditEvent, action));
        builder.AddEndpointFilter<TBuilder, NationalApiFilter>();
        return builder;
    }

    /// <summary>A route that is public and not logged, on purpose; <paramref name="why"/> says why (and shows in the architecture test).</summary>
    public static TBuilder Public<TBuilder>(this TBuilder builder, string why)
        where TBuilder : IEndpointConventionBuilder => builder.WithMetadata(new PublicRoute(why));
}

/// <summary>
/// The one enforcement point of national API routes: resolves the caller, checks the declared scope, lets the handler
/// describe the access in the request's <see cref="AuditScope"/>, and stores the record before the answer leaves
/// (an access that is not logged is not given: if the log fails, <see cref="AuditWriteException"/> makes it a 503).
/// Refusals before the handler, failures and exceptions are logged too, with whatever is known.
/// </summary>
internal sealed class NationalApiFilter : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var metadata = http.GetEndpoint()?.Metadata;
        var declaration = metadata?.GetMetadata<AuditDeclaration>() ?? throw new InvalidOperationException($"{http.Request.Path}: route without an audit declaration");
        var trail = http.RequestServices.GetRequiredService<AuditTrail>();
        var scope = AuditScope.Of(http);
        var actor = Actors.From(http.User);
        scope.Start(actor is null
            ? Unidentified(trail, http, declaration.Event, declaration.Action, http.User.Identity?.IsAuthenticated == true ? "token names no actor" : null)
            : trail.Start(http, actor, declaration.Event, declaration.Action), actor);

        if (metadata.GetMetadata<ScopeRequirement>() is { } requirement && Authorize(http, actor, requirement) is { } refusal)
        {
            // Refused before anything was looked at: the record names the request, and the patient it names, so the
            // attempt is in that patient's own log too.
            scope.Record = AuditTrail.Refused(scope.Record with
            {
                Event = AuditEventCodes.AccessRefused,
                Action = AuditAction.Execute,
                Patient = PatientNamedBy(http.Request.Query),
                Entities = [Request(http, declaration), .. scope.Record.Entities],
            }, refusal.ErrorCode switch
            {
                "NDI-IAM-005" => "the token names no actor",
                "NDI-IAM-002" => "malformed scopes",
                "NDI-IAM-006" => "login below the assurance level health data needs",
                _ => $"insufficient scope: needs {requirement.Needed}",
            });
            await trail.RecordAsync(scope.Record, CancellationToken.None);
            return refusal;
        }

        object? result;
        try
        {
            result = await next(context);
        }
        catch (Exception exception) when (exception is not AuditWriteException)
        {
            // The caller gets the error handler's answer; the log says the access failed, and how far it got.
            var aborted = exception is OperationCanceledException && http.RequestAborted.IsCancellationRequested;
            scope.Record = scope.Record with
            {
                Outcome = aborted ? AuditOutcome.MinorFailure : AuditOutcome.SeriousFailure,
                OutcomeText = aborted ? "the caller went away before the answer" : $"internal error ({exception.GetType().Name})",
            };
            await trail.RecordAsync(scope.Record, CancellationToken.None);
            throw;
        }
        // Stored before the result is executed: nothing has been sent yet. Not cancelled with the request: an access
        // whose caller went away was still an access.
        var completed = Completed(scope.Record, result);
        if (completed.Entities.Count == 0)
            completed = completed with { Entities = [Request(http, declaration)] };
        await trail.RecordAsync(completed, CancellationToken.None);
        return result;
    }

    /// <summary>A refusal answer with its text, or null when the token may call the route.</summary>
    private static FhirResults.FhirErrorResult? Authorize(HttpContext http, Actor? actor, ScopeRequirement requirement)
    {
        if (actor is null)
            return (FhirResults.FhirErrorResult)Actors.Unrecognised();
        if (AccessPolicy.LoginProblem(actor) is { } weak)
            return Forbidden("NDI-IAM-006", $"Access refused: {weak}.");
        if (!Actors.TryReadScopes(http.User, out var scopes, out var error))
            return Forbidden("NDI-IAM-002", $"The token's scopes are malformed: {error}");
        var context = Actors.ContextOf(actor);
        if (!requirement.Contexts.Contains(context) || !scopes.Grants(context, requirement.ResourceType, requirement.Permissions))
            return Forbidden("NDI-IAM-003", $"Insufficient scope: this needs {requirement.Needed}, granted in the context of who the token speaks for ({Actors.NeededScope(actor, requirement.ResourceType, Letters(requirement.Permissions))} for this caller).");
        return null;
    }

    private static FhirResults.FhirErrorResult Forbidden(string code, string message) =>
        (FhirResults.FhirErrorResult)FhirResults.Error(403, code, OperationOutcome.IssueType.Forbidden, message);

    private static string Letters(ScopePermissions permissions) => new SmartScope(ScopeContext.User, "x", permissions, []).ToString().Split('.')[^1];

    /// <summary>The handler's record with the answer's outcome: an error answer is a failure even when the handler did not say so.</summary>
    internal static AuditRecord Completed(AuditRecord record, object? result)
    {
        var status = (result as IStatusCodeHttpResult)?.StatusCode ?? StatusCodes.Status200OK;
        if (status < 400 || record.Outcome != AuditOutcome.Success)
            return record;
        var text = result is FhirResults.FhirErrorResult error ? $"{error.ErrorCode}: {error.Message}" : $"HTTP {status}";
        return record with
        {
            Outcome = status >= 500 ? AuditOutcome.SeriousFailure : AuditOutcome.MinorFailure,
            OutcomeText = record.OutcomeText ?? (text.Length > 500 ? text[..500] : text),
        };
    }

    /// <summary>The patient a request's search parameters name, when one of the usual ones does and parses.</summary>
    private static string? PatientNamedBy(IQueryCollection query)
    {
        foreach (var name in (string[])["patient.identifier", "identifier", "patient"])
        {
            if (query.TryGetValue(name, out var values) && values.Count == 1 && FhirApi.PatientIdentifierParameter.TryParse(values[0], name, out var patient, out _))
                return patient.Value;
        }
        return null;
    }

    private static AuditEntity Request(HttpContext http, AuditDeclaration declaration) =>
        new("request", $"{http.Request.Method} {http.Request.Path}{http.Request.QueryString}", Detail: $"declared event {declaration.Event}");

    /// <summary>
    /// A record for a caller the policy cannot name: what is known of them (source address, and the issuer, client and
    /// subject their token claims — unverified when the token was not accepted) is kept, so denials can be followed up.
    /// </summary>
    internal static AuditRecord Unidentified(AuditTrail trail, HttpContext http, string @event, AuditAction action, string? why, string? presentedToken = null)
    {
        string? Claim(string type) => http.User.FindFirst(type)?.Value;
        var (issuer, client, subject) = (Claim("iss"), Claim(NdiClaims.ClientId) ?? Claim("azp"), Claim("sub"));
        var verified = issuer is not null;
        if (!verified && presentedToken is { Length: < 16384 } && new JsonWebTokenHandler().CanReadToken(presentedToken))
        {
            try
            {
                var token = new JsonWebToken(presentedToken);
                (issuer, client, subject) = (token.Issuer, token.TryGetPayloadValue<string>(NdiClaims.ClientId, out var c) ? c : null, token.Subject);
            }
            catch (ArgumentException)
            {
                // Not even readable: the address is all that is known.
            }
        }
        var known = string.Join("; ", new[] { ("iss", issuer), ("client_id", client), ("sub", subject) }
            .Where(p => !string.IsNullOrEmpty(p.Item2)).Select(p => $"{p.Item1}={Cap(p.Item2!)}"));
        var record = new AuditRecord(trail.Now, @event, action, why is null ? AuditOutcome.Success : AuditOutcome.MinorFailure,
            new AuditAgent(AuditAgentKind.Unidentified, Cap(subject ?? client ?? "anonymous")), Source: http.Connection.RemoteIpAddress?.ToString(), OutcomeText: why);
        return known.Length == 0 ? record : record with { Entities = [new AuditEntity(verified ? "token" : "unverified-token", Detail: known)] };
    }

    private static string Cap(string value) => value.Length > 200 ? value[..200] : value;

    /// <summary>
    /// A request refused for want of a valid token (401), on a route that declares an audit: logged with the address
    /// and what the presented token claims, unverified.
    /// </summary>
    public static async System.Threading.Tasks.Task RecordUnauthenticatedAsync(HttpContext http, string why)
    {
        if (http.GetEndpoint()?.Metadata.GetMetadata<AuditDeclaration>() is not { } declaration || http.RequestServices.GetService<AuditTrail>() is not { } trail)
            return;
        var header = http.Request.Headers.Authorization.ToString();
        var token = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header[7..].Trim() : null;
        var record = Unidentified(trail, http, AuditEventCodes.AccessRefused, AuditAction.Execute, $"not authenticated: {why}", token);
        await trail.RecordAsync(record with { Entities = [Request(http, declaration), .. record.Entities] }, CancellationToken.None);
    }
}
