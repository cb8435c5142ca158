// The health data access body's case handling (OpenNdi.Web, AccessBodyPortal.razor, after common.js and sdu.js): the
// officer logs in; the applications queue (oldest first), one application's details and the decision; the permits,
// with revocation; the outputs that wait for a person, each table shown whole with what the automatic check found.
// The token is kept in memory only; every text from an answer goes through text().
"use strict";
const client = "openndi-hdab-portal";
const home = "/portal/hdab";
const redirect = location.origin + home + "/callback";
const scope = $("login").dataset.scope;   // the scopes the server registered this client with (AccessBodyClient.Scopes)
let session = null;      // { token, claims }: in memory only
let applications = [];   // every application, as last read
let permits = [];        // every permit, as last read
let opened = null;         // the application shown in #case
let revoking = null;     // the permit the revocation dialog is about
const titles = new Map();   // dataset id -> title, from the public catalogue

const call = (method, url, body) => sduCall(session?.token, method, url, body, () => loggedOut(t("js.session.ended")));

$("login").onclick = () => authorize(client, redirect, scope);

function loggedOut(message) {
  session = null;
  opened = null;
  $("case").hidden = true;
  showSignedOut(message);
}

function loggedIn(token) {
  session = showSignedIn(token, () => loggedOut(t("js.loggedOut")));
  readAll();
}

(async () => {
  const params = new URLSearchParams(location.search);
  readCatalog("", "").then(({ datasets }) => { for (const d of datasets) titles.set(d.id, d.title); });
  if (params.has("error")) { history.replaceState(null, "", home); loggedOut(`${params.get("error")}: ${params.get("error_description") || ""}`); return; }
  if (!params.has("code")) return;
  const { body, error } = await redeem(client, redirect, home, params);
  if (error) { loggedOut(error); return; }
  loggedIn(body.access_token);
})();

function readAll() {
  readApplications();
  readPermits();
  readOutputs();
}

// ---- Applications: the queue, oldest first ----
$("queue-filter").onsubmit = event => { event.preventDefault(); readApplications(); };
$("queue-show").onchange = showQueue;

async function readApplications() {
  const answer = await call("GET", "/sdu/applications");
  if (!session) return;
  $("queue-message").textContent = answer.ok ? "" : answer.problem;
  applications = answer.ok ? [...answer.body].sort((a, b) => String(a.submitted).localeCompare(String(b.submitted))) : [];
  showQueue();
  if (opened) showCase(applications.find(a => a.id === opened.id) || opened);
}

function showQueue() {
  const show = $("queue-show").value;
  const rows = applications.filter(a => show === "" || (show === "open" ? !["approved", "refused"].includes(a.state) : a.state === show));
  $("queue-caption").textContent = t("js.hdab.queue.caption", rows.length, applications.length);
  $("application-queue").tBodies[0].innerHTML = rows.length === 0
    ? `<tr><td colspan="6" class="empty">${text(t("js.hdab.queue.none"))}</td></tr>`
    : rows.map(a => `<tr data-application="${text(a.id)}" data-state="${text(a.state)}">
        <td class="nowrap">${text(day(a.submitted))}</td>
        <td>${text(a.content?.title)}<br><span class="meta">${text(a.id)} · ${text(word("js.sdu.purpose.", a.content?.purpose))}</span></td>
        <td>${text(a.applicantName)}<br><span class="meta">${text(a.organisation)}</span></td>
        <td class="state">${text(word("js.sdu.app.", a.state))}</td>
        <td>${text(number(a.ageDays))}</td>
        <td><button type="button" class="secondary open-case" data-id="${text(a.id)}">${text(t("js.hdab.open"))}<span class="visually-hidden"> ${text(a.content?.title)}</span></button></td></tr>`).join("");
  for (const button of $("application-queue").querySelectorAll("button.open-case"))
    button.onclick = () => { showCase(applications.find(a => a.id === button.dataset.id)); $("case").focus(); };
}

