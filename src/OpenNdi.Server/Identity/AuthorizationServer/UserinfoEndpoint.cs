using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using OpenNdi.Core.Identity;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace OpenNdi.Server.Identity.AuthorizationServer;

/// <summary>
/// <c>/oauth/userinfo</c> (OpenID Connect Core §5.3), reached after OpenIddict validated the access token (it must
/// carry <c>openid</c>): who logged in, as the ID token says it, with <c>fhirUser</c> when that scope was granted.
/// </summary>
internal static class UserinfoEndpoint
{
    private static readonly string[] Shared =
    [
        Claims.Name, NdiClaims.Actor, NdiClaims.SubjectName, NdiClaims.SubjectRole, NdiClaims.SubjectOrganizationId, NdiClaims.SubjectOrganization,
        NdiClaims.CareUnitId, NdiClaims.PersonId, NdiClaims.AssuranceLevel,
    ];

    public static async Task<IResult> HandleAsync(HttpContext http)
    {
        var principal = (await http.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme)).Principal;
        if (principal is null)
            return Results.Challenge(authenticationSchemes: [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
        var claims = new Dictionary<string, object>(StringComparer.Ordinal) { [Claims.Subject] = principal.GetClaim(Claims.Subject)! };
        foreach (var type in Shared)
        {
            if (principal.GetClaim(type) is { } value)
                claims[type] = value;
        }
        if (principal.HasScope("fhirUser") && principal.GetClaim("fhirUser") is { } fhirUser)
            claims["fhirUser"] = fhirUser;
        http.Response.Headers.CacheControl = "no-store";
        return Results.Json(claims);
    }
}
