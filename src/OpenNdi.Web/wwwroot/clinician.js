// The clinician view's script (OpenNdi.Web, ClinicianView.razor, after common.js): the login,
// an EHR launch (SMART App Launch), the patient search, the emergency dialog, and the summary drawn from the IPS
// document Bundle of Patient/$summary. The token is kept in memory only; every text from an answer goes through text().
"use strict";
const client = "openndi-clinician-portal";
const home = "/portal/clinician";
const redirect = location.origin + home + "/callback";
const scope = "openid fhirUser user/*.rs";
let session = null;  // { token, claims }: in memory only
let current = null;  // the personnummer on screen
let asked = 0;       // the latest request: an earlier answer arriving late is dropped

// ---- Login (common.js) ----
$("login").onclick = () => authorize(client, redirect, scope);

function loggedOut(message) {
  session = null;
  $("app").hidden = true;
  $("login-panel").hidden = false;
  $("who").textContent = "";
  $("login-error").innerHTML = message ? `<p class="error">${text(message)}</p>` : "";
}

function loggedIn(token) {
  const claims = claimsOf(token);
  session = { token, claims };
  $("login-panel").hidden = true;
  $("app").hidden = false;
  $("who").innerHTML = `${text(claims.subject_name || claims.sub)}${claims.subject_role ? `, ${text(claims.subject_role)}` : ""}<br>
    ${text(claims.subject_organization || claims.subject_organization_id || "")} · <span data-unit="${text(claims.care_unit_id || "")}">${text(t("js.careUnit", claims.care_unit_id || t("js.careUnit.none")))}</span>
    · <button type="button" class="link" id="logout">${text(t("js.logout"))}</button>`;
  nameCareUnits();
  $("logout").onclick = () => { clearPatient(); loggedOut(t("js.loggedOut")); };
  $("pnr").focus();
}

// ---- SMART EHR launch: the EHR opened /portal/clinician/launch?iss=…&launch=…; no second login ----
function launchFromEhr(params) {
  return authorize(client, redirect, "launch " + scope, { launch: params.get("launch"), aud: params.get("iss") || location.origin + "/fhir" });
}

(async () => {
  const params = new URLSearchParams(location.search);
  if (location.pathname === home + "/launch" && params.has("launch")) { await launchFromEhr(params); return; }
  if (params.has("error")) { history.replaceState(null, "", home); loggedOut(`${params.get("error")}: ${params.get("error_description") || ""}`); return; }
  if (!params.has("code")) return;
  const { body, error } = await redeem(client, redirect, home, params);
  if (error) { loggedOut(error); return; }
  loggedIn(body.access_token);
  // Launched from an EHR: the patient open there, with the care relationship it attested (in the token, for this patient only).
  if (body.patient) {
    $("pnr").value = body.patient;
    if (session.claims.ndi_care_relationship === body.patient) $("care").checked = true;
    load(body.patient, null);
  }
})();

// ---- Finding a patient ----
// Light checking only (10 or 12 digits, optional - or + before the last four); the server checks the rest.
const personnummer = input => { const v = input.replace(/\s+/g, ""); return /^(\d{6}|\d{8})[-+]?\d{4}$/.test(v) ? v : null; };

function clearPatient() {
  // The foreign summary too (clinician-crossborder.js): one patient on screen at a time, never the two mixed.
  for (const id of ["message", "patient", "notices", "summary", "status", "xb-message", "xb-result", "xb-status"]) $(id).innerHTML = "";
}

$("search").onsubmit = event => {
  event.preventDefault();
  const patient = personnummer($("pnr").value);
  if (!patient) { clearPatient(); showError(t("js.pnr.check.title"), t("js.pnr.check.text")); $("pnr").focus(); return; }
  load(patient, null);
};

