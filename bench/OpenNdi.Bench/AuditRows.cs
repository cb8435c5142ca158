using Npgsql;
using NpgsqlTypes;
using OpenNdi.Core.Audit;
using OpenNdi.Data.Audit;

namespace OpenNdi.Bench;

/// <summary>One audit.events row (<see cref="AuditStore.Columns"/>, in that order) written to a binary COPY, for the audit benchmarks' loads and baselines.</summary>
internal static class AuditRows
{
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
