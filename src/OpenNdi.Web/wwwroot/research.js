// The research portal (OpenNdi.Web, ResearchPortal.razor, after common.js and sdu.js): the catalogue for anyone; after
// login as an applicant, the application, the applicant's cases, and the permits with their workspace and outputs.
// The token is kept in memory only; the datasets chosen survive the login's round trip in this tab (sessionStorage).
// Every text from an answer goes through text().
"use strict";
const client = "openndi-research-portal";
const home = "/portal/research";
const redirect = location.origin + home + "/callback";
const scope = $("login").dataset.scope;   // the scopes the server registered this client with (ResearchClient.Scopes)
const chosenKey = "research-chosen";
let session = null;      // { token, claims }: in memory only
let shownDatasets = [];  // the catalogue as last read
let applications = [];   // the applicant's, as last read
let revising = null;     // the application being revised, or null
let refreshing = null;   // the timer that reads the permits again while an extract is being prepared
const chosen = new Map(JSON.parse(sessionStorage.getItem(chosenKey) || "[]"));   // dataset id -> title
const shownPermits = new Map();   // permit id -> its JSON as last shown, so an unchanged permit is left as it is

const call = (method, url, body) => sduCall(session?.token, method, url, body, () => loggedOut(t("js.session.ended")));

$("login").onclick = () => authorize(client, redirect, scope);

function loggedOut(message) {
  session = null;
  clearTimeout(refreshing);
  shownPermits.clear();
  $("permit-list").innerHTML = "";
  showSignedOut(message);
  showDatasets();
}

function loggedIn(token) {
  session = showSignedIn(token, () => loggedOut(t("js.loggedOut")));
  showDatasets();
  readApplications();
  readPermits();
}

(async () => {
  const params = new URLSearchParams(location.search);
  resetForm();
  renderChosen();
  findDatasets();
  if (params.has("error")) { history.replaceState(null, "", home); loggedOut(`${params.get("error")}: ${params.get("error_description") || ""}`); return; }
  if (!params.has("code")) return;
  const { body, error } = await redeem(client, redirect, home, params);
  if (error) { loggedOut(error); return; }
  loggedIn(body.access_token);
})();

// ---- The catalogue (public) ----
$("catalog-search").onsubmit = event => { event.preventDefault(); findDatasets(); };

async function findDatasets() {
  $("catalog-status").textContent = t("js.sdu.catalog.reading");
  const { datasets, problem } = await readCatalog($("catalog-q").value.trim(), $("catalog-theme").value);
  shownDatasets = datasets;
  $("catalog-status").textContent = problem || (datasets.length === 1 ? t("js.sdu.catalog.one") : t("js.sdu.catalog.count", datasets.length));
  showDatasets();
}

function showDatasets() {
  $("datasets").innerHTML = shownDatasets.map((d, i) => `<li class="dataset" data-dataset="${text(d.id)}">
      <h3 id="ds-${i}">${text(d.title)}</h3>
      <p>${text(d.description)}</p>
      <p class="meta">${text([d.publisher, d.theme].filter(Boolean).join(" · "))} · <code>${text(d.id)}</code></p>
      <dl class="facts">
        <div><dt>${text(t("js.sdu.catalog.records"))}</dt><dd>${text(number(d.records))}</dd></div>
        <div><dt>${text(t("js.sdu.catalog.individuals"))}</dt><dd>${text(number(d.individuals))}</dd></div>
        <div><dt>${text(t("js.sdu.catalog.period"))}</dt><dd>${text(d.from || d.to ? `${day(d.from)} – ${day(d.to)}` : t("js.sdu.catalog.noPeriod"))}</dd></div>
        <div><dt>${text(t("js.sdu.catalog.reviewDue"))}</dt><dd>${text(day(d.reviewDue))}</dd></div>
      </dl>
      <label class="check"><input type="checkbox" class="choose" value="${text(d.id)}" aria-describedby="ds-${i}"${chosen.has(d.id) ? " checked" : ""}> ${text(t("js.research.choose"))}</label>
    </li>`).join("");
  for (const box of $("datasets").querySelectorAll("input.choose"))
    box.onchange = () => {
      const dataset = shownDatasets.find(d => d.id === box.value);
      if (box.checked) chosen.set(box.value, dataset?.title || box.value); else chosen.delete(box.value);
      renderChosen();
    };
}

