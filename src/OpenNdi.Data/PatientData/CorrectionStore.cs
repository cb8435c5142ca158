using System.Globalization;
using OpenNdi.Core.Identifiers;

namespace OpenNdi.Data.PatientData;

/// <summary>One correction request as stored: whose record, which provider owns it, its status and the FHIR Task JSON.</summary>
public sealed record StoredCorrection(string Id, string Patient, HsaId Owner, string Status, int Version, DateTimeOffset UpdatedAt, string Json);

/// <summary>
/// The patients' correction requests (FHIR Task) for both backends. Every write keeps a version in the history, and a
/// change names the version it changes, so two writers cannot both move a request on from the same state.
/// </summary>
public sealed class CorrectionStore(NdiDatabase database)
{
    private readonly string _tasks = database.Table("patientdata", "tasks");
    private readonly string _history = database.Table("patientdata", "task_history");

    public async Task AddAsync(StoredCorrection task, string changedBy, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var insert = connection.Command($"INSERT INTO {_tasks} (id, patient, owner, status, version, updated_at, json) VALUES (@id, @patient, @owner, @status, 1, @at, @json)", transaction))
        {
            insert.With("@id", task.Id).With("@patient", task.Patient).With("@owner", task.Owner.Value).With("@status", task.Status).With("@at", Text(task.UpdatedAt)).With("@json", task.Json);
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }
        await HistoryAsync(connection, transaction, task.Id, 1, task.UpdatedAt, changedBy, task.Json, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>Replaces version <paramref name="expectedVersion"/> with a new one; false when the request changed meanwhile.</summary>
    public async Task<bool> UpdateAsync(string id, int expectedVersion, string status, DateTimeOffset at, string json, string changedBy, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var update = connection.Command($"UPDATE {_tasks} SET status = @status, version = @next, updated_at = @at, json = @json WHERE id = @id AND version = @version", transaction))
        {
            update.With("@id", id).With("@version", expectedVersion).With("@next", expectedVersion + 1).With("@status", status).With("@at", Text(at)).With("@json", json);
            if (await update.ExecuteNonQueryAsync(cancellationToken) != 1)
                return false;
        }
        await HistoryAsync(connection, transaction, id, expectedVersion + 1, at, changedBy, json, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    public async Task<StoredCorrection?> GetAsync(string id, CancellationToken cancellationToken = default) =>
        (await QueryAsync("id = @value", id, cancellationToken)).FirstOrDefault();

    /// <summary>The patient's requests, newest first.</summary>
    public Task<IReadOnlyList<StoredCorrection>> ForPatientAsync(PersonalIdentityNumber patient, CancellationToken cancellationToken = default) =>
        QueryAsync("patient = @value", patient.Value, cancellationToken);

    /// <summary>The requests a provider owns, newest first.</summary>
    public Task<IReadOnlyList<StoredCorrection>> ForOwnerAsync(HsaId owner, CancellationToken cancellationToken = default) =>
        QueryAsync("owner = @value", owner.Value, cancellationToken);

    private async Task<IReadOnlyList<StoredCorrection>> QueryAsync(string where, string value, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var command = connection.Command($"SELECT id, patient, owner, status, version, updated_at, json FROM {_tasks} WHERE {where} ORDER BY updated_at DESC, id").With("@value", value);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var found = new List<StoredCorrection>();
        while (await reader.ReadAsync(cancellationToken))
        {
            found.Add(new StoredCorrection(reader.GetString(0), reader.GetString(1), HsaId.Parse(reader.GetString(2)), reader.GetString(3), reader.GetInt32(4),
                DateTimeOffset.Parse(reader.GetString(5), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal), reader.GetString(6)));
        }
        return found;
    }

    private async Task HistoryAsync(System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction transaction, string id, int version, DateTimeOffset at, string by, string json, CancellationToken cancellationToken)
    {
        await using var history = connection.Command($"INSERT INTO {_history} (id, version, changed_at, changed_by, json) VALUES (@id, @version, @at, @by, @json)", transaction);
        history.With("@id", id).With("@version", version).With("@at", Text(at)).With("@by", by).With("@json", json);
        await history.ExecuteNonQueryAsync(cancellationToken);
    }

    private static string Text(DateTimeOffset at) => at.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);
}
