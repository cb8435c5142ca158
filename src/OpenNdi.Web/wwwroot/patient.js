// The access service for patients (OpenNdi.Web, PatientPortal.razor, after common.js; patient-rights.js after it): the patient logs in, and the page
// reads their entries of the national audit log (FHIR AuditEvent, shaped after IHE BALP) for a period, as that
// patient: every access with person, provider, care unit, time and purpose, emergency access highlighted with the
// reason given. The token is kept in memory only; every text from an answer goes through text().
"use strict";
const client = "openndi-patient-portal";
const home = "/portal/patient";
const redirect = location.origin + home + "/callback";
const scope = $("login").dataset.scope;   // the scopes the server registered this client with (PatientClient.Scopes)
let session = null;   // { token, claims, self, patient }: in memory only; patient is whom the person acts for now
let records = [];     // the period's records, as read

$("login").onclick = () => authorize(client, redirect, scope);

function loggedOut(message) {
  session = null;
  records = [];
  $("app").hidden = true;
  $("login-panel").hidden = false;
  $("who").textContent = "";
  $("login-error").innerHTML = message ? `<p class="error">${text(message)}</p>` : "";
}

function loggedIn(token, patient) {
  const claims = claimsOf(token);
  const self = patient || claims.person_id || claims.sub;
  session = { token, claims, self, patient: self };
  $("login-panel").hidden = true;
  $("app").hidden = false;
  $("who").innerHTML = `${text(claims.subject_name || session.patient)} · <button type="button" class="link" id="logout">${text(t("js.logout"))}</button>`;
  $("logout").onclick = () => loggedOut(t("js.loggedOut"));
  // The last 90 days unless the patient chooses otherwise.
  const today = new Date();
  $("to").value = today.toISOString().slice(0, 10);
  $("from").value = new Date(today.getTime() - 90 * 86400000).toISOString().slice(0, 10);
  readRepresented();
  showPatient();
}

// Everything on the page is about the patient acted for: the person themselves, or someone they represent.
function showPatient() {
  $("acting-note").hidden = session.patient === session.self;
  $("acting-note").textContent = session.patient === session.self ? "" : t("js.rep.actingNote", $("acting-for").selectedOptions[0]?.textContent || session.patient);
  read();
  readChoices();
  loadRecord();
  readCorrections();
  readResearchUse();
}

(async () => {
  const params = new URLSearchParams(location.search);
  if (params.has("error")) { history.replaceState(null, "", home); loggedOut(`${params.get("error")}: ${params.get("error_description") || ""}`); return; }
  if (!params.has("code")) return;
  const { body, error } = await redeem(client, redirect, home, params);
  if (error) { loggedOut(error); return; }
  loggedIn(body.access_token, body.patient);
})();

$("filter").onsubmit = event => { event.preventDefault(); read(); };
$("provider").onchange = show;
$("own").onchange = show;

// ---- Reading the log for the period (the provider filter and the patient's own reads apply on what was read) ----
async function read() {
  const query = new URLSearchParams({ "patient.identifier": session.patient, _count: "1000" });
  if ($("from").value) query.append("date", "ge" + $("from").value);
  if ($("to").value) query.append("date", "le" + $("to").value + "T23:59:59Z");
  $("status").textContent = t("js.patient.reading");
  $("message").innerHTML = "";
  let response, body;
  try {
    response = await fetch("/fhir/AuditEvent?" + query, { headers: { Authorization: `Bearer ${session.token}`, Accept: "application/fhir+json" }, cache: "no-store" });
    body = await response.json().catch(() => null);
  } catch {
    $("status").textContent = "";
    showError(t("js.unreachable.title"), t("js.unreachable.text"));
    return;
  }
  $("status").textContent = "";
  if (response.status === 401) { loggedOut(t("js.session.ended")); return; }
  if (!response.ok || body?.resourceType !== "Bundle") {
    showError(t("js.request.failed", response.status), outcomeText(body) || t("js.request.noReason"));
    return;
  }
  records = (body.entry || []).map(e => record(e.resource)).filter(Boolean);
  const providers = [...new Map(records.filter(r => r.provider).map(r => [r.provider, r.provider])).keys()].sort();
  const chosen = $("provider").value;
  const abroad = new Map(records.filter(r => r.abroad).map(r => [r.provider, abroadName(r)]));
  $("provider").innerHTML = `<option value="">${text(t("js.patient.allProviders"))}</option>`
    + providers.map(p => `<option value="${text(p)}"${p === chosen ? " selected" : ""}>${text(abroad.get(p) ?? p)}</option>`).join("");
  show();
  nameOrganizations();
}

