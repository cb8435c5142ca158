using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using OpenNdi.ContactPoint.Domain;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;

namespace OpenNdi.ContactPoint.Trust;

/// <summary>
/// Reads an incoming assertion (ADR 0010 §5) for the contact point the TLS connection was identified as: the
/// <c>x5c</c> certificate chains to the anchors and is one of <em>that</em> peer's registered signing certificates
/// (another peer's, however valid, is refused: NDI-NCP-005, 403); signature, <c>typ</c>, <c>iss</c> = the peer's id,
/// <c>aud</c> = ours, lifetime at most 60 minutes and current on our clock (30 s skew); the IUA claims present and well
/// formed. Everything else is NDI-NCP-002 (401): the caller hears which kind of fault, the audit detail the whole of it.
/// The <c>jti</c> is not single-use: one assertion serves identification, search and retrieval of one patient.
/// </summary>
public sealed class CrossBorderAssertionValidator(PeerTrustList trust, TimeProvider time)
{
    private static readonly string[] Algorithms = [SecurityAlgorithms.EcdsaSha256, "PS256"];

    public async Task<TrustDecision<ForeignProfessional>> ValidateAsync(string? token, Peer connectionPeer)
    {
        if (string.IsNullOrWhiteSpace(token))
            return Invalid("The assertion is missing.", "assertion-missing");
        var handler = new JsonWebTokenHandler { MapInboundClaims = false };
        JsonWebToken jwt;
        try
        {
            jwt = handler.ReadJsonWebToken(token);
        }
        catch (Exception e) when (e is ArgumentException or SecurityTokenMalformedException)
        {
            return Invalid("The assertion is not a well-formed JWT.", $"assertion-malformed: {e.GetType().Name}");
        }
        if (jwt.IsEncrypted || !Algorithms.Contains(jwt.Alg, StringComparer.Ordinal))
            return Invalid("The assertion is not signed with ES256 or PS256.", $"assertion-malformed: alg '{jwt.Alg}'");
        if (SigningChain(jwt) is not { Count: > 0 } chain)
            return Invalid("The assertion carries no signing certificate (x5c).", "assertion-malformed: x5c missing or not a certificate");
        try
        {
            return await ValidateSignedAsync(handler, token, jwt, chain[0], chain.Skip(1), connectionPeer);
        }
        finally
        {
            foreach (var certificate in chain)
                certificate.Dispose();
        }
    }

    private async Task<TrustDecision<ForeignProfessional>> ValidateSignedAsync(
        JsonWebTokenHandler handler, string token, JsonWebToken jwt, X509Certificate2 signer, IEnumerable<X509Certificate2> intermediates, Peer peer)
    {
        if (CertificateChecks.Problem(signer, trust, time, extendedUsage: null, intermediates) is { } problem)
            return Invalid("The assertion's signing certificate is not trusted.", $"assertion-signer-untrusted: {problem}; {PeerAuthentication.Describe(signer)}");
        var owner = trust.FindBySigningCertificate(signer);
        if (owner is null)
            return Invalid("The assertion's signing certificate is not trusted.", $"assertion-signer-untrusted: not a registered signing certificate; {PeerAuthentication.Describe(signer)}");
        if (owner.Id != peer.Id)
            return TrustDecision<ForeignProfessional>.Refused(new NcpRefusal(NcpTrustCodes.AssertionOfAnotherPeer, 403,
                "The assertion is not signed by the contact point of this connection.",
                $"assertion-of-another-peer: signed for {owner.Id} on the connection of {peer.Id}; {PeerAuthentication.Describe(signer)}"));

        SecurityKey key = signer.GetECDsaPublicKey() is { } ec ? new ECDsaSecurityKey(ec) : new RsaSecurityKey(signer.GetRSAPublicKey()!);
        var parameters = new TokenValidationParameters
        {
            IssuerSigningKey = key,
            ValidateIssuerSigningKey = false, // the certificate was judged above, against the anchors and the trust list
            RequireSignedTokens = true,
            ValidAlgorithms = Algorithms,
            ValidTypes = ["JWT"],
            ValidIssuer = peer.Id,
            ValidAudience = trust.Audience,
            RequireExpirationTime = true,
            ValidateLifetime = true,
            ClockSkew = CrossBorderAssertion.ClockSkew,
            // On our clock (the library's own check reads the machine's): exp and nbf within 30 s of it.
            LifetimeValidator = (notBefore, expires, _, _) => Current(notBefore, expires),
        };
        var result = await handler.ValidateTokenAsync(token, parameters);
        if (!result.IsValid)
            return Invalid("The assertion's signature, issuer, audience or lifetime is not valid.", $"assertion-invalid: {result.Exception?.GetType().Name}: {result.Exception?.Message}");

        var now = time.GetUtcNow();
        if (!jwt.TryGetPayloadValue<long>(JwtRegisteredClaimNames.Iat, out var iat))
            return Invalid("The assertion has no iat.", "assertion-malformed: iat missing");
        var issuedAt = DateTimeOffset.FromUnixTimeSeconds(iat);
        var expiresAt = new DateTimeOffset(jwt.ValidTo, TimeSpan.Zero);
        if (expiresAt - issuedAt > CrossBorderAssertion.MaxLifetime || expiresAt <= issuedAt)
            return Invalid("The assertion's signature, issuer, audience or lifetime is not valid.", $"assertion-invalid: lifetime {expiresAt - issuedAt} (at most 60 minutes)");
        if (issuedAt > now + CrossBorderAssertion.ClockSkew)
            return Invalid("The assertion's signature, issuer, audience or lifetime is not valid.", $"assertion-invalid: issued in the future ({issuedAt:O})");

        return Read(jwt, peer, expiresAt);
    }