// The datasets chosen for the application, each with a way to take it away again.
function renderChosen() {
  sessionStorage.setItem(chosenKey, JSON.stringify([...chosen]));
  $("chosen").innerHTML = chosen.size === 0 ? `<li class="empty">${text(t("js.research.noneChosen"))}</li>`
    : [...chosen].map(([id, title]) => `<li data-dataset="${text(id)}">${text(title)} <code>${text(id)}</code>
        <button type="button" class="link unchoose" data-id="${text(id)}">${text(t("js.research.unchoose"))}<span class="visually-hidden"> ${text(title)}</span></button></li>`).join("");
  for (const button of $("chosen").querySelectorAll("button.unchoose"))
    button.onclick = () => {
      chosen.delete(button.dataset.id);
      renderChosen();
      const box = [...$("datasets").querySelectorAll("input.choose")].find(b => b.value === button.dataset.id);
      if (box) box.checked = false;
    };
}

// ---- The application (POST /sdu/applications, or PUT when revising) ----
function resetForm() {
  $("apply-form").reset();
  const today = new Date();
  $("app-to").value = today.toISOString().slice(0, 10);
  $("app-from").value = new Date(Date.UTC(today.getUTCFullYear() - 10, 0, 1)).toISOString().slice(0, 10);
  revising = null;
  $("revising").hidden = true;
  $("apply-cancel").hidden = true;
  $("apply-submit").textContent = t("js.research.submit");
}

function contentOfForm() {
  return {
    applicantName: session.claims.subject_name || undefined,
    title: $("app-title").value.trim(),
    purpose: $("app-purpose").value,
    description: $("app-description").value.trim(),
    datasets: [...chosen.keys()],
    variables: [...$("apply-form").querySelectorAll("input[name='variable']:checked")].map(box => box.value),
    periodFrom: $("app-from").value || undefined,
    periodTo: $("app-to").value || undefined,
    form: $("apply-form").querySelector("input[name='form']:checked")?.value,
    generalisation: { birth: $("app-birth").value, place: $("app-place").value, eventDates: $("app-dates").value },
  };
}

$("apply-form").onsubmit = async event => {
  event.preventDefault();
  const content = contentOfForm();
  if (!content.periodFrom || !content.periodTo) { $("apply-message").innerHTML = `<p class="error">${text(t("js.research.periodNeeded"))}</p>`; $("app-from").focus(); return; }
  $("apply-message").textContent = t("js.research.sending");
  const answer = revising ? await call("PUT", `/sdu/applications/${encodeURIComponent(revising.id)}`, content) : await call("POST", "/sdu/applications", content);
  if (!answer.ok) { $("apply-message").innerHTML = `<p class="error">${text(answer.problem)}</p>`; return; }
  const application = answer.body;
  await readApplications();
  // Incomplete: the form stays as sent, now revising that application; complete: the form is empty for the next one.
  if (application.state === "incomplete") revise(application);
  else { resetForm(); chosen.clear(); renderChosen(); showDatasets(); }
  $("apply-message").innerHTML = `<p class="${application.state === "in-review" ? "" : "error"}">${text(t("js.research.sent." + application.state, application.id, lastNote(application)))}</p>`;
};

$("apply-cancel").onclick = () => { resetForm(); $("apply-message").textContent = ""; };

// Fills the form with an application the applicant is asked to complete or change.
function revise(application) {
  const c = application.content;
  revising = application;
  $("app-title").value = c.title || "";
  $("app-purpose").value = c.purpose || $("app-purpose").value;
  $("app-description").value = c.description || "";
  chosen.clear();
  for (const id of c.datasets || []) chosen.set(id, shownDatasets.find(d => d.id === id)?.title || id);
  renderChosen();
  showDatasets();
  for (const box of $("apply-form").querySelectorAll("input[name='variable']")) box.checked = (c.variables || []).includes(box.value);
  $("app-from").value = day(c.periodFrom);
  $("app-to").value = day(c.periodTo);
  for (const radio of $("apply-form").querySelectorAll("input[name='form']")) radio.checked = radio.value === c.form;
  $("app-birth").value = c.generalisation?.birth || "year";
  $("app-place").value = c.generalisation?.place || "region";
  $("app-dates").value = c.generalisation?.eventDates || "month";
  $("revising").textContent = t("js.research.revising", c.title, lastNote(application));
  $("revising").hidden = false;
  $("apply-cancel").hidden = false;
  $("apply-submit").textContent = t("js.research.resubmit");
  $("apply-message").textContent = "";
  $("apply").scrollIntoView();
  $("app-title").focus();
}

