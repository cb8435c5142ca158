using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using OpenNdi.Core.Index;
using OpenNdi.Data.Index;
using OpenNdi.Data.Population;

namespace OpenNdi.Server.Tests;

/// <summary>
/// The SMART EHR launch in a real browser: a clinician logged in to the simulated EHR (<c>/ehr</c>) opens the national
/// summary for the patient open there, and the clinician view shows that patient's summary without a second login.
/// Screenshots go to a temporary folder (<c>openndi-ehr-launch</c>).
/// </summary>
public sealed class EhrLaunchBrowserTests : IAsyncLifetime
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

    private static string Screenshot(string name) => HeadlessChromium.Screenshot(Path.Combine(Path.GetTempPath(), "openndi-ehr-launch"), name);

    [Fact]
    public async Task ClinicianInTheEhr_OpensTheNationalSummary_ForTheOpenPatient_WithoutASecondLogin()
    {
        // A patient the EHR lists (the first twelve of the population) who has index entries at more than one provider.
        var index = _server.Services.GetRequiredService<IIndexStore>();
        var listed = await _server.Services.GetRequiredService<IPopulationStore>().ListAsync(0, 12);
        string? patient = null;
        foreach (var person in listed)
        {
            var entries = await index.LookupAsync(new IndexQuery(person.Id, null, null, null));
            if (entries.Select(e => e.Provider).Distinct().Count() >= 2)
            {
                patient = person.Id.Value;
                break;
            }
        }
        Assert.NotNull(patient);
        var page = await _chromium.Browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1100, Height = 900 } });
        var visited = new List<string>();
        page.FrameNavigated += (_, frame) => { if (frame == page.MainFrame) visited.Add(frame.Url); };

        await page.GotoAsync($"{_server.Origin}/ehr");
        await page.SelectOptionAsync("#patient", patient);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshot("1-ehr.png"), FullPage = true });
        await page.FocusAsync("#open-summary");
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForSelectorAsync("#notices > section, #message .alert", new PageWaitForSelectorOptions { Timeout = 30_000 });
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshot("2-summary.png"), FullPage = true });

        Assert.Equal(patient, await page.InputValueAsync("#pnr"));
        Assert.Contains(patient, await page.TextContentAsync("#patient"));
        Assert.True(await page.IsCheckedAsync("#care"), "the EHR attested the care relationship");
        Assert.Contains("Dr. Karin Ek", await page.TextContentAsync("#who"));
        Assert.True(await page.Locator("section.ips h3").CountAsync() > 0, "the summary is shown");
        // No login page on the way: the EHR's launch stood for the login.
        Assert.DoesNotContain(visited, url => url.Contains("/oauth/authorize", StringComparison.Ordinal) && !url.Contains("launch=", StringComparison.Ordinal));
        Assert.Equal(0, await page.Locator("button[value='clinician-1']").CountAsync());
    }
}
