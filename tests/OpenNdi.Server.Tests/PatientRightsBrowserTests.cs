using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using OpenNdi.Server.Identity.AuthorizationServer;
using static OpenNdi.Server.Tests.PortalPages;

namespace OpenNdi.Server.Tests;

/// <summary>
/// The patient's rights in a real browser (Debian's Chromium), each flow as a person does it: the record by category
/// and provider with trend charts, the downloaded copy, a block that takes one item away from a clinician at another
/// provider and an opt-out that leaves them nothing, a proxy granted, used and revoked. Screenshots in Swedish and
/// English go to <c>openndi-web</c> in the temporary folder; every page state is checked with axe-core.
/// </summary>
public sealed class PatientRightsBrowserTests : IAsyncLifetime
{
    private readonly TestIssuer _providerSystems = new("https://idp.providers.example");
    private NdiServer _server = null!;
    private HeadlessChromium _chromium = null!;

    public async ValueTask InitializeAsync()
    {
        // A provider's own system answers correction requests with a token of its own (a trusted issuer, here the test's).
        _server = await NdiServer.StartListeningAsync("sqlite", new Dictionary<string, string>
        {
            ["Identity:TrustedIssuers:0:Issuer"] = _providerSystems.Issuer, ["Identity:TrustedIssuers:0:Jwks"] = _providerSystems.Jwks,
        });
        _chromium = await HeadlessChromium.LaunchAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _chromium.DisposeAsync();
        await _server.DisposeAsync();
        _providerSystems.Dispose();
    }

    private string PersonOf(string user) => _server.Services.GetRequiredService<ILoginUsers>().Users.Single(u => u.Id == user).Subject.Subject;

