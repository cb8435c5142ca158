using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using OpenNdi.Core.Index;
using OpenNdi.Data.Index;
using OpenNdi.Data.Population;
using OpenNdi.Server.Identity.AuthorizationServer;
using static OpenNdi.Server.Tests.PortalPages;

namespace OpenNdi.Server.Tests;

/// <summary>
/// The web front end in a real browser (Debian's Chromium): Swedish first, English by the page's own switch, usable
/// by keyboard, and no serious or critical accessibility violation (axe-core) on the pages as a person sees them,
/// before and after login, with a summary on screen. Screenshots of each page in both languages go to a temporary
/// folder (<c>openndi-web</c>) for a person to look at.
/// </summary>
public sealed class WebFrontEndBrowserTests : IAsyncLifetime
{
    private NdiServer _server = null!;
    private HeadlessChromium _chromium = null!;

    public async ValueTask InitializeAsync()
    {
        _server = await NdiServer.StartListeningAsync("sqlite");
        _chromium = await HeadlessChromium.LaunchAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _chromium.DisposeAsync();
        await _server.DisposeAsync();
    }

    private async Task<string> PatientWithEntriesAsync()
    {
        var index = _server.Services.GetRequiredService<IIndexStore>();
        foreach (var person in await _server.Services.GetRequiredService<IPopulationStore>().ListAsync(0, NdiServer.Persons))
        {
            if ((await index.LookupAsync(new IndexQuery(person.Id, null, null, null))).Count > 0)
                return person.Id.Value;
        }
        throw new InvalidOperationException("no patient of the demo population has index entries");
    }

