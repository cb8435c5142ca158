// The patient's rights beyond the access log (OpenNdi.Web, PatientPortal.razor, after common.js and patient.js): the
// record rendered on the server from $summary, blocks, proxies and whom the person represents, and the copy. Every
// write is a FHIR Consent (IHE PCF) through the national API, as the person; every text from an answer goes through
// text(), and the server-rendered record is the server's own escaped markup.
"use strict";
const consentKind = c => c?.category?.flatMap(x => x.coding || []).find(x => x.system === "urn:openndi:consent-kind")?.code;
const day = iso => iso ? String(iso).slice(0, 10) : "";
const authorized = () => ({ Authorization: `Bearer ${session.token}` });

// ---- My record: categories, providers, trends (server-rendered from the national summary) ----
async function loadRecord() {
  $("record-status").textContent = t("js.record.reading");
  $("record").innerHTML = "";
  let response;
  try {
    response = await fetch("/web/patient/record?" + new URLSearchParams({ patient: session.patient }), { headers: authorized(), cache: "no-store" });
  } catch {
    $("record-status").textContent = t("js.unreachable.text");
    return;
  }
  $("record-status").textContent = "";
  if (response.status === 401) { loggedOut(t("js.session.ended")); return; }
  // The server's markup (every value in it escaped by Razor); anything else is shown as text, never as markup.
  if ((response.headers.get("Content-Type") || "").startsWith("text/html")) $("record").innerHTML = await response.text();
  else $("record").innerHTML = `<div class="alert"><p>${text(t("js.request.failed", response.status))}</p></div>`;
  const filter = $("record-provider");
  if (filter) filter.onchange = () => {
    for (const row of $("record").querySelectorAll("[data-provider]"))
      row.hidden = !!filter.value && row.dataset.provider !== filter.value;
  };
  for (const button of $("record").querySelectorAll("button.block-item"))
    button.onclick = () => prefillItemBlock(button.dataset);
  for (const button of $("record").querySelectorAll("button.correct-item"))
    button.onclick = () => startCorrection(button.dataset);
  offerReceivers();
}

// ---- Blocks (spärrar) ----
const sectionName = code => $("block-category").querySelector(`option[value="${CSS.escape(code)}"]`)?.textContent || code;

function blockOf(consent) {
  const provision = consent.provision || {};
  const target = role => (provision.actor || []).find(a => a.role?.coding?.some(c => c.system === "urn:openndi:consent-block-target" && c.code === role))?.reference?.identifier?.value;
  const provider = target("provider"), unit = target("care-unit");
  const category = provision.code?.[0]?.coding?.[0]?.code;
  const item = provision.data?.[0]?.reference?.identifier?.value;
  const euOnly = consent.category?.some(c => c.coding?.some(x => x.system === "urn:openndi:consent-block-reach" && x.code === "cross-border"));
  const what = item ? t("js.block.item", item, provider) : category ? t("js.block.category", sectionName(category)) + (provider ? " · " + provider : "")
    : unit ? t("js.block.unit", unit) : t("js.block.provider", provider);
  return { what, from: day(provision.period?.start), to: day(provision.period?.end), euOnly };
}

function showBlocks() {
  const blocks = consents.filter(c => consentKind(c) === "block" && c.status === "active");
  $("block-list").tBodies[0].innerHTML = blocks.length === 0
    ? `<tr><td colspan="4" class="empty">${text(t("js.block.none"))}</td></tr>`
    : blocks.map(c => { const b = blockOf(c); return `<tr data-consent="${text(c.id)}">
        <td>${text(b.what)}</td>
        <td>${text(b.from || b.to ? `${b.from || "…"} – ${b.to || "…"}` : t("js.block.untilLifted"))}</td>
        <td>${text(t(b.euOnly ? "js.block.euOnly" : "js.block.everywhere"))}</td>
        <td><button type="button" class="secondary lift">${text(t("js.block.lift"))}</button></td></tr>`; }).join("");
  for (const row of $("block-list").tBodies[0].querySelectorAll("tr[data-consent]"))
    row.querySelector("button.lift").onclick = () => {
      const consent = consents.find(c => c.id === row.dataset.consent);
      confirmThen(t("js.block.liftConfirm.title"), t("js.block.liftConfirm.text", blockOf(consent).what), () => revoke(consent, "blocks-message"));
    };
}

