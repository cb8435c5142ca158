using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace OpenNdi.Core.Audit;

/// <summary>
/// The hash chain over one partition of the log. Each record's hash covers the previous record's hash, the partition,
/// the record's sequence number and its canonical bytes, so editing, deleting, inserting or reordering any stored
/// record breaks every link after it. Partitions (one per writing node) chain independently so replicas never wait
/// for each other.
/// </summary>
public static class AuditChain
{
    public const int HashLength = 32;

    /// <summary>The "previous hash" of a partition's first record: derived from the partition's name, so chains cannot be swapped.</summary>
    public static byte[] Genesis(string partition) => SHA256.HashData(Encoding.UTF8.GetBytes("openndi-audit-genesis\n" + partition));

    public static byte[] Link(ReadOnlySpan<byte> previousHash, string partition, long sequence, ReadOnlySpan<byte> canonical)
    {
        if (previousHash.Length != HashLength)
            throw new ArgumentException("a previous hash is 32 bytes", nameof(previousHash));
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(previousHash);
        hash.AppendData(Encoding.UTF8.GetBytes(partition + "\n"));
        Span<byte> number = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(number, sequence);
        hash.AppendData(number);
        hash.AppendData(canonical);
        return hash.GetHashAndReset();
    }

    public static string Hex(ReadOnlySpan<byte> hash) => Convert.ToHexStringLower(hash);

    /// <summary>A partition name: letters, digits, '.', '_' and '-', at most 63 characters, starting with a letter or digit.</summary>
    public static string? ValidatePartition(string? partition)
    {
        if (string.IsNullOrEmpty(partition) || partition.Length > 63 || !char.IsAsciiLetterOrDigit(partition[0])
            || !partition.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
            return $"audit partition '{partition}' must be 1–63 characters of letters, digits, '.', '_' or '-', starting with a letter or digit";
        return null;
    }
}
