using System.Data.Common;
using System.Globalization;
using OpenNdi.Core.Identifiers;
using OpenNdi.Core.ServiceDirectory;

namespace OpenNdi.Data.ServiceDirectory;

/// <summary>
/// <see cref="ICareServicesStore"/> for both backends: one table for the three types, keyed by (resource type, id);
/// each save writes the current row and a history row in one transaction, as <see cref="DirectoryStore"/> does for
/// endpoints.
/// </summary>
public sealed class CareServicesStore(NdiDatabase database) : ICareServicesStore
{
    private readonly string _entries = database.Table("directory", "entries");
    private readonly string _history = database.Table("directory", "entry_history");

    public async Task<int> SaveAsync<T>(T entry, string changedBy, CancellationToken cancellationToken = default)
        where T : class, IDirectoryEntry
    {
        var codec = Checked<T>([entry], changedBy);
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.Serializable, cancellationToken);
        var version = await WriteAsync(connection, transaction, codec, entry, changedBy, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return version;
    }

    public async Task SaveAllAsync<T>(IReadOnlyCollection<T> entries, string changedBy, CancellationToken cancellationToken = default)
        where T : class, IDirectoryEntry
    {
        var codec = Checked(entries, changedBy);
        if (entries.Count == 0)
            return;
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.Serializable, cancellationToken);
        foreach (var entry in entries)
            await WriteAsync(connection, transaction, codec, entry, changedBy, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<T?> GetAsync<T>(string id, CancellationToken cancellationToken = default)
        where T : class, IDirectoryEntry
    {
        var codec = EntryCodecs.For<T>();
        var found = await QueryAsync(codec, $"SELECT json FROM {_entries} WHERE resource_type = @type AND id = @id", c => c.With("@id", id), cancellationToken);
        return found.Count == 0 ? null : found[0];
    }

    public async Task<IReadOnlySet<string>> IdsAsync<T>(CancellationToken cancellationToken = default)
        where T : class, IDirectoryEntry
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var command = connection.Command($"SELECT id FROM {_entries} WHERE resource_type = @type").With("@type", EntryCodecs.For<T>().ResourceType);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var ids = new HashSet<string>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken))
            ids.Add(reader.GetString(0));
        return ids;
    }

    public Task<IReadOnlyList<T>> ListAsync<T>(HsaId? organization = null, CancellationToken cancellationToken = default)
        where T : class, IDirectoryEntry
    {
        var codec = EntryCodecs.For<T>();
        return organization is { } o
            ? QueryAsync(codec, $"SELECT json FROM {_entries} WHERE resource_type = @type AND organization = @organization ORDER BY id", c => c.With("@organization", o.Value), cancellationToken)
            : QueryAsync(codec, $"SELECT json FROM {_entries} WHERE resource_type = @type ORDER BY id", _ => { }, cancellationToken);
    }

    public Task<IReadOnlyList<DirectoryOrganization>> FindOrganizationsAsync(OrganizationQuery query, CancellationToken cancellationToken = default)
    {
        // Only the criteria given become conditions; each is a parameter, never text in the SQL.
        var conditions = new List<string>();
        var parameters = new List<(string Name, object Value)>();
        void Add(string condition, string name, object value)
        {
            conditions.Add(condition);
            parameters.Add((name, value));
        }
        if (query.HsaId is { } hsa)
            Add("hsa_id = @hsa", "@hsa", hsa.Value);
        if (query.OrganizationNumber is { } number)
            Add("org_number = @number", "@number", number.Value);
        if (query.PartOf is { } partOf)
            Add("organization = @partof", "@partof", partOf.Value);
        if (!string.IsNullOrEmpty(query.Name))
            Add("substr(name_key, 1, length(@name)) = @name", "@name", EntryCodecs.FoldName(query.Name));
        var where = string.Concat(conditions.Select(c => " AND " + c));
        return QueryAsync(EntryCodecs.For<DirectoryOrganization>(), $"SELECT json FROM {_entries} WHERE resource_type = @type{where} ORDER BY id",
            c => parameters.ForEach(p => c.With(p.Name, p.Value)), cancellationToken);
    }

    public async Task<IReadOnlyList<DirectoryChange<T>>> HistoryAsync<T>(string id, CancellationToken cancellationToken = default)
        where T : class, IDirectoryEntry
    {
        var codec = EntryCodecs.For<T>();
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var command = connection.Command($"SELECT version, changed_at, changed_by, json FROM {_history} WHERE resource_type = @type AND id = @id ORDER BY version")
            .With("@type", codec.ResourceType).With("@id", id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var changes = new List<DirectoryChange<T>>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var json = reader.GetNullableString(3);
            changes.Add(new DirectoryChange<T>(id, reader.GetInt32(0), DateTimeOffset.Parse(reader.GetString(1), CultureInfo.InvariantCulture),
                reader.GetString(2), json is null ? null : codec.FromJson(json)));
        }
        return changes;
    }

    private static EntryCodec<T> Checked<T>(IEnumerable<T> entries, string changedBy)
        where T : class, IDirectoryEntry
    {
        if (string.IsNullOrWhiteSpace(changedBy))
            throw new ArgumentException("a change must say who made it", nameof(changedBy));
        var codec = EntryCodecs.For<T>();
        foreach (var entry in entries)
        {
            if (entry.Validate() is { } problem)
                throw new ArgumentException($"{codec.ResourceType} {entry.Id}: {problem}", nameof(entries));
        }
        return codec;
    }

    private async Task<int> WriteAsync<T>(DbConnection connection, DbTransaction transaction, EntryCodec<T> codec, T entry, string changedBy, CancellationToken cancellationToken)
        where T : class, IDirectoryEntry
    {
        await using var current = connection.Command($"SELECT version FROM {_entries} WHERE resource_type = @type AND id = @id", transaction)
            .With("@type", codec.ResourceType).With("@id", entry.Id);
        var version = (int)await current.ScalarLongAsync(cancellationToken) + 1;
        var columns = codec.Columns(entry);
        var json = codec.ToJson(entry);

        var sql = version == 1
            ? $"INSERT INTO {_entries} (resource_type, id, hsa_id, org_number, organization, name_key, version, json) VALUES (@type, @id, @hsa, @number, @organization, @name, @version, @json)"
            : $"UPDATE {_entries} SET hsa_id = @hsa, org_number = @number, organization = @organization, name_key = @name, version = @version, json = @json WHERE resource_type = @type AND id = @id";
        await using (var write = connection.Command(sql, transaction))
        {
            write.With("@type", codec.ResourceType).With("@id", entry.Id).With("@hsa", columns.HsaId).With("@number", columns.OrganizationNumber)
                .With("@organization", columns.Organization).With("@name", columns.NameKey).With("@version", version).With("@json", json);
            await write.ExecuteNonQueryAsync(cancellationToken);
        }
        await using (var history = connection.Command($"INSERT INTO {_history} (resource_type, id, version, changed_at, changed_by, json) VALUES (@type, @id, @version, @at, @by, @json)", transaction))
        {
            history.With("@type", codec.ResourceType).With("@id", entry.Id).With("@version", version)
                .With("@at", DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture)).With("@by", changedBy).With("@json", json);
            await history.ExecuteNonQueryAsync(cancellationToken);
        }
        return version;
    }

    private async Task<IReadOnlyList<T>> QueryAsync<T>(EntryCodec<T> codec, string sql, Action<DbCommand> parameters, CancellationToken cancellationToken)
        where T : class, IDirectoryEntry
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var command = connection.Command(sql).With("@type", codec.ResourceType);
        parameters(command);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var entries = new List<T>();
        while (await reader.ReadAsync(cancellationToken))
            entries.Add(codec.FromJson(reader.GetString(0)));
        return entries;
    }
}