// ---- My applications ----
async function readApplications() {
  const answer = await call("GET", "/sdu/applications");
  if (!session) return;
  $("applications-message").textContent = answer.ok ? "" : answer.problem;
  applications = answer.ok ? [...answer.body].sort((a, b) => String(a.submitted).localeCompare(String(b.submitted))) : [];
  $("application-list").tBodies[0].innerHTML = applications.length === 0
    ? `<tr><td colspan="5" class="empty">${text(t("js.research.noApplications"))}</td></tr>`
    : applications.map(a => `<tr data-application="${text(a.id)}" data-state="${text(a.state)}">
        <td>${text(a.content?.title)}<br><span class="meta">${text(a.id)} · ${text(day(a.submitted))}</span></td>
        <td class="state">${text(word("js.sdu.app.", a.state))}${a.permit ? `<br><span class="meta">${text(t("js.sdu.permit", a.permit))}</span>` : ""}</td>
        <td>${text(number(a.ageDays))}</td>
        <td class="note">${text(lastNote(a))}</td>
        <td>${a.state === "incomplete" || a.state === "changes-requested" ? `<button type="button" class="secondary revise" data-id="${text(a.id)}">${text(t("js.research.revise"))}<span class="visually-hidden"> ${text(a.content?.title)}</span></button>` : ""}</td></tr>`).join("");
  for (const button of $("application-list").querySelectorAll("button.revise"))
    button.onclick = () => revise(applications.find(a => a.id === button.dataset.id));
}

// ---- My permits: the extract, the workspace, the outputs ----
$("permits-refresh").onclick = () => { readApplications(); readPermits(); };

async function readPermits() {
  clearTimeout(refreshing);
  const [permits, outputs] = await Promise.all([call("GET", "/sdu/permits"), call("GET", "/sdu/outputs")]);
  if (!session) return;
  $("permits-status").textContent = permits.ok ? "" : permits.problem;
  const list = permits.ok ? permits.body : [];
  if (list.length === 0) { $("permit-list").innerHTML = `<p class="empty">${text(t("js.research.noPermits"))}</p>`; shownPermits.clear(); return; }
  $("permit-list").querySelector("p.empty")?.remove();
  for (const permit of list) {
    const json = JSON.stringify(permit);
    if (shownPermits.get(permit.id) === json) continue;   // unchanged: what the person typed there stays
    shownPermits.set(permit.id, json);
    const article = document.createElement("article");
    article.className = "permit";
    article.innerHTML = permitMarkup(permit);
    const old = $(`permit-${permit.id}`);
    if (old) old.replaceWith(article); else $("permit-list").append(article);
    article.id = `permit-${permit.id}`;
    article.dataset.permit = permit.id;
    article.dataset.preparation = permit.preparation;
    article.dataset.state = permit.state;
    article.querySelector("button.credentials").onclick = () => credentials(permit, article);
    article.querySelector("form.output-form").onsubmit = event => { event.preventDefault(); submitOutput(permit, article); };
  }
  showOutputs(outputs.ok ? outputs.body : []);
  // While an extract is being prepared, the page looks again by itself: the person sees it become ready.
  if (list.some(p => p.preparation === "pending" || p.preparation === "running"))
    refreshing = setTimeout(readPermits, 2000);
}

