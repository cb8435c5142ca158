using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Localization;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using OpenNdi.Web.Components;

namespace OpenNdi.Web;

/// <summary>
/// The one web front end (issue 15): Razor components rendered on the server, in Swedish first and English second.
/// <code>
/// GET /portal/clinician[/callback|/launch]   the clinician view (ClinicianView.razor; its script does the rest)
/// GET /portal/patient[/callback]             the access service for patients (PatientPortal.razor)
/// GET /portal/research[/callback]            the dataset catalogue, applications and permits of secondary use (ResearchPortal.razor)
/// GET /portal/hdab[/callback]                the health data access body's case handling (AccessBodyPortal.razor)
/// GET /web/patient/record?patient=…          the patient's record rendered on the server from $summary, with the caller's bearer token
/// GET /web/{file}.js|.css                    the pages' scripts and style sheet (wwwroot/)
/// GET /web/culture?c=sv|en&amp;return=/path      the language switch: remembers the choice (cookie), back to the page
/// </code>
/// The language is Swedish unless the person chose English (the switch's cookie, or <c>?culture=en</c>); the
/// browser's Accept-Language is not used, so a Swedish service speaks Swedish first. Localization applies to these
/// pages only: the national APIs keep their invariant culture.
/// </summary>
public static class WebFrontEnd
{
    public static readonly CultureInfo Swedish = new("sv");
    public static readonly CultureInfo English = new("en");
    private static readonly TimeSpan CultureCookieLifetime = TimeSpan.FromDays(365);

    /// <param name="nationalApi">Where the national FHIR API is, for the pages rendered from its answers (<see cref="Record.NationalApiClient"/>).</param>
    public static IServiceCollection AddWebPages(this IServiceCollection services, Func<IServiceProvider, Uri> nationalApi)
    {
        services.AddRazorComponents();
        services.AddHttpClient(Record.NationalApiClient.HttpClientName, (sp, client) => client.BaseAddress = nationalApi(sp));
        services.AddSingleton<Record.NationalApiClient>();
        services.AddLocalization(options => options.ResourcesPath = "Resources");
        return services;
    }

    /// <summary>Maps the pages, their files and the language switch; <paramref name="declare"/> applies the host's route declarations to each.</summary>
    public static WebApplication MapWebPages(this WebApplication app, Action<IEndpointConventionBuilder> declare)
    {
        var localization = new RequestLocalizationOptions { DefaultRequestCulture = new RequestCulture(Swedish), SupportedCultures = [Swedish, English], SupportedUICultures = [Swedish, English] };
        localization.RequestCultureProviders = [new QueryStringRequestCultureProvider(), new CookieRequestCultureProvider()];
        app.UseWhen(http => IsWebPath(http.Request.Path), web => web.UseRequestLocalization(localization));
        app.UseAntiforgery();

        declare(app.MapRazorComponents<App>());
        declare(app.MapGet("/web/patient/record", Record.RecordEndpoint.RenderAsync));
        declare(app.MapGet("/web/{file}", WebAssets.Serve));
        declare(app.MapGet("/web/culture", ChooseLanguage));
        return app;
    }

    /// <summary>The pages in the person's language: the portal, its files, and the demo's pages (login, /demo, /ehr) where the host maps them.</summary>
    private static bool IsWebPath(PathString path) => path.StartsWithSegments("/portal") || path.StartsWithSegments("/web")
        || path.StartsWithSegments("/oauth/authorize") || path.StartsWithSegments("/demo") || path.StartsWithSegments("/ehr");

    /// <summary>Remembers the language chosen and goes back to the page (a local path only, never another site).</summary>
    private static IResult ChooseLanguage(HttpContext http, string? c, string? @return)
    {
        var culture = c == English.Name ? English : Swedish;
        http.Response.Cookies.Append(CookieRequestCultureProvider.DefaultCookieName, CookieRequestCultureProvider.MakeCookieValue(new RequestCulture(culture)),
            new CookieOptions { Path = "/", HttpOnly = true, Secure = http.Request.IsHttps, SameSite = SameSiteMode.Lax, MaxAge = CultureCookieLifetime, IsEssential = true });
        var back = @return is { Length: > 1 } path && path[0] == '/' && path[1] is not ('/' or '\\') && Uri.IsWellFormedUriString(path, UriKind.Relative) ? path : ClinicianClient.Path;
        return Results.Redirect(back);
    }
}
