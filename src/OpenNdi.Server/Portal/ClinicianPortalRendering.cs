namespace OpenNdi.Server.Portal;

/// <summary>
/// The part of the portal's script that turns the IPS document Bundle from <c>Patient/$summary</c> into what a
/// clinician reads: the patient, the notices from the OperationOutcome (withheld and why, providers missed and why,
/// the emergency break), then each Composition section with its items, each with its sources from the Provenance
/// that targets it and an emergency badge when it carries the BTG security label (v3 ActReason). Every text from
/// the answer goes through <c>text()</c> before it reaches the page.
/// </summary>
internal static class ClinicianPortalRendering
{
    public const string Script = """
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
            const source = { provider: provider.display || provider.identifier?.value || "unknown provider",
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

          const name = patient.name?.[0] ? `${(patient.name[0].given || []).join(" ")} ${patient.name[0].family || ""}`.trim() : "Name not in the population register";
          $("patient").innerHTML = `<h2>${text(name)}</h2><p>${text(patient.identifier?.[0]?.value || current)}
            ${patient.birthDate ? ` · born ${text(patient.birthDate)}` : ""}${patient.gender ? ` · ${text(patient.gender)}` : ""}
            · summary from ${providers.length} ${providers.length === 1 ? "provider" : "providers"}: ${text(providers.join(", ") || "none")}
            · composed ${text(day(composition.date))}</p>`;

          $("notices").innerHTML = notices(outcome?.issue || [], emergencyReason);
          $("emergency-again")?.addEventListener("click", openEmergency);

          $("summary").innerHTML = (composition.section || []).map(section => {
            const items = (section.entry || []).map(e => ({ url: e.reference, r: byUrl.get(e.reference) })).filter(i => i.r)
              .sort((a, b) => String(when(b.r)).localeCompare(String(when(a.r))));
            const body = items.length === 0
              ? `<p class="empty">${text(section.emptyReason ? `No information (${concept(section.emptyReason).toLowerCase()})` : "No information")}</p>`
              : `<ul class="items">${items.map(i => item(i.r, i.url, resolve, sources.get(i.url) || [])).join("")}</ul>`;
            return `<section class="ips"><h3>${text(section.title || concept(section.code))} <span class="count">(${items.length})</span></h3>${body}</section>`;
          }).join("");
          nameCareUnits();
        }

        // Told apart where a section holds more than one kind of resource.
        const kinds = { MedicationStatement: "medication use", MedicationRequest: "prescription", MedicationDispense: "dispensed", DiagnosticReport: "report" };

        function item(r, url, resolve, sources) {
          const [what, detail] = describe(r, url, resolve);
          const status = concept(r.clinicalStatus) || r.status || "";
          const emergency = viaEmergency(r);
          const from = sources.map(s => `<span class="source">${text(s.provider)}${s.unit ? `, <span data-unit="${text(s.unit)}">care unit ${text(s.unit)}</span>` : ""}</span>`);
          return `<li class="item${emergency ? " via-emergency" : ""}" data-type="${text(r.resourceType)}">
            <div><span class="what">${text(what || r.resourceType)}</span>${detail ? ` <span class="detail">— ${text(detail)}</span>` : ""}
              ${emergency ? '<span class="badge emergency" title="Released through the emergency break">Emergency access</span>' : ""}
              ${sources.length > 1 ? `<span class="badge merged" title="The same item, reported by more than one source">${sources.length} sources</span>` : ""}</div>
            <div class="meta">${[day(when(r)), kinds[r.resourceType], status].filter(Boolean).map(text).join(" · ")}
              · Source${sources.length > 1 ? "s" : ""}: ${from.join("; ") || "not stated"}</div></li>`;
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
          const missed = issues.filter(i => !broken.includes(i) && !withheld.includes(i) && !limited.includes(i));
          let html = "";
          if (emergencyReason)
            html += `<section class="notice emergency" id="emergency-note"><h2>Opened with emergency access</h2>
              <p>Your reason, as logged: “${text(emergencyReason)}”. This access is followed up.</p>
              ${broken.length ? list(broken) : "<p>Nothing was blocked, so nothing came through the break.</p>"}</section>`;
          if (limited.length)
            html += `<section class="notice limited" id="limited"><h2>Only your own care provider's information</h2>
              <p>This says nothing about whether other care providers hold information about the patient.</p>${list(limited)}
              ${limited.some(i => (i.details?.coding || []).some(c => c.code === "no-care-relationship"))
                ? "<p>If you take part in this patient's care, tick <strong>Care relationship declared</strong> and search again.</p>" : ""}</section>`;
          if (withheld.length)
            html += `<section class="notice withheld" id="withheld"><h2>Withheld from this summary</h2>
              <p>Some of the patient's information is not shown to you. You see how much and why, never what it is.</p>${list(withheld)}
              ${emergencyReason || !withheld.some(byBlock) ? "" : `<p>If the patient needs care now and cannot be asked, the patient's blocks can be broken:
                <button type="button" class="danger" id="emergency-again">Emergency access…</button></p>`}</section>`;
          if (missed.length)
            html += `<section class="notice missed" id="missed"><h2>Providers missing from this summary</h2>
              <p>These providers could not be read in time or answered wrongly; the summary may be incomplete.</p>${list(missed)}</section>`;
          if (!withheld.length && !missed.length && !limited.length)
            html += `<section class="notice complete" id="complete"><h2>Complete</h2><p>Every provider answered and nothing was withheld.</p></section>`;
          return html;
        }

        // Care unit names from the national directory (mCSD Organization); the HSA-id stays when a name cannot be had.
        const unitNames = new Map();
        async function nameCareUnits() {
          const spans = [...document.querySelectorAll("[data-unit]")];
          const ids = [...new Set(spans.map(s => s.dataset.unit))];
          for (const id of ids.filter(id => !unitNames.has(id)))
            unitNames.set(id, fetch(`/fhir/Organization/${encodeURIComponent(id)}`, { headers: { Authorization: `Bearer ${session.token}` } })
              .then(r => r.ok ? r.json() : null).then(o => o?.name || null).catch(() => null));
          for (const id of ids) {
            const name = await unitNames.get(id);
            if (name) for (const span of spans.filter(s => s.dataset.unit === id)) { span.textContent = name; span.title = `care unit ${id}`; }
          }
        }
        """;
}
