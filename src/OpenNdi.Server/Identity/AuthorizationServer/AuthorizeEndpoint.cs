using System.Net;
using System.Text;
using OpenNdi.Core.Audit;
using OpenNdi.Core.Identity;
using OpenNdi.Server.Audit;

namespace OpenNdi.Server.Identity.AuthorizationServer;

/// <summary>
/// <c>/oauth/authorize</c> (RFC 6749 §4.1 with PKCE, SMART App Launch standalone): <c>GET</c> checks the request and
/// shows the login page; <c>POST</c> (the page's form) logs the chosen person in and redirects back with a code.
/// A request whose client or redirect URI is not registered is answered here, never redirected, so a forged
/// request cannot send codes elsewhere. This is the demo's login: choosing a person stands in for BankID or SITHS.
/// </summary>
internal static class AuthorizeEndpoint
{
    private sealed record AuthorizationRequest(OAuthClient Client, string RedirectUri, string Scope, string? State, string CodeChallenge);

    public static IResult Show(HttpRequest request, OAuthClients clients, ILoginUsers users)
    {
        var (authorization, failure) = Validate(request.Query, clients);
        return authorization is null ? failure! : Results.Content(LoginPage(authorization, users.Users), "text/html; charset=utf-8");
    }

    public static async Task<IResult> LoginAsync(HttpRequest request, OAuthClients clients, ILoginUsers users, AuthorizationCodes codes, AuditScope audit)
    {
        if (!request.HasFormContentType)
            return Page(400, "The login form must be posted as a form.");
        var form = await request.ReadFormAsync(request.HttpContext.RequestAborted);
        var (authorization, failure) = Validate(form, clients);
        if (authorization is null)
            return failure!;
        var user = users.Users.FirstOrDefault(u => u.Id == form["user"]);
        if (user is null)
            return Page(400, "Choose one of the people on the login page.");

        var subject = user.Subject;
        if (subject.Actor == ActorKind.Professional && form["purpose_of_use"].ToString() is { Length: > 0 } purpose)
        {
            if (!PurposeOfUse.IsKnown(purpose))
                return Page(400, $"Unknown purpose of use {purpose}.");
            subject = subject with { Claims = new Dictionary<string, string>(subject.Claims) { [NdiClaims.PurposeOfUse] = purpose } };
        }
        var (granted, error) = ScopeGrant.Decide(authorization.Scope, subject.Actor, authorization.Client);
        if (granted is null)
            return Redirect(authorization.RedirectUri, authorization.State, ("error", "invalid_scope"), ("error_description", error!));
        var code = codes.Issue(authorization.Client.ClientId, authorization.RedirectUri, authorization.CodeChallenge, subject, granted);
        audit.Record = audit.Record with
        {
            Who = TokenEndpoint.TokenAgent(subject),
            Entities = [new AuditEntity("login", authorization.Client.ClientId, Detail: $"authorization code for scope {granted}")],
        };
        return Redirect(authorization.RedirectUri, authorization.State, ("code", code));
    }

    private static (AuthorizationRequest? Request, IResult? Failure) Validate(IEnumerable<KeyValuePair<string, Microsoft.Extensions.Primitives.StringValues>> parameters, OAuthClients clients)
    {
        var p = parameters.ToDictionary(kv => kv.Key, kv => kv.Value.ToString(), StringComparer.Ordinal);
        string Get(string name) => p.TryGetValue(name, out var value) ? value : string.Empty;

        if (!clients.TryGet(Get("client_id"), out var client) || client.IsBackendService)
            return (null, Page(400, "Unknown client: client_id names no registered app."));
        var redirectUri = Get("redirect_uri");
        if (!client.RedirectUris.Contains(redirectUri, StringComparer.Ordinal))
            return (null, Page(400, "redirect_uri is not registered for this client."));
        var state = p.GetValueOrDefault("state");
        if (Get("response_type") != "code")
            return (null, Redirect(redirectUri, state, ("error", "unsupported_response_type"), ("error_description", "response_type must be code")));
        if (Get("code_challenge").Length < 43 || Get("code_challenge_method") != "S256")
            return (null, Redirect(redirectUri, state, ("error", "invalid_request"), ("error_description", "PKCE is required: code_challenge with code_challenge_method S256")));
        if (Get("scope").Length == 0)
            return (null, Redirect(redirectUri, state, ("error", "invalid_scope"), ("error_description", "scope is required")));
        if (!ScopeSet.TryParse(Get("scope"), out _, out var scopeError))
            return (null, Redirect(redirectUri, state, ("error", "invalid_scope"), ("error_description", scopeError!)));
        return (new AuthorizationRequest(client, redirectUri, Get("scope"), state, Get("code_challenge")), null);
    }

