using System.Data.Common;
using System.Text;
using System.Text.Json;
using NpgsqlTypes;

namespace OpenNdi.Data.Simulator;

/// <summary>
/// <see cref="ISimulatorStore"/> for both backends. The SQL is the same but for table names, the upsert form,
/// bulk writes (binary COPY on PostgreSQL, a prepared INSERT in one transaction on SQLite), lists of ids (an array
/// parameter on PostgreSQL, a JSON array on SQLite) and the category search, which reads the stored JSON with each
/// backend's own JSON functions.
/// </summary>
public sealed class SimulatorStore(NdiDatabase database) : ISimulatorStore
{
    private const string ResourceColumns = "provider_key, resource_type, id, patient_id, identifier, date, code, json";

    private readonly bool _sqlite = database.Backend == StorageBackend.Sqlite;
    private readonly string _providers = database.Table("simulator", "providers");
    private readonly string _resources = database.Table("simulator", "resources");

    public async Task SaveProvidersAsync(IReadOnlyList<StoredProvider> providers, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        foreach (var provider in providers)
        {
            await using var upsert = connection.Command(
                $"""
                INSERT INTO {_providers} (key, hsa_id, name, definition_json, behaviour_json) VALUES (@k, @h, @n, @d, @b)
                ON CONFLICT (key) DO UPDATE SET hsa_id = excluded.hsa_id, name = excluded.name, definition_json = excluded.definition_json
                """, transaction)
                .With("@k", provider.Key).With("@h", provider.HsaId).With("@n", provider.Name)
                .With("@d", provider.DefinitionJson).With("@b", provider.BehaviourJson);
            await upsert.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<StoredProvider>> ListProvidersAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var command = connection.Command($"SELECT key, hsa_id, name, definition_json, behaviour_json FROM {_providers} ORDER BY key");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var providers = new List<StoredProvider>();
        while (await reader.ReadAsync(cancellationToken))
            providers.Add(new StoredProvider(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4)));
        return providers;
    }

