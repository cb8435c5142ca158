namespace OpenNdi.Server.Identity.AuthorizationServer;

/// <summary>
/// <c>/demo</c>: a SMART app in one page, to try the login. It runs the authorization code flow with PKCE in the
/// browser, as a public client would (the verifier never leaves the browser until the code is redeemed), then
/// shows the token's claims and a ready <c>curl</c> line for the national APIs.
/// </summary>
internal static class DemoPortalPage
{
    /// <summary>The demo page as a public client (authorization code with PKCE), registered when the demo login runs.</summary>
    public static readonly BuiltInApp App = new("openndi-demo-portal", "OpenNdi demo portal",
        "openid fhirUser launch/patient patient/*.rs user/*.rs user/Endpoint.cruds user/Organization.cruds user/Location.cruds user/HealthcareService.cruds ndi/directory.admin",
        "/demo/callback");

    public static IResult Show() => Results.Content(Page, "text/html; charset=utf-8");

    private const string Page = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>OpenNdi demo login</title>
        <style>
        body { font-family: system-ui, sans-serif; max-width: 50rem; margin: 2rem auto; padding: 0 1rem; }
        pre { background: #f2f2f2; padding: .8rem; overflow-x: auto; white-space: pre-wrap; word-break: break-all; }
        button { padding: .5rem 1rem; } .error { color: #a00000; font-weight: bold; }
        </style></head>
        <body>
        <h1>OpenNdi demo login</h1>
        <p>Log in as a synthetic clinician, patient, guardian or operator and get an access token for the national APIs.</p>
        <button id="login">Log in</button>
        <div id="result"></div>
        <script>
        const client = "openndi-demo-portal";
        const redirect = location.origin + "/demo/callback";
        const scope = "openid fhirUser launch/patient patient/*.rs user/*.rs user/Endpoint.cruds user/Organization.cruds user/Location.cruds user/HealthcareService.cruds ndi/directory.admin";
        const b64url = bytes => btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
        // Something this person may call: a patient their own index entries, others the directory.
        const tryPath = claims => claims.person_id ? `/fhir/DocumentReference?patient.identifier=${claims.person_id}` : "/fhir/Endpoint";
        const show = html => document.getElementById("result").innerHTML = html;
        const text = s => String(s).replace(/[&<>"]/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c]));
        document.getElementById("login").onclick = async () => {
          const verifier = b64url(crypto.getRandomValues(new Uint8Array(32)));
          const state = b64url(crypto.getRandomValues(new Uint8Array(16)));
          sessionStorage.setItem("pkce", JSON.stringify({ verifier, state }));
          const challenge = b64url(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
          const query = new URLSearchParams({ response_type: "code", client_id: client, redirect_uri: redirect, scope, state,
            code_challenge: challenge, code_challenge_method: "S256", aud: location.origin + "/fhir" });
          location.assign("/oauth/authorize?" + query);
        };
        (async () => {
          const params = new URLSearchParams(location.search);
          if (params.has("error")) { show(`<p class="error">${text(params.get("error"))}: ${text(params.get("error_description") || "")}</p>`); return; }
          if (!params.has("code")) return;
          const saved = JSON.parse(sessionStorage.getItem("pkce") || "{}");
          sessionStorage.removeItem("pkce");
          if (saved.state !== params.get("state")) { show('<p class="error">The state does not match: start the login again.</p>'); return; }
          const response = await fetch("/oauth/token", { method: "POST", body: new URLSearchParams({ grant_type: "authorization_code",
            code: params.get("code"), redirect_uri: redirect, client_id: client, code_verifier: saved.verifier }) });
          const body = await response.json();
          if (!response.ok) { show(`<p class="error">${text(body.error)}: ${text(body.error_description)}</p>`); return; }
          const payload = atob(body.access_token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/"));
          const claims = JSON.parse(new TextDecoder().decode(Uint8Array.from(payload, c => c.charCodeAt(0))));
          history.replaceState(null, "", "/demo");
          show(`<h2>Logged in</h2><p>Granted scopes: <code>${text(body.scope)}</code></p>
            <h3>Token claims</h3><pre id="claims">${text(JSON.stringify(claims, null, 2))}</pre>
            <h3>Try it</h3><pre>curl -H "Authorization: Bearer ${text(body.access_token)}" "${text(location.origin)}${text(tryPath(claims))}"</pre>`);
        })();
        </script>
        </body></html>
        """;
}
