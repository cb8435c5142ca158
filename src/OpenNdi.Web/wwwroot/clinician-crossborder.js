// The clinician view's panel for a visitor from another EU country (OpenNdi.Web, CrossBorderPanel.razor, after
// common.js and clinician.js, whose session it uses): POST /fhir/Patient/$cross-border-summary asks the visitor's home
// contact point (MyHealth@EU), and the document it answers is shown as the home country wrote it, in its language,
// apart from the Swedish record and marked as foreign: Swedish displays (the FHIR translation extension) beside the
// original, codes outside the eHDSI catalogue and sections the patient summary does not define flagged from the
// OperationOutcome the national API appends (NDI-NCP-039, -040, -041). Every text from the answer goes through text().
"use strict";
// The identifier system each home country's contact point identifies by (the trust list's masks).
const xbSystems = { DE: "http://fhir.de/sid/gkv/kvid-10", FR: "urn:oid:1.2.250.1.213.1.4.8" };
const xbTranslation = "http://hl7.org/fhir/StructureDefinition/translation";
let xbAsked = 0;   // the latest request: an earlier answer arriving late is dropped

const xbCountry = code => texts["js.xb.country." + code] ?? code;
const xbLanguage = tag => texts["js.xb.lang." + String(tag || "").slice(0, 2).toLowerCase()] ?? tag;

function xbShowCountry() {
  const country = $("xb-country").value;
  $("xb-system").textContent = t("js.xb.system." + country);
  $("xb-mask").textContent = t("js.xb.mask." + country);
}
$("xb-country").onchange = xbShowCountry;
xbShowCountry();

function xbError(title, detail, code) {
  $("xb-message").innerHTML = `<div class="alert"><h2>${text(title)}</h2><p>${text(detail)}${code ? ` <span class="code">${text(code)}</span>` : ""}</p></div>`;
}

$("xb-form").onsubmit = async event => {
  event.preventDefault();
  const country = $("xb-country").value;
  const identifier = $("xb-id").value.trim(), birthdate = $("xb-birth").value;
  clearPatient();  // the Swedish summary goes: never one patient's foreign summary under another's Swedish one
  if (!identifier || !birthdate) { xbError(t("js.xb.error.400"), t("js.xb.required")); (identifier ? $("xb-birth") : $("xb-id")).focus(); return; }
  const parameter = [{ name: "country", valueCode: country }, { name: "identifier", valueIdentifier: { system: xbSystems[country], value: identifier } },
    { name: "birthdate", valueDate: birthdate }];
  for (const name of ["family", "given"]) if ($("xb-" + name).value.trim()) parameter.push({ name, valueString: $("xb-" + name).value.trim() });
  if ($("xb-gender").value) parameter.push({ name: "gender", valueCode: $("xb-gender").value });
  const headers = { Authorization: `Bearer ${session.token}`, Accept: "application/fhir+json", "Content-Type": "application/fhir+json" };
  if ($("xb-care").checked) headers["Ndi-Care-Relationship"] = "declared";
  const ticket = ++xbAsked;
  $("xb-status").textContent = t("js.xb.asking", xbCountry(country));
  $("xb-find").disabled = true;
  let response, body;
  try {
    response = await fetch("/fhir/Patient/$cross-border-summary", { method: "POST", headers, cache: "no-store",
      body: JSON.stringify({ resourceType: "Parameters", parameter }) });
    body = await response.json().catch(() => null);
  } catch {
    if (ticket !== xbAsked) return;
    $("xb-status").textContent = "";
    xbError(t("js.unreachable.title"), t("js.unreachable.text"));
    return;
  } finally { $("xb-find").disabled = false; }
  if (ticket !== xbAsked) return;
  $("xb-status").textContent = "";
  if (response.status === 401) { clearPatient(); loggedOut(t("js.session.ended")); return; }
  if (!response.ok || body?.resourceType !== "Bundle") {
    const code = (body?.issue || []).flatMap(i => i.details?.coding || []).map(c => c.code).find(Boolean);
    xbError(texts["js.xb.error." + response.status] ?? t("js.request.failed", response.status), outcomeText(body) || t("js.request.noReason"), code);
    return;
  }
  xbRender(body, country);
  $("xb-banner").focus();
};

// ---- Reading the foreign document ----
// A coding's Swedish display, from the FHIR translation extension on Coding.display (R4 languages.html §6.3.4).
const swedishOf = coding => (coding?._display?.extension || []).filter(e => e.url === xbTranslation)
  .map(e => Object.fromEntries((e.extension || []).map(x => [x.url, x.valueCode ?? x.valueString])))
  .find(x => String(x.lang || "").toLowerCase().startsWith("sv"))?.content;
