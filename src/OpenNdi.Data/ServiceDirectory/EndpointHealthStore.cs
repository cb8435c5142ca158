using System.Data.Common;
using System.Globalization;
using OpenNdi.Core.ServiceDirectory;

namespace OpenNdi.Data.ServiceDirectory;

/// <summary><see cref="IEndpointHealthStore"/> for both backends: one row per endpoint, upserted (ON CONFLICT works on both).</summary>
public sealed class EndpointHealthStore(NdiDatabase database) : IEndpointHealthStore
{
    private const string Columns = "endpoint_id, checked_at, outcome, http_status, latency_ms, reason";

    private readonly string _health = database.Table("directory", "endpoint_health");

    public async Task RecordAsync(EndpointHealth health, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var command = connection.Command(
            $"""
            INSERT INTO {_health} ({Columns}) VALUES (@id, @at, @outcome, @status, @latency, @reason)
            ON CONFLICT (endpoint_id) DO UPDATE SET checked_at = excluded.checked_at, outcome = excluded.outcome,
                http_status = excluded.http_status, latency_ms = excluded.latency_ms, reason = excluded.reason
            """);
        command.With("@id", health.EndpointId).With("@at", health.CheckedAt.ToString("O", CultureInfo.InvariantCulture))
            .With("@outcome", health.Outcome.ToString().ToLowerInvariant()).With("@status", health.HttpStatus).With("@latency", health.LatencyMs).With("@reason", health.Reason);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<EndpointHealth?> GetAsync(string endpointId, CancellationToken cancellationToken = default)
    {
        var found = await QueryAsync($"SELECT {Columns} FROM {_health} WHERE endpoint_id = @id", c => c.With("@id", endpointId), cancellationToken);
        return found.Count == 0 ? null : found[0];
    }

    public Task<IReadOnlyList<EndpointHealth>> ListAsync(CancellationToken cancellationToken = default) =>
        QueryAsync($"SELECT {Columns} FROM {_health} ORDER BY endpoint_id", _ => { }, cancellationToken);

    private async Task<IReadOnlyList<EndpointHealth>> QueryAsync(string sql, Action<DbCommand> parameters, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var command = connection.Command(sql);
        parameters(command);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var found = new List<EndpointHealth>();
        while (await reader.ReadAsync(cancellationToken))
        {
            found.Add(new EndpointHealth(reader.GetString(0), DateTimeOffset.Parse(reader.GetString(1), CultureInfo.InvariantCulture),
                Enum.Parse<EndpointHealthOutcome>(reader.GetString(2), ignoreCase: true), reader.IsDBNull(3) ? null : reader.GetInt32(3),
                reader.GetInt32(4), reader.GetNullableString(5)));
        }
        return found;
    }
}