async function load(patient, emergencyReason) {
  clearPatient();
  current = patient;
  const ticket = ++asked;
  const headers = { Authorization: `Bearer ${session.token}`, Accept: "application/fhir+json" };
  if ($("care").checked) headers["Ndi-Care-Relationship"] = "declared";
  if (emergencyReason) headers["Ndi-Emergency-Reason"] = encodeURIComponent(emergencyReason.trim());
  $("status").textContent = t("js.status.asking");
  $("find").disabled = true;
  let response, body;
  try {
    response = await fetch("/fhir/Patient/$summary?" + new URLSearchParams({ identifier: patient }), { headers, cache: "no-store" });
    body = await response.json().catch(() => null);
  } catch {
    if (ticket !== asked) return;
    $("status").textContent = "";
    showError(t("js.unreachable.title"), t("js.unreachable.text"));
    return;
  } finally { $("find").disabled = false; }
  if (ticket !== asked) return;
  $("status").textContent = "";
  const said = outcomeText(body);
  if (response.status === 401) { clearPatient(); loggedOut(t("js.session.ended")); return; }
  if (response.status === 403) {
    showError(t("js.refused.title"), said.replace(/^Access refused:\s*/, "") || t("js.refused.text"));
    if (!$("care").checked) $("message").firstChild.insertAdjacentHTML("beforeend", `<p>${th("js.refused.careHint", `<strong>${text(t("js.careRelationship"))}</strong>`)}</p>`);
    return;
  }
  const codes = (body?.issue || []).flatMap(i => i.details?.coding || []).map(c => c.code);
  if (response.status === 400 && codes.includes("NDI-PDI-020")) { showError(t("js.emergency.notAccepted"), said); return; }
  if (!response.ok || body?.resourceType !== "Bundle") { showError(response.status === 400 ? t("js.pnr.check.title") : t("js.request.failed", response.status), said || t("js.request.noReason")); return; }
  render(body, emergencyReason && emergencyReason.trim());
}


// ---- The emergency break: a real dialog, a reason required ----
const dialog = $("emergency-dialog");
function openEmergency() {
  const patient = personnummer($("pnr").value) || current;
  if (!patient) { showError(t("js.emergency.enterPatient.title"), t("js.emergency.enterPatient.text")); $("pnr").focus(); return; }
  $("emergency-patient").textContent = patient;
  $("emergency-error").hidden = true;
  $("emergency-reason").value = "";
  dialog.dataset.patient = patient;
  dialog.showModal();
  $("emergency-reason").focus();
}
$("emergency-open").onclick = openEmergency;
$("emergency-reason").oninput = () => { $("emergency-error").hidden = true; };
$("emergency-form").onsubmit = event => {
  event.preventDefault();
  if (event.submitter?.value !== "open") { dialog.close("cancel"); return; }
  // Line breaks in the text box become spaces: the national API refuses control characters in a reason.
  const reason = $("emergency-reason").value.replace(/\s+/g, " ").trim();
  if (!reason) { $("emergency-error").textContent = t("js.emergency.reasonRequired"); $("emergency-error").hidden = false; $("emergency-reason").focus(); return; }
  dialog.close("open");
  load(dialog.dataset.patient, reason);
};
// ---- Reading the document ----
const concept = c => c ? (c.text || c.coding?.find(x => x.display)?.display || c.coding?.[0]?.code || "") : "";
const day = s => s ? String(s).slice(0, 10) : "";
const viaEmergency = r => (r?.meta?.security || []).some(s => s.code === "BTG");
const issueCode = i => i.details?.coding?.[0]?.code || "";
const issueText = i => i.diagnostics || i.details?.text || "";

// A relative reference ("Device/1") is resolved against the referring item's own server, as FHIR R4 Bundle, "Resolving references in Bundles", says.
function resolver(byUrl) {
  return (reference, from) => !reference ? undefined
    : byUrl.get(reference) || byUrl.get(String(from).replace(/[^/]+\/[^/]+$/, "") + reference);
}

function when(r) {
  return r.effectiveDateTime || r.effectivePeriod?.start || r.onsetDateTime || r.onsetPeriod?.start || r.performedDateTime
    || r.performedPeriod?.start || r.occurrenceDateTime || r.authoredOn || r.timingPeriod?.start || r.whenHandedOver
    || r.recordedDate || r.dateAsserted || r.issued || r.date || r.period?.start || "";
}

function value(o) {
  if (!o.valueQuantity && o.component?.length) return o.component.map(value).filter(Boolean).join(" / ");
  if (o.valueQuantity) return `${o.valueQuantity.value ?? ""} ${o.valueQuantity.unit || o.valueQuantity.code || ""}`.trim();
  return o.valueString || concept(o.valueCodeableConcept) || (o.valueBoolean === undefined ? "" : String(o.valueBoolean));
}

// What the item is, and a detail (a value, a dose) when there is one.
function describe(r, url, resolve) {
  switch (r.resourceType) {
    case "MedicationStatement": case "MedicationRequest": case "MedicationDispense":
      return [concept(r.medicationCodeableConcept) || concept(resolve(r.medicationReference?.reference, url)?.code) || r.medicationReference?.display,
        (r.dosage || r.dosageInstruction)?.[0]?.text];
    case "Immunization": return [concept(r.vaccineCode)];
    case "DeviceUseStatement": {
      const device = resolve(r.device?.reference, url);
      return [device?.deviceName?.[0]?.name || concept(device?.type) || r.device?.display];
    }
    case "Observation": return [concept(r.code), value(r)];
    default: return [concept(r.code)];
  }
}

