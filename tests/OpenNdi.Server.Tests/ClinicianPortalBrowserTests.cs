using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using OpenNdi.Core.Identifiers;
using OpenNdi.Core.Identity;
using OpenNdi.Core.Index;
using OpenNdi.Data.Index;
using OpenNdi.Data.Population;
using OpenNdi.Server.Identity.AuthorizationServer;
using OpenNdi.Server.ProfessionalAccess;
using OpenNdi.Synthetic.Simulator;

namespace OpenNdi.Server.Tests;

/// <summary>
/// The clinician portal (<c>/portal/clinician</c>) in a real browser (Debian's Chromium, headless), as a clinician
/// uses it: log in, find a patient seen by several providers, read the summary with its sources, see what a block
/// withholds, break it through the emergency dialog, and be refused without a care relationship. Screenshots go to
/// a temporary folder (<c>openndi-clinician-portal</c>) for a person to look at; they are not kept in the repository.
/// </summary>
public sealed class ClinicianPortalBrowserTests : IAsyncLifetime
{
    private readonly TestIssuer _issuer = new("https://idp.national.example");
    private NdiServer _server = null!;
    private HeadlessChromium _chromium = null!;

    public async ValueTask InitializeAsync()
    {
        // The patient's own token (to put a block in place) comes from a test issuer the server trusts.
        _server = await NdiServer.StartListeningAsync("sqlite", new Dictionary<string, string>
        {
            ["Identity:TrustedIssuers:0:Issuer"] = _issuer.Issuer,
            ["Identity:TrustedIssuers:0:Jwks"] = _issuer.Jwks,
        });
        _chromium = await HeadlessChromium.LaunchAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _chromium.DisposeAsync();
        await _server.DisposeAsync();
        _issuer.Dispose();
    }

    private static string Screenshot(string name) => HeadlessChromium.Screenshot(Path.Combine(Path.GetTempPath(), "openndi-clinician-portal"), name);

