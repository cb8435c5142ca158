using Microsoft.AspNetCore.Authentication;
using OpenIddict.Server.AspNetCore;
using OpenNdi.Core.Audit;
using OpenNdi.Server.Audit;

namespace OpenNdi.Server.Identity.AuthorizationServer;

/// <summary>
/// An OAuth error decided by a passthrough handler, handed back to OpenIddict, which answers it the protocol's way
/// (a redirect with the state from the authorization endpoint, the JSON error from the token endpoint).
/// </summary>
internal static class OAuthRefusal
{
    /// <summary>The error, with the route's audit record marked as a refusal with the same words.</summary>
    public static IResult Refuse(AuditScope audit, string error, string description)
    {
        audit.Record = audit.Record with { Outcome = AuditOutcome.MinorFailure, OutcomeText = $"{error}: {description}" };
        return Forbid(error, description);
    }

    public static IResult Forbid(string error, string description) => Results.Forbid(new AuthenticationProperties(new Dictionary<string, string?>
    {
        [OpenIddictServerAspNetCoreConstants.Properties.Error] = error,
        [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = description,
    }), [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
}
