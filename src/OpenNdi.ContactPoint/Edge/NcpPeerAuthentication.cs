using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenNdi.ContactPoint.Domain;
using OpenNdi.ContactPoint.Identification;
using OpenNdi.ContactPoint.Trust;
using OpenNdi.Core.Identity;

namespace OpenNdi.ContactPoint.Edge;

/// <summary>What the host does with a refused peer request before it is answered: audit it (the route's filter never ran).</summary>
public sealed class NcpPeerAuthenticationOptions : AuthenticationSchemeOptions
{
    public Func<HttpContext, NcpRefusal, Task>? OnRefused { get; set; }
}

/// <summary>
/// The contact point's authentication scheme (ADR 0010 §4, §5): the TLS client certificate names a peer in our trust
/// list (exact subject and thumbprint, chain to a MyHealth@EU anchor, not revoked), and the <c>Bearer</c> assertion
/// is that same peer's, signed and current. The principal it makes is the only source of a cross-border actor
/// (<see cref="NdiClaims.CrossBorderAuthenticationType"/>); a national token never reaches these routes, nor this
/// principal the national ones. The <see cref="ForeignProfessional"/> is left in the request's features for the handlers.
/// </summary>
public sealed class NcpPeerAuthentication(
    IOptionsMonitor<NcpPeerAuthenticationOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    PeerAuthentication peers,
    CrossBorderAssertionValidator assertions) : AuthenticationHandler<NcpPeerAuthenticationOptions>(options, logger, encoder)
{
    public const string SchemeName = NdiClaims.CrossBorderAuthenticationType;

    /// <summary>The header OpenNCP-based peers send their country in; never trusted, but one that disagrees with the trust list is refused.</summary>
    public const string CountryCodeHeader = "CountryCode";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var certificate = Context.Connection.ClientCertificate ?? await Context.Connection.GetClientCertificateAsync(Context.RequestAborted);
        var peer = peers.IdentifyPeer(certificate);
        if (peer.Value is not { } trusted)
            return Refuse(peer.Refusal!);
        if (Request.Headers[CountryCodeHeader] is { Count: > 0 } country && (country.Count > 1 || !string.Equals(country[0], trusted.Country, StringComparison.OrdinalIgnoreCase)))
            return Refuse(new NcpRefusal("NDI-NCP-004", StatusCodes.Status403Forbidden, "The CountryCode header disagrees with the contact point's trust-list entry.",
                $"CountryCode '{country}' from {trusted.Id} ({trusted.Country})"));
        var authorization = Request.Headers.Authorization;
        string? token = authorization.Count == 1 && authorization[0] is { } value && value.StartsWith("Bearer ", StringComparison.Ordinal) ? value["Bearer ".Length..].Trim() : null;
        if (authorization.Count > 1)
            return Refuse(new NcpRefusal(NcpTrustCodes.AssertionInvalid, StatusCodes.Status401Unauthorized, "Send one Authorization header.", "several Authorization headers"));
        var validated = await assertions.ValidateAsync(token, trusted);
        if (validated.Value is not { } professional)
            return Refuse(validated.Refusal!);

        Context.Features.Set(professional);
        var (system, number) = professional.TreatedPatient.Split('|') is [var s, var v] ? (s, v) : ("", "");
        List<Claim> claims =
        [
            new(NdiClaims.Actor, NdiClaims.CrossBorderActorKind),
            new("sub", professional.Subject),
            new(NdiClaims.SubjectName, $"{professional.Name} ({professional.Organization})"),
            new(NdiClaims.SubjectRole, professional.Role),
            new(NdiClaims.PurposeOfUse, professional.Purpose == CrossBorderPurpose.Emergency ? PurposeOfUse.EmergencyTreatment : PurposeOfUse.Treatment),
            new(NdiClaims.CrossBorderPeer, trusted.Id),
            new(NdiClaims.CrossBorderCountry, trusted.Country),
        ];
        if (IdentificationMask.IdentifierSystems.Contains(system))
            claims.Add(new Claim(NdiClaims.CrossBorderTreatedPatient, number));
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName, "sub", null)), SchemeName));
    }

    private AuthenticateResult Refuse(NcpRefusal refusal)
    {
        Context.Features.Set(refusal);
        Logger.LogWarning("Contact point request refused on {Path}: {Code} {Detail}", Request.Path, refusal.Code, refusal.AuditDetail ?? refusal.Message);
        return AuthenticateResult.Fail(refusal.Code);
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var refusal = Context.Features.Get<NcpRefusal>()
            ?? new NcpRefusal(NcpTrustCodes.AssertionInvalid, StatusCodes.Status401Unauthorized, "A trusted contact point's certificate and assertion are needed.");
        if (Options.OnRefused is { } onRefused)
            await onRefused(Context, refusal);
        if (refusal.Status == StatusCodes.Status401Unauthorized)
            Response.Headers.WWWAuthenticate = "Bearer error=\"invalid_token\"";
        Response.Headers.CacheControl = "no-store";
        await OpenNdi.Fhir.FhirResults.Error(refusal.Status, refusal.Code,
            refusal.Status == StatusCodes.Status401Unauthorized ? Hl7.Fhir.Model.OperationOutcome.IssueType.Login : Hl7.Fhir.Model.OperationOutcome.IssueType.Forbidden,
            refusal.Message).ExecuteAsync(Context);
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) => HandleChallengeAsync(properties);
}
