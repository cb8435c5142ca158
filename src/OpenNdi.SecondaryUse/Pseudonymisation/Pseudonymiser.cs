using System.Security.Cryptography;
using System.Text;

namespace OpenNdi.SecondaryUse.Pseudonymisation;

/// <summary>
/// One permit's pseudonyms: HMAC-SHA256 (RFC 2104) of the person's identity number under the permit's key, its first
/// 16 bytes in lower-case base32 (26 characters). A keyed hash rather than a plain one because identity numbers are
/// few enough to hash all of them: without the key nobody can recompute a pseudonym. 128 bits keep collisions out of
/// reach for any population (the birthday bound is about 2^64 persons) while staying short to store and index.
/// </summary>
/// <remarks>
/// Thread-safe: it holds only the immutable key and uses the one-shot <see cref="HMACSHA256.HashData(ReadOnlySpan{byte}, ReadOnlySpan{byte}, Span{byte})"/>,
/// never a shared <see cref="HMACSHA256"/> instance (which keeps state between calls). Each call allocates only the
/// result string: the identity number's bytes, the hash and the characters live on the stack.
/// </remarks>
public sealed class Pseudonymiser
{
    /// <summary>The bytes of the hash kept.</summary>
    public const int PseudonymBytes = 16;

    /// <summary>A pseudonym's length in characters: 16 bytes in base32.</summary>
    public const int Length = 26;

    private const int StackBytes = 256;

    private readonly byte[] _key;

    internal Pseudonymiser(string permit, byte[] key)
    {
        Permit = permit;
        _key = key;
    }

    /// <summary>The permit whose key this is, so that an extract can refuse another permit's pseudonyms.</summary>
    public string Permit { get; }

    /// <summary>The pseudonym of <paramref name="personId"/> under this permit's key.</summary>
    public string Pseudonym(string personId)
    {
        ArgumentNullException.ThrowIfNull(personId);
        var maximum = Encoding.UTF8.GetMaxByteCount(personId.Length);
        // An identity number is twelve ASCII digits; the heap is only for an identifier far longer than any real one.
        Span<byte> source = maximum <= StackBytes ? stackalloc byte[StackBytes] : new byte[maximum];
        var written = Encoding.UTF8.GetBytes(personId, source);
        Span<byte> hash = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(_key, source[..written], hash);
        Span<char> text = stackalloc char[Length];
        Base32.Encode(hash[..PseudonymBytes], text);
        return new string(text);
    }
}
