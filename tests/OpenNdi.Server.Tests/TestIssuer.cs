using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace OpenNdi.Server.Tests;

/// <summary>An identity provider for tests: an RSA key pair, its JWKS, and signed access tokens.</summary>
public sealed class TestIssuer(string issuer) : IDisposable
{
    private readonly RSA _rsa = RSA.Create(2048);

    public string Issuer { get; } = issuer;

    private RsaSecurityKey Key => new(_rsa) { KeyId = Issuer.GetHashCode().ToString("x", System.Globalization.CultureInfo.InvariantCulture) };

    /// <summary>The public key as a JSON Web Key Set, as configuration takes it.</summary>
    public string Jwks
    {
        get
        {
            var p = _rsa.ExportParameters(includePrivateParameters: false);
            return JsonSerializer.Serialize(new
            {
                keys = new[] { new { kty = "RSA", use = "sig", alg = "RS256", kid = Key.KeyId, n = Base64UrlEncoder.Encode(p.Modulus), e = Base64UrlEncoder.Encode(p.Exponent) } },
            });
        }
    }

    /// <param name="claimedIssuer">The iss claim; defaults to this issuer (set it to forge another issuer's token).</param>
    /// <param name="type">The header's typ: an access token is <c>at+jwt</c> (RFC 9068); set another to test a wrong one.</param>
    public string Token(string scope, string audience = "openndi", TimeSpan? lifetime = null, string? claimedIssuer = null, DateTime? issuedAt = null, IReadOnlyDictionary<string, object>? claims = null,
        string type = "at+jwt")
    {
        var now = issuedAt ?? DateTime.UtcNow;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            TokenType = type,
            Issuer = claimedIssuer ?? Issuer,
            Audience = audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + (lifetime ?? TimeSpan.FromMinutes(5)),
            Claims = WithDefaults(claims, scope),
            SigningCredentials = new SigningCredentials(Key, SecurityAlgorithms.RsaSha256),
        });
    }

    /// <summary>The claims given, with the scope, and <c>sub</c> SE2321000016-15CQ unless the claims name another.</summary>
    private static Dictionary<string, object> WithDefaults(IReadOnlyDictionary<string, object>? claims, string scope)
    {
        var all = new Dictionary<string, object>(claims ?? new Dictionary<string, object>()) { ["scope"] = scope };
        all.TryAdd("sub", "SE2321000016-15CQ");
        return all;
    }

    /// <summary>
    /// A person's token, as the national e-identification login issues it: <c>ndi_actor</c> patient, the person's
    /// number and the login's assurance level (<c>acr</c>, level 3 unless told; null leaves it out).
    /// </summary>
    public string PersonToken(string scope, OpenNdi.Core.Identifiers.PersonalIdentityNumber person, string? assurance = OpenNdi.Core.Identity.AssuranceLevels.Loa3)
    {
        var claims = new Dictionary<string, object> { ["ndi_actor"] = "patient", ["person_id"] = person.Value };
        if (assurance is not null)
            claims["acr"] = assurance;
        return Token(scope, claims: claims);
    }

    /// <summary>
    /// A <c>private_key_jwt</c> client assertion signed with this key, as a backend service whose client id is
    /// <see cref="Issuer"/> sends it (override any claim to test a wrong one).
    /// </summary>
    /// <param name="notBefore">The nbf claim; defaults to the issue time.</param>
    public string Assertion(string audience, TimeSpan? lifetime = null, string? jti = null, string? subject = null, DateTime? issuedAt = null, DateTime? notBefore = null)
    {
        var now = issuedAt ?? DateTime.UtcNow;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = audience,
            IssuedAt = now,
            NotBefore = notBefore ?? now,
            Expires = now + (lifetime ?? TimeSpan.FromMinutes(4)),
            Claims = new Dictionary<string, object> { ["sub"] = subject ?? Issuer, ["jti"] = jti ?? Guid.NewGuid().ToString("N") },
            SigningCredentials = new SigningCredentials(Key, SecurityAlgorithms.RsaSha384),
        });
    }

    public void Dispose() => _rsa.Dispose();
}