function permitMarkup(p) {
  const id = text(p.id);
  const inForce = p.state === "active";
  const ready = p.preparation === "ready";
  const report = p.preparationReport;
  const beyond = report ? many(report.generalisedBeyondPermit) : [];
  return `<h3 id="permit-h-${id}">${text(p.content?.title)} <span class="meta">${text(t("js.sdu.permit", p.id))}</span></h3>
    <dl class="facts">
      <div><dt>${text(t("js.sdu.col.state"))}</dt><dd class="permit-state">${text(word("js.sdu.permitState.", p.state))}</dd></div>
      <div><dt>${text(t("js.sdu.col.validUntil"))}</dt><dd>${text(day(p.validUntil))}</dd></div>
      <div><dt>${text(t("js.sdu.col.preparation"))}</dt><dd class="preparation">${text(word("js.sdu.prep.", p.preparation))}</dd></div>
      <div class="wide"><dt>${text(t("js.sdu.col.conditions"))}</dt><dd>${text(p.conditions)}</dd></div>
    </dl>
    ${report ? `<h4>${text(t("js.research.report.heading"))}</h4>
    <dl class="facts report">
      <div><dt>${text(t("js.research.report.persons"))}</dt><dd class="report-persons">${text(number(report.persons))}</dd></div>
      <div><dt>${text(t("js.research.report.events"))}</dt><dd class="report-events">${text(number(report.events))}</dd></div>
      <div><dt>${text(t("js.research.report.suppressed"))}</dt><dd class="report-suppressed">${text(number(report.personsSuppressed))}</dd></div>
      <div><dt>${text(t("js.research.report.k"))}</dt><dd>${text(t(report.kAnonymous ? "js.research.report.kYes" : "js.research.report.kNo", report.k, report.smallestClass))}</dd></div>
      <div class="wide"><dt>${text(t("js.research.report.beyond"))}</dt><dd class="report-beyond">${text(beyond.length === 0 ? t("js.research.report.beyondNone") : beyond.join("; "))}</dd></div>
      <div class="wide"><dt>${text(t("js.research.report.applied"))}</dt><dd>${text(generalisationText(report.applied))}</dd></div>
    </dl>` : ""}
    <h4>${text(t("js.research.workspace.heading"))}</h4>
    <p>${text(t(inForce && ready ? "js.research.workspace.ready" : inForce ? "js.research.workspace.notYet" : "js.research.workspace.closed"))}</p>
    <button type="button" class="credentials"${inForce && ready ? "" : " disabled"}>${text(t("js.research.credentials"))}</button>
    <div class="credentials-box" role="status" aria-live="polite"></div>
    <h4>${text(t("js.research.output.heading"))}</h4>
    <form class="output-form" novalidate>
      <fieldset>
        <legend>${text(t("js.research.output.legend"))}</legend>
        <label class="field" for="out-table-${id}">${text(t("js.research.output.table"))}
          <input id="out-table-${id}" name="table" autocomplete="off" spellcheck="false" required${inForce ? "" : " disabled"}></label>
        <label class="field wide" for="out-description-${id}">${text(t("js.research.output.description"))}
          <input id="out-description-${id}" name="description" maxlength="500" autocomplete="off"${inForce ? "" : " disabled"}></label>
        <button type="submit"${inForce ? "" : " disabled"}>${text(t("js.research.output.submit"))}</button>
      </fieldset>
    </form>
    <div class="output-message" role="status" aria-live="polite"></div>
    <table class="outputs">
      <caption>${text(t("js.research.outputs.caption"))}</caption>
      <thead><tr><th scope="col">${text(t("js.sdu.col.table"))}</th><th scope="col">${text(t("js.sdu.col.state"))}</th><th scope="col">${text(t("js.sdu.col.check"))}</th><th scope="col"><span class="visually-hidden">${text(t("js.sdu.col.actions"))}</span></th></tr></thead>
      <tbody></tbody>
    </table>
    <div class="released-view"></div>`;
}

// A new password for the workspace, shown this once.
async function credentials(permit, article) {
  const box = article.querySelector(".credentials-box");
  box.textContent = t("js.research.sending");
  const answer = await call("POST", `/sdu/permits/${encodeURIComponent(permit.id)}/credentials`);
  if (!answer.ok) { box.innerHTML = `<p class="error">${text(answer.problem)}</p>`; return; }
  const c = answer.body;
  const none = t("js.research.cred.none");
  box.innerHTML = `<div class="notice once">
      <p><strong>${text(t("js.research.cred.once"))}</strong></p>
      <dl class="facts">
        <div><dt>${text(t("js.research.cred.user"))}</dt><dd><code class="cred-user">${text(c.user ?? none)}</code></dd></div>
        <div><dt>${text(t("js.research.cred.password"))}</dt><dd><code class="cred-password">${text(c.password ?? none)}</code></dd></div>
        <div class="wide"><dt>${text(t("js.research.cred.connection"))}</dt><dd><code class="cred-connection">${text(c.connectionString)}</code></dd></div>
        <div class="wide"><dt>${text(t("js.research.cred.until"))}</dt><dd>${text(day(c.workspace?.validUntil))}</dd></div>
      </dl>
      <p class="meta">${text(t("js.research.cred.tables"))}</p>
    </div>`;
}

