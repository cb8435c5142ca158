using OpenNdi.Data.Changes;

namespace OpenNdi.Data.Simulator;

/// <summary>The simulator module's tables: schema "simulator" on PostgreSQL, prefix "simulator_" on SQLite.</summary>
public static class SimulatorSchema
{
    public const string Module = "simulator";

    public static IReadOnlyList<Migration> Migrations { get; } =
    [
        new(Module, 1, "providers and their EHR resources",
            Sqlite: """
                CREATE TABLE simulator_providers (
                    key TEXT PRIMARY KEY,
                    hsa_id TEXT NOT NULL UNIQUE,
                    name TEXT NOT NULL,
                    definition_json TEXT NOT NULL,
                    behaviour_json TEXT NOT NULL
                );
                CREATE TABLE simulator_resources (
                    provider_key TEXT NOT NULL,
                    resource_type TEXT NOT NULL,
                    id TEXT NOT NULL,
                    patient_id TEXT,
                    identifier TEXT,
                    date TEXT,
                    code TEXT,
                    json TEXT NOT NULL,
                    PRIMARY KEY (provider_key, resource_type, id)
                ) WITHOUT ROWID;
                CREATE INDEX simulator_resources_patient ON simulator_resources (provider_key, patient_id, resource_type, date);
                CREATE INDEX simulator_resources_identifier ON simulator_resources (provider_key, identifier) WHERE identifier IS NOT NULL;
                """,
            PostgreSql: """
                CREATE SCHEMA IF NOT EXISTS simulator;
                CREATE TABLE simulator.providers (
                    key text PRIMARY KEY,
                    hsa_id text NOT NULL UNIQUE,
                    name text NOT NULL,
                    definition_json text NOT NULL,
                    behaviour_json text NOT NULL
                );
                CREATE TABLE simulator.resources (
                    provider_key text NOT NULL,
                    resource_type text NOT NULL,
                    id text NOT NULL,
                    patient_id text,
                    identifier text,
                    date text,
                    code text,
                    json text NOT NULL,
                    PRIMARY KEY (provider_key, resource_type, id)
                );
                CREATE INDEX resources_patient ON simulator.resources (provider_key, patient_id, resource_type, date);
                CREATE INDEX resources_identifier ON simulator.resources (provider_key, identifier) WHERE identifier IS NOT NULL;
                """),
        new(Module, 2, "providers announce their changes, so every process reloads a provider's behaviour at once",
            Sqlite: ChangeTriggers.SqliteNothing,
            PostgreSql: ChangeTriggers.PostgreSql("simulator", "providers")),
    ];
}
