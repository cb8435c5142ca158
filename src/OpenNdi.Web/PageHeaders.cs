using Microsoft.AspNetCore.Http;

namespace OpenNdi.Web;

/// <summary>
/// What every page with health data sends: scripts and styles from this server only (text from an answer can never
/// run as code, even if it slipped past escaping), no referrer (a login's code in the callback address goes nowhere
/// else), and nothing kept by the browser (<c>no-store</c>).
/// </summary>
internal static class PageHeaders
{
    public const string ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    public static void Apply(HttpContext? http)
    {
        if (http is null)
            return;
        var headers = http.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers["Referrer-Policy"] = "no-referrer";
        headers.CacheControl = "no-store";
    }
}
