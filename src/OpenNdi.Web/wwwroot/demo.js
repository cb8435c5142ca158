// The demo SMART app (OpenNdi.Web, Demo/DemoPortal.razor, after common.js; module DemoLogin only): logs in with the
// authorization code flow and PKCE as a public client, then shows the token's claims and a curl line to try.
"use strict";
const client = "openndi-demo-portal";
const redirect = location.origin + "/demo/callback";
const scope = $("login").dataset.scope;
// Something this person may call: a patient their own index entries, others the directory.
const tryPath = claims => claims.person_id ? `/fhir/DocumentReference?patient.identifier=${claims.person_id}` : "/fhir/Endpoint";
const show = html => { $("result").innerHTML = html; };

$("login").onclick = () => authorize(client, redirect, scope);

(async () => {
  const params = new URLSearchParams(location.search);
  if (params.has("error")) { show(`<p class="error">${text(params.get("error"))}: ${text(params.get("error_description") || "")}</p>`); return; }
  if (!params.has("code")) return;
  const { body, error } = await redeem(client, redirect, "/demo", params);
  if (error) { show(`<p class="error">${text(error)}</p>`); return; }
  const claims = claimsOf(body.access_token);
  show(`<h2>${text(t("js.demo.loggedIn"))}</h2><p>${text(t("js.demo.scopes"))} <code>${text(body.scope)}</code></p>
    <h3>${text(t("js.demo.claims"))}</h3><pre id="claims">${text(JSON.stringify(claims, null, 2))}</pre>
    <h3>${text(t("js.demo.try"))}</h3><pre>curl -H "Authorization: Bearer ${text(body.access_token)}" "${text(location.origin)}${text(tryPath(claims))}"</pre>`);
})();
