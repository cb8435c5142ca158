// What the secondary-use pages share (OpenNdi.Web: ResearchPortal.razor and AccessBodyPortal.razor, after common.js):
// calls to the health data access body's API (/sdu: JSON, refusals as FHIR OperationOutcome), the words for its states,
// dates, a tolerant reader of the catalogue's JSON-LD (HealthDCAT-AP), and a result table as the page shows it.
"use strict";
const pageLanguage = document.documentElement.lang === "en" ? "en" : "sv";
const day = iso => iso ? String(iso).slice(0, 10) : "";
const number = n => n == null || n === "" || Number.isNaN(Number(n)) ? "" : Number(n).toLocaleString(pageLanguage === "en" ? "en-GB" : "sv-SE");
// A code of the API ("in-review", "five-year-band") in the page's words; the code itself when there is no word for it.
const word = (prefix, code) => code == null || code === "" ? "" : (texts[prefix + code] ?? String(code));

// One call to the API as the person: answers { ok, status, body, problem } (problem: a line to show when not ok).
// A 401 means the login ended: onEnded is called.
async function sduCall(token, method, url, body, onEnded) {
  let response;
  try {
    response = await fetch(url, { method, cache: "no-store", body: body === undefined ? undefined : JSON.stringify(body),
      headers: { Accept: "application/json", ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { "Content-Type": "application/json" }) } });
  } catch {
    return { ok: false, status: 0, body: null, problem: t("js.unreachable.text") };
  }
  const data = await response.json().catch(() => null);
  if (response.status === 401 && onEnded) onEnded();
  return { ok: response.ok, status: response.status, body: data,
    problem: response.ok ? "" : `${t("js.request.failed", response.status)}: ${outcomeText(data) || t("js.request.noReason")}` };
}

// The page after a login: the app shown, the person and their organisation named at the top with a way out.
// Answers the session ({ token, claims }).
function showSignedIn(token, onLogout) {
  const claims = claimsOf(token);
  $("login-panel").hidden = true;
  $("app").hidden = false;
  $("who").innerHTML = `${text(claims.subject_name || claims.sub)}${claims.subject_organization ? ` · ${text(claims.subject_organization)}` : ""}`
    + ` · <button type="button" class="link" id="logout">${text(t("js.logout"))}</button>`;
  $("logout").onclick = onLogout;
  return { token, claims };
}

// The page after a logout: the login panel again, with why when there is a reason to tell.
function showSignedOut(message) {
  $("app").hidden = true;
  $("login-panel").hidden = false;
  $("who").textContent = "";
  $("login-error").innerHTML = message ? `<p class="error">${text(message)}</p>` : "";
}

// A generalisation (birth, place, event dates) in the page's words.
const generalisationText = g => g ? [word("js.sdu.gen.birth.", g.birth), word("js.sdu.gen.place.", g.place), word("js.sdu.gen.eventDates.", g.eventDates)].filter(Boolean).join(" · ") : "";

// ---- The catalogue (GET /sdu/catalog, JSON-LD in DCAT-AP with HealthDCAT-AP) ----
// Read tolerantly: a property is found by its compact name under whatever prefix the document's @context gives its
// namespace, by its full IRI, or by its bare name; a value may be a string, a typed or language-tagged literal, a
// node, or an array of them.
const namespaces = { dct: "http://purl.org/dc/terms/", dcat: "http://www.w3.org/ns/dcat#", foaf: "http://xmlns.com/foaf/0.1/",
  healthdcatap: "http://healthdataportal.eu/ns/health#", ndi: "https://openndi.se/ns/catalog#" };
const many = v => Array.isArray(v) ? v : v == null ? [] : [v];

