using System.Globalization;
using OpenNdi.Data;

namespace OpenNdi.ContactPoint.Storage;

/// <summary>
/// A Swedish prescription dispensed abroad and reported through a peer (eDispensation, Sweden as the country of
/// affiliation): the prescription's cross-border id, the dispensation's id, the patient, the peer, the prescribing
/// provider and care unit (whose data it becomes for the access policy), when, and the MedicationDispense as sent.
/// </summary>
public sealed record CrossBorderDispensation(string PrescriptionId, string DispensationId, string Patient, string Peer, string Country,
    string PrescribingProvider, string PrescribingUnit, string PrescriptionSource, DateTimeOffset Recorded, string DispenseJson);

/// <summary>How recording a dispensation went.</summary>
public enum DispensationRecording
{
    /// <summary>Recorded now.</summary>
    Recorded,

    /// <summary>The same dispensation was recorded before: nothing changed (the peer sent it again).</summary>
    AlreadyRecorded,

    /// <summary>Another dispensation of this prescription was recorded before: refused (no double dispensing across borders).</summary>
    PrescriptionAlreadyDispensed,

    /// <summary>The dispensation's id is already used for another prescription: refused.</summary>
    DispensationIdReused,
}

/// <summary>
/// The contact point's own storage (schema <c>ncp</c>; tables <c>ncp_*</c> on SQLite): dispensations across borders,
/// one per prescription, enforced by the database's primary key so two peers racing for one prescription cannot both win.
/// </summary>
public sealed class DispensationStore(NdiDatabase database)
{
    public const string Module = "contactpoint";

    public static IReadOnlyList<Migration> Migrations { get; } =
    [
        new(Module, 1, "dispensations across borders",
            Sqlite: """
                CREATE TABLE ncp_dispensations (
                    prescription_id TEXT PRIMARY KEY,
                    dispensation_id TEXT NOT NULL UNIQUE,
                    patient TEXT NOT NULL,
                    peer TEXT NOT NULL,
                    country TEXT NOT NULL,
                    prescribing_provider TEXT NOT NULL,
                    prescribing_unit TEXT NOT NULL,
                    prescription_source TEXT NOT NULL,
                    recorded TEXT NOT NULL,
                    dispense_json TEXT NOT NULL
                );
                CREATE INDEX ncp_dispensations_patient ON ncp_dispensations (patient);
                """,
            PostgreSql: """
                CREATE SCHEMA IF NOT EXISTS ncp;
                CREATE TABLE ncp.dispensations (
                    prescription_id text PRIMARY KEY,
                    dispensation_id text NOT NULL UNIQUE,
                    patient text NOT NULL,
                    peer text NOT NULL,
                    country text NOT NULL,
                    prescribing_provider text NOT NULL,
                    prescribing_unit text NOT NULL,
                    prescription_source text NOT NULL,
                    recorded text NOT NULL,
                    dispense_json text NOT NULL
                );
                CREATE INDEX dispensations_patient ON ncp.dispensations (patient);
                """),
    ];

    private readonly string _table = database.Table("ncp", "dispensations");

    public async Task<(DispensationRecording Outcome, CrossBorderDispensation Stored)> RecordAsync(CrossBorderDispensation dispensation, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using (var insert = connection.Command($"""
            INSERT INTO {_table} (prescription_id, dispensation_id, patient, peer, country, prescribing_provider, prescribing_unit, prescription_source, recorded, dispense_json)
            VALUES (@rx, @id, @patient, @peer, @country, @provider, @unit, @source, @recorded, @json)
            ON CONFLICT DO NOTHING
            """)
            .With("@rx", dispensation.PrescriptionId).With("@id", dispensation.DispensationId).With("@patient", dispensation.Patient).With("@peer", dispensation.Peer)
            .With("@country", dispensation.Country).With("@provider", dispensation.PrescribingProvider).With("@unit", dispensation.PrescribingUnit)
            .With("@source", dispensation.PrescriptionSource).With("@recorded", dispensation.Recorded.UtcDateTime.ToString("O", CultureInfo.InvariantCulture))
            .With("@json", dispensation.DispenseJson))
        {
            if (await insert.ExecuteNonQueryAsync(cancellationToken) == 1)
                return (DispensationRecording.Recorded, dispensation);
        }
        var byPrescription = await ReadAsync(connection, "prescription_id", dispensation.PrescriptionId, cancellationToken);
        if (byPrescription.Count == 1)
            return (byPrescription[0].DispensationId == dispensation.DispensationId ? DispensationRecording.AlreadyRecorded : DispensationRecording.PrescriptionAlreadyDispensed, byPrescription[0]);
        var byId = await ReadAsync(connection, "dispensation_id", dispensation.DispensationId, cancellationToken);
        return (DispensationRecording.DispensationIdReused, byId.FirstOrDefault() ?? dispensation);
    }

    /// <summary>The patient's dispensations across borders, newest first.</summary>
    public async Task<IReadOnlyList<CrossBorderDispensation>> ForPatientAsync(string patient, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        return [.. (await ReadAsync(connection, "patient", patient, cancellationToken)).OrderByDescending(d => d.Recorded)];
    }

    private async Task<List<CrossBorderDispensation>> ReadAsync(System.Data.Common.DbConnection connection, string column, string value, CancellationToken cancellationToken)
    {
        await using var command = connection.Command($"""
            SELECT prescription_id, dispensation_id, patient, peer, country, prescribing_provider, prescribing_unit, prescription_source, recorded, dispense_json
            FROM {_table} WHERE {column} = @value
            """).With("@value", value);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var found = new List<CrossBorderDispensation>();
        while (await reader.ReadAsync(cancellationToken))
            found.Add(new CrossBorderDispensation(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetString(5),
                reader.GetString(6), reader.GetString(7), DateTimeOffset.Parse(reader.GetString(8), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind), reader.GetString(9)));
        return found;
    }
}
