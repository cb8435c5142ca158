using Npgsql;
using NpgsqlTypes;
using OpenNdi.Core.Audit;
using OpenNdi.Data.Audit;

namespace OpenNdi.Bench;

/// <summary>One audit.events row (<see cref="AuditStore.Columns"/>, in that order) written to a binary COPY, for the audit benchmarks' loads and baselines.</summary>
internal static class AuditRows
{
    /// <summary>Reads every column of the current row (<see cref="AuditStore.Columns"/>), as a raw baseline that materialises what the store would.</summary>
    public static void ReadEveryColumn(NpgsqlDataReader reader)
    {
        _ = reader.GetString(0); _ = reader.GetInt64(1); _ = reader.GetFieldValue<DateTime>(2); _ = reader.GetString(3); _ = reader.GetInt16(4); _ = reader.GetString(5);
        _ = reader.IsDBNull(6) ? null : reader.GetString(6); _ = reader.GetString(7); _ = reader.GetBoolean(8); _ = reader.GetString(9); _ = reader.GetString(10); _ = reader.GetString(11);
    }

    public static string CopyInto(string table) => $"COPY {table} ({AuditStore.Columns}) FROM STDIN (FORMAT BINARY)";

    public static async Task WriteAsync(NpgsqlBinaryImporter copy, string partition, long sequence, DateTimeOffset recorded, AuditColumns columns, string json, string previousHash, string hash)
    {
        await copy.StartRowAsync();
        await copy.WriteAsync(partition, NpgsqlDbType.Text);
        await copy.WriteAsync(sequence, NpgsqlDbType.Bigint);
        await copy.WriteAsync(recorded, NpgsqlDbType.TimestampTz);
        await copy.WriteAsync(columns.Event, NpgsqlDbType.Text);
        await copy.WriteAsync((short)columns.Outcome, NpgsqlDbType.Smallint);
        await copy.WriteAsync(columns.Actor, NpgsqlDbType.Text);
        await WriteTextOrNullAsync(copy, columns.ActorProvider);
        await WriteTextOrNullAsync(copy, columns.Patient);
        await copy.WriteAsync(columns.Emergency, NpgsqlDbType.Boolean);
        await copy.WriteAsync(json, NpgsqlDbType.Text);
        await copy.WriteAsync(previousHash, NpgsqlDbType.Text);
        await copy.WriteAsync(hash, NpgsqlDbType.Text);
    }

    private static async Task WriteTextOrNullAsync(NpgsqlBinaryImporter copy, string? value)
    {
        if (value is null)
            await copy.WriteNullAsync();
        else
            await copy.WriteAsync(value, NpgsqlDbType.Text);
    }
}
