using OpenNdi.Server.Audit;
using OpenNdi.Server.Identity.AuthorizationServer;
using OpenNdi.Web;

namespace OpenNdi.Server.Portal;

/// <summary>
/// The host's one Add/Map pair for the web front end (src/OpenNdi.Web): its pages in Swedish and English, the
/// clinician view registered as a built-in app of the authorization server, and each route declared public (the
/// pages and files hold no data; the data comes from the national APIs, which check and log every access).
/// </summary>
internal static class WebFrontEndModule
{
    public static IServiceCollection AddWebFrontEnd(this IServiceCollection services)
    {
        services.AddSingleton(new BuiltInApp(ClinicianClient.ClientId, "OpenNdi clinician portal", ClinicianClient.Scopes, ClinicianClient.CallbackPath));
        services.AddSingleton(new BuiltInApp(PatientClient.ClientId, "OpenNdi patient portal", PatientClient.Scopes, PatientClient.CallbackPath));
        // The secondary-use portals (issue 18): the researcher's and the health data access body's.
        services.AddSingleton(new BuiltInApp(ResearchClient.ClientId, "OpenNdi research portal", ResearchClient.Scopes, ResearchClient.CallbackPath));
        services.AddSingleton(new BuiltInApp(AccessBodyClient.ClientId, "OpenNdi health data access body", AccessBodyClient.Scopes, AccessBodyClient.CallbackPath));
        return services.AddWebPages(sp => sp.GetRequiredService<OpenNdi.Server.Platform.PublicBaseUrl>().Value);
    }

    public static WebApplication MapWebFrontEnd(this WebApplication app)
    {
        if (app.Services.GetService<AuthorizationServerOptions>() is null)
            return app; // no embedded authorization server: the pages would have no login
        return app.MapWebPages(route => route.Public("web pages, their scripts and styles, and the language choice; the data comes from the national APIs, which log every access"));
    }
}
