namespace OpenNdi.Server.Portal;

/// <summary>
/// The clinician portal's script: the login (authorization code with PKCE, RFC 7636, as in <c>/demo</c>), the
/// patient search and the emergency dialog. The token is kept in memory only: a reload asks for a new login, and
/// nothing of the patient's is left in the browser's storage. Rendering the summary is in
/// <see cref="ClinicianPortalRendering"/>; both are served as one file.
/// </summary>
internal static class ClinicianPortalScript
{
    public static IResult Show(HttpContext http)
    {
        http.Response.Headers.CacheControl = "no-cache";
        return Results.Content(Script + ClinicianPortalRendering.Script, "text/javascript; charset=utf-8");
    }

    private const string Script = """
        "use strict";
        const client = "openndi-clinician-portal";
        const home = "/portal/clinician";
        const redirect = location.origin + home + "/callback";
        const scope = "openid fhirUser user/*.rs";
        const $ = id => document.getElementById(id);
        const text = s => String(s ?? "").replace(/[&<>"']/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
        const b64url = bytes => btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
        let session = null;  // { token, claims }: in memory only
        let current = null;  // the personnummer on screen
        let asked = 0;       // the latest request: an earlier answer arriving late is dropped

        // ---- Login: authorization code with PKCE, the verifier kept in this tab until the code is redeemed ----
        $("login").onclick = async () => {
          const verifier = b64url(crypto.getRandomValues(new Uint8Array(32)));
          const state = b64url(crypto.getRandomValues(new Uint8Array(16)));
          sessionStorage.setItem("clinician-pkce", JSON.stringify({ verifier, state }));
          const challenge = b64url(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
          location.assign("/oauth/authorize?" + new URLSearchParams({ response_type: "code", client_id: client, redirect_uri: redirect,
            scope, state, code_challenge: challenge, code_challenge_method: "S256", aud: location.origin + "/fhir" }));
        };

        function claimsOf(jwt) {
          const payload = atob(jwt.split(".")[1].replace(/-/g, "+").replace(/_/g, "/"));
          return JSON.parse(new TextDecoder().decode(Uint8Array.from(payload, c => c.charCodeAt(0))));
        }

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
            ${text(claims.subject_organization || claims.subject_organization_id || "")} · <span data-unit="${text(claims.care_unit_id || "")}">care unit ${text(claims.care_unit_id || "none")}</span>
            · <button type="button" class="link" id="logout">Log out</button>`;
          nameCareUnits();
          $("logout").onclick = () => { clearPatient(); loggedOut("You are logged out."); };
          $("pnr").focus();
        }

        // ---- SMART EHR launch: the EHR opened /portal/clinician/launch?iss=…&launch=…; no second login ----
        async function launchFromEhr(params) {
          const verifier = b64url(crypto.getRandomValues(new Uint8Array(32)));
          const state = b64url(crypto.getRandomValues(new Uint8Array(16)));
          sessionStorage.setItem("clinician-pkce", JSON.stringify({ verifier, state }));
          const challenge = b64url(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
          location.assign("/oauth/authorize?" + new URLSearchParams({ response_type: "code", client_id: client, redirect_uri: redirect,
            scope: "launch " + scope, state, code_challenge: challenge, code_challenge_method: "S256", launch: params.get("launch"), aud: params.get("iss") || location.origin + "/fhir" }));
        }

        (async () => {
          const params = new URLSearchParams(location.search);
          if (location.pathname === home + "/launch" && params.has("launch")) { await launchFromEhr(params); return; }
          if (params.has("error")) { history.replaceState(null, "", home); loggedOut(`${params.get("error")}: ${params.get("error_description") || ""}`); return; }
          if (!params.has("code")) return;
          const saved = JSON.parse(sessionStorage.getItem("clinician-pkce") || "{}");
          sessionStorage.removeItem("clinician-pkce");
          history.replaceState(null, "", home);  // the code leaves the address bar whatever happens next
          if (saved.state !== params.get("state")) { loggedOut("The login did not match this page: log in again."); return; }
          const response = await fetch("/oauth/token", { method: "POST", body: new URLSearchParams({ grant_type: "authorization_code",
            code: params.get("code"), redirect_uri: redirect, client_id: client, code_verifier: saved.verifier }) });
          const body = await response.json().catch(() => ({}));
          if (!response.ok) { loggedOut(`${body.error || response.status}: ${body.error_description || "the login failed"}`); return; }
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
          for (const id of ["message", "patient", "notices", "summary", "status"]) $(id).innerHTML = "";
        }

        function showError(title, detail) {
          $("message").innerHTML = `<div class="alert"><h2>${text(title)}</h2><p>${text(detail)}</p></div>`;
        }

        $("search").onsubmit = event => {
          event.preventDefault();
          const patient = personnummer($("pnr").value);
          if (!patient) { clearPatient(); showError("Check the personnummer", "Enter 10 or 12 digits, e.g. 19121212-1212 or 121212-1212."); $("pnr").focus(); return; }
          load(patient, null);
        };

        async function load(patient, emergencyReason) {
          clearPatient();
          current = patient;
          const ticket = ++asked;
          const headers = { Authorization: `Bearer ${session.token}`, Accept: "application/fhir+json" };
          if ($("care").checked) headers["Ndi-Care-Relationship"] = "declared";
          if (emergencyReason) headers["Ndi-Emergency-Reason"] = encodeURIComponent(emergencyReason.trim());
          $("status").textContent = "Asking every provider the patient has met…";
          $("find").disabled = true;
          let response, body;
          try {
            response = await fetch("/fhir/Patient/$summary?" + new URLSearchParams({ identifier: patient }), { headers, cache: "no-store" });
            body = await response.json().catch(() => null);
          } catch {
            if (ticket !== asked) return;
            $("status").textContent = "";
            showError("The server could not be reached", "Check the connection and try again.");
            return;
          } finally { $("find").disabled = false; }
          if (ticket !== asked) return;
          $("status").textContent = "";
          const said = (body?.issue || []).map(i => i.diagnostics || i.details?.text).filter(Boolean).join(" ");
          if (response.status === 401) { clearPatient(); loggedOut("Your session has ended: log in again."); return; }
          if (response.status === 403) {
            showError("Access refused", said.replace(/^Access refused:\s*/, "") || "You may not see this patient's information.");
            if (!$("care").checked) $("message").firstChild.insertAdjacentHTML("beforeend", "<p>If you take part in this patient's care, tick <strong>Care relationship declared</strong> and try again.</p>");
            return;
          }
          const codes = (body?.issue || []).flatMap(i => i.details?.coding || []).map(c => c.code);
          if (response.status === 400 && codes.includes("NDI-PDI-020")) { showError("The emergency reason was not accepted", said); return; }
          if (!response.ok || body?.resourceType !== "Bundle") { showError(response.status === 400 ? "Check the personnummer" : `The request failed (${response.status})`, said || "The server gave no reason."); return; }
          render(body, emergencyReason && emergencyReason.trim());
        }


        // ---- The emergency break: a real dialog, a reason required ----
        const dialog = $("emergency-dialog");
        function openEmergency() {
          const patient = personnummer($("pnr").value) || current;
          if (!patient) { showError("Enter the patient first", "Emergency access is for one patient: enter their personnummer."); $("pnr").focus(); return; }
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
          if (!reason) { $("emergency-error").textContent = "State the reason: emergency access is not possible without one."; $("emergency-error").hidden = false; $("emergency-reason").focus(); return; }
          dialog.close("open");
          load(dialog.dataset.patient, reason);
        };

        """;
}
