using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;

namespace OpenNdi.Server.Identity.AuthorizationServer;

/// <summary>An authorization granted at the login page, waiting for the client to redeem it.</summary>
public sealed record PendingAuthorization(string ClientId, string RedirectUri, string CodeChallenge, TokenSubject Subject, string Scope, DateTimeOffset Expires);

/// <summary>
/// Authorization codes: random, single use, valid for one minute, bound to the client, redirect URI and PKCE
/// challenge they were issued for. Held in memory: a code outlives no restart, which costs a user one more login.
/// </summary>
public sealed class AuthorizationCodes(TimeProvider time)
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(1);
    private readonly ConcurrentDictionary<string, PendingAuthorization> _codes = new(StringComparer.Ordinal);

    public string Issue(string clientId, string redirectUri, string codeChallenge, TokenSubject subject, string scope)
    {
        var now = time.GetUtcNow();
        foreach (var (old, pending) in _codes)
        {
            if (pending.Expires < now)
                _codes.TryRemove(old, out _);
        }
        var code = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));
        _codes[code] = new PendingAuthorization(clientId, redirectUri, codeChallenge, subject, scope, now + Lifetime);
        return code;
    }

    /// <summary>Takes the code out (so a second redemption fails) and returns it if it has not expired.</summary>
    public bool TryRedeem(string? code, out PendingAuthorization pending)
    {
        pending = null!;
        if (code is null || !_codes.TryRemove(code, out var found) || found.Expires < time.GetUtcNow())
            return false;
        pending = found;
        return true;
    }

    /// <summary>PKCE S256: the verifier's SHA-256, base64url, must equal the challenge (compared in fixed time).</summary>
    public static bool VerifierMatches(string? verifier, string challenge)
    {
        if (verifier is null || verifier.Length is < 43 or > 128)
            return false;
        var computed = Base64UrlEncoder.Encode(SHA256.HashData(System.Text.Encoding.ASCII.GetBytes(verifier)));
        return CryptographicOperations.FixedTimeEquals(System.Text.Encoding.ASCII.GetBytes(computed), System.Text.Encoding.ASCII.GetBytes(challenge));
    }
}
