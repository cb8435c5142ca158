using Microsoft.Playwright;

namespace OpenNdi.Server.Tests;

/// <summary>
/// The demo login in a real browser (Debian's Chromium, headless): the one-page SMART app runs the authorization code
/// flow with PKCE against the embedded server and shows the token. Screenshots land beside the test binaries
/// (<c>screenshots/</c>) as a check of what a person sees.
/// </summary>
public sealed class DemoLoginBrowserTests : IAsyncLifetime
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

    private static string Screenshot(string name) => HeadlessChromium.Screenshot(Path.Combine(AppContext.BaseDirectory, "screenshots"), name);

    private async Task<string> LogInAsync(IPage page, string user, string screenshotPrefix)
    {
        await page.GotoAsync($"{_server.Origin}/demo");
        await page.ClickAsync("#login");
        await page.WaitForURLAsync("**/oauth/authorize?**");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshot($"{screenshotPrefix}-login-page.png"), FullPage = true });
        await page.ClickAsync($"button[value='{user}']");
        await page.WaitForSelectorAsync("#claims", new PageWaitForSelectorOptions { Timeout = 15_000 });
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshot($"{screenshotPrefix}-logged-in.png"), FullPage = true });
        return await page.TextContentAsync("#claims") ?? string.Empty;
    }

    [Fact]
    public async Task Clinician_LogsIn_AndSeesAProfessionalToken()
    {
        var page = await _chromium.Browser.NewPageAsync();

        var claims = await LogInAsync(page, "clinician-1", "clinician");

        Assert.Contains("\"ndi_actor\": \"professional\"", claims);
        Assert.Contains("care_unit_id", claims);
        Assert.DoesNotContain("Ã", claims); // UTF-8 names (Region Östergötland) decoded as UTF-8
        Assert.Contains("user/*.rs", await page.TextContentAsync("body"));
        Assert.EndsWith("/demo", page.Url); // the code is gone from the address bar
    }

    [Fact]
    public async Task Patient_LogsIn_AndSeesTheirIdentityNumberAndPatientScopes()
    {
        var page = await _chromium.Browser.NewPageAsync();

        var claims = await LogInAsync(page, "patient-1", "patient");

        Assert.Contains("\"person_id\"", claims);
        Assert.Contains("patient/*.rs", claims);
        Assert.DoesNotContain("user/*.rs", claims);
    }
}
