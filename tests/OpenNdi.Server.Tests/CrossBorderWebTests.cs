using System.Net;

namespace OpenNdi.Server.Tests;

/// <summary>
/// The clinician view's panel for a visitor from another EU country (issue 17), without a browser: it is on the page
/// in Swedish and in English, with its own script from this server.
/// </summary>
public sealed class CrossBorderWebTests : IAsyncLifetime
{
    private NdiServer _server = null!;

    public async ValueTask InitializeAsync() => _server = await NdiServer.StartAsync("sqlite");

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task ClinicianView_HasTheCrossBorderPanel_InSwedishAndInEnglish()
    {
        using var client = _server.CreateClient();

        var swedishPage = await client.GetStringAsync("/portal/clinician");
        var englishPage = await client.GetStringAsync("/portal/clinician?culture=en");
        var (swedish, english) = (WebUtility.HtmlDecode(swedishPage), WebUtility.HtmlDecode(englishPage));
        using var script = await client.GetAsync("/web/clinician-crossborder.js");

        Assert.Contains("Patient från annat EU-land (MyHealth@EU)", swedish, StringComparison.Ordinal);
        Assert.Contains(">Tyskland<", swedish, StringComparison.Ordinal);
        Assert.Contains(">Frankrike<", swedish, StringComparison.Ordinal);
        Assert.Contains("Hämta från hemlandet", swedish, StringComparison.Ordinal);
        Assert.Equal("Utländsk patientöversikt – inte ur svensk journal", ScriptTexts(swedishPage)["js.xb.banner.title"]); // the script's banner
        Assert.Contains("Patient from another EU country (MyHealth@EU)", english, StringComparison.Ordinal);
        Assert.Contains(">Germany<", english, StringComparison.Ordinal);
        Assert.Contains("Fetch from the home country", english, StringComparison.Ordinal);
        Assert.Equal("Foreign patient summary – not from a Swedish record", ScriptTexts(englishPage)["js.xb.banner.title"]);
        Assert.Contains("src=\"/web/clinician-crossborder.js\"", swedish, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        Assert.Contains("$cross-border-summary", await script.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PatientPortal_HasTheTextsThatMarkAnAccessFromAbroad_InBothLanguages()
    {
        using var client = _server.CreateClient();

        var swedish = ScriptTexts(await client.GetStringAsync("/portal/patient"));
        var english = ScriptTexts(await client.GetStringAsync("/portal/patient?culture=en"));

        Assert.Equal("Från utlandet via MyHealth@EU: {0}", swedish["js.abroad.via"]);
        Assert.Equal("Tyskland", swedish["js.xb.country.DE"]);
        Assert.Equal("From abroad through MyHealth@EU: {0}", english["js.abroad.via"]);
        Assert.Equal("Germany", english["js.xb.country.DE"]);
    }

    /// <summary>The texts a page hands its script (its <c>data-texts</c> attribute).</summary>
    private static Dictionary<string, string> ScriptTexts(string html)
    {
        var attribute = System.Text.RegularExpressions.Regex.Match(html, "data-texts=\"([^\"]*)\"").Groups[1].Value;
        return System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, string>>(WebUtility.HtmlDecode(attribute))!;
    }
}
