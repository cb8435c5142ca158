using System.Data.Common;
using System.Globalization;
using OpenNdi.Core.Identifiers;

namespace OpenNdi.Data.Consent;

/// <summary>One stored consent: its kind (opt-out, block, proxy), whether it is in force, and the FHIR Consent JSON.</summary>
public sealed record StoredConsent(string Id, string Patient, string Kind, bool Active, int Version, string Json);

/// <summary>One version of a consent: who changed it, for whom if they acted as a representative, and what it became.</summary>
public sealed record ConsentChange(string Id, int Version, DateTimeOffset ChangedAt, string ChangedBy, string? OnBehalfOf, string Json);

/// <summary>
/// The patients' privacy settings for both backends. A save writes the current row and a history row in one
/// serializable transaction, so every version is kept and two writers cannot both create version n.
/// </summary>
public sealed class ConsentStore(NdiDatabase database)
{
    private readonly string _consents = database.Table("consent", "consents");
    private readonly string _history = database.Table("consent", "history");
    private readonly bool _sqlite = database.Backend == StorageBackend.Sqlite;

    /// <summary>Creates or replaces a consent; returns its new version.</summary>
    /// <param name="representative">For a proxy, the person it names (<see cref="ListByRepresentativeAsync"/> finds it by them).</param>
    public async Task<int> SaveAsync(string id, PersonalIdentityNumber patient, string kind, bool active, string json, string changedBy, string? onBehalfOf, CancellationToken cancellationToken = default,
        PersonalIdentityNumber? representative = null)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.Serializable, cancellationToken);
        await using var current = connection.Command($"SELECT version FROM {_consents} WHERE id = @id", transaction).With("@id", id);
        var version = (int)await current.ScalarLongAsync(cancellationToken) + 1;
        var now = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture);
        var sql = version == 1
            ? $"INSERT INTO {_consents} (id, patient, kind, active, version, updated_at, json, representative) VALUES (@id, @patient, @kind, @active, @version, @now, @json, @representative)"
            : $"UPDATE {_consents} SET patient = @patient, kind = @kind, active = @active, version = @version, updated_at = @now, json = @json, representative = @representative WHERE id = @id";
        await using (var write = connection.Command(sql, transaction))
        {
            write.With("@id", id).With("@patient", patient.Value).With("@kind", kind).With("@active", _sqlite ? (active ? 1 : 0) : active)
                .With("@version", version).With("@now", now).With("@json", json).With("@representative", representative?.Value);
            await write.ExecuteNonQueryAsync(cancellationToken);
        }
        await using (var history = connection.Command($"INSERT INTO {_history} (id, version, changed_at, changed_by, on_behalf_of, json) VALUES (@id, @version, @now, @by, @for, @json)", transaction))
        {
            history.With("@id", id).With("@version", version).With("@now", now).With("@by", changedBy).With("@for", onBehalfOf).With("@json", json);
            await history.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return version;
    }

    /// <summary>
    /// Like <see cref="SaveAsync"/>, but null when a concurrent writer won: the patient's one opt-out of the kind was
    /// created meanwhile (unique index), or the row changed under this serializable transaction. The caller reads again.
    /// </summary>
    public async Task<int?> TrySaveAsync(string id, PersonalIdentityNumber patient, string kind, bool active, string json, string changedBy, string? onBehalfOf, CancellationToken cancellationToken = default,
        PersonalIdentityNumber? representative = null)
    {
        try
        {
            return await SaveAsync(id, patient, kind, active, json, changedBy, onBehalfOf, cancellationToken, representative);
        }
        catch (Exception ex) when (IsConcurrentWrite(ex))
        {
            return null;
        }
    }

    /// <summary>Unique violation or serialization failure (PostgreSQL 23505, 40001, 40P01); constraint, busy or locked (SQLite 19, 5, 6).</summary>
    private static bool IsConcurrentWrite(Exception ex) => ex switch
    {
        Npgsql.PostgresException pg => pg.SqlState is "23505" or "40001" or "40P01",
        Microsoft.Data.Sqlite.SqliteException sqlite => sqlite.SqliteErrorCode is 19 or 5 or 6,
        _ => false,
    };

    public async Task<StoredConsent?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        var found = await QueryAsync($"SELECT id, patient, kind, active, version, json FROM {_consents} WHERE id = @id", "@id", id, cancellationToken);
        return found.Count == 0 ? null : found[0];
    }

    /// <summary>Every consent of the patient, in force or not, oldest first.</summary>
    public Task<IReadOnlyList<StoredConsent>> ListAsync(PersonalIdentityNumber patient, CancellationToken cancellationToken = default) =>
        database.ReadAsync(ListRead(patient), cancellationToken);

    /// <summary><see cref="ListAsync"/> as a read to run together with another store's (<see cref="NdiDatabase.ReadTogetherAsync{T1, T2}"/>).</summary>
    public StoreRead<IReadOnlyList<StoredConsent>> ListRead(PersonalIdentityNumber patient) =>
        new($"SELECT id, patient, kind, active, version, json FROM {_consents} WHERE patient = @patient ORDER BY updated_at, id", [("@patient", patient.Value)], ReadConsentsAsync);

    /// <summary>The proxies in force that name <paramref name="representative"/> (their periods are the caller's to check), oldest first.</summary>
    public Task<IReadOnlyList<StoredConsent>> ListByRepresentativeAsync(PersonalIdentityNumber representative, CancellationToken cancellationToken = default) =>
        QueryAsync($"SELECT id, patient, kind, active, version, json FROM {_consents} WHERE representative = @representative AND kind = 'proxy' AND active = {(_sqlite ? "1" : "true")} ORDER BY updated_at, id",
            "@representative", representative.Value, cancellationToken);

    /// <summary>
    /// The patients with a setting of <paramref name="kind"/> in force (an opt-out is one setting per patient): the
    /// secondary-use chain reads the objecting persons once per extract with this.
    /// </summary>
    public async Task<IReadOnlySet<string>> PatientsWithActiveAsync(string kind, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var command = connection.Command($"SELECT DISTINCT patient FROM {_consents} WHERE kind = @kind AND active = {(_sqlite ? "1" : "true")}").With("@kind", kind);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var patients = new HashSet<string>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken))
            patients.Add(reader.GetString(0));
        return patients;
    }

    public async Task<IReadOnlyList<ConsentChange>> HistoryAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var command = connection.Command($"SELECT id, version, changed_at, changed_by, on_behalf_of, json FROM {_history} WHERE id = @id ORDER BY version").With("@id", id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var changes = new List<ConsentChange>();
        while (await reader.ReadAsync(cancellationToken))
        {
            changes.Add(new ConsentChange(reader.GetString(0), reader.GetInt32(1), DateTimeOffset.Parse(reader.GetString(2), CultureInfo.InvariantCulture),
                reader.GetString(3), reader.GetNullableString(4), reader.GetString(5)));
        }
        return changes;
    }

    private async Task<IReadOnlyList<StoredConsent>> QueryAsync(string sql, string parameter, string value, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var command = connection.Command(sql).With(parameter, value);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await ReadConsentsAsync(reader, cancellationToken);
    }

    private async Task<IReadOnlyList<StoredConsent>> ReadConsentsAsync(DbDataReader reader, CancellationToken cancellationToken)
    {
        var consents = new List<StoredConsent>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var active = _sqlite ? reader.GetInt64(3) != 0 : reader.GetBoolean(3);
            consents.Add(new StoredConsent(reader.GetString(0), reader.GetString(1), reader.GetString(2), active, reader.GetInt32(4), reader.GetString(5)));
        }
        return consents;
    }
}
