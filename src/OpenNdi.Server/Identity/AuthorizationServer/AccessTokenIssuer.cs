using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using OpenNdi.Core.Identity;

namespace OpenNdi.Server.Identity.AuthorizationServer;

/// <summary>An access token as the token endpoint returns it.</summary>
public sealed record IssuedToken(string AccessToken, int ExpiresIn, string Scope);

/// <summary>
/// Mints access tokens: JWTs of type <c>at+jwt</c> (RFC 9068) signed with the issuer's key, naming our audience,
/// the client, the granted scopes and the subject's claims. The resource server validates them like any trusted
/// issuer's tokens.
/// </summary>
public sealed class AccessTokenIssuer(AuthorizationServerOptions options, IssuerSigningKey key, IdentityOptions identity, TimeProvider time)
{
    private readonly JsonWebTokenHandler _handler = new();

    public IssuedToken Issue(TokenSubject subject, OAuthClient client, string grantedScope)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var lifetime = TimeSpan.FromMinutes(options.AccessTokenMinutes);
        var claims = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["sub"] = subject.Subject,
            ["jti"] = Guid.NewGuid().ToString("N"),
            [NdiClaims.ClientId] = client.ClientId,
            [NdiClaims.Scope] = grantedScope,
            [NdiClaims.Actor] = subject.Actor.ToString().ToLowerInvariant(),
        };
        foreach (var (name, value) in subject.Claims)
            claims[name] = value;
        var token = _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = options.Issuer,
            Audience = client.Audience ?? identity.Audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + lifetime,
            TokenType = "at+jwt",
            Claims = claims,
            SigningCredentials = key.Credentials,
        });
        return new IssuedToken(token, (int)lifetime.TotalSeconds, grantedScope);
    }
}