// One AuditEvent as a row: the requesting agent, the provider organisation agent, the purpose, break-the-glass.
function record(e) {
  if (!e || e.resourceType !== "AuditEvent") return null;
  const requestor = (e.agent || []).find(a => a.requestor) || {};
  const provider = (e.agent || []).find(a => a.type?.coding?.some(c => c.code === "PROV"));
  const event = (e.subtype || []).find(c => c.system === "https://openndi.se/fhir/CodeSystem/audit-event")?.code || "";
  // A professional in another member state, through that country's contact point (MyHealth@EU): the contact point is
  // the request's source agent (DICOM 110153), named by its trust-list id, urn:ehdsi:ncp:<country>.
  const peer = (e.agent || []).find(a => a.type?.coding?.some(c => c.code === "110153"))?.who?.identifier?.value || "";
  const abroad = /^urn:ehdsi:ncp:[A-Z]{2}$/.test(peer) ? peer.slice(-2) : peer ? peer : null;
  return {
    abroad,
    when: e.recorded || "",
    who: requestor.who?.display || requestor.who?.identifier?.value || "",
    role: (requestor.role || []).map(r => r.text).filter(Boolean).join(", "),
    self: requestor.who?.identifier?.value === session.patient,
    provider: provider?.who?.identifier?.value || (abroad ? peer : ""),
    unit: requestor.location?.identifier?.value || "",
    purpose: e.purposeOfEvent?.[0]?.coding?.[0]?.code || "",
    event,
    emergency: (e.meta?.security || []).some(s => s.code === "BTG"),
    reason: (e.entity || []).find(x => x.name === "emergency-reason")?.description || "",
    refused: e.outcome && e.outcome !== "0",
  };
}

