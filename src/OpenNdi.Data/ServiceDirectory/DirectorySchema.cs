using OpenNdi.Data.Changes;

namespace OpenNdi.Data.ServiceDirectory;

/// <summary>
/// The directory's tables: schema "directory" on PostgreSQL, prefix "directory_" on SQLite. Version 1 holds the
/// endpoints; version 2 the mCSD care services (Organization, Location, HealthcareService) in one table keyed by
/// resource type and id, with the few columns searches need beside the stored JSON, and the endpoints' last health probe.
/// </summary>
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
        new(Module, 2, "mCSD organizations, locations and healthcare services with their history; endpoint health",
            Sqlite: """
                CREATE TABLE directory_entries (
                    resource_type TEXT NOT NULL,
                    id TEXT NOT NULL,
                    hsa_id TEXT,
                    org_number TEXT,
                    organization TEXT,
                    name_key TEXT NOT NULL,
                    version INTEGER NOT NULL,
                    json TEXT NOT NULL,
                    PRIMARY KEY (resource_type, id)
                );
                CREATE INDEX directory_entries_organization ON directory_entries (resource_type, organization);
                CREATE INDEX directory_entries_hsa_id ON directory_entries (resource_type, hsa_id);
                CREATE INDEX directory_entries_org_number ON directory_entries (resource_type, org_number);
                CREATE TABLE directory_entry_history (
                    resource_type TEXT NOT NULL,
                    id TEXT NOT NULL,
                    version INTEGER NOT NULL,
                    changed_at TEXT NOT NULL,
                    changed_by TEXT NOT NULL,
                    json TEXT,
                    PRIMARY KEY (resource_type, id, version)
                );
                CREATE TABLE directory_endpoint_health (
                    endpoint_id TEXT PRIMARY KEY,
                    checked_at TEXT NOT NULL,
                    outcome TEXT NOT NULL,
                    http_status INTEGER,
                    latency_ms INTEGER NOT NULL,
                    reason TEXT
                );
                """,
            PostgreSql: """
                CREATE TABLE directory.entries (
                    resource_type text NOT NULL,
                    id text NOT NULL,
                    hsa_id text,
                    org_number text,
                    organization text,
                    name_key text NOT NULL,
                    version integer NOT NULL,
                    json text NOT NULL,
                    PRIMARY KEY (resource_type, id)
                );
                CREATE INDEX entries_organization ON directory.entries (resource_type, organization);
                CREATE INDEX entries_hsa_id ON directory.entries (resource_type, hsa_id);
                CREATE INDEX entries_org_number ON directory.entries (resource_type, org_number);
                CREATE TABLE directory.entry_history (
                    resource_type text NOT NULL,
                    id text NOT NULL,
                    version integer NOT NULL,
                    changed_at text NOT NULL,
                    changed_by text NOT NULL,
                    json text,
                    PRIMARY KEY (resource_type, id, version)
                );
                CREATE TABLE directory.endpoint_health (
                    endpoint_id text PRIMARY KEY,
                    checked_at text NOT NULL,
                    outcome text NOT NULL,
                    http_status integer,
                    latency_ms integer NOT NULL,
                    reason text
                );
                """),
        new(Module, 3, "endpoints and care services announce their changes, so every replica's cached routes and names are dropped at once",
            Sqlite: ChangeTriggers.SqliteNothing,
            PostgreSql: ChangeTriggers.PostgreSql("directory", "endpoints", "entries")),
    ];
}
