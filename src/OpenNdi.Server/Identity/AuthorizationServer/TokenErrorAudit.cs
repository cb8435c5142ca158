using Microsoft.AspNetCore;
using OpenIddict.Server;
using OpenIddict.Server.AspNetCore;
using OpenNdi.Server.Audit;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace OpenNdi.Server.Identity.AuthorizationServer;

/// <summary>
/// Token requests OpenIddict refuses never reach the token endpoint's handler, whose route declares the audit: this
/// keeps them in the log too (a refused client, a replayed assertion, a reused refresh token), as a refused access
/// with what the request named. It also makes every failed client authentication answer 401 <c>invalid_client</c>,
/// as RFC 6749 §5.2 and RFC 7523 §3.2 say, whichever check refused it.
/// </summary>
internal sealed class TokenErrorAudit : IOpenIddictServerHandler<ApplyTokenResponseContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<ApplyTokenResponseContext>()
        .UseSingletonHandler<TokenErrorAudit>()
        .SetOrder(int.MinValue + 100_000)
        .SetType(OpenIddictServerHandlerType.Custom)
        .Build();

    public async ValueTask HandleAsync(ApplyTokenResponseContext context)
    {
        if (string.IsNullOrEmpty(context.Error) || context.Transaction.GetHttpRequest()?.HttpContext is not { } http)
            return;
        // In client credentials the only grant is the client's own assertion: whatever OpenIddict found wrong with it
        // (audience, subject) is a failed client authentication.
        if (context.Request is { } request && request.IsClientCredentialsGrantType() && !string.IsNullOrEmpty(request.ClientAssertion)
            && context.Error is Errors.InvalidGrant or Errors.InvalidToken)
            context.Response.Error = Errors.InvalidClient;
        // An error the passthrough handler chose (invalid_scope, a refused exchange) is logged by its route already.
        if (http.Items.ContainsKey(TokenEndpoint.HandledKey))
            return;
        await NationalApiFilter.RecordUnauthenticatedAsync(http, $"token request refused: {context.Error}: {context.Response.ErrorDescription}");
    }
}
