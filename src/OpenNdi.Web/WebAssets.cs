using System.Reflection;
using Microsoft.AspNetCore.Http;

namespace OpenNdi.Web;

/// <summary>
/// The front end's scripts and style sheets (<c>wwwroot/</c>), embedded in this assembly and served from it, so a
/// dotnet run, a test host and a published server serve the same bytes. Revalidated on every use (<c>no-cache</c>).
/// </summary>
internal static class WebAssets
{
    private static readonly Assembly Assembly = typeof(WebAssets).Assembly;

    public static IResult Serve(HttpContext http, string file)
    {
        var type = Path.GetExtension(file) switch { ".js" => "text/javascript; charset=utf-8", ".css" => "text/css; charset=utf-8", _ => null };
        var stream = type is null || file.Contains('/', StringComparison.Ordinal) ? null : Assembly.GetManifestResourceStream("OpenNdi.Web.wwwroot." + file);
        if (stream is null)
            return Results.NotFound();
        http.Response.Headers.CacheControl = "no-cache";
        return Results.Stream(stream, type);
    }
}