function prefillItemBlock(item) {
  $("block-scope").value = "item";
  $("block-provider").value = item.providerId || "";
  $("block-item").value = item.item || "";
  showBlockFields();
  $("blocks").scrollIntoView();
  $("block-save").focus();
}

function showBlockFields() {
  const scope = $("block-scope").value;
  $("block-provider").closest("label").hidden = scope === "care-unit";
  $("block-unit").closest("label").hidden = scope !== "care-unit";
  $("block-category").closest("label").hidden = scope !== "category";
  $("block-item").closest("label").hidden = scope !== "item";
}
$("block-scope").onchange = showBlockFields;
showBlockFields();

$("block-form").onsubmit = event => {
  event.preventDefault();
  const scope = $("block-scope").value;
  const provider = $("block-provider").value.trim(), unit = $("block-unit").value.trim(), item = $("block-item").value.trim();
  const provision = { type: "deny", actor: [] };
  const actor = (role, value) => ({ role: { coding: [{ system: "urn:openndi:consent-block-target", code: role }] }, reference: { identifier: { system: "urn:oid:1.2.752.129.2.1.4.1", value } } });
  if (scope === "care-unit") provision.actor.push(actor("care-unit", unit));
  else if (provider || scope !== "category") provision.actor.push(actor("provider", provider));
  if (scope === "category") provision.code = [{ coding: [{ system: "http://loinc.org", code: $("block-category").value }] }];
  if (scope === "item") provision.data = [{ meaning: "instance", reference: { identifier: { system: "urn:openndi:index:item", value: item } } }];
  if ($("block-from").value || $("block-to").value) provision.period = { start: $("block-from").value || undefined, end: $("block-to").value || undefined };
  const euOnly = $("block-eu").checked;
  const consent = consentOf("block", "patient-privacy", provision, "active",
    euOnly ? [{ coding: [{ system: "urn:openndi:consent-block-reach", code: "cross-border" }] }] : []);
  confirmThen(t("js.block.confirm.title"), t(euOnly ? "js.block.confirm.euOnly" : "js.block.confirm.text", blockOf(consent).what), async () => {
    const { response, body } = await sendConsent("POST", "/fhir/Consent", consent);
    $("blocks-message").textContent = response.ok ? t("js.block.saved") : `${t("js.request.failed", response.status)} ${outcomeText(body)}`;
    if (response.ok) { $("block-form").reset(); showBlockFields(); await readChoices(); }
  });
};

// A setting ends by its status becoming inactive: every version is kept.
async function revoke(consent, messageId) {
  const { response, body } = await sendConsent("PUT", `/fhir/Consent/${encodeURIComponent(consent.id)}`, { ...consent, status: "inactive", meta: undefined });
  $(messageId).textContent = response.ok ? t("js.revoked") : `${t("js.request.failed", response.status)} ${outcomeText(body)}`;
  if (response.ok) await readChoices();
}

// ---- Proxies (ombud) the patient granted ----
function proxyOf(consent) {
  const provision = consent.provision || {};
  const actor = (provision.actor || []).find(a => a.role?.coding?.some(c => c.code === "HPOWATT"));
  const manage = (provision.action || []).some(a => a.coding?.some(c => c.code === "correct"));
  return { who: actor?.reference?.identifier?.value || "", name: actor?.reference?.display || "", manage, from: day(provision.period?.start), to: day(provision.period?.end) };
}

function showProxies() {
  const proxies = consents.filter(c => consentKind(c) === "proxy" && c.status === "active");
  $("proxy-list").tBodies[0].innerHTML = proxies.length === 0
    ? `<tr><td colspan="4" class="empty">${text(t("js.rep.none"))}</td></tr>`
    : proxies.map(c => { const p = proxyOf(c); return `<tr data-consent="${text(c.id)}">
        <td>${text(p.who)}</td><td>${text(t(p.manage ? "js.rep.manage" : "js.rep.view"))}</td>
        <td>${text(`${p.from} – ${p.to || t("js.rep.untilRevoked")}`)}</td>
        <td><button type="button" class="secondary revoke">${text(t("js.rep.revoke"))}</button></td></tr>`; }).join("");
  for (const row of $("proxy-list").tBodies[0].querySelectorAll("tr[data-consent]"))
    row.querySelector("button.revoke").onclick = () => {
      const consent = consents.find(c => c.id === row.dataset.consent);
      confirmThen(t("js.rep.revokeConfirm.title"), t("js.rep.revokeConfirm.text", proxyOf(consent).who), () => revoke(consent, "rep-message"));
    };
}

