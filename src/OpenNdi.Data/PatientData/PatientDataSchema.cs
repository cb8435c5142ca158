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
        // Right 7: a patient's request that a provider correct its record (FHIR Task), and every version of it.
        new(Module, 2, "correction requests",
            Sqlite: """
                CREATE TABLE patientdata_tasks (
                    id TEXT PRIMARY KEY,
                    patient TEXT NOT NULL,
                    owner TEXT NOT NULL,
                    status TEXT NOT NULL,
                    version INTEGER NOT NULL,
                    updated_at TEXT NOT NULL,
                    json TEXT NOT NULL
                );
                CREATE INDEX patientdata_tasks_patient ON patientdata_tasks (patient);
                CREATE INDEX patientdata_tasks_owner ON patientdata_tasks (owner, status);
                CREATE TABLE patientdata_task_history (
                    id TEXT NOT NULL,
                    version INTEGER NOT NULL,
                    changed_at TEXT NOT NULL,
                    changed_by TEXT NOT NULL,
                    json TEXT NOT NULL,
                    PRIMARY KEY (id, version)
                );
                """,
            PostgreSql: """
                CREATE TABLE patientdata.tasks (
                    id text PRIMARY KEY,
                    patient text NOT NULL,
                    owner text NOT NULL,
                    status text NOT NULL,
                    version integer NOT NULL,
                    updated_at text NOT NULL,
                    json text NOT NULL
                );
                CREATE INDEX tasks_patient ON patientdata.tasks (patient);
                CREATE INDEX tasks_owner ON patientdata.tasks (owner, status);
                CREATE TABLE patientdata.task_history (
                    id text NOT NULL,
                    version integer NOT NULL,
                    changed_at text NOT NULL,
                    changed_by text NOT NULL,
                    json text NOT NULL,
                    PRIMARY KEY (id, version)
                );
                """),
    ];
}