    private async Task<IPage> LogInAsync()
    {
        var page = await _chromium.Browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1100, Height = 900 } });
        await page.GotoAsync($"{_server.Origin}/portal/clinician");
        // Swedish first: these tests read the English texts, chosen with the page's own language switch.
        await page.ClickAsync("nav.language a[hreflang='en']");
        await page.WaitForSelectorAsync("html[lang='en']");
        await page.ClickAsync("#login");
        await page.WaitForURLAsync("**/oauth/authorize?**");
        await page.ClickAsync("button[value='clinician-1']");
        await page.WaitForSelectorAsync("#pnr", new PageWaitForSelectorOptions { Timeout = 15_000 });
        return page;
    }

    private static async Task FindAsync(IPage page, string personnummer)
    {
        await page.FillAsync("#pnr", personnummer);
        await page.ClickAsync("#find");
        await page.WaitForSelectorAsync("#notices > section, #message .alert", new PageWaitForSelectorOptions { Timeout = 30_000 });
    }

    /// <summary>Every person of the demo population with their index entries, and clinician-1's own provider.</summary>
    private async Task<(IReadOnlyList<(PersonalIdentityNumber Patient, IReadOnlyList<IndexEntry> Entries)> Patients, string OwnProvider)> PatientsAsync()
    {
        var own = _server.Services.GetRequiredService<ILoginUsers>().Users.Single(u => u.Id == "clinician-1").Subject.Claims[NdiClaims.SubjectOrganizationId];
        var index = _server.Services.GetRequiredService<IIndexStore>();
        var patients = new List<(PersonalIdentityNumber, IReadOnlyList<IndexEntry>)>();
        foreach (var person in await _server.Services.GetRequiredService<IPopulationStore>().ListAsync(0, NdiServer.Persons))
            patients.Add((person.Id, await index.LookupAsync(new IndexQuery(person.Id, null, null, null))));
        return (patients, own);
    }

    /// <summary>
    /// The patient with entries at the most providers, and the one other than clinician-1's own with the most entries
    /// (the one the patient will block), with its name as the directory gives it.
    /// </summary>
    private async Task<(PersonalIdentityNumber Patient, HsaId Blocked, string BlockedName)> PatientAndProviderToBlockAsync()
    {
        var (patients, own) = await PatientsAsync();
        var best = patients.MaxBy(p => p.Entries.Select(e => e.Provider).Distinct().Count());
        Assert.True(best.Entries.Select(e => e.Provider).Distinct().Count() >= 3, "the demo population has a patient seen by three providers or more");
        var blocked = best.Entries.Where(e => e.Provider.Value != own).GroupBy(e => e.Provider).OrderByDescending(g => g.Count()).First().Key;
        var names = await _server.Services.GetRequiredService<ProviderNames>().NamesAsync([blocked], CancellationToken.None);
        return (best.Patient, blocked, names[blocked]!);
    }

    /// <summary>The patient blocks every care unit of one provider (a FHIR Consent, as the patient's own app would post it).</summary>
    private Task BlockAsync(PersonalIdentityNumber patient, HsaId provider) => ConsentRequests.PostAsync(_server, _issuer, patient, "block", ConsentRequests.ProviderBlock(provider));

    [Fact]
    public async Task Clinician_ReadsTheSummaryWithSources_SeesWhatABlockWithholds_AndBreaksItInAnEmergency()
    {
        var (patient, blocked, blockedName) = await PatientAndProviderToBlockAsync();
        var page = await LogInAsync();

        // The summary, by section, each item with the provider and care unit it came from (unit names from the directory).
        Assert.Contains("Dr. Karin Ek", await page.TextContentAsync("#who"));
        await FindAsync(page, patient.Value);
        await page.WaitForFunctionAsync("() => [...document.querySelectorAll('li.item [data-unit]')].every(s => !s.textContent.startsWith('care unit'))");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshot("1-summary.png"), FullPage = true });
        var headings = await page.Locator("section.ips h3").AllTextContentsAsync();
        Assert.Contains(headings, h => h.StartsWith("Problem List", StringComparison.Ordinal));
        Assert.Contains(headings, h => h.StartsWith("Medication Summary", StringComparison.Ordinal));
        Assert.Contains(blockedName, await page.Locator("li.item .source").AllTextContentsAsync() is var sources ? string.Join("\n", sources) : "");
        Assert.True(sources.Select(s => s.Split(',')[0]).Distinct().Count() >= 2, "items from more than one provider: " + string.Join(" | ", sources.Distinct()));
        Assert.Contains(patient.Value, await page.TextContentAsync("#patient"));
        Assert.Equal(0, await page.Locator(".badge.emergency").CountAsync());
        Assert.Equal(0, await page.Locator("#withheld").CountAsync());

        // The patient blocks one provider: its items go, and the page says how much was withheld and why.
        await BlockAsync(patient, blocked);
        await FindAsync(page, patient.Value);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshot("2-withheld.png"), FullPage = true });
        var withheld = await page.TextContentAsync("#withheld");
        Assert.Contains("Withheld from this summary", withheld);
        Assert.Contains("blocked by the patient", withheld);
        Assert.DoesNotContain(await page.Locator("li.item .source").AllTextContentsAsync(), s => s.StartsWith(blockedName, StringComparison.Ordinal));

        // The emergency dialog: no reason, no access; with a reason the block is broken and its items are marked.
        await page.ClickAsync("#emergency-again");
        Assert.True(await page.IsVisibleAsync("dialog#emergency-dialog"));
        Assert.Equal(patient.Value, await page.TextContentAsync("#emergency-patient"));
        await page.FillAsync("#emergency-reason", "   ");
        await page.ClickAsync("#emergency-confirm");
        Assert.True(await page.IsVisibleAsync("#emergency-error"));
        Assert.True(await page.IsVisibleAsync("dialog#emergency-dialog"));
        await page.FillAsync("#emergency-reason", "Medvetslös vid ankomst, inga anhöriga nåbara");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshot("3-emergency-dialog.png") });
        await page.ClickAsync("#emergency-confirm");
        await page.WaitForSelectorAsync("#emergency-note", new PageWaitForSelectorOptions { Timeout = 30_000 });
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshot("4-emergency.png"), FullPage = true });
        Assert.False(await page.IsVisibleAsync("dialog#emergency-dialog"));
        var note = await page.TextContentAsync("#emergency-note");
        Assert.Contains("Opened with emergency access", note);
        Assert.Contains("through the emergency break", note);
        Assert.Contains("Medvetslös vid ankomst, inga anhöriga nåbara", note);
        // The log has the reason as written: it travels percent-encoded UTF-8 (a header carries ASCII only) and the server decodes it.
        var logged = await _server.Services.GetRequiredService<OpenNdi.Data.Audit.AuditStore>().QueryAsync(new OpenNdi.Data.Audit.AuditQuery(Patient: patient.Value, EmergencyOnly: true));
        Assert.Contains(logged, r => OpenNdi.Core.Audit.AuditJson.Read(System.Text.Encoding.UTF8.GetBytes(r.Json)).EmergencyReason == "Medvetslös vid ankomst, inga anhöriga nåbara");
        var broken = page.Locator("li.item.via-emergency");
        Assert.True(await broken.CountAsync() > 0);
        Assert.Equal(await broken.CountAsync(), await page.Locator("li.item.via-emergency .badge.emergency").CountAsync());
        Assert.All(await broken.Locator(".source").AllTextContentsAsync(), s => Assert.StartsWith(blockedName, s, StringComparison.Ordinal));
        Assert.DoesNotContain(await page.Locator("li.item:not(.via-emergency) .source").AllTextContentsAsync(), s => s.StartsWith(blockedName, StringComparison.Ordinal));
        await broken.First.ScrollIntoViewIfNeededAsync();
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshot("4-emergency-items.png") });
    }

    [Fact]
    public async Task Clinician_IsToldWhyAnAnswerIsRefusedOrIncomplete()
    {
        var (patients, own) = await PatientsAsync();
        var (patient, entries) = patients.First(p => p.Entries.Select(e => e.Provider).Distinct().Count() >= 2 && p.Entries.All(e => e.Provider.Value != own));
        var page = await LogInAsync();

        await FindAsync(page, "12345");
        Assert.Contains("Check the personnummer", await page.TextContentAsync("#message"));

        await FindAsync(page, "191212121213"); // the check digit is wrong: the server says so
        Assert.Contains("check digit", (await page.TextContentAsync("#message"))!, StringComparison.OrdinalIgnoreCase);

        // Nothing at the clinician's own provider, and no care relationship declared: only the own provider's
        // information (none), told how to proceed, and nothing said of what other providers hold.
        await page.UncheckAsync("#care");
        await FindAsync(page, patient.Value);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshot("5-limited.png"), FullPage = true });
        var limited = await page.TextContentAsync("#limited");
        Assert.Contains("Without a declared care relationship", limited);
        Assert.Contains("tick Care relationship declared", limited);
        Assert.Equal(0, await page.Locator("#withheld").CountAsync());
        Assert.Equal(0, await page.Locator("li.item").CountAsync());

        // One of the patient's providers is down: the rest is shown, and the page names the one missing and why.
        var registry = _server.Services.GetRequiredService<SimulatorRegistry>();
        var down = registry.Providers.Single(p => p.HsaId == entries[0].Provider.Value);
        Assert.True(await registry.SetBehaviourAsync(down.Key, new ProviderBehaviour(Down: true)));
        await page.CheckAsync("#care");
        await FindAsync(page, patient.Value);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshot("6-missed.png"), FullPage = true });
        var missed = await page.TextContentAsync("#missed");
        Assert.Contains("Providers missing from this summary", missed);
        Assert.Contains(down.Name, missed);
        Assert.Contains("NDI-PAS-011", missed);
        Assert.True(await page.Locator("li.item").CountAsync() > 0);
        Assert.DoesNotContain(await page.Locator("li.item .source").AllTextContentsAsync(), s => s.StartsWith(down.Name, StringComparison.Ordinal));
    }
}