// Each item's sources: the provider (onBehalfOf, or who when no care unit is known) and the care unit.
function sourcesByItem(resources) {
  const sources = new Map();
  for (const p of resources.filter(r => r.resourceType === "Provenance")) {
    const agent = p.agent?.[0] || {};
    const provider = agent.onBehalfOf || agent.who || {};
    const source = { provider: provider.display || provider.identifier?.value || t("js.unknownProvider"),
      unit: agent.onBehalfOf ? agent.who?.identifier?.value : null, emergency: viaEmergency(p) };
    for (const target of p.target || [])
      sources.set(target.reference, [...(sources.get(target.reference) || []), source]);
  }
  return sources;
}

// ---- Showing it ----
function render(bundle, emergencyReason) {
  const entries = bundle.entry || [];
  const byUrl = new Map(entries.map(e => [e.fullUrl, e.resource]));
  const resolve = resolver(byUrl);
  const composition = entries.find(e => e.resource?.resourceType === "Composition")?.resource || { section: [] };
  const outcome = entries.map(e => e.resource).find(r => r?.resourceType === "OperationOutcome");
  const sources = sourcesByItem(entries.map(e => e.resource));
  const patient = byUrl.get(composition.subject?.reference) || {};
  const providers = [...new Set([...sources.values()].flat().map(s => s.provider))];

  const name = patient.name?.[0] ? `${(patient.name[0].given || []).join(" ")} ${patient.name[0].family || ""}`.trim() : t("js.name.unknown");
  const from = providers.join(", ") || t("js.patient.none");
  $("patient").innerHTML = `<h2>${text(name)}</h2><p>${text(patient.identifier?.[0]?.value || current)}
    ${patient.birthDate ? ` · ${text(t("js.patient.born", patient.birthDate))}` : ""}${patient.gender ? ` · ${text(texts["js.gender." + patient.gender] ?? patient.gender)}` : ""}
    · ${text(providers.length === 1 ? t("js.patient.fromOne", from) : t("js.patient.fromMany", providers.length, from))}
    · ${text(t("js.patient.composed", day(composition.date)))}</p>`;

  $("notices").innerHTML = notices(outcome?.issue || [], emergencyReason);
  $("emergency-again")?.addEventListener("click", openEmergency);

  $("summary").innerHTML = (composition.section || []).map(section => {
    const items = (section.entry || []).map(e => ({ url: e.reference, r: byUrl.get(e.reference) })).filter(i => i.r)
      .sort((a, b) => String(when(b.r)).localeCompare(String(when(a.r))));
    const body = items.length === 0
      ? `<p class="empty">${text(section.emptyReason ? t("js.section.emptyReason", concept(section.emptyReason).toLowerCase()) : t("js.section.empty"))}</p>`
      : `<ul class="items">${items.map(i => item(i.r, i.url, resolve, sources.get(i.url) || [])).join("")}</ul>`;
    return `<section class="ips"><h3>${text(section.title || concept(section.code))} <span class="count">(${items.length})</span></h3>${body}</section>`;
  }).join("");
  nameCareUnits();
}

// Data the patient added themselves (home measurements, notes), marked by the national service.
const patientProvided = r => (r.meta?.tag || []).some(c => c.system === "https://openndi.se/fhir/CodeSystem/data-origin" && c.code === "patient-provided");

// Told apart where a section holds more than one kind of resource.
const kind = type => texts["js.kind." + type];

function item(r, url, resolve, sources) {
  const [what, detail] = describe(r, url, resolve);
  const status = concept(r.clinicalStatus) || r.status || "";
  const emergency = viaEmergency(r);
  const from = sources.map(s => `<span class="source">${text(s.provider)}${s.unit ? `, <span data-unit="${text(s.unit)}">${text(t("js.careUnit", s.unit))}</span>` : ""}</span>`);
  return `<li class="item${emergency ? " via-emergency" : ""}" data-type="${text(r.resourceType)}">
    <div><span class="what">${text(what || r.resourceType)}</span>${detail ? ` <span class="detail">— ${text(detail)}</span>` : ""}
      ${emergency ? `<span class="badge emergency" title="${text(t("js.badge.emergency.title"))}">${text(t("js.emergency.title"))}</span>` : ""}
      ${sources.length > 1 ? `<span class="badge merged" title="${text(t("js.badge.sources.title"))}">${text(t("js.badge.sources", sources.length))}</span>` : ""}
      ${patientProvided(r) ? `<span class="badge patient-provided" title="${text(t("js.badge.patientProvided.title"))}">${text(t("js.badge.patientProvided"))}</span>` : ""}</div>
    <div class="meta">${[day(when(r)), kind(r.resourceType), status].filter(Boolean).map(text).join(" · ")}
      · ${text(t(sources.length > 1 ? "js.item.sources" : "js.item.source"))}: ${from.join("; ") || text(t("js.item.notStated"))}</div></li>`;
}

