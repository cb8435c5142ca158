using Microsoft.Playwright;
using OpenNdi.Testing;

namespace OpenNdi.Server.Tests;

/// <summary>
/// The clinician view's cross-border panel in a real browser (Debian's Chromium, headless; issue 17, Sweden as the
/// country of treatment): the demo clinician asks the simulated German contact point for a visitor's summary and reads
/// it, marked as foreign, in German with Swedish translations beside it, a local code and an unexpected section flagged.
/// </summary>
/// <remarks>
/// The simulated peers authenticate Sweden by its TLS client certificate, so here they listen on their own TLS ports
/// (<c>ContactPoint:DemoPeerListeners</c>, as in the demo). The listening server is a host derived from a test server
/// (<see cref="NdiServer.StartOn"/>) and started on Kestrel without a fixed port, so those listeners are bound too
/// (a fixed port replaces every address the host asked for).
/// </remarks>
public sealed class CrossBorderBrowserTests : IAsyncLifetime
{
    private TestDatabase _database = null!;
    private NdiServer _base = null!;
    private string _origin = null!;
    private HeadlessChromium _chromium = null!;

    public async ValueTask InitializeAsync()
    {
        _origin = $"http://localhost:{FreePort()}";
        var settings = new Dictionary<string, string>
        {
            ["PublicBaseUrl"] = _origin,
            ["urls"] = _origin,
            ["ContactPoint:Listener"] = $"https://localhost:{FreePort()}",
            ["ContactPoint:DemoPeerListeners:DE"] = $"https://localhost:{FreePort()}",
            ["ContactPoint:DemoPeerListeners:FR"] = $"https://localhost:{FreePort()}",
        };
        _database = await TestDatabase.CreateAsync("sqlite", migrate: false);
        _base = NdiServer.StartOn(_database, settings);
        var listening = _base.WithWebHostBuilder(_ => { });
        listening.UseKestrel();
        listening.StartServer();
        _chromium = await HeadlessChromium.LaunchAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _chromium.DisposeAsync();
        await _base.DisposeAsync(); // and the listening host derived from it
        await _database.DisposeAsync();
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    [Fact]
    public async Task Clinician_ReadsAGermanVisitorsSummary_MarkedForeign_WithSwedishTranslations_AndWhatCouldNotBeMapped()
    {
        var page = await _chromium.Browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1100, Height = 900 } });
        await page.GotoAsync($"{_origin}/portal/clinician");
        await PortalPages.LogInAsync(page);

        // Keyboard only: from the panel's country choice through its fields to the button.
        await page.FocusAsync("#xb-country");
        await page.Keyboard.PressAsync("Tab");
        await page.Keyboard.TypeAsync("K111135419");
        Assert.Equal("xb-id", await page.EvaluateAsync<string>("() => document.activeElement.id"));
        await page.FillAsync("#xb-birth", "1988-04-18");
        await page.FocusAsync("#xb-find");
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForSelectorAsync("#xb-banner, #xb-message .alert", new PageWaitForSelectorOptions { Timeout = 30_000 });
        Assert.Equal("", await page.TextContentAsync("#xb-message"));

        var banner = await page.TextContentAsync("#xb-banner");
        Assert.Contains("Utländsk patientöversikt – inte ur svensk journal", banner);
        Assert.Contains("Från Tyskland via MyHealth@EU", banner);
        Assert.Contains("tyska (de-DE)", banner);
        Assert.Equal("xb-banner", await page.EvaluateAsync<string>("() => document.activeElement.id"));
        Assert.Contains("Anna Koch", await page.TextContentAsync(".xb-patient"));
        // Original German beside the Swedish translation, each marked with its language.
        Assert.Contains("Essentiell hypertoni", await page.Locator(".xb-document .translation[lang='sv']").AllTextContentsAsync());
        Assert.Contains("Essentielle (primäre) Hypertonie", await page.Locator(".xb-document .original[lang='de-DE']").AllTextContentsAsync());
        // The local code: flagged on its item, and named in the warnings.
        var flagged = page.Locator("li.item.unmapped");
        Assert.Equal(1, await flagged.CountAsync());
        Assert.Contains("HA-LUMB-07", await flagged.TextContentAsync());
        Assert.Contains("Okänd kod", await flagged.TextContentAsync());
        Assert.Contains("HA-LUMB-07", await page.TextContentAsync("#xb-warnings"));
        // The unexpected section: kept, shown with its text, flagged.
        var unexpected = page.Locator("section.ips.foreign.unexpected");
        Assert.Equal(1, await unexpected.CountAsync());
        Assert.Contains("Reiseanamnese", await unexpected.TextContentAsync());
        Assert.Contains("Ingen standardsektion", await unexpected.TextContentAsync());
        Assert.Contains("Kenia", await unexpected.TextContentAsync());
        // Every section says it is foreign; nothing of it is in the Swedish summary's place.
        Assert.Equal(await page.Locator("section.ips.foreign").CountAsync(), await page.Locator("section.ips.foreign .badge.foreign").CountAsync());
        Assert.Equal(0, await page.Locator("#summary section").CountAsync());
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = "/tmp/web-crossborder.png", FullPage = true });
        await page.Locator("#xb").ScreenshotAsync(new LocatorScreenshotOptions { Path = PortalPages.Screenshot("crossborder-panel.png") });
        await PortalPages.AssertAccessibleAsync(page, "the clinician view with a foreign summary");

        // France needs the family name too: the contact point's mask, said before anything is sent.
        await page.SelectOptionAsync("#xb-country", "FR");
        Assert.Contains("INS/NIR", await page.TextContentAsync("#xb-system"));
        await page.FillAsync("#xb-id", "275113326510367");
        await page.FillAsync("#xb-birth", "1975-11-16");
        await page.ClickAsync("#xb-find");
        await page.WaitForSelectorAsync("#xb-message .alert", new PageWaitForSelectorOptions { Timeout = 30_000 });
        var error = await page.TextContentAsync("#xb-message");
        Assert.Contains("Uppgifterna räcker inte för hemlandet", error);
        Assert.Contains("NDI-NCP-032", error);
        Assert.Equal(0, await page.Locator("#xb-banner").CountAsync());
    }
}
