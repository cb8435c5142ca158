using System.Collections.Concurrent;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;

namespace OpenNdi.Server.Identity;

/// <summary>
/// Access tokens already validated in full (signature, issuer, audience, type, lifetime, maximum lifetime), kept by the
/// SHA-256 of their text until they expire, so a client that sends the same token again is not verified again: an
/// RS256 verification and a JWT parse per request were a fifth of an index lookup's processor time. Only a token whose
/// every byte is the same matches (a token is its own proof; any change is a new key and a full validation), and a hit
/// is refused once the token's own <c>exp</c> (with the validator's clock skew) has passed on <see cref="TimeProvider"/>.
/// The token itself is not kept, only its hash and the principal read from it. What this gives up: a trusted issuer's
/// key taken out of service stops new tokens at once but leaves tokens already seen here valid until they expire, at
/// most <see cref="IdentityOptions.MaxTokenLifetimeMinutes"/> — as any resource server that validates JWTs offline does
/// for tokens it verified a moment earlier.
/// </summary>
internal sealed class ValidatedTokenCache(TimeProvider time)
{
    /// <summary>The most tokens kept; when full, expired ones are dropped, and if that is not enough, all.</summary>
    public const int Capacity = 100_000;

    private readonly ConcurrentDictionary<TokenHash, Entry> _entries = new();

    private sealed record Entry(ClaimsPrincipal Principal, DateTimeOffset Expires);

    /// <summary>The bearer token of a request as the JWT bearer handler reads it (one Authorization header, scheme Bearer), or null.</summary>
    public static string? BearerToken(HttpRequest request)
    {
        var headers = request.Headers.Authorization;
        if (headers.Count != 1 || headers[0] is not { } value || !value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            return null;
        var token = value["Bearer ".Length..].Trim();
        return token.Length == 0 ? null : token;
    }

    /// <summary>A fresh copy of the principal of a token validated before and not yet expired.</summary>
    public bool TryGet(string token, out ClaimsPrincipal principal)
    {
        principal = null!;
        var key = TokenHash.Of(token);
        if (!_entries.TryGetValue(key, out var entry))
            return false;
        if (time.GetUtcNow() >= entry.Expires)
        {
            _entries.TryRemove(key, out _);
            return false;
        }
        // Each request gets its own copy: nothing one request adds to its principal reaches another's.
        principal = new ClaimsPrincipal(entry.Principal.Identities.Select(identity => identity.Clone()));
        return true;
    }

    /// <summary>Keeps a token that has just passed every check, until <paramref name="expires"/> (its <c>exp</c> plus the clock skew).</summary>
    public void Add(string token, ClaimsPrincipal principal, DateTimeOffset expires)
    {
        var now = time.GetUtcNow();
        if (expires <= now)
            return;
        if (_entries.Count >= Capacity)
        {
            foreach (var (key, entry) in _entries)
            {
                if (entry.Expires <= now)
                    _entries.TryRemove(key, out _);
            }
            if (_entries.Count >= Capacity)
                _entries.Clear();
        }
        _entries[TokenHash.Of(token)] = new Entry(new ClaimsPrincipal(principal.Identities.Select(identity => identity.Clone())), expires);
    }

    /// <summary>How many tokens are kept now.</summary>
    public int Count => _entries.Count;

    private readonly record struct TokenHash(ulong A, ulong B, ulong C, ulong D)
    {
        public static TokenHash Of(string token)
        {
            var length = Encoding.UTF8.GetMaxByteCount(token.Length);
            var rented = length <= 4096 ? null : System.Buffers.ArrayPool<byte>.Shared.Rent(length);
            try
            {
                Span<byte> bytes = rented ?? stackalloc byte[4096];
                var written = Encoding.UTF8.GetBytes(token, bytes);
                Span<byte> hash = stackalloc byte[32];
                SHA256.HashData(bytes[..written], hash);
                return new TokenHash(BitConverter.ToUInt64(hash), BitConverter.ToUInt64(hash[8..]), BitConverter.ToUInt64(hash[16..]), BitConverter.ToUInt64(hash[24..]));
            }
            finally
            {
                if (rented is not null)
                    System.Buffers.ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }
}