// Only blocks yield to an emergency (not an opt-out, nor a missing care relationship); the reason is in the text only.
const byBlock = i => (i.details?.coding || []).some(c => c.system === "urn:openndi:access-decision-reason" && (c.code === "blocked" || c.code === "withheld-by-settings"));

// The OperationOutcome, split for the reader: what was withheld and why, which providers were missed and why.
function notices(issues, emergencyReason) {
  const list = xs => `<ul>${xs.map(i => `<li>${text(issueText(i))} <span class="code">${text(issueCode(i))}</span></li>`).join("")}</ul>`;
  const broken = issues.filter(i => issueCode(i) === "NDI-PAS-030");
  // The limits of the clinician's own access say nothing about the patient: the same for every patient.
  const limited = issues.filter(i => issueCode(i) === "NDI-PAS-021");
  const withheld = issues.filter(i => i.code === "suppressed" && !limited.includes(i));
  // How each provider's answer was accounted for (information, not a problem): kept apart, folded away.
  const accounted = issues.filter(i => i.severity === "information" && !broken.includes(i) && !withheld.includes(i) && !limited.includes(i));
  const missed = issues.filter(i => !broken.includes(i) && !withheld.includes(i) && !limited.includes(i) && !accounted.includes(i));
  let html = "";
  if (emergencyReason)
    html += `<section class="notice emergency" id="emergency-note"><h2>${text(t("js.notice.emergency.title"))}</h2>
      <p>${text(t("js.notice.emergency.reason", emergencyReason))}</p>
      ${broken.length ? list(broken) : `<p>${text(t("js.notice.emergency.nothing"))}</p>`}</section>`;
  if (limited.length)
    html += `<section class="notice limited" id="limited"><h2>${text(t("js.notice.limited.title"))}</h2>
      <p>${text(t("js.notice.limited.text"))}</p>${list(limited)}
      ${limited.some(i => (i.details?.coding || []).some(c => c.code === "no-care-relationship"))
        ? `<p>${th("js.notice.limited.hint", `<strong>${text(t("js.careRelationship"))}</strong>`)}</p>` : ""}</section>`;
  if (withheld.length)
    html += `<section class="notice withheld" id="withheld"><h2>${text(t("js.notice.withheld.title"))}</h2>
      <p>${text(t("js.notice.withheld.text"))}</p>${list(withheld)}
      ${emergencyReason || !withheld.some(byBlock) ? "" : `<p>${text(t("js.notice.withheld.break"))}
        <button type="button" class="danger" id="emergency-again">${text(t("js.emergency.open"))}</button></p>`}</section>`;
  if (missed.length)
    html += `<section class="notice missed" id="missed"><h2>${text(t("js.notice.missed.title"))}</h2>
      <p>${text(t("js.notice.missed.text"))}</p>${list(missed)}</section>`;
  if (!withheld.length && !missed.length && !limited.length)
    html += `<section class="notice complete" id="complete"><h2>${text(t("js.notice.complete.title"))}</h2><p>${text(t("js.notice.complete.text"))}</p></section>`;
  if (accounted.length)
    html += `<details class="notice accounted" id="accounted"><summary>${text(t("js.notice.accounted.title"))}</summary>${list(accounted)}</details>`;
  return html;
}

// Care unit names from the national directory; the HSA-id stays when a name cannot be had.
async function nameCareUnits() {
  const spans = [...document.querySelectorAll("[data-unit]")];
  const lookups = [...new Set(spans.map(s => s.dataset.unit))].map(id => [id, organizationName(id, session.token)]);  // all asked at once
  for (const [id, lookup] of lookups) {
    const name = await lookup;
    if (name) for (const span of spans.filter(s => s.dataset.unit === id)) { span.textContent = name; span.title = t("js.careUnit", id); }
  }
}