// Swedish time, in the page's language (the log records UTC).
const localTime = iso => iso ? new Date(iso).toLocaleString(document.documentElement.lang === "en" ? "en-GB" : "sv-SE",
  { timeZone: "Europe/Stockholm", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" }) : "";
const label = (prefix, code) => code ? (texts[prefix + code] ?? code) : "";
const unitSpan = id => id ? `<span data-org="${text(id)}">${text(id)}</span>` : "";
const abroadName = r => t("js.abroad.via", texts["js.xb.country." + r.abroad] ?? r.abroad);

function show() {
  const provider = $("provider").value;
  const rows = records.filter(r => (!provider || r.provider === provider) && ($("own").checked || !r.self));
  const emergencies = rows.filter(r => r.emergency).length;
  $("log").hidden = false;
  $("log-caption").textContent = (rows.length === 1 ? t("js.patient.captionOne") : t("js.patient.caption", rows.length)) + (emergencies ? " " + t("js.patient.emergencies", emergencies) : "");
  $("log").tBodies[0].innerHTML = rows.length === 0
    ? `<tr><td colspan="6" class="empty">${text(t("js.patient.noAccesses"))}</td></tr>`
    : rows.map(r => `<tr class="${r.emergency ? "via-emergency" : r.abroad ? "abroad" : ""}">
        <td>${text(localTime(r.when))}</td>
        <td>${text(r.self ? t("js.patient.you") : r.who)}${r.role ? `<br><span class="meta">${text(r.role)}</span>` : ""}
          ${r.abroad ? `<br><span class="badge abroad">${text(t("js.abroad.badge"))}</span> <span class="meta">${text(abroadName(r))}</span>` : ""}</td>
        <td>${r.abroad ? text(abroadName(r)) : unitSpan(r.provider)}</td>
        <td>${unitSpan(r.unit)}</td>
        <td>${text(label("js.purpose.", r.purpose))}</td>
        <td>${text(label("js.event.", r.event))}${r.refused ? ` <span class="badge merged">${text(t("js.patient.refused"))}</span>` : ""}
          ${r.emergency ? `<span class="badge emergency">${text(t("js.emergency.title"))}</span><br><span class="meta">${text(t("js.patient.reason", r.reason))}</span>` : ""}</td></tr>`).join("");
}

// Provider and care unit names from the national directory (mCSD Organization), where the patient may read them.
async function nameOrganizations() {
  const spans = [...document.querySelectorAll("[data-org]")];
  spans.forEach(span => organizationName(span.dataset.org, session.token));  // all asked at once
  for (const span of spans) {
    const name = await organizationName(span.dataset.org, session.token);
    if (name) { span.textContent = name; span.title = span.dataset.org; }
  }
  for (const option of $("provider").options) {
    const name = option.value && !option.value.startsWith("urn:ehdsi:") && await organizationName(option.value, session.token);
    if (name) option.textContent = name;
  }
}

// ---- My choices: opting out of sharing between providers, and of secondary use (FHIR Consent, IHE PCF) ----
const kinds = { "optout-primary": "patient-privacy", "optout-secondary": "research", "optout-research-contact": "research" };
let choices = {};   // kind -> active?
let consents = [];  // every Consent of the patient, as read

async function readChoices() {
  const response = await fetch("/fhir/Consent?" + new URLSearchParams({ patient: session.patient }), { headers: { Authorization: `Bearer ${session.token}`, Accept: "application/fhir+json" }, cache: "no-store" });
  const body = await response.json().catch(() => null);
  if (!response.ok || body?.resourceType !== "Bundle") { $("choices-message").textContent = t("js.request.failed", response.status); return; }
  choices = {};
  consents = (body.entry || []).map(e => e.resource).filter(Boolean);
  showBlocks();
  showProxies();
  showShares();
  for (const consent of consents) {
    const kind = consent?.category?.flatMap(c => c.coding || []).find(c => c.system === "urn:openndi:consent-kind")?.code;
    if (kind in kinds) choices[kind] = consent.status === "active";
  }
  for (const kind of Object.keys(kinds)) {
    const on = !!choices[kind];
    $(`${kind}-state`).textContent = t(on ? "js.choice.optedOut" : "js.choice.sharing");
    $(`${kind}-change`).textContent = t(on ? "js.choice.optBackIn" : "js.choice.optOut");
    $(`${kind}-change`).dataset.optOut = on ? "false" : "true";
  }
}

// Before any change, the consequences in plain words; the change only on confirmation.
const confirmDialog = $("choice-dialog");
let confirmed = null;   // what to do when the person confirms
function confirmThen(title, consequence, action) {
  confirmed = action;
  $("choice-title").textContent = title;
  $("choice-consequence").textContent = consequence;
  confirmDialog.showModal();
  $("choice-cancel").focus();
}
$("choice-form").onsubmit = async event => {
  event.preventDefault();
  const action = event.submitter?.value === "confirm" ? confirmed : null;
  confirmed = null;
  confirmDialog.close();
  if (action) await action();
};

for (const kind of Object.keys(kinds)) {
  $(`${kind}-change`).onclick = () => {
    const optOut = $(`${kind}-change`).dataset.optOut === "true";
    confirmThen(t(optOut ? "js.choice.confirmOut.title" : "js.choice.confirmIn.title"), t(`js.choice.${kind}.${optOut ? "out" : "in"}`), () => saveChoice(kind, optOut));
  };
}

async function saveChoice(kind, optOut) {
  const consent = consentOf(kind, kinds[kind], { type: "deny" }, optOut ? "active" : "inactive");
  const { response, body } = await sendConsent("POST", "/fhir/Consent", consent);
  $("choices-message").textContent = response.ok ? t("js.choice.saved") : `${t("js.request.failed", response.status)} ${outcomeText(body)}`;
  if (response.ok) await readChoices();
}

// A Consent (IHE PCF) about the patient acted for: its kind (and any further category), scope, provision and status.
const consentOf = (kind, scope, provision, status = "active", categories = []) => ({ resourceType: "Consent", status,
  scope: { coding: [{ system: "http://terminology.hl7.org/CodeSystem/consentscope", code: scope }] },
  category: [{ coding: [{ system: "urn:openndi:consent-kind", code: kind }] }, ...categories],
  patient: { identifier: { system: "urn:oid:1.2.752.129.2.1.3.1", value: session.patient } },
  provision });

// Writes a Consent (IHE PCF) as the person; answers the response and its body.
async function sendConsent(method, url, consent) {
  const response = await fetch(url, { method, body: JSON.stringify(consent),
    headers: { Authorization: `Bearer ${session.token}`, "Content-Type": "application/fhir+json", Accept: "application/fhir+json" } });
  return { response, body: await response.json().catch(() => null) };
}
