using System.Globalization;
using OpenNdi.Core.Identifiers;

namespace OpenNdi.Data.PatientData;

/// <summary>A first read by the receiver: when, by whom (HSA-id) and their name as the token gave it.</summary>
public sealed record ReadReceipt(DateTimeOffset At, string By, string? ByName);

/// <summary>One observation a patient added: for whom, to which care unit of which provider, the FHIR JSON, and whether the receiver has read it.</summary>
public sealed record PatientObservation(string Id, string Patient, HsaId ReceiverProvider, HsaId ReceiverUnit, DateTimeOffset Effective, DateTimeOffset AddedAt,
    string AddedBy, string? OnBehalfOf, string Json, ReadReceipt? Receipt);

/// <summary>The patients' own observations, for both backends.</summary>
public sealed class PatientDataStore(NdiDatabase database)
{
    private readonly string _observations = database.Table("patientdata", "observations");

    public async Task AddAsync(PatientObservation observation, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var command = connection.Command($"""
            INSERT INTO {_observations} (id, patient, receiver_provider, receiver_unit, effective, added_at, added_by, on_behalf_of, json)
            VALUES (@id, @patient, @provider, @unit, @effective, @added, @by, @for, @json)
            """)
            .With("@id", observation.Id).With("@patient", observation.Patient).With("@provider", observation.ReceiverProvider.Value).With("@unit", observation.ReceiverUnit.Value)
            .With("@effective", Text(observation.Effective)).With("@added", Text(observation.AddedAt)).With("@by", observation.AddedBy).With("@for", observation.OnBehalfOf)
            .With("@json", observation.Json);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The patient's observations, newest first.</summary>
    public async Task<IReadOnlyList<PatientObservation>> ListAsync(PersonalIdentityNumber patient, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var command = connection.Command($"""
            SELECT id, patient, receiver_provider, receiver_unit, effective, added_at, added_by, on_behalf_of, json, read_at, read_by, read_by_name
            FROM {_observations} WHERE patient = @patient ORDER BY effective DESC, id
            """).With("@patient", patient.Value);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var found = new List<PatientObservation>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var receipt = reader.GetNullableString(9) is { } at ? new ReadReceipt(Parse(at), reader.GetString(10), reader.GetNullableString(11)) : null;
            found.Add(new PatientObservation(reader.GetString(0), reader.GetString(1), HsaId.Parse(reader.GetString(2)), HsaId.Parse(reader.GetString(3)),
                Parse(reader.GetString(4)), Parse(reader.GetString(5)), reader.GetString(6), reader.GetNullableString(7), reader.GetString(8), receipt));
        }
        return found;
    }

    /// <summary>Records the receiver's first read; a later read changes nothing. True when this was the first.</summary>
    public async Task<bool> MarkReadAsync(string id, ReadReceipt receipt, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var command = connection.Command($"UPDATE {_observations} SET read_at = @at, read_by = @by, read_by_name = @name WHERE id = @id AND read_at IS NULL")
            .With("@id", id).With("@at", Text(receipt.At)).With("@by", receipt.By).With("@name", receipt.ByName);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    private static string Text(DateTimeOffset at) => at.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    private static DateTimeOffset Parse(string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
}