$("proxy-form").onsubmit = event => {
  event.preventDefault();
  const pnr = $("proxy-pnr").value.replace(/\D/g, "");
  if (!$("proxy-from").value) $("proxy-from").value = new Date().toISOString().slice(0, 10);
  const manage = $("proxy-scope").value === "manage";
  const consent = consentOf("proxy", "patient-privacy", { type: "permit", period: { start: $("proxy-from").value, end: $("proxy-to").value || undefined },
      actor: [{ role: { coding: [{ system: "http://terminology.hl7.org/CodeSystem/v3-RoleCode", code: "HPOWATT" }] }, reference: { identifier: { system: "urn:oid:1.2.752.129.2.1.3.1", value: pnr } } }],
      action: [{ coding: [{ system: "http://terminology.hl7.org/CodeSystem/consentaction", code: "access" }] }]
        .concat(manage ? [{ coding: [{ system: "http://terminology.hl7.org/CodeSystem/consentaction", code: "correct" }] }] : []) });
  confirmThen(t("js.rep.confirm.title"), t(manage ? "js.rep.confirm.manage" : "js.rep.confirm.view", pnr, $("proxy-to").value || t("js.rep.untilRevoked")), async () => {
    const { response, body } = await sendConsent("POST", "/fhir/Consent", consent);
    $("rep-message").textContent = response.ok ? t("js.rep.saved") : `${t("js.request.failed", response.status)} ${outcomeText(body)}`;
    if (response.ok) { $("proxy-form").reset(); await readChoices(); }
  });
};

// ---- Whom the person represents (FHIR RelatedPerson), and switching between them ----
async function readRepresented() {
  const response = await fetch("/fhir/RelatedPerson?" + new URLSearchParams({ identifier: session.self }), { headers: { ...authorized(), Accept: "application/fhir+json" }, cache: "no-store" });
  const body = await response.json().catch(() => null);
  const represented = response.ok ? (body?.entry || []).map(e => e.resource).filter(r => r?.resourceType === "RelatedPerson") : [];
  const label = r => `${r.patient?.display || r.patient?.identifier?.value} (${t(r.relationship?.[0]?.coding?.[0]?.code === "GUARD" ? "js.rep.guardian" : "js.rep.proxy")})`;
  $("represented").innerHTML = represented.length === 0 ? `<li>${text(t("js.rep.representsNone"))}</li>`
    : represented.map(r => `<li>${text(label(r))}</li>`).join("");
  $("acting-for-label").hidden = represented.length === 0;
  $("acting-for").innerHTML = `<option value="${text(session.self)}">${text(t("js.rep.myself"))}</option>`
    + represented.map(r => `<option value="${text(r.patient?.identifier?.value)}">${text(label(r))}</option>`).join("");
  $("acting-for").value = session.patient;
}
$("acting-for").onchange = () => { session.patient = $("acting-for").value; showPatient(); };

// ---- A copy: the summary as a FHIR Bundle (IPS document, the European exchange format), or printed ----
$("copy-download").onclick = async () => {
  $("copy-message").textContent = t("js.record.reading");
  const response = await fetch("/fhir/Patient/$summary?" + new URLSearchParams({ identifier: session.patient }), { headers: { ...authorized(), Accept: "application/fhir+json" }, cache: "no-store" });
  if (!response.ok) { $("copy-message").textContent = t("js.request.failed", response.status); return; }
  const blob = new Blob([await response.text()], { type: "application/fhir+json" });
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = `patientoversikt-${session.patient}.json`;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 0);
  $("copy-message").textContent = t("js.copy.saved");
};
$("copy-print").onclick = () => window.print();

// ---- My own data: home measurements and notes, for a care unit that treats me (FHIR Observation) ----
function showOwnFields() {
  for (const label of $("own-form").querySelectorAll("label[data-for]")) label.hidden = label.dataset.for !== $("own-kind").value;
}
$("own-kind").onchange = showOwnFields;
showOwnFields();

