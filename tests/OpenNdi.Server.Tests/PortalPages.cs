using Deque.AxeCore.Playwright;
using Microsoft.Playwright;

namespace OpenNdi.Server.Tests;

/// <summary>What the browser tests of the web front end share: the demo login, the accessibility check, and where screenshots go.</summary>
internal static class PortalPages
{
    public static string Screenshot(string name) => HeadlessChromium.Screenshot(Path.Combine(Path.GetTempPath(), "openndi-web"), name);

    /// <summary>Serious and critical violations of WCAG 2.1 A and AA (and axe's best practices), each with where it is.</summary>
    public static async Task AssertAccessibleAsync(IPage page, string what)
    {
        var results = await page.RunAxe();
        var blocking = results.Violations.Where(v => v.Impact is "serious" or "critical")
            .Select(v => $"{v.Id} ({v.Impact}): {v.Help} at {string.Join(", ", v.Nodes.Select(n => n.Target?.ToString()))}").ToList();
        Assert.True(blocking.Count == 0, $"{what}: " + string.Join("\n", blocking));
        Assert.NotEmpty(results.Passes); // axe ran and checked something
    }

    /// <summary>
    /// Logs in as <paramref name="user"/> through the demo login page, unless the server still knows the browser, and
    /// waits for <paramref name="ready"/>: what the page shows once logged in.
    /// </summary>
    public static async Task LogInAsync(IPage page, string user = "clinician-1", string ready = "#pnr:visible")
    {
        await page.ClickAsync("#login");
        await page.WaitForSelectorAsync($"button[value='{user}'], {ready}", new PageWaitForSelectorOptions { Timeout = 15_000 });
        if (await page.Locator($"button[value='{user}']").CountAsync() > 0)
            await page.ClickAsync($"button[value='{user}']");
        await page.WaitForSelectorAsync(ready, new PageWaitForSelectorOptions { Timeout = 15_000 });
    }

    /// <summary>The clinician view asks for the patient's summary again and answers the items shown (what each is, in the order shown).</summary>
    public static async Task<IReadOnlyList<string>> ClinicianItemsAsync(IPage clinician, string patient)
    {
        await clinician.EvaluateAsync("() => { document.getElementById('notices').innerHTML = ''; }");
        await clinician.FillAsync("#pnr", patient);
        await clinician.ClickAsync("#find");
        await clinician.WaitForSelectorAsync("#notices > section, #message .alert", new PageWaitForSelectorOptions { Timeout = 30_000 });
        return await clinician.Locator("li.item .what").AllTextContentsAsync();
    }
}
