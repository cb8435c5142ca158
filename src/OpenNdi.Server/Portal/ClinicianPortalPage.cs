namespace OpenNdi.Server.Portal;

/// <summary>
/// The clinician portal's page: plain HTML and CSS, no framework and nothing from other origins. The script
/// (<see cref="ClinicianPortalScript"/>) fills it in. The page allows scripts from this server only, so text from an
/// answer can never run as code even if it slipped past escaping, and sends no referrer, so the login's code in the
/// callback address goes nowhere else.
/// </summary>
internal static class ClinicianPortalPage
{
    public static IResult Show(HttpContext http)
    {
        var headers = http.Response.Headers;
        headers.ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";
        headers["Referrer-Policy"] = "no-referrer";
        headers.CacheControl = "no-store";
        return Results.Content(Page, "text/html; charset=utf-8");
    }

    private const string Page = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>OpenNdi clinician view</title>
        <style>
        :root { --ink: #1b1b1b; --muted: #5a5a5a; --line: #d6d6d6; --accent: #0b5cad; --warn: #8a4b00; --warn-bg: #fff4e0;
                --info-bg: #eef4fb; --danger: #b00020; --danger-bg: #fdecee; }
        * { box-sizing: border-box; }
        body { font-family: system-ui, sans-serif; color: var(--ink); max-width: 60rem; margin: 0 auto; padding: 1rem 1.2rem 3rem; line-height: 1.4; }
        header { display: flex; justify-content: space-between; align-items: baseline; gap: 1rem; border-bottom: 2px solid var(--accent); padding-bottom: .5rem; }
        header h1 { font-size: 1.4rem; margin: 0; } #who { color: var(--muted); font-size: .9rem; text-align: right; }
        button { font: inherit; padding: .45rem .9rem; border: 1px solid var(--accent); background: var(--accent); color: #fff; border-radius: 4px; cursor: pointer; }
        button.secondary { background: #fff; color: var(--accent); } button.danger { background: var(--danger); border-color: var(--danger); }
        button.link { background: none; border: none; color: var(--accent); text-decoration: underline; padding: 0; }
        form#search { display: flex; flex-wrap: wrap; gap: .8rem 1.2rem; align-items: end; margin: 1.2rem 0; padding: 1rem; background: #f6f7f9; border-radius: 6px; }
        form#search label.field { display: flex; flex-direction: column; font-weight: 600; font-size: .9rem; }
        input#pnr { font: inherit; font-size: 1.1rem; padding: .4rem .5rem; width: 14rem; letter-spacing: .03em; }
        label.check { display: flex; gap: .4rem; align-items: center; }
        .hint { color: var(--muted); font-size: .85rem; flex-basis: 100%; margin: 0; }
        #status { min-height: 1.4rem; color: var(--muted); }
        .alert { border-left: 5px solid var(--danger); background: var(--danger-bg); padding: .7rem 1rem; border-radius: 4px; margin: 1rem 0; }
        .alert h2 { margin: 0 0 .3rem; font-size: 1.1rem; color: var(--danger); }
        .notice { border-left: 5px solid var(--accent); background: var(--info-bg); padding: .7rem 1rem; border-radius: 4px; margin: .8rem 0; }
        .notice h2 { margin: 0 0 .3rem; font-size: 1.05rem; } .notice ul { margin: .3rem 0; padding-left: 1.2rem; }
        .notice.missed { border-color: var(--warn); background: var(--warn-bg); } .notice.missed h2 { color: var(--warn); }
        .notice.emergency { border-color: var(--danger); background: var(--danger-bg); } .notice.emergency h2 { color: var(--danger); }
        .notice.complete { border-color: #2e7d32; background: #edf7ee; }
        .code { color: var(--muted); font-size: .8rem; }
        #patient h2 { margin: 1.2rem 0 .1rem; font-size: 1.3rem; } #patient p { margin: 0; color: var(--muted); }
        section.ips { margin-top: 1.4rem; } section.ips h3 { font-size: 1.1rem; border-bottom: 1px solid var(--line); padding-bottom: .2rem; margin-bottom: .3rem; }
        section.ips h3 .count { color: var(--muted); font-weight: normal; font-size: .9rem; }
        ul.items { list-style: none; margin: 0; padding: 0; }
        li.item { padding: .45rem .3rem; border-bottom: 1px solid #eee; } li.item.via-emergency { background: #fff7f8; }
        .what { font-weight: 600; } .detail { color: var(--ink); } .meta { font-size: .85rem; color: var(--muted); margin-top: .1rem; }
        .source { color: var(--ink); }
        .badge { display: inline-block; font-size: .75rem; font-weight: 700; text-transform: uppercase; letter-spacing: .04em; padding: .05rem .45rem; border-radius: 3px; margin-left: .4rem; vertical-align: middle; }
        .badge.emergency { background: var(--danger); color: #fff; } .badge.merged { background: #e3e9f2; color: var(--accent); }
        .empty { color: var(--muted); font-style: italic; }
        dialog { max-width: 34rem; border: 1px solid var(--line); border-top: 6px solid var(--danger); border-radius: 6px; padding: 1.2rem 1.4rem; }
        dialog::backdrop { background: rgba(0, 0, 0, .45); }
        dialog h2 { margin-top: 0; color: var(--danger); } dialog textarea { width: 100%; font: inherit; padding: .4rem; }
        dialog .actions { display: flex; justify-content: flex-end; gap: .6rem; margin-top: 1rem; }
        .error { color: var(--danger); font-weight: 600; }
        [hidden] { display: none !important; }
        </style></head>
        <body>
        <header><h1>OpenNdi · clinician view</h1><div id="who"></div></header>

        <section id="login-panel">
          <p>See a patient's summary from every care provider they have met, with where each item comes from and what
             was withheld. Log in with your health professional identity (SITHS, simulated in this demo).</p>
          <button id="login">Log in</button>
          <div id="login-error" role="alert"></div>
        </section>

        <main id="app" hidden>
          <form id="search" novalidate>
            <label class="field" for="pnr">Patient's personnummer
              <input id="pnr" name="pnr" autocomplete="off" inputmode="numeric" placeholder="YYYYMMDD-NNNN" required></label>
            <label class="check" title="You declare that you take part in this patient's care; the declaration is logged">
              <input type="checkbox" id="care" checked> Care relationship declared</label>
            <button type="submit" id="find">Show summary</button>
            <button type="button" id="emergency-open" class="secondary">Emergency access…</button>
            <p class="hint">10 or 12 digits. Every access is logged with your name and care unit.</p>
          </form>
          <div id="status" role="status" aria-live="polite"></div>
          <div id="message" role="alert"></div>
          <div id="patient"></div>
          <div id="notices"></div>
          <div id="summary"></div>
        </main>

        <dialog id="emergency-dialog" aria-labelledby="emergency-title">
          <form id="emergency-form" method="dialog" novalidate>
            <h2 id="emergency-title">Emergency access</h2>
            <p>Use only when the patient needs care now and cannot be asked. Emergency access opens information the
               patient has <strong>blocked</strong>; it never overrides an opt-out. Your reason is logged with your
               name and followed up.</p>
            <p>Patient: <strong id="emergency-patient"></strong></p>
            <label for="emergency-reason"><strong>Reason</strong> (required, in a few words: at least three)</label>
            <textarea id="emergency-reason" rows="3" maxlength="300" required placeholder="e.g. unconscious on arrival, no relatives reachable"></textarea>
            <p id="emergency-error" class="error" hidden></p>
            <div class="actions">
              <button type="submit" value="cancel" id="emergency-cancel" class="secondary" formnovalidate>Cancel</button>
              <button type="submit" value="open" id="emergency-confirm" class="danger">Open with emergency access</button>
            </div>
          </form>
        </dialog>
        <script src="/portal/clinician/portal.js"></script>
        </body></html>
        """;
}