    [Fact]
    public async Task ClinicianView_SwedishFirst_EnglishByKeyboard_AccessibleInBoth_BeforeAndAfterLogin()
    {
        var page = await _chromium.Browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1100, Height = 900 }, Locale = "en-GB" });

        // Swedish, although the browser prefers English.
        await page.GotoAsync($"{_server.Origin}/portal/clinician");
        Assert.Equal("sv", await page.GetAttributeAsync("html", "lang"));
        Assert.Equal("Logga in", (await page.TextContentAsync("#login"))?.Trim());
        Assert.Equal("OpenNdi · vy för vårdpersonal", await page.TitleAsync());
        await AssertAccessibleAsync(page, "login page, Swedish");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshot("clinician-login-sv.png"), FullPage = true });

        // The switch by keyboard alone: Tab until the English link has focus, then Enter.
        for (var i = 0; i < 10 && await page.EvaluateAsync<string>("() => document.activeElement?.getAttribute('hreflang') ?? ''") != "en"; i++)
            await page.Keyboard.PressAsync("Tab");
        Assert.Equal("en", await page.EvaluateAsync<string>("() => document.activeElement?.getAttribute('hreflang') ?? ''"));
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForSelectorAsync("html[lang='en']");
        Assert.Equal("Log in", (await page.TextContentAsync("#login"))?.Trim());
        Assert.Equal("true", await page.GetAttributeAsync("nav.language a[hreflang='en']", "aria-current"));
        await AssertAccessibleAsync(page, "login page, English");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshot("clinician-login-en.png"), FullPage = true });

        // Back to Swedish, log in, and read a summary: the script's texts are Swedish too.
        await page.ClickAsync("nav.language a[hreflang='sv']");
        await page.WaitForSelectorAsync("html[lang='sv']");
        await LogInAsync(page);
        Assert.Equal("sv", await page.GetAttributeAsync("html", "lang"));
        Assert.Contains("Logga ut", await page.TextContentAsync("#who"));

        await page.FillAsync("#pnr", "123");
        await page.ClickAsync("#find");
        Assert.Contains("Kontrollera personnumret", await page.TextContentAsync("#message"));

        await page.FillAsync("#pnr", await PatientWithEntriesAsync());
        await page.ClickAsync("#find");
        await page.WaitForSelectorAsync("#notices > section", new PageWaitForSelectorOptions { Timeout = 30_000 });
        Assert.Matches("sammanfattning från \\d+ vårdgivare", await page.TextContentAsync("#patient") ?? "");
        // Each provider's accounting (NDI-PAS-018) is information, folded away, never listed as a provider missed.
        Assert.Contains("NDI-PAS-018", await page.TextContentAsync("#accounted"));
        Assert.DoesNotContain("NDI-PAS-018", await page.Locator("#missed").CountAsync() > 0 ? await page.TextContentAsync("#missed") ?? "" : "");
        await AssertAccessibleAsync(page, "summary, Swedish");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshot("clinician-summary-sv.png") });

        // The same summary in English after the switch (the token is in memory only: the page asks for a new login).
        await page.ClickAsync("nav.language a[hreflang='en']");
        await page.WaitForSelectorAsync("html[lang='en']");
        await LogInAsync(page);
        await page.FillAsync("#pnr", await PatientWithEntriesAsync());
        await page.ClickAsync("#find");
        await page.WaitForSelectorAsync("#notices > section", new PageWaitForSelectorOptions { Timeout = 30_000 });
        Assert.Matches("summary from \\d+ provider", await page.TextContentAsync("#patient") ?? "");
        await AssertAccessibleAsync(page, "summary, English");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshot("clinician-summary-en.png") });

        // The emergency dialog, open, is accessible too.
        await page.ClickAsync("#emergency-open");
        Assert.True(await page.IsVisibleAsync("dialog#emergency-dialog"));
        await AssertAccessibleAsync(page, "emergency dialog, English");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshot("clinician-emergency-en.png") });
    }

    /// <summary>
    /// A clinician reads a patient's summary, then opens it again with emergency access; the patient logs in to
    /// "who accessed my data" a moment later and sees both, the emergency one highlighted with its reason, in
    /// Swedish and in English; their own visits to the log only when they ask for them.
    /// </summary>
    [Fact]
    public async Task Patient_SeesTheAccessAClinicianMadeAMomentBefore_EmergencyHighlightedWithItsReason()
    {
        var patient = _server.Services.GetRequiredService<ILoginUsers>().Users.Single(u => u.Id == "patient-1").Subject.Subject;
        const string reason = "Medvetslös vid ankomst, inga anhöriga nåbara";

        // The clinician, in a browser of their own.
        await using (var clinicianContext = await _chromium.Browser.NewContextAsync())
        {
            var clinician = await clinicianContext.NewPageAsync();
            await clinician.GotoAsync($"{_server.Origin}/portal/clinician");
            await LogInAsync(clinician);
            await clinician.FillAsync("#pnr", patient);
            await clinician.ClickAsync("#find");
            await clinician.WaitForSelectorAsync("#notices > section, #message .alert", new PageWaitForSelectorOptions { Timeout = 30_000 });
            await clinician.ClickAsync("#emergency-open");
            await clinician.FillAsync("#emergency-reason", reason);
            await clinician.ClickAsync("#emergency-confirm");
            await clinician.WaitForSelectorAsync("#emergency-note, #message .alert", new PageWaitForSelectorOptions { Timeout = 30_000 });
        }

        // The patient, in another.
        var page = await _chromium.Browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1100, Height = 900 } });
        await page.GotoAsync($"{_server.Origin}/portal/patient");
        Assert.Equal("sv", await page.GetAttributeAsync("html", "lang"));
        await AssertAccessibleAsync(page, "patient login page, Swedish");
        await LogInAsync(page, "patient-1", "#log tbody tr");

        // Provider and care unit by name, from the public directory, once read.
        await page.WaitForFunctionAsync("() => [...document.querySelectorAll('#log [data-org]')].every(s => s.title)", null, new PageWaitForFunctionOptions { Timeout = 15_000 });
        var rows = await page.Locator("#log tbody tr").AllTextContentsAsync();
        Assert.Contains(rows, r => r.Contains("Dr. Karin Ek", StringComparison.Ordinal) && r.Contains("Läste din sammanfattning", StringComparison.Ordinal));
        var emergency = await page.Locator("#log tbody tr.via-emergency").AllTextContentsAsync();
        Assert.Single(emergency);
        Assert.Contains("Dr. Karin Ek", emergency[0], StringComparison.Ordinal);
        Assert.Contains("Skäl: " + reason, emergency[0], StringComparison.Ordinal);
        Assert.Contains("1 med nödåtkomst", await page.TextContentAsync("#log caption"));
        Assert.DoesNotContain(rows, r => r.Contains("Du själv", StringComparison.Ordinal)); // the patient's own reads, hidden unless asked for
        Assert.True(await page.Locator("#provider option").CountAsync() >= 2, "the provider filter offers the providers in the log");
        await AssertAccessibleAsync(page, "who accessed my data, Swedish");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshot("patient-log-sv.png") });

        // Their own visits to the log, on request (the first read is logged, and shows in the second).
        await page.CheckAsync("#own");
        await page.ClickAsync("#show");
        await page.WaitForFunctionAsync("() => [...document.querySelectorAll('#log tbody tr')].some(r => r.textContent.includes('Du själv'))");

        // English, logged in again (the token is in memory only).
        await page.ClickAsync("nav.language a[hreflang='en']");
        await page.WaitForSelectorAsync("html[lang='en']");
        await LogInAsync(page, "patient-1", "#log tbody tr.via-emergency");
        Assert.Contains("Reason: " + reason, await page.TextContentAsync("#log tbody tr.via-emergency"));
        Assert.Contains(await page.Locator("#log tbody tr").AllTextContentsAsync(), r => r.Contains("Read your summary", StringComparison.Ordinal));
        await AssertAccessibleAsync(page, "who accessed my data, English");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshot("patient-log-en.png") });
    }

    /// <summary>
    /// The patient says no to sharing between providers, told the consequences first, and a clinician at another
    /// provider, who saw the patient's summary a moment before, now gets nothing from other providers; saying yes
    /// again gives it back.
    /// </summary>
    [Fact]
    public async Task Patient_OptsOutOfSharing_AfterReadingTheConsequences_AndTheClinicianLosesOtherProvidersData()
    {
        var patient = _server.Services.GetRequiredService<ILoginUsers>().Users.Single(u => u.Id == "patient-1").Subject.Subject;
        await using var clinicianContext = await _chromium.Browser.NewContextAsync();
        var clinician = await clinicianContext.NewPageAsync();
        await clinician.GotoAsync($"{_server.Origin}/portal/clinician");
        await LogInAsync(clinician);
        async Task<int> ItemsAsync() => (await ClinicianItemsAsync(clinician, patient)).Count;
        var before = await ItemsAsync();
        Assert.True(before > 0, "patient-1's data at another provider is shown before the opt-out");

        var page = await _chromium.Browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1100, Height = 1000 } });
        await page.GotoAsync($"{_server.Origin}/portal/patient");
        await LogInAsync(page, "patient-1", "#app:visible");
        await page.WaitForFunctionAsync("() => document.getElementById('optout-primary-state').textContent.length > 0", null, new PageWaitForFunctionOptions { Timeout = 15_000 });
        Assert.Equal("Du har inte sagt nej.", await page.TextContentAsync("#optout-primary-state"));

        // The consequences, in plain words, before anything changes; cancelling changes nothing.
        await page.ClickAsync("#optout-primary-change");
        Assert.True(await page.IsVisibleAsync("dialog#choice-dialog"));
        Assert.Contains("inte ens i en nödsituation", await page.TextContentAsync("#choice-consequence"));
        await AssertAccessibleAsync(page, "opt-out confirmation, Swedish");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshot("patient-optout-confirm-sv.png") });
        await page.ClickAsync("#choice-cancel");
        Assert.Equal("Du har inte sagt nej.", await page.TextContentAsync("#optout-primary-state"));
        Assert.Equal(before, await ItemsAsync());

        await page.ClickAsync("#optout-primary-change");
        await page.ClickAsync("#choice-confirm");
        await page.WaitForFunctionAsync("() => document.getElementById('optout-primary-state').textContent === 'Du har sagt nej.'", null, new PageWaitForFunctionOptions { Timeout = 15_000 });
        Assert.Equal("Ditt val är sparat.", await page.TextContentAsync("#choices-message"));
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshot("patient-choices-sv.png"), FullPage = true });

        // The clinician, at another provider, now gets nothing from other providers, and nothing tells of it.
        Assert.Equal(0, await ItemsAsync());
        Assert.Equal(0, await clinician.Locator("#withheld").CountAsync());

        // Yes again: the data comes back.
        await page.ClickAsync("#optout-primary-change");
        Assert.Contains("åter", await page.TextContentAsync("#choice-consequence"));
        await page.ClickAsync("#choice-confirm");
        await page.WaitForFunctionAsync("() => document.getElementById('optout-primary-state').textContent === 'Du har inte sagt nej.'", null, new PageWaitForFunctionOptions { Timeout = 15_000 });
        Assert.Equal(before, await ItemsAsync());
    }

    /// <summary>The demo's own pages (login, the one-page app, the simulated EHR) are Razor components too: Swedish first, English by the switch's cookie, accessible.</summary>
    [Fact]
    public async Task DemoPages_LoginAppAndEhr_AreSwedishFirst_AndAccessible()
    {
        var page = await _chromium.Browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1000, Height = 900 } });
        await page.GotoAsync($"{_server.Origin}/demo");
        Assert.Equal("sv", await page.GetAttributeAsync("html", "lang"));
        Assert.Equal("OpenNdi demoinloggning", await page.TitleAsync());
        await AssertAccessibleAsync(page, "demo app, Swedish");
        await page.ClickAsync("#login");
        await page.WaitForSelectorAsync("button[value='patient-1']");
        Assert.Equal("Logga in i OpenNdi", await page.TitleAsync());
        Assert.Contains("Patienter och vårdnadshavare", await page.TextContentAsync("body"));
        await AssertAccessibleAsync(page, "demo login page, Swedish");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshot("demo-login-sv.png"), FullPage = true });
        await page.ClickAsync("button[value='patient-1']");
        await page.WaitForSelectorAsync("#claims", new PageWaitForSelectorOptions { Timeout = 15_000 });
        Assert.Contains("person_id", await page.TextContentAsync("#claims"));

        await page.GotoAsync($"{_server.Origin}/ehr");
        Assert.Equal("Simulerad journal", await page.TitleAsync());
        await AssertAccessibleAsync(page, "simulated EHR, Swedish");

        // English once chosen (the switch's cookie holds for every page).
        await page.GotoAsync($"{_server.Origin}/web/culture?c=en&return=/ehr");
        Assert.Equal("Simulated EHR", await page.TitleAsync());
        await AssertAccessibleAsync(page, "simulated EHR, English");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshot("demo-ehr-en.png"), FullPage = true });
    }
}