function showCase(application) {
  opened = application;
  const c = application.content || {};
  $("case").hidden = false;
  $("case").dataset.application = application.id;
  $("case").dataset.state = application.state;
  $("case-heading").textContent = t("js.hdab.case.heading", c.title);
  const fact = (label, value, wide) => `<div${wide ? ' class="wide"' : ""}><dt>${text(t(label))}</dt><dd>${value}</dd></div>`;
  $("case-facts").innerHTML = [
    fact("js.sdu.col.state", text(word("js.sdu.app.", application.state))),
    fact("js.sdu.col.age", text(number(application.ageDays))),
    fact("js.sdu.col.applicant", `${text(application.applicantName)} (${text(application.applicant)})<br><span class="meta">${text(application.organisation)}</span>`),
    fact("js.sdu.col.purpose", text(word("js.sdu.purpose.", c.purpose))),
    fact("js.sdu.col.description", text(c.description), true),
    fact("js.sdu.col.datasets", `<ul>${(c.datasets || []).map(d => `<li>${text(titles.get(d) || d)} <code>${text(d)}</code></li>`).join("")}</ul>`, true),
    fact("js.sdu.col.variables", text((c.variables || []).map(v => word("js.sdu.variable.", v)).join(", "))),
    fact("js.sdu.col.period", text(`${day(c.periodFrom)} – ${day(c.periodTo)}`)),
    fact("js.sdu.col.form", text(word("js.sdu.form.", c.form))),
    fact("js.sdu.col.generalisation", text(generalisationText(c.generalisation))),
    ...(application.permit ? [fact("js.sdu.col.permit", `<code>${text(application.permit)}</code>`)] : []),
  ].join("");
  $("case-history").innerHTML = (application.history || []).map(s => `<li><span class="meta">${text(day(s.at))} · ${text(stepBy(s, application, application.applicantName))}${s.by !== "completeness-check" && s.by !== application.applicant ? ` (${text(s.by)})` : ""}</span>
      ${text(word("js.sdu.app.", s.state))}${s.note ? `: ${text(stepNote(s))}` : ""}</li>`).join("");
  const decidable = application.state === "in-review";
  $("decision").hidden = !decidable;
  if (decidable && $("decision").dataset.application !== application.id) {
    $("decision").reset();
    $("decision").dataset.application = application.id;
    const until = new Date();
    until.setUTCFullYear(until.getUTCFullYear() + 2);
    $("decision-until").value = until.toISOString().slice(0, 10);
  }
}

// A decision is made with its button only: Enter in a field of a decision form does not submit it (the browser
// would take the first button, approve or release, as the one pressed).
function buttonsOnly(form) {
  form.addEventListener("keydown", event => {
    if (event.key === "Enter" && event.target instanceof HTMLInputElement) event.preventDefault();
  });
}
buttonsOnly($("decision"));

// One form, three decisions: the button pressed says which. Asking for changes and refusing need a note.
$("decision").onsubmit = async event => {
  event.preventDefault();
  const decision = event.submitter?.value;
  if (!opened || !decision) return;
  const note = $("decision-note").value.trim();
  if (decision !== "approve" && !note) {
    $("decision-message").innerHTML = `<p class="error">${text(t("js.hdab.decision.noteNeeded"))}</p>`;
    $("decision-note").focus();
    return;
  }
  const body = { decision, note: note || undefined };
  if (decision === "approve") {
    body.conditions = $("decision-conditions").value.trim() || undefined;
    body.validUntil = $("decision-until").value || undefined;
  }
  $("decision-message").textContent = t("js.hdab.sending");
  const answer = await call("POST", `/sdu/applications/${encodeURIComponent(opened.id)}/decision`, body);
  if (!answer.ok) { $("decision-message").innerHTML = `<p class="error">${text(answer.problem)}</p>`; return; }
  $("decision-message").textContent = t("js.hdab.decided." + decision, answer.body.content?.title, answer.body.permit || "");
  opened = answer.body;
  await Promise.all([readApplications(), readPermits()]);
};

// ---- Permits, with revocation ----
async function readPermits() {
  const answer = await call("GET", "/sdu/permits");
  if (!session) return;
  $("permits-message").textContent = answer.ok ? "" : answer.problem;
  permits = answer.ok ? answer.body : [];
  $("permit-table").tBodies[0].innerHTML = permits.length === 0
    ? `<tr><td colspan="7" class="empty">${text(t("js.hdab.permits.none"))}</td></tr>`
    : permits.map(p => `<tr data-permit="${text(p.id)}" data-state="${text(p.state)}" data-preparation="${text(p.preparation)}">
        <td><code>${text(p.id)}</code><br><span class="meta">${text(day(p.issued))}</span></td>
        <td>${text(p.content?.title)}</td>
        <td>${text(p.holder)}<br><span class="meta">${text(p.organisation)}</span></td>
        <td class="state">${text(word("js.sdu.permitState.", p.state))}</td>
        <td class="nowrap">${text(day(p.validUntil))}</td>
        <td>${text(word("js.sdu.prep.", p.preparation))}${p.preparationReport ? `<br><span class="meta">${text(t("js.hdab.permits.report", number(p.preparationReport.persons), number(p.preparationReport.events), number(p.preparationReport.personsSuppressed)))}</span>` : ""}</td>
        <td>${p.state === "active" ? `<button type="button" class="danger revoke" data-id="${text(p.id)}">${text(t("js.hdab.revoke"))}<span class="visually-hidden"> ${text(p.id)}</span></button>` : ""}</td></tr>`).join("");
  for (const button of $("permit-table").querySelectorAll("button.revoke"))
    button.onclick = () => {
      revoking = permits.find(p => p.id === button.dataset.id);
      $("revoke-title").textContent = t("js.hdab.revoke.title", revoking.id, revoking.content?.title);
      $("revoke-note").value = "";
      $("revoke-dialog").showModal();
      $("revoke-note").focus();
    };
}