    private static IResult Redirect(string redirectUri, string? state, params (string Name, string Value)[] parameters)
    {
        var query = new StringBuilder();
        foreach (var (name, value) in parameters.Append(("state", state ?? string.Empty)).Where(x => x.Item2.Length > 0))
            query.Append(query.Length == 0 ? (redirectUri.Contains('?', StringComparison.Ordinal) ? '&' : '?') : '&').Append(name).Append('=').Append(Uri.EscapeDataString(value));
        return Results.Redirect(redirectUri + query);
    }

    private static IResult Page(int status, string message) =>
        Results.Content(Html("Cannot log in", $"<p class=\"error\">{WebUtility.HtmlEncode(message)}</p>"), "text/html; charset=utf-8", Encoding.UTF8, status);

    private static string LoginPage(AuthorizationRequest request, IReadOnlyList<LoginUser> users)
    {
        var body = new StringBuilder();
        body.Append($"<p><strong>{WebUtility.HtmlEncode(request.Client.Name)}</strong> asks to act for you with: <code>{WebUtility.HtmlEncode(request.Scope)}</code></p>");
        body.Append("<form method=\"post\" action=\"/oauth/authorize\">");
        foreach (var (name, value) in new[] { ("response_type", "code"), ("client_id", request.Client.ClientId), ("redirect_uri", request.RedirectUri), ("scope", request.Scope), ("state", request.State ?? string.Empty), ("code_challenge", request.CodeChallenge), ("code_challenge_method", "S256") })
            body.Append($"<input type=\"hidden\" name=\"{name}\" value=\"{WebUtility.HtmlEncode(value)}\">");
        body.Append("<label>Purpose of use (professionals): <select name=\"purpose_of_use\"><option value=\"TREAT\">Treatment</option><option value=\"ETREAT\">Emergency treatment</option></select></label>");
        foreach (var group in users.GroupBy(u => u.Subject.Actor))
        {
            body.Append($"<h2>{GroupTitle(group.Key)}</h2><ul>");
            foreach (var user in group)
                body.Append($"<li><button type=\"submit\" name=\"user\" value=\"{WebUtility.HtmlEncode(user.Id)}\">{WebUtility.HtmlEncode(user.Name)}</button> <span>{WebUtility.HtmlEncode(user.Description)}</span></li>");
            body.Append("</ul>");
        }
        body.Append("</form>");
        return Html("Log in to OpenNdi", body.ToString());
    }

    private static string GroupTitle(ActorKind actor) => actor switch
    {
        ActorKind.Professional => "Health professionals (SITHS card, simulated)",
        ActorKind.Patient => "Patients and guardians (BankID, simulated)",
        ActorKind.Operator => "Operators",
        _ => actor.ToString(),
    };

    private static string Html(string title, string body) => $$"""
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{WebUtility.HtmlEncode(title)}}</title>
        <style>
        body { font-family: system-ui, sans-serif; max-width: 46rem; margin: 2rem auto; padding: 0 1rem; color: #1b1b1b; }
        h1 { font-size: 1.5rem; } h2 { font-size: 1.1rem; margin-top: 1.5rem; }
        ul { list-style: none; padding: 0; } li { margin: .4rem 0; }
        button { min-width: 14rem; padding: .4rem .8rem; text-align: left; cursor: pointer; }
        span { color: #555; font-size: .9rem; } code { background: #f2f2f2; padding: 0 .2rem; word-break: break-all; }
        .error { color: #a00000; font-weight: bold; }
        </style></head>
        <body><h1>{{WebUtility.HtmlEncode(title)}}</h1>{{body}}<p><small>Demo login: no password; every person here is synthetic.</small></p></body></html>
        """;
}
