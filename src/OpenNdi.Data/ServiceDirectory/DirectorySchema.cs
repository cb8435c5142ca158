namespace OpenNdi.Data.ServiceDirectory;

/// <summary>The directory's tables: schema "directory" on PostgreSQL, prefix "directory_" on SQLite.</summary>
public static class DirectorySchema
{
    public const string Module = "directory";

    public static IReadOnlyList<Migration> Migrations { get; } =
    [
        new(Module, 1, "endpoints and their history",
            Sqlite: """
                CREATE TABLE directory_endpoints (
                    id TEXT PRIMARY KEY,
                    provider TEXT NOT NULL,
                    source_system TEXT NOT NULL,
                    category TEXT,
                    address TEXT NOT NULL,
                    protocol TEXT NOT NULL,
                    format_version TEXT NOT NULL,
                    status TEXT NOT NULL,
                    version INTEGER NOT NULL
                );
                CREATE INDEX directory_endpoints_route ON directory_endpoints (provider, source_system, category);
                CREATE TABLE directory_history (
                    id TEXT NOT NULL,
                    version INTEGER NOT NULL,
                    changed_at TEXT NOT NULL,
                    changed_by TEXT NOT NULL,
                    json TEXT,
                    PRIMARY KEY (id, version)
                );
                """,
            PostgreSql: """
                CREATE SCHEMA IF NOT EXISTS directory;
                CREATE TABLE directory.endpoints (
                    id text PRIMARY KEY,
                    provider text NOT NULL,
                    source_system text NOT NULL,
                    category text,
                    address text NOT NULL,
                    protocol text NOT NULL,
                    format_version text NOT NULL,
                    status text NOT NULL,
                    version integer NOT NULL
                );
                CREATE INDEX endpoints_route ON directory.endpoints (provider, source_system, category);
                CREATE TABLE directory.history (
                    id text NOT NULL,
                    version integer NOT NULL,
                    changed_at text NOT NULL,
                    changed_by text NOT NULL,
                    json text,
                    PRIMARY KEY (id, version)
                );
                """),
    ];
}