$("revoke-form").onsubmit = async event => {
  event.preventDefault();
  const permit = event.submitter?.value === "confirm" ? revoking : null;
  const note = $("revoke-note").value.trim();
  if (permit && !note) { $("revoke-note").focus(); return; }
  revoking = null;
  $("revoke-dialog").close();
  if (!permit) return;
  const answer = await call("POST", `/sdu/permits/${encodeURIComponent(permit.id)}/revoke`, { note });
  $("permits-message").textContent = answer.ok ? t("js.hdab.revoked", permit.id) : answer.problem;
  await readPermits();
};

// ---- Outputs: the tables that wait for a person first, each shown whole ----
$("outputs-refresh").onclick = readAll;

async function readOutputs() {
  const answer = await call("GET", "/sdu/outputs");
  if (!session) return;
  $("outputs-message").textContent = answer.ok ? "" : answer.problem;
  const order = { "awaiting-review": 0, "failed-automatic-check": 1, released: 2, refused: 3 };
  const outputs = answer.ok ? [...answer.body].sort((a, b) => (order[a.state] ?? 9) - (order[b.state] ?? 9) || String(a.submitted).localeCompare(String(b.submitted))) : [];
  $("output-list").innerHTML = outputs.length === 0 ? `<p class="empty">${text(t("js.hdab.outputs.none"))}</p>`
    : outputs.map(o => { const id = text(o.id); const passed = (o.checkProblems || []).length === 0; return `<article class="output" id="output-${id}" data-output="${id}" data-state="${text(o.state)}">
        <h3>${text(t("js.hdab.output.heading", o.table, o.permit))}</h3>
        <p>${text(o.description)}</p>
        <dl class="facts">
          <div><dt>${text(t("js.sdu.col.state"))}</dt><dd class="state">${text(word("js.sdu.out.", o.state))}</dd></div>
          <div><dt>${text(t("js.sdu.col.submitted"))}</dt><dd>${text(day(o.submitted))}</dd></div>
          <div class="wide"><dt>${text(t("js.sdu.col.check"))}</dt><dd class="check ${passed ? "passed" : "failed"}">${passed ? text(t("js.sdu.check.passed", o.threshold))
            : `${text(t("js.sdu.check.failed", o.threshold))}<ul>${o.checkProblems.map(p => `<li>${text(p)}</li>`).join("")}</ul>`}</dd></div>
          ${o.reviewNote ? `<div class="wide"><dt>${text(t("js.hdab.output.note"))}</dt><dd>${text(o.reviewNote)}</dd></div>` : ""}
        </dl>
        ${resultTable(t("js.hdab.output.caption", o.table, (o.rows || []).length), o.columns, o.rows)}
        ${o.state === "awaiting-review" ? `<form class="output-decision" novalidate>
          <fieldset>
            <legend>${text(t("js.hdab.output.decide"))}</legend>
            <label class="field wide" for="output-note-${id}">${text(t("js.hdab.output.noteLabel"))}
              <input id="output-note-${id}" name="note" maxlength="2000" autocomplete="off"></label>
            <div class="actions">
              <button type="submit" value="release">${text(t("js.hdab.output.release"))}</button>
              <button type="submit" value="refuse" class="danger">${text(t("js.hdab.output.refuse"))}</button>
            </div>
          </fieldset>
        </form>` : ""}
        <div class="output-message" role="status" aria-live="polite"></div>
      </article>`; }).join("");
  for (const form of $("output-list").querySelectorAll("form.output-decision")) {
    buttonsOnly(form);
    form.onsubmit = event => { event.preventDefault(); decideOutput(form.closest("article"), event.submitter?.value, form.elements.note.value.trim()); };
  }
}

async function decideOutput(article, decision, note) {
  const message = article.querySelector(".output-message");
  if (!decision) return;
  if (decision === "refuse" && !note) { message.innerHTML = `<p class="error">${text(t("js.hdab.decision.noteNeeded"))}</p>`; article.querySelector("input[name='note']").focus(); return; }
  const answer = await call("POST", `/sdu/outputs/${encodeURIComponent(article.dataset.output)}/decision`, { decision, note: note || undefined });
  if (!answer.ok) { message.innerHTML = `<p class="error">${text(answer.problem)}</p>`; return; }
  $("outputs-message").textContent = t("js.hdab.output.decided." + decision, answer.body.table);
  await readOutputs();
}
