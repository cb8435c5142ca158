namespace OpenNdi.Data.Population;

/// <summary>The population module's tables: schema "population" on PostgreSQL, prefix "population_" on SQLite.</summary>
public static class PopulationSchema
{
    public const string Module = "population";

    public static IReadOnlyList<Migration> Migrations { get; } =
    [
        new(Module, 1, "persons and guardianships",
            Sqlite: """
                CREATE TABLE population_persons (
                    id TEXT PRIMARY KEY,            -- 12-digit personnummer or samordningsnummer
                    given_name TEXT NOT NULL,
                    family_name TEXT NOT NULL,
                    sex TEXT NOT NULL,
                    birth_date TEXT NOT NULL,
                    street TEXT NOT NULL,
                    postal_code TEXT NOT NULL,
                    city TEXT NOT NULL,
                    municipality_code TEXT NOT NULL,
                    region_code TEXT NOT NULL
                ) WITHOUT ROWID;
                CREATE TABLE population_guardianships (
                    child_id TEXT NOT NULL,
                    guardian_id TEXT NOT NULL,
                    PRIMARY KEY (child_id, guardian_id)
                ) WITHOUT ROWID;
                CREATE INDEX population_guardianships_guardian ON population_guardianships (guardian_id);
                """,
            PostgreSql: """
                CREATE SCHEMA IF NOT EXISTS population;
                CREATE TABLE population.persons (
                    id text PRIMARY KEY,
                    given_name text NOT NULL,
                    family_name text NOT NULL,
                    sex text NOT NULL,
                    birth_date date NOT NULL,
                    street text NOT NULL,
                    postal_code text NOT NULL,
                    city text NOT NULL,
                    municipality_code text NOT NULL,
                    region_code text NOT NULL
                );
                CREATE TABLE population.guardianships (
                    child_id text NOT NULL,
                    guardian_id text NOT NULL,
                    PRIMARY KEY (child_id, guardian_id)
                );
                CREATE INDEX guardianships_guardian ON population.guardianships (guardian_id);
                """),
        // Issue 15: protected identity (skyddad identitet) as the register marks it; a person is protected while a row is here.
        new(Module, 2, "protected identities",
            Sqlite: "CREATE TABLE population_protected_identities (id TEXT PRIMARY KEY, marked_at TEXT NOT NULL) WITHOUT ROWID;",
            PostgreSql: "CREATE TABLE population.protected_identities (id text PRIMARY KEY, marked_at text NOT NULL);"),
    ];
}
