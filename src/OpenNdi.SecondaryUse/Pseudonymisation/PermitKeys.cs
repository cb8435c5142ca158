using System.Security.Cryptography;
using System.Text;

namespace OpenNdi.SecondaryUse.Pseudonymisation;

/// <summary>
/// The body's master key for pseudonyms, and each permit's key derived from it (ADR 0011 §4): HKDF-SHA256 (RFC 5869)
/// with a fixed salt naming this scheme and its version, and the permit id as <c>info</c>. One master key thus gives
/// every permit a key of its own without storing any: the same person gets the same pseudonym within a permit and
/// unlinkable ones across permits (EHDS art. 66(3): pseudonymised data only to the permit's holder, not linkable by
/// others), and a permit's key is re-derived when its extract is prepared again.
/// </summary>
public sealed class PermitKeys(byte[] masterKey)
{
    /// <summary>The shortest master key accepted: 32 bytes, HMAC-SHA256's output and the key size RFC 2104 §3 recommends at least.</summary>
    public const int MinimumMasterKeyBytes = 32;

    /// <summary>The HKDF salt: names the purpose and its version, so that another use of the master key (or a v2 scheme) derives other keys.</summary>
    private static readonly byte[] Salt = "openndi-sdu-pseudonym-v1"u8.ToArray();

    // A copy: the caller's array may be cleared or reused after construction.
    private readonly byte[] _masterKey = Validated(masterKey);

    /// <summary>The pseudonymiser of <paramref name="permit"/>: its key is HKDF(master, salt, info = permit id), 32 bytes.</summary>
    public Pseudonymiser For(string permit)
    {
        ArgumentException.ThrowIfNullOrEmpty(permit);
        return new Pseudonymiser(permit, HKDF.DeriveKey(HashAlgorithmName.SHA256, _masterKey, 32, Salt, Encoding.UTF8.GetBytes(permit)));
    }

    /// <summary>A master key from configuration (base64, at least 32 bytes).</summary>
    public static PermitKeys FromBase64(string masterKey)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(masterKey);
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(masterKey);
        }
        catch (FormatException e)
        {
            throw new ArgumentException("the pseudonym master key is not base64", nameof(masterKey), e);
        }
        return new PermitKeys(bytes);
    }

    /// <summary>
    /// A fresh random master key (32 bytes from the operating system's generator), for the demo. Pseudonyms under it
    /// change when the process restarts; production configures one with <see cref="FromBase64"/>.
    /// </summary>
    public static PermitKeys Generate() => new(RandomNumberGenerator.GetBytes(MinimumMasterKeyBytes));

    private static byte[] Validated(byte[] masterKey)
    {
        ArgumentNullException.ThrowIfNull(masterKey);
        if (masterKey.Length < MinimumMasterKeyBytes)
            throw new ArgumentException($"the pseudonym master key has {masterKey.Length} bytes; at least {MinimumMasterKeyBytes} are needed", nameof(masterKey));
        return [.. masterKey];
    }
}