    private async Task<IPage> PatientPageAsync(string user = "patient-1")
    {
        var page = await _chromium.Browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1100, Height = 1000 } });
        await page.GotoAsync($"{_server.Origin}/portal/patient");
        await LogInAsync(page, user, "#app:visible");
        await page.WaitForSelectorAsync("#record .record, #record .alert", new PageWaitForSelectorOptions { Timeout = 30_000 });
        return page;
    }

    [Fact]
    public async Task Patient_SeesTheirRecordByCategoryAndProvider_WithTrendCharts_AndDownloadsTheCopy()
    {
        var page = await PatientPageAsync();
        Assert.Equal(0, await page.Locator("#record .alert").CountAsync());
        // Categories in plain Swedish, the codes beside the words, and the provider of each entry.
        var headings = await page.Locator("#record section.category h3").AllTextContentsAsync();
        Assert.Contains("Läkemedel", headings);
        Assert.Contains("Diagnoser och hälsoproblem", headings);
        Assert.True(await page.Locator("#record td .code").CountAsync() > 0, "codes are shown beside the words");
        var providers = await page.Locator("#record-provider option").AllTextContentsAsync();
        Assert.True(providers.Count >= 2, "the provider filter lists the providers");

        // Filtering by one provider leaves only that provider's rows.
        await page.SelectOptionAsync("#record-provider", new SelectOptionValue { Index = 1 });
        var shown = await page.EvaluateAsync<string[]>("() => [...document.querySelectorAll('#record tr[data-provider]')].filter(r => !r.hidden).map(r => r.dataset.provider)");
        Assert.All(shown, p => Assert.Equal(providers[1], p));
        await page.SelectOptionAsync("#record-provider", new SelectOptionValue { Index = 0 });

        // Every analyte measured three times or more is a chart (server-drawn SVG), not a list.
        var charts = await page.Locator("#record figure.trend svg[role='img']").CountAsync();
        var repeated = await page.EvaluateAsync<int>("""
            () => { const counts = {};
                    for (const c of document.querySelectorAll('#record section[data-section="30954-2"] tr[data-provider] .code')) counts[c.textContent] = (counts[c.textContent] || 0) + 1;
                    return Object.values(counts).filter(n => n >= 3).length; }
            """);
        Assert.Equal(0, repeated);
        if (charts > 0)
            Assert.True(await page.Locator("#record figure.trend circle.point").CountAsync() >= 3 * charts);
        await AssertAccessibleAsync(page, "my record, Swedish");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshot("patient-record-sv.png"), FullPage = true });

        // The copy: the summary as a FHIR document Bundle.
        var download = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("#copy-download"));
        var file = Path.Combine(Path.GetTempPath(), "openndi-web", download.SuggestedFilename);
        await download.SaveAsAsync(file);
        using (var copy = JsonDocument.Parse(await File.ReadAllTextAsync(file)))
        {
            Assert.Equal("Bundle", copy.RootElement.GetProperty("resourceType").GetString());
            Assert.Equal("document", copy.RootElement.GetProperty("type").GetString());
            Assert.Equal("Composition", copy.RootElement.GetProperty("entry")[0].GetProperty("resource").GetProperty("resourceType").GetString());
        }
        File.Delete(file);

        // The printable version: the record alone.
        await page.EmulateMediaAsync(new PageEmulateMediaOptions { Media = Media.Print });
        Assert.False(await page.IsVisibleAsync("#blocks"));
        Assert.True(await page.IsVisibleAsync("#record section.category"));
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshot("patient-record-print-sv.png"), FullPage = true });
        await page.EmulateMediaAsync(new PageEmulateMediaOptions { Media = Media.Screen });

        // English.
        await page.ClickAsync("nav.language a[hreflang='en']");
        await page.WaitForSelectorAsync("html[lang='en']");
        await LogInAsync(page, "patient-1", "#record .record");
        Assert.Contains("Medicines", await page.Locator("#record section.category h3").AllTextContentsAsync());
        await AssertAccessibleAsync(page, "my record, English");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshot("patient-record-en.png"), FullPage = true });
    }

    [Fact]
    public async Task Patient_BlocksOneItem_TheClinicianLosesThatItem_ThenOptsOut_AndTheClinicianGetsNothingFromOtherProviders()
    {
        var patient = PersonOf("patient-1");
        await using var clinicianContext = await _chromium.Browser.NewContextAsync();
        var clinician = await clinicianContext.NewPageAsync();
        await clinician.GotoAsync($"{_server.Origin}/portal/clinician");
        await LogInAsync(clinician);
        Task<IReadOnlyList<string>> ItemsAsync() => ClinicianItemsAsync(clinician, patient);
        var before = await ItemsAsync();
        Assert.NotEmpty(before);

        // The patient picks one problem in their record and blocks it; the consequences come first.
        var page = await PatientPageAsync();
        var problem = page.Locator("#record section[data-section='11450-4'] tr[data-provider]").First;
        var text = (await problem.Locator("td").First.InnerTextAsync()).Split('\n')[0].Trim();
        Assert.Contains(before, i => i.Contains(text, StringComparison.Ordinal) || text.Contains(i, StringComparison.Ordinal));
        await problem.Locator("button.block-item").ClickAsync();
        Assert.Equal("item", await page.InputValueAsync("#block-scope"));
        await page.ClickAsync("#block-save");
        Assert.Contains("nödläge", await page.TextContentAsync("#choice-consequence"));
        await AssertAccessibleAsync(page, "block confirmation, Swedish");
        await page.ClickAsync("#choice-confirm");
        await page.WaitForSelectorAsync("#block-list tr[data-consent]", new PageWaitForSelectorOptions { Timeout = 15_000 });
        await AssertAccessibleAsync(page, "blocks, Swedish");
        await page.Locator("#blocks").ScreenshotAsync(new LocatorScreenshotOptions { Path = Screenshot("patient-blocks-sv.png") });

        // The clinician loses that item, and only that one.
        var blocked = await ItemsAsync();
        Assert.Equal(before.Count - 1, blocked.Count);
        Assert.Equal(before.Count(i => i == text) - 1, blocked.Count(i => i == text));

        // Lifting the block gives it back.
        await page.ClickAsync("#block-list button.lift");
        await page.ClickAsync("#choice-confirm");
        await page.WaitForSelectorAsync("#block-list td.empty", new PageWaitForSelectorOptions { Timeout = 15_000 });
        Assert.Equal(before.Count, (await ItemsAsync()).Count);

        // The opt-out: nothing from other providers at all.
        await page.ClickAsync("#optout-primary-change");
        await page.ClickAsync("#choice-confirm");
        await page.WaitForFunctionAsync("() => document.getElementById('optout-primary-state').textContent === 'Du har sagt nej.'", null, new PageWaitForFunctionOptions { Timeout = 15_000 });
        Assert.Empty(await ItemsAsync());

        // Opted out, the patient still shares the summary with this clinician's provider for a week: it comes back, then goes when ended.
        var provider = await clinician.EvaluateAsync<string>("() => session.claims.subject_organization_id");
        await page.FillAsync("#share-provider", provider);
        await page.FillAsync("#share-to", DateTime.UtcNow.AddDays(7).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
        await page.ClickAsync("#share-save");
        Assert.Contains(provider, await page.TextContentAsync("#choice-consequence"));
        await page.ClickAsync("#choice-confirm");
        await page.WaitForSelectorAsync("#share-list tr[data-consent]", new PageWaitForSelectorOptions { Timeout = 15_000 });
        await AssertAccessibleAsync(page, "shares, Swedish");
        await page.Locator("#shares").ScreenshotAsync(new LocatorScreenshotOptions { Path = Screenshot("patient-shares-sv.png") });
        var shared = await ItemsAsync();
        Assert.NotEmpty(shared);
        Assert.True(shared.Count <= before.Count);
        await page.ClickAsync("#share-list button.revoke-share");
        await page.ClickAsync("#choice-confirm");
        await page.WaitForSelectorAsync("#share-list td.empty", new PageWaitForSelectorOptions { Timeout = 15_000 });
        Assert.Empty(await ItemsAsync());
    }

    [Fact]
    public async Task Patient_GrantsAProxy_TheProxySwitchesToThemAndSeesTheirRecord_UntilRevoked()
    {
        var proxy = PersonOf("patient-2");
        var page = await PatientPageAsync();
        await page.FillAsync("#proxy-pnr", proxy);
        await page.SelectOptionAsync("#proxy-scope", "view");
        await page.ClickAsync("#proxy-save");
        Assert.Contains(proxy, await page.TextContentAsync("#choice-consequence"));
        await page.ClickAsync("#choice-confirm");
        await page.WaitForSelectorAsync("#proxy-list tr[data-consent]", new PageWaitForSelectorOptions { Timeout = 15_000 });
        Assert.Contains(proxy, await page.TextContentAsync("#proxy-list tbody"));
        await AssertAccessibleAsync(page, "proxies, Swedish");
        await page.Locator("#representatives").ScreenshotAsync(new LocatorScreenshotOptions { Path = Screenshot("patient-proxies-sv.png") });

        // The proxy, in a browser of their own, sees whom they act for and switches to them.
        await using var proxyContext = await _chromium.Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1100, Height = 1000 } });
        var other = await proxyContext.NewPageAsync();
        await other.GotoAsync($"{_server.Origin}/portal/patient");
        await LogInAsync(other, "patient-2", "#app:visible");
        await other.WaitForSelectorAsync("#acting-for-label:not([hidden])", new PageWaitForSelectorOptions { Timeout = 15_000 });
        Assert.Contains("ombud", await other.TextContentAsync("#represented"));
        await other.SelectOptionAsync("#acting-for", PersonOf("patient-1"));
        await other.WaitForSelectorAsync("#acting-note:not([hidden])");
        await other.WaitForSelectorAsync("#record .record", new PageWaitForSelectorOptions { Timeout = 30_000 });
        Assert.True(await other.Locator("#record section.category").CountAsync() > 0);
        await AssertAccessibleAsync(other, "acting for someone, Swedish");
        await other.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshot("proxy-acting-sv.png") });
        // A view proxy may not change the patient's choices: the API refuses and says so.
        await other.ClickAsync("#optout-secondary-change");
        await other.ClickAsync("#choice-confirm");
        await other.WaitForFunctionAsync("() => document.getElementById('choices-message').textContent.includes('403')", null, new PageWaitForFunctionOptions { Timeout = 15_000 });

        // Revoked: the proxy gets nothing any more.
        await page.ClickAsync("#proxy-list button.revoke");
        await page.ClickAsync("#choice-confirm");
        await page.WaitForSelectorAsync("#proxy-list td.empty", new PageWaitForSelectorOptions { Timeout = 15_000 });
        await other.EvaluateAsync("() => loadRecord()");
        await other.WaitForSelectorAsync("#record .alert", new PageWaitForSelectorOptions { Timeout = 30_000 });
        Assert.Equal("403", await other.GetAttributeAsync("#record .alert", "data-status"));
    }

    [Fact]
    public async Task Patient_AddsABloodPressure_AndTheClinicianSeesItMarkedAsFromThePatient()
    {
        var page = await PatientPageAsync();
        await page.WaitForFunctionAsync("() => document.getElementById('own-receiver').options.length > 0", null, new PageWaitForFunctionOptions { Timeout = 15_000 });
        await page.SelectOptionAsync("#own-kind", "85354-9");
        await page.FillAsync("#own-systolic", "152");
        await page.FillAsync("#own-diastolic", "94");
        await page.FillAsync("#own-comment", "Mätt på morgonen");
        await AssertAccessibleAsync(page, "own measurement form, Swedish");
        await page.ClickAsync("#own-save");
        await page.WaitForFunctionAsync("() => document.getElementById('own-message').textContent.length > 0", null, new PageWaitForFunctionOptions { Timeout = 15_000 });
        Assert.StartsWith("Skickat", await page.TextContentAsync("#own-message"));
        await page.WaitForSelectorAsync("#record .badge.patient-provided", new PageWaitForSelectorOptions { Timeout = 30_000 });
        var row = await page.Locator("#record tr:has(.badge.patient-provided)").First.TextContentAsync();
        Assert.Contains("152 mm[Hg] / 94 mm[Hg]", row);
        Assert.Contains("Inte läst av mottagaren än", row);
        await page.Locator("#record tr:has(.badge.patient-provided)").First.ScreenshotAsync(new LocatorScreenshotOptions { Path = Screenshot("patient-own-data-sv.png") });

        await using var clinicianContext = await _chromium.Browser.NewContextAsync();
        var clinician = await clinicianContext.NewPageAsync();
        await clinician.GotoAsync($"{_server.Origin}/portal/clinician");
        await LogInAsync(clinician);
        await clinician.FillAsync("#pnr", PersonOf("patient-1"));
        await clinician.ClickAsync("#find");
        await clinician.WaitForSelectorAsync("#notices > section, #message .alert", new PageWaitForSelectorOptions { Timeout = 30_000 });
        var marked = clinician.Locator("li.item:has(.badge.patient-provided)");
        Assert.Equal(1, await marked.CountAsync());
        Assert.Contains("152 mm[Hg] / 94 mm[Hg]", await marked.TextContentAsync());
        Assert.Contains("Från patienten", await marked.TextContentAsync());
        await AssertAccessibleAsync(clinician, "clinician view with patient-provided data, Swedish");
        await marked.ScreenshotAsync(new LocatorScreenshotOptions { Path = Screenshot("clinician-patient-provided-sv.png") });
    }

    [Fact]
    public async Task Patient_AsksForACorrection_TheProviderAnswers_AndThePatientSeesTheAnswer()
    {
        var page = await PatientPageAsync();
        var problem = page.Locator("#record section[data-section='11450-4'] tr[data-provider]").First;
        var provider = await problem.GetAttributeAsync("data-provider-id");
        await problem.Locator("button.correct-item").ClickAsync();
        Assert.True(await page.IsVisibleAsync("#cor-form"));
        await page.FillAsync("#cor-text", "Jag har aldrig haft den här diagnosen.");
        await AssertAccessibleAsync(page, "correction form, Swedish");
        await page.ClickAsync("#cor-save");
        await page.WaitForSelectorAsync("#cor-list tr[data-task]", new PageWaitForSelectorOptions { Timeout = 15_000 });
        Assert.Equal("Skickad", (await page.Locator("#cor-list tr[data-task] td.status").First.InnerTextAsync()).Split('\n')[0].Trim());
        var task = await page.GetAttributeAsync("#cor-list tr[data-task]", "data-task");

        // The provider's system sees the request and answers it.
        var token = _providerSystems.Token("system/Task.rus", claims: new Dictionary<string, object> { ["ndi_actor"] = "system", ["client_id"] = "region-ehr", ["subject_organization_id"] = provider! });
        using var http = new HttpClient { BaseAddress = new Uri(_server.Origin!) };
        using var request = new HttpRequestMessage(HttpMethod.Put, $"/fhir/Task/{task}")
        {
            Content = new StringContent("""{"resourceType":"Task","status":"completed","intent":"proposal","statusReason":{"text":"Diagnosen är struken."}}""", System.Text.Encoding.UTF8, "application/fhir+json"),
        };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        using var answered = await http.SendAsync(request);
        Assert.True(answered.IsSuccessStatusCode, await answered.Content.ReadAsStringAsync());

        await page.EvaluateAsync("() => readCorrections()");
        await page.WaitForFunctionAsync("() => document.querySelector('#cor-list tr[data-task] td.status')?.textContent.startsWith('Rättad')", null, new PageWaitForFunctionOptions { Timeout = 15_000 });
        Assert.Contains("Diagnosen är struken.", await page.TextContentAsync("#cor-list tbody"));
        await page.Locator("#corrections").ScreenshotAsync(new LocatorScreenshotOptions { Path = Screenshot("patient-corrections-sv.png") });
    }
}
