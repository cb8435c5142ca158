// What every page of the web front end shares (OpenNdi.Web): its texts, escaping, and the login as a public client
// of the national authorization server (authorization code with PKCE, RFC 7636), the verifier kept in this tab only
// until the code is redeemed. Loaded before the page's own script.
"use strict";
const $ = id => document.getElementById(id);
const text = s => String(s ?? "").replace(/[&<>"']/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
// Every text shown comes from the page's resource files (sv first, en second), passed in as data-texts.
const texts = JSON.parse(document.getElementById("texts").dataset.texts);
const t = (key, ...args) => (texts[key] ?? key).replace(/\{(\d+)\}/g, (_, i) => String(args[Number(i)] ?? ""));
// The same, escaped for the page, with arguments that are already markup.
const th = (key, ...markup) => text(texts[key] ?? key).replace(/\{(\d+)\}/g, (_, i) => markup[Number(i)] ?? "");
const b64url = bytes => btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

function claimsOf(jwt) {
  const payload = atob(jwt.split(".")[1].replace(/-/g, "+").replace(/_/g, "/"));
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(payload, c => c.charCodeAt(0))));
}

// Sends the browser to the authorization endpoint; extra parameters (an EHR's launch, its aud) go along.
async function authorize(client, redirect, scope, extra = {}) {
  const verifier = b64url(crypto.getRandomValues(new Uint8Array(32)));
  const state = b64url(crypto.getRandomValues(new Uint8Array(16)));
  sessionStorage.setItem(client + "-pkce", JSON.stringify({ verifier, state }));
  const challenge = b64url(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
  location.assign("/oauth/authorize?" + new URLSearchParams({ response_type: "code", client_id: client, redirect_uri: redirect,
    scope, state, code_challenge: challenge, code_challenge_method: "S256", aud: location.origin + "/fhir", ...extra }));
}

// On the callback: redeems the code, and takes it out of the address bar whatever happens.
// Answers { body } with the token response, or { error } with a text to show.
async function redeem(client, redirect, home, params) {
  const saved = JSON.parse(sessionStorage.getItem(client + "-pkce") || "{}");
  sessionStorage.removeItem(client + "-pkce");
  history.replaceState(null, "", home);
  if (saved.state !== params.get("state")) return { error: t("js.login.mismatch") };
  const response = await fetch("/oauth/token", { method: "POST", body: new URLSearchParams({ grant_type: "authorization_code",
    code: params.get("code"), redirect_uri: redirect, client_id: client, code_verifier: saved.verifier }) });
  const body = await response.json().catch(() => ({}));
  return response.ok ? { body } : { error: `${body.error || response.status}: ${body.error_description || t("js.login.failed")}` };
}

// What an OperationOutcome says, in one line.
const outcomeText = body => (body?.issue || []).map(i => i.diagnostics || i.details?.text).filter(Boolean).join(" ");

// An error box in the page's #message.
function showError(title, detail) {
  $("message").innerHTML = `<div class="alert"><h2>${text(title)}</h2><p>${text(detail)}</p></div>`;
}

// An organisation's name from the national directory (mCSD Organization), read once per page; null when it cannot be had.
const organizationNames = new Map();
function organizationName(id, token) {
  if (!organizationNames.has(id))
    organizationNames.set(id, fetch(`/fhir/Organization/${encodeURIComponent(id)}`, { headers: { Authorization: `Bearer ${token}` } })
      .then(r => r.ok ? r.json() : null).then(o => o?.name || null).catch(() => null));
  return organizationNames.get(id);
}
