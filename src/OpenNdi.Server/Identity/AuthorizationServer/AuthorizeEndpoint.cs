using Microsoft.AspNetCore;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using OpenNdi.Core.Audit;
using OpenNdi.Core.Identity;
using OpenNdi.Data.Identity;
using OpenNdi.Server.Audit;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace OpenNdi.Server.Identity.AuthorizationServer;

/// <summary>
/// <c>/oauth/authorize</c>, reached only after OpenIddict has validated the request (registered client and redirect
/// URI, <c>response_type=code</c>, PKCE S256); a request it refuses never gets here, and one whose client or
/// redirect URI is unknown is answered there, never redirected. Who logs in:
/// <list type="bullet">
/// <item>with <c>launch</c> (SMART EHR launch): the professional the EHR named in the launch context, without a second
/// login, with the EHR's patient in context and its care relationship attestation;</item>
/// <item>in the demo (module DemoLogin): the synthetic person chosen on the login page (no password; it stands in for
/// BankID or SITHS);</item>
/// <item>otherwise nobody: production logins come from the national identity providers (<c>login_required</c>).</item>
/// </list>
/// </summary>
internal static class AuthorizeEndpoint
{
    public static async Task<IResult> ShowAsync(HttpContext http, OAuthClients clients, AuditScope audit)
    {
        var request = http.GetOpenIddictServerRequest()!;
        if (request.GetParameter("launch") is not null)
            return await LaunchAsync(http, request, clients, audit);
        if (http.RequestServices.GetService<ILoginUsers>() is not { } users)
            return NoLogin();
        clients.TryGet(request.ClientId, out var client);
        // The authorization request travels in the form, so OpenIddict validates the POST exactly as it did the GET.
        var parameters = request.GetParameters().Where(p => p.Key is not ("user" or "purpose_of_use"))
            .Select(p => new KeyValuePair<string, string>(p.Key, (string?)p.Value ?? string.Empty)).ToList();
        var groups = users.Users.GroupBy(u => u.Subject.Actor)
            .Select(g => new OpenNdi.Web.DemoGroup(Kind(g.Key), [.. g.Select(u => new OpenNdi.Web.DemoPerson(u.Id, u.Name, u.Description))])).ToList();
        return OpenNdi.Web.DemoPages.Login(client?.Name ?? request.ClientId!, request.Scope, parameters, groups);
    }

    public static async Task<IResult> LoginAsync(HttpContext http, OAuthClients clients, AuditScope audit)
    {
        var request = http.GetOpenIddictServerRequest()!;
        if (request.GetParameter("launch") is not null)
            return await LaunchAsync(http, request, clients, audit);
        if (http.RequestServices.GetService<ILoginUsers>() is not { } users)
            return NoLogin();
        var user = users.Users.FirstOrDefault(u => u.Id == (string?)request.GetParameter("user"));
        if (user is null)
            return Page(400, "Choose one of the people on the login page.");
        var subject = user.Subject;
        if (subject.Actor == ActorKind.Professional && (string?)request.GetParameter("purpose_of_use") is { Length: > 0 } purpose)
        {
            if (!PurposeOfUse.IsKnown(purpose))
                return Page(400, $"Unknown purpose of use {purpose}: log in for TREAT or ETREAT; break the glass for one patient by token exchange.");
            subject = subject with { Claims = new Dictionary<string, string>(subject.Claims) { [NdiClaims.PurposeOfUse] = purpose } };
        }
        return SignIn(http, request, clients, audit, subject, patientContext: null, how: "login");
    }

    /// <summary>The EHR launch: the launch context is taken (single use) and its professional signed in.</summary>
    private static async Task<IResult> LaunchAsync(HttpContext http, OpenIddictRequest request, OAuthClients clients, AuditScope audit)
    {
        var launches = http.RequestServices.GetRequiredService<LaunchContextStore>();
        var time = http.RequestServices.GetRequiredService<TimeProvider>();
        var taken = await launches.TakeAsync((string)request.GetParameter("launch")!, time.GetUtcNow(), http.RequestAborted);
        var context = taken is null ? null : JsonSerializer.Deserialize<LaunchContext>(taken.Value.Context, LaunchEndpoint.Json);
        if (context is null)
            return Refuse(audit, Errors.InvalidRequest, "launch names no launch context: unknown, already used or expired; launch the app again from the EHR");
        if (context.AppClientId is { } app && app != request.ClientId)
            return Refuse(audit, Errors.InvalidRequest, "the launch was made for another app");
        if (!request.HasScope("launch"))
            return Refuse(audit, Errors.InvalidScope, "an EHR launch needs the scope launch (SMART App Launch §2.0.4)");
        audit.Record = audit.Record with { Patient = context.Patient };
        return SignIn(http, request, clients, audit, context.Subject(), context.Patient, how: $"EHR launch by {taken!.Value.ClientId}");
    }

    private static IResult SignIn(HttpContext http, OpenIddictRequest request, OAuthClients clients, AuditScope audit, TokenSubject subject, string? patientContext, string how)
    {
        if (!clients.TryGet(request.ClientId, out var client))
            return Refuse(audit, Errors.InvalidClient, "client_id names no registered app");
        var (granted, error) = ScopeGrant.Decide(request.Scope, subject.Actor, client);
        audit.Record = audit.Record with { Who = TokenEndpoint.TokenAgent(subject) };
        if (granted is null)
            return Refuse(audit, Errors.InvalidScope, error!);
        audit.Record = audit.Record with { Entities = [new AuditEntity("login", client.ClientId, Detail: $"{how}: authorization code for scope {granted}")] };
        var principal = SubjectPrincipal.Create(subject, granted, http.RequestServices.GetRequiredService<AuthorizationServerOptions>(),
            http.RequestServices.GetRequiredService<IdentityOptions>(), patientContext);
        return Results.SignIn(principal, null, OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    private static IResult Refuse(AuditScope audit, string error, string description) => OAuthRefusal.Refuse(audit, error, description);

    private static IResult NoLogin() => OAuthRefusal.Forbid(Errors.LoginRequired,
        "this server has no login of its own: log in through a national identity provider, or launch the app from your EHR");

    private static IResult Page(int status, string message) => OpenNdi.Web.DemoPages.LoginProblem(status, message);

    private static string Kind(ActorKind actor) => actor switch
    {
        ActorKind.Professional => "professional",
        ActorKind.Patient => "patient",
        ActorKind.Operator => "operator",
        ActorKind.Applicant => "applicant",
        ActorKind.AccessBodyOfficer => "accessbodyofficer",
        _ => actor.ToString().ToLowerInvariant(),
    };
}
