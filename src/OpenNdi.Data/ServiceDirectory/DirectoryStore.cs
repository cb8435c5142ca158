using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using OpenNdi.Core.ServiceDirectory;
using OpenNdi.Core.Identifiers;
using OpenNdi.Core.Index;

namespace OpenNdi.Data.ServiceDirectory;

/// <summary><see cref="IDirectoryStore"/> for both backends; each save writes the current row and a history row in one transaction.</summary>
public sealed class DirectoryStore(NdiDatabase database) : IDirectoryStore
{
    private const string Columns = "id, provider, source_system, category, address, protocol, format_version, status";

    private readonly bool _sqlite = database.Backend == StorageBackend.Sqlite;
    private readonly string _endpoints = database.Table("directory", "endpoints");
    private readonly string _history = database.Table("directory", "history");

    public async Task<int> SaveAsync(DirectoryEndpoint endpoint, string changedBy, CancellationToken cancellationToken = default)
    {
        if (endpoint.Validate() is { } problem)
            throw new ArgumentException($"endpoint {endpoint.Id}: {problem}", nameof(endpoint));
        if (string.IsNullOrWhiteSpace(changedBy))
            throw new ArgumentException("a change must say who made it", nameof(changedBy));

        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.Serializable, cancellationToken);
        await using var current = connection.Command($"SELECT version FROM {_endpoints} WHERE id = @id", transaction).With("@id", endpoint.Id);
        var version = (int)await current.ScalarLongAsync(cancellationToken) + 1;

        var sql = version == 1
            ? $"INSERT INTO {_endpoints} ({Columns}, version) VALUES (@id, @provider, @system, @category, @address, @protocol, @format, @status, @version)"
            : $"UPDATE {_endpoints} SET provider = @provider, source_system = @system, category = @category, address = @address, protocol = @protocol, format_version = @format, status = @status, version = @version WHERE id = @id";
        await using (var write = connection.Command(sql, transaction))
        {
            write.With("@id", endpoint.Id).With("@provider", endpoint.Provider.Value).With("@system", endpoint.SourceSystem)
                .With("@category", endpoint.Category?.Code).With("@address", endpoint.Address.AbsoluteUri).With("@protocol", endpoint.Protocol)
                .With("@format", endpoint.FormatVersion).With("@status", StatusCode(endpoint.Status)).With("@version", version);
            await write.ExecuteNonQueryAsync(cancellationToken);
        }
        await using (var history = connection.Command($"INSERT INTO {_history} (id, version, changed_at, changed_by, json) VALUES (@id, @version, @at, @by, @json)", transaction))
        {
            history.With("@id", endpoint.Id).With("@version", version).With("@at", DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture))
                .With("@by", changedBy).With("@json", JsonSerializer.Serialize(EndpointRecord.From(endpoint)));
            await history.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return version;
    }

    public async Task<DirectoryEndpoint?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        var found = await QueryAsync($"SELECT {Columns} FROM {_endpoints} WHERE id = @id", c => c.With("@id", id), cancellationToken);
        return found.Count == 0 ? null : found[0];
    }

    public async Task<DirectoryEndpoint?> ResolveAsync(HsaId provider, string sourceSystem, DataCategory category, CancellationToken cancellationToken = default)
    {
        // A category-specific endpoint sorts before the system's general one (category IS NULL is false < true).
        var found = await QueryAsync(
            $"SELECT {Columns} FROM {_endpoints} WHERE provider = @provider AND source_system = @system AND status = 'active' AND (category = @category OR category IS NULL) ORDER BY category IS NULL, id LIMIT 1",
            c => c.With("@provider", provider.Value).With("@system", sourceSystem).With("@category", category.Code), cancellationToken);
        return found.Count == 0 ? null : found[0];
    }

    public Task<IReadOnlyList<DirectoryEndpoint>> ListAsync(HsaId? provider = null, CancellationToken cancellationToken = default) => provider is { } p
        ? QueryAsync($"SELECT {Columns} FROM {_endpoints} WHERE provider = @provider ORDER BY id", c => c.With("@provider", p.Value), cancellationToken)
        : QueryAsync($"SELECT {Columns} FROM {_endpoints} ORDER BY id", _ => { }, cancellationToken);

    public async Task<IReadOnlyList<DirectoryChange<DirectoryEndpoint>>> HistoryAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var command = connection.Command($"SELECT id, version, changed_at, changed_by, json FROM {_history} WHERE id = @id ORDER BY version").With("@id", id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var changes = new List<DirectoryChange<DirectoryEndpoint>>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var json = reader.GetNullableString(4);
            changes.Add(new DirectoryChange<DirectoryEndpoint>(reader.GetString(0), reader.GetInt32(1), DateTimeOffset.Parse(reader.GetString(2), CultureInfo.InvariantCulture),
                reader.GetString(3), json is null ? null : JsonSerializer.Deserialize<EndpointRecord>(json)!.ToEndpoint()));
        }
        return changes;
    }

    private async Task<IReadOnlyList<DirectoryEndpoint>> QueryAsync(string sql, Action<DbCommand> parameters, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var command = connection.Command(sql);
        parameters(command);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var endpoints = new List<DirectoryEndpoint>();
        while (await reader.ReadAsync(cancellationToken))
        {
            endpoints.Add(new EndpointRecord(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetNullableString(3),
                reader.GetString(4), reader.GetString(5), reader.GetString(6), reader.GetString(7)).ToEndpoint());
        }
        return endpoints;
    }

    private static string StatusCode(EndpointStatus status) => EndpointRecord.StatusCode(status);

    /// <summary>The stored form of an endpoint: plain strings, FHIR status codes.</summary>
    private sealed record EndpointRecord(string Id, string Provider, string SourceSystem, string? Category, string Address, string Protocol, string FormatVersion, string Status)
    {
        public static EndpointRecord From(DirectoryEndpoint e) =>
            new(e.Id, e.Provider.Value, e.SourceSystem, e.Category?.Code, e.Address.AbsoluteUri, e.Protocol, e.FormatVersion, StatusCode(e.Status));

        public DirectoryEndpoint ToEndpoint()
        {
            DataCategory? category = null;
            if (Category is not null && DataCategory.TryParse(Category, out var parsed, out _))
                category = parsed;
            return new DirectoryEndpoint(Id, HsaId.Parse(Provider), SourceSystem, category, new Uri(Address), Protocol, FormatVersion, ParseStatus(Status));
        }

        public static string StatusCode(EndpointStatus status) => status == EndpointStatus.EnteredInError ? "entered-in-error" : status.ToString().ToLowerInvariant();

        private static EndpointStatus ParseStatus(string code) => code == "entered-in-error" ? EndpointStatus.EnteredInError : Enum.Parse<EndpointStatus>(code, ignoreCase: true);
    }
}