// The receivers offered are the care units in the patient's record, by name from the directory.
async function offerReceivers() {
  const units = [...new Set([...document.querySelectorAll("#record tr[data-unit]")].map(r => r.dataset.unit).filter(Boolean))];
  $("own-receiver").innerHTML = units.map(u => `<option value="${text(u)}">${text(u)}</option>`).join("");
  for (const option of $("own-receiver").options) {
    const name = await organizationName(option.value, session.token);
    if (name) option.textContent = name;
  }
}

$("own-form").onsubmit = async event => {
  event.preventDefault();
  const code = $("own-kind").value;
  const number = id => Number(String($(id).value).replace(",", "."));
  const quantity = (value, unit) => ({ value, unit, system: "http://unitsofmeasure.org", code: unit });
  const observation = { resourceType: "Observation", status: "final",
    code: { coding: [{ system: "http://loinc.org", code }] },
    subject: { identifier: { system: "urn:oid:1.2.752.129.2.1.3.1", value: session.patient } },
    effectiveDateTime: new Date($("own-when").value || Date.now()).toISOString(),
    extension: [{ url: "https://openndi.se/fhir/StructureDefinition/intended-receiver", valueReference: { identifier: { system: "urn:oid:1.2.752.129.2.1.4.1", value: $("own-receiver").value } } }] };
  if (code === "85354-9") observation.component = [
    { code: { coding: [{ system: "http://loinc.org", code: "8480-6" }] }, valueQuantity: quantity(number("own-systolic"), "mm[Hg]") },
    { code: { coding: [{ system: "http://loinc.org", code: "8462-4" }] }, valueQuantity: quantity(number("own-diastolic"), "mm[Hg]") }];
  else if (code === "29463-7") observation.valueQuantity = quantity(number("own-weight"), "kg");
  else if (code === "15074-8") observation.valueQuantity = quantity(number("own-glucose"), "mmol/L");
  else observation.valueString = $("own-text").value;
  if ($("own-comment").value.trim()) observation.note = [{ text: $("own-comment").value.trim() }];
  const response = await fetch("/fhir/Observation", { method: "POST", body: JSON.stringify(observation),
    headers: { ...authorized(), "Content-Type": "application/fhir+json", Accept: "application/fhir+json" } });
  const body = await response.json().catch(() => null);
  $("own-message").textContent = response.ok ? t("js.own.saved") : `${t("js.request.failed", response.status)} ${outcomeText(body)}`;
  if (response.ok) { $("own-form").reset(); showOwnFields(); await loadRecord(); }
};

// ---- Corrections: asking a provider to correct its record (FHIR Task, code change), and where each request stands ----
let correcting = null;   // the item the form is about
function startCorrection(item) {
  correcting = item;
  $("cor-item").textContent = t("js.cor.about", item.text, item.item);
  $("cor-form").hidden = false;
  $("corrections").scrollIntoView();
  $("cor-text").focus();
}
$("cor-cancel").onclick = () => { correcting = null; $("cor-form").hidden = true; };

$("cor-form").onsubmit = async event => {
  event.preventDefault();
  if (!correcting || !$("cor-text").value.trim()) { $("cor-message").textContent = t("js.cor.empty"); return; }
  const task = { resourceType: "Task", status: "requested", intent: "proposal",
    code: { coding: [{ system: "http://hl7.org/fhir/CodeSystem/task-code", code: "change" }] },
    for: { identifier: { system: "urn:oid:1.2.752.129.2.1.3.1", value: session.patient } },
    owner: { identifier: { system: "urn:oid:1.2.752.129.2.1.4.1", value: correcting.unit || correcting.providerId } },
    focus: { identifier: { system: "urn:openndi:index:item", value: correcting.item }, display: correcting.text },
    description: $("cor-text").value.trim() };
  const response = await fetch("/fhir/Task", { method: "POST", body: JSON.stringify(task),
    headers: { ...authorized(), "Content-Type": "application/fhir+json", Accept: "application/fhir+json" } });
  const body = await response.json().catch(() => null);
  $("cor-message").textContent = response.ok ? t("js.cor.saved") : `${t("js.request.failed", response.status)} ${outcomeText(body)}`;
  if (response.ok) { correcting = null; $("cor-form").reset(); $("cor-form").hidden = true; await readCorrections(); }
};