    private bool Current(DateTime? notBefore, DateTime? expires)
    {
        var now = time.GetUtcNow().UtcDateTime;
        return expires is { } exp && exp.ToUniversalTime() > now - CrossBorderAssertion.ClockSkew
            && (notBefore is not { } nbf || nbf.ToUniversalTime() <= now + CrossBorderAssertion.ClockSkew);
    }

    /// <summary>The IUA claims (ITI-71 §3.71.4.2.2.1), every missing or malformed one named.</summary>
    private static TrustDecision<ForeignProfessional> Read(JsonWebToken jwt, Peer peer, DateTimeOffset expiresAt)
    {
        using var payload = JsonDocument.Parse(Base64UrlEncoder.Decode(jwt.EncodedPayload));
        var root = payload.RootElement;
        var problems = new List<string>();
        var subject = Text(root, "sub", problems);
        var id = Text(root, "jti", problems);
        var iua = root.TryGetProperty("extensions", out var extensions) && extensions.ValueKind == JsonValueKind.Object
            && extensions.TryGetProperty("ihe_iua", out var found) && found.ValueKind == JsonValueKind.Object
                ? found
                : default;
        if (iua.ValueKind != JsonValueKind.Object)
            return Invalid("The assertion lacks required claims: extensions.ihe_iua.", "assertion-malformed: extensions.ihe_iua missing");
        var name = Text(iua, "subject_name", problems);
        var organization = Text(iua, "subject_organization", problems);
        var organizationId = iua.TryGetProperty("subject_organization_id", out var o) && o.ValueKind == JsonValueKind.String ? o.GetString() : null;
        var role = Code(iua, "subject_role", CrossBorderAssertion.RoleSystem, problems);
        var purposeCode = Code(iua, "purpose_of_use", CrossBorderAssertion.PurposeSystem, problems);
        CrossBorderPurpose? purpose = purposeCode switch
        {
            CrossBorderAssertion.Treatment => CrossBorderPurpose.Treatment,
            CrossBorderAssertion.Emergency => CrossBorderPurpose.Emergency,
            null => null,
            _ => null,
        };
        if (purposeCode is not null && purpose is null)
            problems.Add("purpose_of_use (TREATMENT or EMERGENCY)");
        var person = Text(iua, "person_id", problems);
        if (person is not null && (person.Split('|') is not [{ Length: > 0 }, { Length: > 0 }]))
            problems.Add("person_id (system|value)");
        if (problems.Count > 0 || subject is null || id is null || name is null || organization is null || role is null || purpose is null || person is null)
            return Invalid($"The assertion lacks required claims or has malformed ones: {string.Join(", ", problems)}.", $"assertion-malformed: {string.Join(", ", problems)}");
        return TrustDecision<ForeignProfessional>.Trusted(new ForeignProfessional(peer, subject, name, role, organization, organizationId, purpose.Value, person, id, expiresAt));
    }

    private static string? Text(JsonElement parent, string claim, List<string> problems)
    {
        if (parent.TryGetProperty(claim, out var value) && value.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(value.GetString()))
            return value.GetString();
        problems.Add(claim);
        return null;
    }

    /// <summary>A Coding's code, when its system is <paramref name="system"/>.</summary>
    private static string? Code(JsonElement parent, string claim, string system, List<string> problems)
    {
        if (parent.TryGetProperty(claim, out var coding) && coding.ValueKind == JsonValueKind.Object
            && coding.TryGetProperty("system", out var s) && s.ValueKind == JsonValueKind.String && s.GetString() == system
            && coding.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(c.GetString()))
            return c.GetString();
        problems.Add($"{claim} (Coding of {system})");
        return null;
    }

    /// <summary>The certificates of the <c>x5c</c> header (RFC 7515 §4.1.6: base64 DER, the signer first), or null.</summary>
    private static List<X509Certificate2>? SigningChain(JsonWebToken jwt)
    {
        try
        {
            using var header = JsonDocument.Parse(Base64UrlEncoder.Decode(jwt.EncodedHeader));
            if (!header.RootElement.TryGetProperty("x5c", out var x5c) || x5c.ValueKind != JsonValueKind.Array)
                return null;
            return [.. x5c.EnumerateArray().Select(e => X509CertificateLoader.LoadCertificate(Convert.FromBase64String(e.GetString() ?? "")))];
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or System.Security.Cryptography.CryptographicException)
        {
            return null;
        }
    }

    private static TrustDecision<ForeignProfessional> Invalid(string message, string detail) =>
        TrustDecision<ForeignProfessional>.Refused(new NcpRefusal(NcpTrustCodes.AssertionInvalid, 401, message, detail));
}
