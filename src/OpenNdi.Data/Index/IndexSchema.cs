namespace OpenNdi.Data.Index;

/// <summary>The patient data index's tables: schema "pdi" on PostgreSQL, prefix "pdi_" on SQLite.</summary>
public static class IndexSchema
{
    public const string Module = "index";

    public static IReadOnlyList<Migration> Migrations { get; } =
    [
        new(Module, 1, "index entries keyed like the engagement index",
            Sqlite: """
                CREATE TABLE pdi_entries (
                    patient TEXT NOT NULL,
                    category TEXT NOT NULL,
                    care_unit TEXT NOT NULL,
                    source_system TEXT NOT NULL,
                    source_reference TEXT NOT NULL,
                    provider TEXT NOT NULL,
                    first_date TEXT NOT NULL,
                    latest_date TEXT NOT NULL,
                    retracted INTEGER NOT NULL DEFAULT 0,
                    updated_at TEXT NOT NULL,
                    PRIMARY KEY (patient, category, care_unit, source_system, source_reference)
                ) WITHOUT ROWID;
                """,
            PostgreSql: """
                CREATE SCHEMA IF NOT EXISTS pdi;
                CREATE TABLE pdi.entries (
                    patient text NOT NULL,
                    category text NOT NULL,
                    care_unit text NOT NULL,
                    source_system text NOT NULL,
                    source_reference text NOT NULL,
                    provider text NOT NULL,
                    first_date date NOT NULL,
                    latest_date date NOT NULL,
                    retracted boolean NOT NULL DEFAULT false,
                    updated_at timestamptz NOT NULL,
                    PRIMARY KEY (patient, category, care_unit, source_system, source_reference)
                );
                """),
        IndexHashPartitions.Migration,
    ];
}