const codingsOf = concept => concept?.coding || [];
const originalOf = concept => concept ? (concept.text || codingsOf(concept).find(c => c.display)?.display || codingsOf(concept)[0]?.code || "") : "";
const unmappedTagged = r => (r?.meta?.tag || []).some(c => c.system === "urn:openndi:cross-border" && c.code === "unmapped-code");

// The concepts that say what an item is (and a detail: a dose, a reaction), by resource type.
function conceptsOf(r, byUrl) {
  switch (r.resourceType) {
    case "MedicationStatement": case "MedicationRequest": {
      const medication = byUrl.get(r.medicationReference?.reference);
      return { what: r.medicationCodeableConcept || medication?.code || { text: r.medicationReference?.display }, held: [r, medication].filter(Boolean),
        detail: (r.dosage || r.dosageInstruction)?.[0]?.text };
    }
    case "AllergyIntolerance":
      return { what: r.code, held: [r], detail: (r.reaction || []).flatMap(x => x.manifestation || []).map(originalOf).join(", "),
        detailConcepts: (r.reaction || []).flatMap(x => x.manifestation || []) };
    case "Immunization": return { what: r.vaccineCode, held: [r] };
    default: return { what: r.code, held: [r] };
  }
}

// One concept: the original (in the document's language) and the Swedish translation where the catalogue had one.
function conceptHtml(concept, lang, unmappedCodes) {
  const original = originalOf(concept);
  const swedish = codingsOf(concept).map(swedishOf).find(Boolean);
  const unknown = codingsOf(concept).filter(c => unmappedCodes.has(`${c.system}|${c.code}`));
  const originalHtml = `<span class="original" lang="${text(lang)}">${text(original)}</span>`;
  return (swedish
    ? `<span class="visually-hidden">${text(t("js.xb.translation"))}: </span><span class="translation" lang="sv">${text(swedish)}</span>
       <span class="beside">${text(t("js.xb.original", xbLanguage(lang)))}: ${originalHtml}</span>`
    : originalHtml)
    + (swedish || unknown.length ? "" : ` <span class="meta">(${text(t("js.xb.noTranslation"))})</span>`)
    + unknown.map(c => ` <span class="badge unmapped" title="${text(t("js.xb.unmapped.title"))}">${text(t("js.xb.unmapped"))}</span> <span class="code">${text(c.code)}</span>`).join("");
}

// The narrative of a section without entries (the home country's own sections), as plain text: never its markup.
function narrativeText(section) {
  const div = section.text?.div;
  if (!div) return [];
  const doc = new DOMParser().parseFromString(div, "text/html");
  const items = [...doc.querySelectorAll("li")].map(li => li.textContent.trim()).filter(Boolean);
  return items.length ? items : [doc.body.textContent.trim()].filter(Boolean);
}

