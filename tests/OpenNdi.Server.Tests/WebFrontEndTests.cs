using System.Globalization;
using System.Net;
using System.Resources;
using OpenNdi.Web;

namespace OpenNdi.Server.Tests;

/// <summary>The web front end without a browser: its texts in both languages, the language switch, and the pages' headers.</summary>
[Trait("Category", "Security")]
public sealed class WebFrontEndTests : IAsyncLifetime
{
    private readonly TestIssuer _issuer = new("https://idp.national.example");
    private NdiServer _server = null!;

    public async ValueTask InitializeAsync() => _server = await NdiServer.StartAsync("sqlite", new Dictionary<string, string>
    {
        ["Identity:TrustedIssuers:0:Issuer"] = _issuer.Issuer,
        ["Identity:TrustedIssuers:0:Jwks"] = _issuer.Jwks,
    });

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        _issuer.Dispose();
    }

    private static HashSet<string> Keys(CultureInfo culture)
    {
        var resources = new ResourceManager("OpenNdi.Web.Resources.WebTexts", typeof(WebTexts).Assembly);
        var set = resources.GetResourceSet(culture, createIfNotExists: true, tryParents: false);
        Assert.NotNull(set);
        return [.. set.Cast<System.Collections.DictionaryEntry>().Select(e => (string)e.Key)];
    }

    [Fact]
    public void EveryText_IsInSwedishAndInEnglish()
    {
        var swedish = Keys(CultureInfo.InvariantCulture); // the neutral resources are the Swedish ones
        var english = Keys(WebFrontEnd.English);

        Assert.Contains("page.title", swedish);
        Assert.Empty(swedish.Except(english));
        Assert.Empty(english.Except(swedish));
    }

    [Fact]
    public async Task ClinicianView_IsSwedishUnlessEnglishIsChosen_WhateverTheBrowserPrefers()
    {
        using var client = _server.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/portal/clinician");
        request.Headers.AcceptLanguage.ParseAdd("en-GB,en;q=0.9");

        using var swedish = await client.SendAsync(request);
        var html = await swedish.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, swedish.StatusCode);
        Assert.Contains("<html lang=\"sv\">", html, StringComparison.Ordinal);
        Assert.Contains("Logga in", html, StringComparison.Ordinal);
        Assert.Contains("English", html, StringComparison.Ordinal);

        var english = await client.GetStringAsync("/portal/clinician?culture=en");
        Assert.Contains("<html lang=\"en\">", english, StringComparison.Ordinal);
        Assert.Contains(">Log in<", english, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/portal/clinician", "/portal/clinician")]
    [InlineData("//evil.example/phish", "/portal/clinician")]
    [InlineData("/\\evil.example", "/portal/clinician")]
    [InlineData("https://evil.example/", "/portal/clinician")]
    [InlineData(null, "/portal/clinician")]
    public async Task LanguageSwitch_RemembersTheChoice_AndReturnsOnlyToAPageOfThisSite(string? returnTo, string expected)
    {
        using var client = _server.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

        using var response = await client.GetAsync("/web/culture?c=en" + (returnTo is null ? "" : "&return=" + Uri.EscapeDataString(returnTo)));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal(expected, response.Headers.Location?.OriginalString);
        var cookie = Assert.Single(response.Headers.GetValues("Set-Cookie"));
        Assert.StartsWith(".AspNetCore.Culture=c%3Den%7Cuic%3Den;", cookie, StringComparison.Ordinal);
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task ClinicianView_AllowsScriptsAndStylesFromThisServerOnly_AndIsNeverCached()
    {
        using var client = _server.CreateClient();

        using var page = await client.GetAsync("/portal/clinician");
        using var script = await client.GetAsync("/web/clinician.js");
        using var style = await client.GetAsync("/web/site.css");
        using var missing = await client.GetAsync("/web/nothing.css");

        var policy = page.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("script-src 'self'", policy, StringComparison.Ordinal);
        Assert.Contains("style-src 'self'", policy, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", policy, StringComparison.Ordinal);
        Assert.Equal("no-store", page.Headers.CacheControl?.ToString());
        Assert.Equal("text/javascript", script.Content.Headers.ContentType?.MediaType);
        Assert.Contains("function loggedIn", await script.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal("text/css", style.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    /// <summary>
    /// "Who accessed my data" names providers and care units: a patient reads the public directory's Organizations
    /// (a name is public information), and changes none of them.
    /// </summary>
    [Fact]
    public async Task APatient_ReadsProviderNamesFromTheDirectory_ButChangesNothingThere()
    {
        var token = _issuer.PersonToken("patient/*.rs patient/*.cu", OpenNdi.Core.Identifiers.PersonalIdentityNumber.Create(new DateOnly(1970, 5, 5), 321, coordination: false));
        using var client = _server.CreateClient();
        using var search = new HttpRequestMessage(HttpMethod.Get, "/fhir/Organization?name=Region");
        search.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        using var found = await client.SendAsync(search);
        var body = await found.Content.ReadAsStringAsync();
        Assert.True(found.StatusCode == HttpStatusCode.OK, body);
        var bundle = OpenNdi.Fhir.FhirJson.Parse<Hl7.Fhir.Model.Bundle>(body);
        var organization = (Hl7.Fhir.Model.Organization)bundle.Entry.First().Resource;

        using var read = new HttpRequestMessage(HttpMethod.Get, $"/fhir/Organization/{organization.Id}");
        read.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        using var answer = await client.SendAsync(read);
        using var change = new HttpRequestMessage(HttpMethod.Put, $"/fhir/Organization/{organization.Id}") { Content = new StringContent(OpenNdi.Fhir.FhirJson.Serialize(organization), System.Text.Encoding.UTF8, "application/fhir+json") };
        change.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        using var refused = await client.SendAsync(change);

        Assert.Equal(HttpStatusCode.OK, found.StatusCode);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
    }
}
