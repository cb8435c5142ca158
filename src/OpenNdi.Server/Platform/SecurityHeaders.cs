using Microsoft.Net.Http.Headers;

namespace OpenNdi.Server.Platform;

/// <summary>
/// The response headers every answer carries, set in one place as the answer starts (so error answers and answers
/// written by other middleware get them too):
/// <list type="bullet">
/// <item><c>X-Content-Type-Options: nosniff</c> on every answer: a browser takes the declared type, so a FHIR answer
/// that holds text from a patient record is never run as script or HTML.</item>
/// <item>On HTML pages (the login, the demo, the clinician portal) <c>Content-Security-Policy: frame-ancestors 'none'</c>
/// and <c>X-Frame-Options: DENY</c> (for browsers without CSP level 2): no other site can frame them to trick a
/// click (clickjacking; OWASP ASVS 14.4.7).</item>
/// <item><c>Cache-Control: no-store</c> on national FHIR answers and the simulated EHRs' answers unless the handler
/// chose otherwise: index entries, consents, audit records and clinical data are personal data that no browser or
/// proxy cache should keep (ADR 0006). The CapabilityStatement and discovery documents stay cacheable.</item>
/// </list>
/// </summary>
internal sealed class SecurityHeaders(RequestDelegate next)
{
    public const string FrameAncestors = "frame-ancestors 'none'";

    public Task InvokeAsync(HttpContext context)
    {
        context.Response.OnStarting(static state => Apply((HttpContext)state), context);
        return next(context);
    }

    private static Task Apply(HttpContext context)
    {
        var response = context.Response;
        var headers = response.Headers;
        headers.XContentTypeOptions = "nosniff";
        if (response.ContentType is { } type && type.StartsWith("text/html", StringComparison.OrdinalIgnoreCase))
        {
            var policy = headers.ContentSecurityPolicy.ToString();
            if (!policy.Contains("frame-ancestors", StringComparison.OrdinalIgnoreCase))
                headers.ContentSecurityPolicy = policy.Length == 0 ? FrameAncestors : $"{policy.TrimEnd(' ', ';')}; {FrameAncestors}";
            headers.XFrameOptions = "DENY";
        }
        if (HoldsPersonalData(context.Request.Path) && !headers.ContainsKey(HeaderNames.CacheControl))
            headers.CacheControl = "no-store";
        return Task.CompletedTask;
    }

    private static bool HoldsPersonalData(PathString path) =>
        (path.StartsWithSegments("/fhir") && !path.StartsWithSegments("/fhir/metadata") && !path.StartsWithSegments("/fhir/.well-known"))
        || path.StartsWithSegments("/sim");
}