// ---- Showing it, apart from the Swedish record ----
function xbRender(bundle, asked) {
  const entries = bundle.entry || [];
  const byUrl = new Map(entries.map(e => [e.fullUrl, e.resource]));
  const composition = entries.find(e => e.resource?.resourceType === "Composition")?.resource || { section: [] };
  const outcome = entries.map(e => e.resource).filter(r => r?.resourceType === "OperationOutcome").pop();
  const issues = outcome?.issue || [];
  const code = i => i.details?.coding?.[0]?.code || "";
  const said = i => i.diagnostics || i.details?.text || "";
  const unmappedIssues = issues.filter(i => code(i) === "NDI-NCP-040");
  const unexpectedIssues = issues.filter(i => code(i) === "NDI-NCP-041");
  // NDI-NCP-040 names the code as "system|code (display) …"; NDI-NCP-041 the section as "Section title (system|code) …".
  const unmappedCodes = new Set(unmappedIssues.map(i => said(i).split(" ")[0]));
  const unexpected = section => codingsOf(section.code).some(c => unexpectedIssues.some(i => said(i).includes(`(${c.system}|${c.code}`)));
  const peer = bundle.meta?.source || "";
  const country = /^urn:ehdsi:ncp:([A-Z]{2})$/.test(peer) ? peer.slice(-2) : asked;
  const lang = bundle.language || composition.language || "";
  const countryName = xbCountry(country);
  const patient = byUrl.get(composition.subject?.reference) || {};
  const custodian = byUrl.get(composition.custodian?.reference);
  const name = patient.name?.[0] ? `${(patient.name[0].given || []).join(" ")} ${patient.name[0].family || ""}`.trim() : t("js.name.unknown");

  const banner = `<section class="xb-banner" id="xb-banner" tabindex="-1" aria-labelledby="xb-banner-title">
      <h2 id="xb-banner-title">${text(t("js.xb.banner.title"))}</h2>
      <p><strong>${text(t("js.xb.banner.from", countryName))}</strong></p>
      <p>${text(t("js.xb.banner.language", xbLanguage(lang), lang))}</p>
      <p class="meta">${text(t("js.xb.banner.source", [custodian?.name, peer].filter(Boolean).join(", "), day(composition.date)))}</p></section>`;
  const who = `<div class="xb-patient"><h3>${text(name)}</h3><p>${text(t("js.xb.patient.id", countryName, patient.identifier?.[0]?.value || ""))}
      ${patient.birthDate ? ` · ${text(t("js.patient.born", patient.birthDate))}` : ""}${patient.gender ? ` · ${text(texts["js.gender." + patient.gender] ?? patient.gender)}` : ""}</p></div>`;
  const list = xs => `<ul>${xs.map(i => `<li>${text(said(i))} <span class="code">${text(code(i))}</span></li>`).join("")}</ul>`;
  const warnings = unmappedIssues.length || unexpectedIssues.length
    ? `<section class="notice missed" id="xb-warnings"><h3>${text(t("js.xb.warnings.title"))}</h3>
        ${unmappedIssues.length ? `<p>${text(t("js.xb.warnings.unmapped", unmappedIssues.length))}</p>${list(unmappedIssues)}` : ""}
        ${unexpectedIssues.length ? `<p>${text(t("js.xb.warnings.unexpected", unexpectedIssues.length))}</p>${list(unexpectedIssues)}` : ""}</section>` : "";
  const others = issues.filter(i => !unmappedIssues.includes(i) && !unexpectedIssues.includes(i));
  const messages = others.length ? `<details class="notice accounted" id="xb-messages"><summary>${text(t("js.xb.messages"))}</summary>${list(others)}</details>` : "";
  const badge = `<span class="badge foreign">${text(t("js.xb.badge", countryName))}</span>`;

  const sections = (composition.section || []).map(section => {
    const odd = unexpected(section);
    const swedish = codingsOf(section.code).map(swedishOf).find(Boolean);
    const heading = `${swedish ? `<span lang="sv">${text(swedish)}</span> · ` : ""}<span lang="${text(lang)}">${text(section.title || originalOf(section.code))}</span>`;
    const items = (section.entry || []).map(e => ({ url: e.reference, r: byUrl.get(e.reference) })).filter(i => i.r);
    const narrative = items.length ? [] : narrativeText(section);
    const body = items.length
      ? `<ul class="items">${items.map(i => xbItem(i.r, byUrl, lang, unmappedCodes)).join("")}</ul>`
      : narrative.length ? `<div class="narrative"><p class="meta">${text(t("js.xb.narrative"))}:</p><ul lang="${text(lang)}">${narrative.map(l => `<li>${text(l)}</li>`).join("")}</ul></div>`
      : `<p class="empty">${text(t("js.section.empty"))}</p>`;
    return `<section class="ips foreign${odd ? " unexpected" : ""}"><h3>${heading} <span class="count">(${items.length})</span> ${badge}
      ${odd ? `<span class="badge unexpected" title="${text(t("js.xb.unexpected.title"))}">${text(t("js.xb.unexpected"))}</span>` : ""}</h3>
      ${odd ? `<p class="meta">${text(t("js.xb.unexpected.title"))}</p>` : ""}${body}</section>`;
  }).join("");
  $("xb-result").innerHTML = `<div class="xb-document">${banner}${who}${warnings}${messages}${sections}</div>`;
}

function xbItem(r, byUrl, lang, unmappedCodes) {
  const { what, detail, detailConcepts } = conceptsOf(r, byUrl);
  const flagged = unmappedTagged(r) || unmappedTagged(byUrl.get(r.medicationReference?.reference));
  const status = r.clinicalStatus?.coding?.[0]?.code || r.status || "";
  const detailHtml = detailConcepts?.length ? detailConcepts.map(c => conceptHtml(c, lang, unmappedCodes)).join("; ") : detail ? `<span lang="${text(lang)}">${text(detail)}</span>` : "";
  return `<li class="item${flagged ? " unmapped" : ""}" data-type="${text(r.resourceType)}">
    <div class="what">${conceptHtml(what, lang, unmappedCodes)}</div>
    ${detailHtml ? `<div class="detail">${detailHtml}</div>` : ""}
    <div class="meta">${[day(when(r)), kind(r.resourceType), status].filter(Boolean).map(text).join(" · ")}</div></li>`;
}
