// Research and statistics that used the patient's data (OpenNdi.Web, PatientPortal.razor, after patient.js): the
// data permits whose extracts included the person acted for (EHDS art. 58), from the health data access body's
// transparency list (/sdu/transparency): which permit, for which organisation, why, and for how long. Never the
// pseudonym or the extract. Every text from an answer goes through text().
"use strict";
async function readResearchUse() {
  const body = $("research-use-list").tBodies[0];
  $("research-use-message").textContent = t("js.record.reading");
  let response, permits;
  try {
    response = await fetch("/sdu/transparency?" + new URLSearchParams({ patient: session.patient }),
      { headers: { Authorization: `Bearer ${session.token}`, Accept: "application/json" }, cache: "no-store" });
    permits = await response.json().catch(() => null);
  } catch {
    $("research-use-message").textContent = t("js.unreachable.text");
    return;
  }
  if (response.status === 401) { loggedOut(t("js.session.ended")); return; }
  $("research-use-message").textContent = response.ok ? "" : response.status === 404 && !permits?.issue
    ? t("js.patient.sdu.unavailable") : `${t("js.request.failed", response.status)} ${outcomeText(permits)}`;
  const list = response.ok && Array.isArray(permits) ? permits : [];
  const date = iso => iso ? String(iso).slice(0, 10) : "";
  body.innerHTML = list.length === 0
    ? `<tr><td colspan="5" class="empty">${text(t(response.ok ? "js.patient.sdu.none" : "js.request.noReason"))}</td></tr>`
    : list.map(p => `<tr data-permit="${text(p.permit)}">
        <td>${text(p.title)}<br><span class="meta">${text(t("js.sdu.permit", p.permit))}</span></td>
        <td>${text(p.organisationName || p.organisation)}</td>
        <td>${text(texts["js.sdu.purpose." + p.purpose] ?? p.purpose)}</td>
        <td>${text(`${date(p.issued)} – ${date(p.validUntil)}`)}</td>
        <td>${text(texts["js.sdu.permitState." + p.state] ?? p.state)}</td></tr>`).join("");
}
