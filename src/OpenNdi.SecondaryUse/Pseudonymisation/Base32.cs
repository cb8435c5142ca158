namespace OpenNdi.SecondaryUse.Pseudonymisation;

/// <summary>
/// Base32 (RFC 4648 §6), lower case and without padding: the pseudonym's alphabet. The BCL has no base32; base32 is
/// chosen over hex (shorter: 26 characters for 16 bytes instead of 32) and over base64 (no case or punctuation a
/// researcher's tools or a PostgreSQL identifier could mangle). Lower case because the workspace is SQL, where the
/// pseudonym is compared as text; padding says nothing when the length is fixed.
/// </summary>
internal static class Base32
{
    private static ReadOnlySpan<byte> Alphabet => "abcdefghijklmnopqrstuvwxyz234567"u8;

    /// <summary>How many characters <paramref name="bytes"/> bytes take without padding: one per five bits, rounded up.</summary>
    public static int EncodedLength(int bytes) => (bytes * 8 + 4) / 5;

    /// <summary>Encodes <paramref name="source"/> into <paramref name="destination"/> (at least <see cref="EncodedLength"/> long); answers the characters written.</summary>
    public static int Encode(ReadOnlySpan<byte> source, Span<char> destination)
    {
        var length = EncodedLength(source.Length);
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, length, nameof(destination));
        // Bits enter at the right of the buffer and leave from the left five at a time; the buffer never holds more
        // than 12 of them (at most 4 left over plus one byte), so an int is enough.
        int buffer = 0, bits = 0, written = 0;
        foreach (var b in source)
        {
            buffer = (buffer << 8) | b;
            bits += 8;
            while (bits >= 5)
            {
                bits -= 5;
                destination[written++] = (char)Alphabet[(buffer >> bits) & 31];
            }
            buffer &= (1 << bits) - 1;
        }
        if (bits > 0)
            destination[written++] = (char)Alphabet[(buffer << (5 - bits)) & 31];
        return written;
    }

    public static string Encode(ReadOnlySpan<byte> source)
    {
        Span<char> text = source.Length <= 160 ? stackalloc char[EncodedLength(source.Length)] : new char[EncodedLength(source.Length)];
        return new string(text[..Encode(source, text)]);
    }
}