    public async Task<bool> UpdateBehaviourAsync(string providerKey, string behaviourJson, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var command = connection.Command($"UPDATE {_providers} SET behaviour_json = @b WHERE key = @k")
            .With("@b", behaviourJson).With("@k", providerKey);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task AddResourcesAsync(IReadOnlyList<StoredResource> resources, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        if (_sqlite)
            await InsertAsync(connection, resources, cancellationToken);
        else
            await CopyAsync(NdiDatabase.AsPostgres(connection), resources, cancellationToken);
    }

    private async Task InsertAsync(DbConnection connection, IReadOnlyList<StoredResource> resources, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var insert = connection.Command(
            $"INSERT INTO {_resources} ({ResourceColumns}) VALUES (@p, @t, @i, @pt, @idf, @d, @c, @j)", transaction);
        foreach (var name in (string[])["@p", "@t", "@i", "@pt", "@idf", "@d", "@c", "@j"])
            insert.With(name, null);
        await insert.PrepareAsync(cancellationToken);
        foreach (var r in resources)
        {
            insert.Parameters[0].Value = r.ProviderKey;
            insert.Parameters[1].Value = r.ResourceType;
            insert.Parameters[2].Value = r.Id;
            insert.Parameters[3].Value = (object?)r.PatientId ?? DBNull.Value;
            insert.Parameters[4].Value = (object?)r.Identifier ?? DBNull.Value;
            insert.Parameters[5].Value = (object?)r.Date ?? DBNull.Value;
            insert.Parameters[6].Value = (object?)r.Code ?? DBNull.Value;
            insert.Parameters[7].Value = r.Json;
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
    }

    private async Task CopyAsync(Npgsql.NpgsqlConnection connection, IReadOnlyList<StoredResource> resources, CancellationToken cancellationToken)
    {
        await using var writer = await connection.BeginBinaryImportAsync($"COPY {_resources} ({ResourceColumns}) FROM STDIN (FORMAT BINARY)", cancellationToken);
        foreach (var r in resources)
        {
            await writer.StartRowAsync(cancellationToken);
            await writer.WriteAsync(r.ProviderKey, NpgsqlDbType.Text, cancellationToken);
            await writer.WriteAsync(r.ResourceType, NpgsqlDbType.Text, cancellationToken);
            await writer.WriteAsync(r.Id, NpgsqlDbType.Text, cancellationToken);
            await writer.WriteTextOrNullAsync(r.PatientId, cancellationToken);
            await writer.WriteTextOrNullAsync(r.Identifier, cancellationToken);
            await writer.WriteTextOrNullAsync(r.Date, cancellationToken);
            await writer.WriteTextOrNullAsync(r.Code, cancellationToken);
            await writer.WriteAsync(r.Json, NpgsqlDbType.Text, cancellationToken);
        }
        // One COPY is one statement: it is atomic without an explicit transaction.
        await writer.CompleteAsync(cancellationToken);
    }


    public async Task<StoredResource?> ReadAsync(string providerKey, string resourceType, string id, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var command = connection.Command(
            $"SELECT {ResourceColumns} FROM {_resources} WHERE provider_key = @p AND resource_type = @t AND id = @i")
            .With("@p", providerKey).With("@t", resourceType).With("@i", id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadResource(reader) : null;
    }

    public async Task<IReadOnlyList<StoredResource>> ReadManyAsync(string providerKey, string resourceType, IReadOnlyCollection<string> ids, CancellationToken cancellationToken = default)
    {
        if (ids.Count == 0)
            return [];
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        // One parameter however many ids: SQLite limits the number of parameters, and one statement text keeps plans cached.
        var idFilter = _sqlite ? "id IN (SELECT value FROM json_each(@ids))" : "id = ANY(@ids)";
        await using var command = connection.Command(
            $"SELECT {ResourceColumns} FROM {_resources} WHERE provider_key = @p AND resource_type = @t AND {idFilter}")
            .With("@p", providerKey).With("@t", resourceType)
            .With("@ids", _sqlite ? JsonSerializer.Serialize(ids) : ids.ToArray());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var resources = new List<StoredResource>(ids.Count);
        while (await reader.ReadAsync(cancellationToken))
            resources.Add(ReadResource(reader));
        return resources;
    }

    public async Task<IReadOnlyList<StoredResource>> SearchAsync(ResourceQuery query, CancellationToken cancellationToken = default)
    {
        var sql = new StringBuilder($"SELECT {ResourceColumns} FROM {_resources} WHERE provider_key = @p AND resource_type = @t");
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.With("@p", query.ProviderKey).With("@t", query.ResourceType);
        if (query.PatientId is not null)
        {
            sql.Append(" AND patient_id = @pt");
            command.With("@pt", query.PatientId);
        }
        if (query.DateFrom is not null)
        {
            sql.Append(" AND date >= @from");
            command.With("@from", query.DateFrom);
        }
        if (query.DateTo is not null)
        {
            sql.Append(" AND date < @to");
            command.With("@to", query.DateTo);
        }
        if (query.Code is not null)
        {
            // "system|code" matches exactly; a bare code matches in any system (FHIR token search).
            sql.Append(query.Code.Contains('|') ? " AND code = @c" : " AND (code = @c OR code LIKE @cs)");
            command.With("@c", query.Code);
            if (!query.Code.Contains('|'))
                command.With("@cs", "%|" + query.Code);
        }
        if (query.Category is not null)
            sql.Append(CategoryFilter(command, query.Category));
        sql.Append(" ORDER BY date DESC, id LIMIT @limit OFFSET @offset");
        command.With("@limit", query.Limit).With("@offset", query.Offset);
        command.CommandText = sql.ToString();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var resources = new List<StoredResource>();
        while (await reader.ReadAsync(cancellationToken))
            resources.Add(ReadResource(reader));
        return resources;
    }

    public async Task<string?> FindPatientIdAsync(string providerKey, string identifier, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var command = connection.Command(
            $"SELECT id FROM {_resources} WHERE provider_key = @p AND identifier = @i AND resource_type = 'Patient'")
            .With("@p", providerKey).With("@i", identifier);
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }

    public async IAsyncEnumerable<StoredResource> StreamResourcesAsync(string providerKey, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var command = connection.Command($"SELECT {ResourceColumns} FROM {_resources} WHERE provider_key = @p ORDER BY patient_id, resource_type, id").With("@p", providerKey);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            yield return ReadResource(reader);
    }

    public async IAsyncEnumerable<CodedRow> StreamCodedRowsAsync(string providerKey, string resourceType, DateOnly from, DateOnly to,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        // Dates are ISO 8601 text, so a day's rows sort between "yyyy-MM-dd" and the next day's; the Patient row is found by its key.
        await using var command = connection.Command($"""
            SELECT p.identifier, r.date, r.code FROM {_resources} r
            JOIN {_resources} p ON p.provider_key = r.provider_key AND p.resource_type = 'Patient' AND p.id = r.patient_id
            WHERE r.provider_key = @p AND r.resource_type = @t AND r.date >= @from AND r.date < @until AND p.identifier IS NOT NULL
            """).With("@p", providerKey).With("@t", resourceType)
            .With("@from", from.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture))
            .With("@until", to == DateOnly.MaxValue ? "9999-12-32" : to.AddDays(1).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            yield return new CodedRow(reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2));
    }

    public async Task<long> CountResourcesAsync(string? providerKey = null, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var command = providerKey is null
            ? connection.Command($"SELECT COUNT(*) FROM {_resources}")
            : connection.Command($"SELECT COUNT(*) FROM {_resources} WHERE provider_key = @p").With("@p", providerKey);
        return await command.ScalarLongAsync(cancellationToken);
    }

    /// <summary>
    /// The condition that some coding of the resource's <c>category</c> matches the token. The conditions go into the
    /// SQL (not applied to the page afterwards) so that <c>_count</c> and <c>_offset</c> count matching rows only; they
    /// follow the patient filter, so the JSON of one patient's rows of one type is read, not the provider's.
    /// </summary>
    private string CategoryFilter(DbCommand command, string token)
    {
        if (token.Length == 0 || token == "|")
            throw new ArgumentException("A category token needs a code, a system or both.", nameof(token));
        var separator = token.IndexOf('|');
        var system = separator >= 0 ? token[..separator] : null;
        var code = separator >= 0 ? token[(separator + 1)..] : token;
        var matchCode = code.Length > 0;
        if (matchCode)
            command.With("@cat", code);
        if (system is { Length: > 0 })
            command.With("@catsys", system);
        if (_sqlite)
        {
            var conditions = new List<string>();
            if (matchCode)
                conditions.Add("json_extract(k.value, '$.code') = @cat");
            if (system is not null)
                conditions.Add(system.Length > 0 ? "json_extract(k.value, '$.system') = @catsys" : "json_extract(k.value, '$.system') IS NULL");
            // Qualified: json_each has a hidden column named json of its own.
            return $" AND EXISTS (SELECT 1 FROM json_each({_resources}.json, '$.category') AS c, json_each(c.value, '$.coding') AS k WHERE {string.Join(" AND ", conditions)})";
        }
        var predicates = new List<string>();
        var variables = new List<string>();
        if (matchCode)
        {
            predicates.Add("@.code == $code");
            variables.Add("'code', @cat::text");
        }
        if (system is not null)
        {
            predicates.Add(system.Length > 0 ? "@.system == $system" : "!(exists(@.system))");
            if (system.Length > 0)
                variables.Add("'system', @catsys::text");
        }
        return $" AND jsonb_path_exists(json::jsonb, '$.category[*].coding[*] ? ({string.Join(" && ", predicates)})', jsonb_build_object({string.Join(", ", variables)}))";
    }

    private static StoredResource ReadResource(DbDataReader reader) => new(
        reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetNullableString(3),
        reader.GetNullableString(4), reader.GetNullableString(5), reader.GetNullableString(6), reader.GetString(7));
}
