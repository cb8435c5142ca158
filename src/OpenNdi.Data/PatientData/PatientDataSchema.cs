namespace OpenNdi.Data.PatientData;

/// <summary>What patients add themselves (issue 15, right 6): home measurements and notes, each for a chosen receiver, with its read receipt.</summary>
public static class PatientDataSchema
{
    public const string Module = "patientdata";

    public static IReadOnlyList<Migration> Migrations { get; } =
    [
        new(Module, 1, "patient-provided observations",
            Sqlite: """
                CREATE TABLE patientdata_observations (
                    id TEXT PRIMARY KEY,
                    patient TEXT NOT NULL,
                    receiver_provider TEXT NOT NULL,
                    receiver_unit TEXT NOT NULL,
                    effective TEXT NOT NULL,
                    added_at TEXT NOT NULL,
                    added_by TEXT NOT NULL,
                    on_behalf_of TEXT,
                    json TEXT NOT NULL,
                    read_at TEXT,
                    read_by TEXT,
                    read_by_name TEXT
                );
                CREATE INDEX patientdata_observations_patient ON patientdata_observations (patient, effective);
                """,
            PostgreSql: """
                CREATE SCHEMA IF NOT EXISTS patientdata;
                CREATE TABLE patientdata.observations (
                    id text PRIMARY KEY,
                    patient text NOT NULL,
                    receiver_provider text NOT NULL,
                    receiver_unit text NOT NULL,
                    effective text NOT NULL,
                    added_at text NOT NULL,
                    added_by text NOT NULL,
                    on_behalf_of text,
                    json text NOT NULL,
                    read_at text,
                    read_by text,
                    read_by_name text
                );
                CREATE INDEX observations_patient ON patientdata.observations (patient, effective);
                """),
    ];
}