async function submitOutput(permit, article) {
  const form = article.querySelector("form.output-form");
  const message = article.querySelector(".output-message");
  const table = form.elements.table.value.trim();
  if (!table) { message.innerHTML = `<p class="error">${text(t("js.research.output.tableNeeded"))}</p>`; form.elements.table.focus(); return; }
  message.textContent = t("js.research.sending");
  const answer = await call("POST", `/sdu/permits/${encodeURIComponent(permit.id)}/outputs`, { table, description: form.elements.description.value.trim() });
  if (!answer.ok) { message.innerHTML = `<p class="error">${text(answer.problem)}</p>`; return; }
  const output = answer.body;
  message.innerHTML = `<p class="${output.state === "awaiting-review" ? "" : "error"}">${text(t("js.research.output.sent." + output.state, output.table, (output.checkProblems || []).join("; ")))}</p>`;
  form.reset();
  const outputs = await call("GET", "/sdu/outputs");
  if (outputs.ok) showOutputs(outputs.body);
}

// Each permit's outputs: state, what the automatic check found, the reviewer's note; a released one can be shown and downloaded.
function showOutputs(outputs) {
  for (const article of $("permit-list").querySelectorAll("article.permit")) {
    const mine = outputs.filter(o => o.permit === article.dataset.permit);
    article.querySelector("table.outputs").tBodies[0].innerHTML = mine.length === 0
      ? `<tr><td colspan="4" class="empty">${text(t("js.research.noOutputs"))}</td></tr>`
      : mine.map(o => `<tr data-output="${text(o.id)}" data-state="${text(o.state)}">
          <td><code>${text(o.table)}</code><br><span class="meta">${text(o.description)}</span></td>
          <td class="state">${text(word("js.sdu.out.", o.state))}${o.reviewNote ? `<br><span class="meta">${text(o.reviewNote)}</span>` : ""}</td>
          <td class="problems">${text((o.checkProblems || []).length === 0 ? t("js.sdu.check.passed", o.threshold) : o.checkProblems.join("; "))}</td>
          <td>${o.state === "released" ? `<button type="button" class="secondary show-output" data-id="${text(o.id)}">${text(t("js.research.output.show"))}<span class="visually-hidden"> ${text(o.table)}</span></button>
              <button type="button" class="secondary csv-output" data-id="${text(o.id)}" data-table="${text(o.table)}">${text(t("js.research.output.csv"))}<span class="visually-hidden"> ${text(o.table)}</span></button>` : ""}</td></tr>`).join("");
    for (const button of article.querySelectorAll("button.show-output")) button.onclick = () => showReleased(button.dataset.id, article);
    for (const button of article.querySelectorAll("button.csv-output")) button.onclick = () => downloadCsv(button.dataset.id, button.dataset.table, article);
  }
}

async function showReleased(id, article) {
  const view = article.querySelector(".released-view");
  const answer = await call("GET", `/sdu/outputs/${encodeURIComponent(id)}`);
  view.innerHTML = answer.ok ? resultTable(t("js.research.output.released", answer.body.table), answer.body.columns, answer.body.rows, "result released")
    : `<p class="error">${text(answer.problem)}</p>`;
  view.querySelector("table")?.setAttribute("data-output", id);
}

// The CSV needs the bearer token, so it is fetched and handed to the browser as a file.
async function downloadCsv(id, table, article) {
  let response;
  try {
    response = await fetch(`/sdu/outputs/${encodeURIComponent(id)}/csv`, { headers: { Authorization: `Bearer ${session.token}` }, cache: "no-store" });
  } catch {
    article.querySelector(".output-message").textContent = t("js.unreachable.text");
    return;
  }
  if (!response.ok) { article.querySelector(".output-message").textContent = t("js.request.failed", response.status); return; }
  const link = document.createElement("a");
  link.href = URL.createObjectURL(new Blob([await response.text()], { type: "text/csv" }));
  link.download = `${table}.csv`;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 0);
  article.querySelector(".output-message").textContent = t("js.research.output.saved", `${table}.csv`);
}