function catalogReader(document) {
  const context = Object.assign({}, ...many(document?.["@context"]).filter(c => c && typeof c === "object"));
  const prefixesOf = ns => Object.keys(context).filter(p => context[p] === ns);
  const prop = (node, name) => {
    if (!node || typeof node !== "object") return undefined;
    const [prefix, local] = name.split(":");
    const ns = namespaces[prefix];
    for (const key of [name, ns + local, ...prefixesOf(ns).map(p => `${p}:${local}`), local])
      if (key in node) return node[key];
    return undefined;
  };
  // A literal in the page's language (then Swedish, then any); a typed literal's value; a node's @id.
  const literal = value => {
    const values = many(value);
    const pick = values.find(v => v?.["@language"] === pageLanguage) ?? values.find(v => v?.["@language"] === "sv") ?? values[0];
    if (pick == null) return "";
    return typeof pick === "object" ? String(pick["@value"] ?? pick["@id"] ?? "") : String(pick);
  };
  const isDataset = node => many(node?.["@type"]).some(type => type === "dcat:Dataset" || type === "Dataset" || type === namespaces.dcat + "Dataset"
    || prefixesOf(namespaces.dcat).some(p => type === `${p}:Dataset`));
  const nodes = many(prop(document, "dcat:dataset")).concat(many(document?.["@graph"]).filter(isDataset));
  if (nodes.length === 0 && isDataset(document)) nodes.push(document);
  return nodes.filter(n => n && typeof n === "object").map(node => {
    const publisher = many(prop(node, "dct:publisher"))[0];
    const temporal = many(prop(node, "dct:temporal"))[0];
    const id = literal(prop(node, "dct:identifier")) || decodeURIComponent(String(node["@id"] ?? "").split("/sdu/catalog/datasets/")[1] ?? "");
    return {
      id,
      title: literal(prop(node, "dct:title")) || id,
      description: literal(prop(node, "dct:description")),
      publisher: literal(prop(publisher, "foaf:name")) || literal(publisher),
      theme: literal(prop(node, "dcat:keyword")),
      records: literal(prop(node, "healthdcatap:numberOfRecords")),
      individuals: literal(prop(node, "healthdcatap:numberOfUniqueIndividuals")),
      from: literal(prop(temporal, "dcat:startDate")),
      to: literal(prop(temporal, "dcat:endDate")),
      reviewDue: literal(prop(node, "ndi:reviewDue")),
    };
  }).filter(d => d.id);
}

// The catalogue's datasets matching the words and theme: [] with a problem when it cannot be read.
async function readCatalog(q, theme) {
  const query = new URLSearchParams();
  if (q) query.set("q", q);
  if (theme) query.set("theme", theme);
  const answer = await sduCall(null, "GET", "/sdu/catalog" + (query.toString() ? "?" + query : ""));
  return answer.ok ? { datasets: catalogReader(answer.body) } : { datasets: [], problem: answer.problem };
}

// ---- Results ----
// A table as the body holds it (columns, rows of text), with a caption; every cell goes through text().
function resultTable(caption, columns, rows, className = "result") {
  return `<table class="${className}"><caption>${text(caption)}</caption>
    <thead><tr>${(columns || []).map(c => `<th scope="col">${text(c)}</th>`).join("")}</tr></thead>
    <tbody>${(rows || []).map(r => `<tr>${(r || []).map(c => `<td>${text(c ?? "")}</td>`).join("")}</tr>`).join("")}</tbody></table>`;
}

// Who took a step of an application's history, and its note, in the page's words (the check's findings and the
// officers' notes are the API's own text).
const stepBy = (step, application, applicantWord) => step.by === "completeness-check" ? t("js.sdu.by.check")
  : step.by === application.applicant ? applicantWord : t("js.sdu.by.officer");
const stepNote = step => step.note === "complete" ? t("js.sdu.note.complete") : step.note === "revised" ? t("js.sdu.note.revised") : step.note || "";

// The last step of an application's history that says something, with who and when: "the check found …", "the body asks …".
function lastNote(application) {
  const step = [...(application.history || [])].reverse().find(s => s.note);
  return step ? `${stepBy(step, application, t("js.sdu.by.applicant"))} ${day(step.at)}: ${stepNote(step)}` : "";
}