async function readCorrections() {
  const response = await fetch("/fhir/Task?" + new URLSearchParams({ patient: session.patient }), { headers: { ...authorized(), Accept: "application/fhir+json" }, cache: "no-store" });
  const body = await response.json().catch(() => null);
  const tasks = response.ok ? (body?.entry || []).map(e => e.resource).filter(r => r?.resourceType === "Task") : [];
  $("cor-list").tBodies[0].innerHTML = tasks.length === 0
    ? `<tr><td colspan="4" class="empty">${text(t(response.ok ? "js.cor.none" : "js.request.noReason"))}</td></tr>`
    : tasks.map(task => `<tr data-task="${text(task.id)}">
        <td>${text(task.focus?.display || task.focus?.identifier?.value || "")}<br><span class="meta">${text(task.description || "")}</span></td>
        <td>${text(task.location?.display || task.owner?.display || task.owner?.identifier?.value || "")}</td>
        <td class="status">${text(texts["js.cor.status." + task.status] ?? task.status)}<br><span class="meta">${text(day(task.lastModified))}</span></td>
        <td>${text([task.statusReason?.text, ...(task.note || []).map(n => n.text)].filter(Boolean).join(" · "))}</td></tr>`).join("");
}

// ---- Sharing my summary, for a limited time, with a named care provider or a professional abroad (FHIR Consent, permit) ----
function shareOf(consent) {
  const provision = consent.provision || {};
  const recipient = (provision.actor || []).find(a => a.role?.coding?.some(c => c.code === "IRCP"))?.reference || {};
  const abroad = recipient.identifier?.system === "urn:openndi:eu-professional";
  const who = abroad ? t("js.share.abroad", recipient.display || recipient.identifier?.value, (recipient.identifier?.value || "").slice(0, 2))
    : t("js.share.provider", recipient.identifier?.value);
  return { who, to: day(provision.period?.end) };
}

function showShares() {
  const today = new Date().toISOString().slice(0, 10);
  const shares = consents.filter(c => consentKind(c) === "share" && c.status === "active" && day(c.provision?.period?.end) >= today);
  $("share-list").tBodies[0].innerHTML = shares.length === 0
    ? `<tr><td colspan="3" class="empty">${text(t("js.share.none"))}</td></tr>`
    : shares.map(c => { const s = shareOf(c); return `<tr data-consent="${text(c.id)}"><td>${text(s.who)}</td><td>${text(s.to)}</td>
        <td><button type="button" class="secondary revoke-share">${text(t("js.rep.revoke"))}</button></td></tr>`; }).join("");
  for (const row of $("share-list").tBodies[0].querySelectorAll("tr[data-consent]"))
    row.querySelector("button.revoke-share").onclick = () => {
      const consent = consents.find(c => c.id === row.dataset.consent);
      confirmThen(t("js.share.revokeConfirm.title"), t("js.share.revokeConfirm.text", shareOf(consent).who), () => revoke(consent, "share-message"));
    };
}

function showShareFields() {
  for (const label of $("share-form").querySelectorAll("label[data-share]")) label.hidden = label.dataset.share !== $("share-kind").value;
}
$("share-kind").onchange = showShareFields;
showShareFields();

$("share-form").onsubmit = event => {
  event.preventDefault();
  const today = new Date().toISOString().slice(0, 10);
  const abroad = $("share-kind").value === "abroad";
  const identifier = abroad
    ? { system: "urn:openndi:eu-professional", value: `${$("share-country").value.trim().toUpperCase()}:${$("share-professional").value.trim()}` }
    : { system: "urn:oid:1.2.752.129.2.1.4.1", value: $("share-provider").value.trim() };
  const consent = consentOf("share", "patient-privacy", { type: "permit", period: { start: today, end: $("share-to").value || undefined },
      code: [{ coding: [{ system: "http://loinc.org", code: "60591-5" }] }],
      actor: [{ role: { coding: [{ system: "http://terminology.hl7.org/CodeSystem/v3-ParticipationType", code: "IRCP" }] },
        reference: { identifier, display: abroad && $("share-name").value.trim() ? $("share-name").value.trim() : undefined } }] });
  confirmThen(t("js.share.confirm.title"), t("js.share.confirm.text", shareOf(consent).who, $("share-to").value || "…"), async () => {
    const { response, body } = await sendConsent("POST", "/fhir/Consent", consent);
    $("share-message").textContent = response.ok ? t("js.share.saved") : `${t("js.request.failed", response.status)} ${outcomeText(body)}`;
    if (response.ok) { $("share-form").reset(); showShareFields(); await readChoices(); }
  });
};
