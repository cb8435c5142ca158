using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.IdentityModel.Tokens;
using OpenNdi.Core.Audit;
using OpenNdi.Core.Identifiers;
using OpenNdi.Core.Identity;
using OpenNdi.Core.Policy;
using OpenNdi.Data.Identity;
using OpenNdi.Server.Audit;

namespace OpenNdi.Server.Identity.AuthorizationServer;

/// <summary>
/// <c>POST /oauth/launch</c>: an EHR registers the context of a launch before it opens an app with
/// <c>launch={id}&amp;iss={fhir base}</c> (SMART App Launch 2.2 §2.0.4; the standard leaves how the EHR and the
/// authorization server share the context to them). The EHR is a backend service with the scope
/// <see cref="EhrLaunchScopes.CreateLaunch"/>; the access policy lets it vouch only for its own provider's staff
/// (<see cref="AccessPolicy.MayCreateLaunch"/>). Body: a <see cref="LaunchContext"/> as JSON. Answer:
/// <c>{"launch": id, "expires_in": seconds}</c>; errors are RFC 9457 problem details.
/// </summary>
internal static class LaunchEndpoint
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static async Task<IResult> CreateAsync(HttpContext http, LaunchContextStore launches, AuthorizationServerOptions options, TimeProvider time, AuditScope audit)
    {
        var actor = Actors.From(http.User);
        LaunchContext? context;
        try
        {
            context = await http.Request.ReadFromJsonAsync<LaunchContext>(Json, http.RequestAborted);
        }
        catch (Exception exception) when (exception is JsonException or InvalidOperationException)
        {
            context = null;
        }
        if (context?.Professional is null || context.Problem() is { } problem)
            return Refused(audit, 400, "The launch context is not valid", context?.Professional is null ? "send a JSON launch context with professional and patient" : context.Problem()!);
        audit.Record = audit.Record with { Patient = PersonalIdentityNumber.Parse(context.Patient).Value };
        var mayLaunch = Actors.TryReadScopes(http.User, out var scopes, out _) && scopes.OtherScopes.Contains(EhrLaunchScopes.CreateLaunch, StringComparer.Ordinal);
        var decision = actor is null ? ChangeDecision.Deny("the token names no actor") : AccessPolicy.MayCreateLaunch(actor, mayLaunch, HsaId.Parse(context.Professional.Organization));
        if (!decision.Allowed)
            return Refused(audit, 403, "The launch is not allowed", decision.Reason!);

        var id = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));
        var lifetime = TimeSpan.FromMinutes(options.LaunchMinutes);
        var clientId = ((SystemActor)actor!).ClientId;
        await launches.AddAsync(id, clientId, JsonSerializer.Serialize(context, Json), time.GetUtcNow() + lifetime, http.RequestAborted);
        audit.Record = audit.Record with
        {
            Entities = [new AuditEntity("launch", clientId, context.Professional.Organization,
                Detail: $"for {context.Professional.Id} at {context.Professional.CareUnit}; care relationship {(context.CareRelationship ? "attested" : "not attested")}; purpose {context.PurposeOfUse}")],
        };
        http.Response.Headers.CacheControl = "no-store";
        return Results.Json(new Dictionary<string, object> { ["launch"] = id, ["expires_in"] = (int)lifetime.TotalSeconds });
    }

    private static IResult Refused(AuditScope audit, int status, string title, string detail)
    {
        audit.Record = audit.Record with { Outcome = AuditOutcome.MinorFailure, OutcomeText = detail };
        return Results.Problem(title: title, detail: detail, statusCode: status, extensions: new Dictionary<string, object?> { ["code"] = status == 400 ? "NDI-IAM-010" : "NDI-IAM-011" });
    }
}
