using OpenNdi.Server.Identity.AuthorizationServer;
using OpenNdi.Server.Audit;

namespace OpenNdi.Server.Portal;

/// <summary>
/// The clinician portal: one page over the access service for professionals (SOU 2026:6 §2.6.1). A clinician logs
/// in (SMART App Launch standalone: authorization code with PKCE, as the public client <see cref="ClientId"/>), finds
/// a patient by personnummer and reads the summary merged from every provider, with each item's sources, what was
/// withheld and why, which providers were missed, and the emergency break. Everything runs in the browser against
/// the national FHIR API; the server only serves the page.
/// <code>
/// GET /portal/clinician              the page
/// GET /portal/clinician/callback     the login's redirect URI: the same page, whose script redeems the code
/// GET /portal/clinician/launch       SMART EHR launch (iss, launch): the same page, whose script asks for the code with launch
/// GET /portal/clinician/portal.js    the page's script
/// </code>
/// </summary>
internal static class ClinicianPortalEndpoints
{
    public const string ClientId = "openndi-clinician-portal";
    public const string Path = "/portal/clinician";

    /// <summary>Read access to patient data for the clinician, and the directory for care unit names.</summary>
    public const string Scopes = "openid fhirUser user/*.rs";

    public static IServiceCollection AddClinicianPortal(this IServiceCollection services)
    {
        services.AddSingleton(new BuiltInApp(ClientId, "OpenNdi clinician portal", Scopes, $"{Path}/callback"));
        return services;
    }

    public static IEndpointRouteBuilder MapClinicianPortal(this IEndpointRouteBuilder app)
    {
        if (app.ServiceProvider.GetService<AuthorizationServerOptions>() is null)
            return app; // no embedded authorization server: the page would have no login
        var group = app.MapGroup(Path).WithTags("Clinician portal").ExcludeFromDescription();
        group.MapGet("", ClinicianPortalPage.Show);
        group.MapGet("/callback", ClinicianPortalPage.Show);
        group.MapGet("/launch", ClinicianPortalPage.Show);
        group.MapGet("/portal.js", ClinicianPortalScript.Show);
        group.Public("static page and script; the data comes from the national APIs, which log every access");
        return app;
    }
}
