using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using OpenNdi.ContactPoint.Domain;
using System.Security.Cryptography.X509Certificates;

namespace OpenNdi.ContactPoint.Trust;

/// <summary>What a contact point asserts about the professional it sends (ADR 0010 §5), before it is signed.</summary>
/// <param name="Issuer">The sending contact point's id in the receiver's trust list (<c>iss</c>).</param>
/// <param name="Audience">The receiver's NCPeH base (<c>aud</c>).</param>
/// <param name="Subject">The professional's id at the sender (<c>sub</c>).</param>
/// <param name="RoleCode">ISCO-08 code, e.g. <c>221</c>.</param>
/// <param name="PersonId">The patient of the treatment relationship, <c>system|value</c>.</param>
/// <param name="Lifetime">At most 60 minutes (IHE IUA ITI-71 §3.71.5); the simulated peers use five.</param>
public sealed record CrossBorderAssertionContent(
    string Issuer,
    string Audience,
    string Subject,
    string Name,
    string RoleCode,
    string RoleDisplay,
    string Organization,
    string? OrganizationId,
    CrossBorderPurpose Purpose,
    string HomeCommunityId,
    string PersonId,
    TimeSpan Lifetime);

/// <summary>
/// The foreign professional's assertion (ADR 0010 §5): an IHE IUA JWT (ITI-71 §3.71.4.2.2.1 extension claims),
/// signed ES256 by the sending contact point's assertion-signing certificate, carried in <c>x5c</c>. Made and read
/// with Microsoft's token library only.
/// </summary>
public static class CrossBorderAssertion
{
    /// <summary>ISCO-08, the eHDSI code system of <c>subject_role</c>.</summary>
    public const string RoleSystem = "urn:oid:2.16.840.1.113883.2.9.6.2.7";

    /// <summary>
    /// eHDSI XSPA PurposeOfUse. eHDSI names the code system by the UUID <c>3bc18518-d305-46c2-a8d6-94bd59856e9e</c>
    /// (its SAML <c>codeSystem</c>); a FHIR Coding's system is a URI, and a UUID's URI is <c>urn:uuid:</c> (as an OID's is
    /// <c>urn:oid:</c>, cf. the role).
    /// </summary>
    public const string PurposeSystem = "urn:uuid:3bc18518-d305-46c2-a8d6-94bd59856e9e";

    public const string Treatment = "TREATMENT";
    public const string Emergency = "EMERGENCY";

    /// <summary>IHE IUA ITI-71 §3.71.5: one hour or less.</summary>
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromMinutes(60);

    public static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(30);

    /// <summary>Signs <paramref name="content"/> with <paramref name="signingCertificate"/>'s ECDSA P-256 key, iat and exp on <paramref name="time"/>'s clock.</summary>
    public static string Issue(CrossBorderAssertionContent content, X509Certificate2 signingCertificate, TimeProvider time)
    {
        if (content.Lifetime <= TimeSpan.Zero || content.Lifetime > MaxLifetime)
            throw new ArgumentOutOfRangeException(nameof(content), content.Lifetime, "An assertion lives at most 60 minutes (IHE IUA ITI-71 §3.71.5).");
        return Sign(Describe(content, signingCertificate, time));
    }

    /// <summary>The token's description before signing; the tests bend it to make tokens no contact point would send.</summary>
    internal static SecurityTokenDescriptor Describe(CrossBorderAssertionContent content, X509Certificate2 signingCertificate, TimeProvider time)
    {
        var key = signingCertificate.GetECDsaPrivateKey()
            ?? throw new ArgumentException("The assertion-signing certificate needs its ECDSA private key.", nameof(signingCertificate));
        var now = time.GetUtcNow().UtcDateTime;
        var iua = new Dictionary<string, object>
        {
            ["subject_name"] = content.Name,
            ["subject_role"] = Coding(RoleSystem, content.RoleCode, content.RoleDisplay),
            ["subject_organization"] = content.Organization,
            ["purpose_of_use"] = Coding(PurposeSystem, content.Purpose == CrossBorderPurpose.Emergency ? Emergency : Treatment, content.Purpose == CrossBorderPurpose.Emergency ? "Emergency" : "Treatment"),
            ["home_community_id"] = content.HomeCommunityId,
            ["person_id"] = content.PersonId,
        };
        if (content.OrganizationId is not null)
            iua["subject_organization_id"] = content.OrganizationId;
        return new SecurityTokenDescriptor
        {
            TokenType = "JWT",
            Issuer = content.Issuer,
            Audience = content.Audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + content.Lifetime,
            SigningCredentials = new SigningCredentials(new ECDsaSecurityKey(key), SecurityAlgorithms.EcdsaSha256),
            AdditionalHeaderClaims = new Dictionary<string, object> { ["x5c"] = new List<string> { Convert.ToBase64String(signingCertificate.RawData) } },
            Claims = new Dictionary<string, object>
            {
                [JwtRegisteredClaimNames.Sub] = content.Subject,
                [JwtRegisteredClaimNames.Jti] = Guid.NewGuid().ToString(),
                ["extensions"] = new Dictionary<string, object> { ["ihe_iua"] = iua },
            },
        };
    }

    internal static string Sign(SecurityTokenDescriptor descriptor) =>
        new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(descriptor);

    private static Dictionary<string, object> Coding(string system, string code, string display) =>
        new() { ["system"] = system, ["code"] = code, ["display"] = display };
}
