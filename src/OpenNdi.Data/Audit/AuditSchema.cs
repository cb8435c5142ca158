namespace OpenNdi.Data.Audit;

/// <summary>
/// The audit log: records chained per partition, the partitions' heads, and checkpoints. The records table refuses
/// UPDATE and DELETE (and on PostgreSQL TRUNCATE) by trigger; that keeps honest code honest, and the hash chain
/// catches anyone who goes around it.
/// </summary>
public static class AuditSchema
{
    public const string Module = "audit";

    public static IReadOnlyList<Migration> Migrations { get; } =
    [
        new(Module, 1, "append-only audit records chained per partition, heads and checkpoints",
            Sqlite: """
                CREATE TABLE audit_events (
                    partition TEXT NOT NULL,
                    seq INTEGER NOT NULL,
                    recorded TEXT NOT NULL,
                    event TEXT NOT NULL,
                    outcome INTEGER NOT NULL,
                    actor TEXT NOT NULL,
                    actor_provider TEXT,
                    patient TEXT,
                    emergency INTEGER NOT NULL,
                    json TEXT NOT NULL,
                    prev_hash TEXT NOT NULL,
                    hash TEXT NOT NULL,
                    PRIMARY KEY (partition, seq)
                );
                CREATE INDEX audit_events_patient ON audit_events (patient, recorded DESC) WHERE patient IS NOT NULL;
                CREATE INDEX audit_events_actor ON audit_events (actor, recorded DESC);
                CREATE INDEX audit_events_provider ON audit_events (actor_provider, recorded DESC) WHERE actor_provider IS NOT NULL;
                CREATE INDEX audit_events_emergency ON audit_events (recorded DESC) WHERE emergency = 1;
                CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
                CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
                CREATE TABLE audit_heads (
                    partition TEXT PRIMARY KEY,
                    seq INTEGER NOT NULL,
                    hash TEXT NOT NULL,
                    at TEXT NOT NULL
                );
                CREATE TABLE audit_checkpoints (
                    partition TEXT NOT NULL,
                    seq INTEGER NOT NULL,
                    hash TEXT NOT NULL,
                    at TEXT NOT NULL,
                    PRIMARY KEY (partition, seq)
                );
                """,
            PostgreSql: """
                CREATE SCHEMA IF NOT EXISTS audit;
                CREATE TABLE audit.events (
                    partition text NOT NULL,
                    seq bigint NOT NULL,
                    recorded timestamptz NOT NULL,
                    event text NOT NULL,
                    outcome smallint NOT NULL,
                    actor text NOT NULL,
                    actor_provider text,
                    patient text,
                    emergency boolean NOT NULL,
                    json text NOT NULL,
                    prev_hash text NOT NULL,
                    hash text NOT NULL,
                    PRIMARY KEY (partition, seq)
                );
                CREATE INDEX events_patient ON audit.events (patient, recorded DESC) WHERE patient IS NOT NULL;
                CREATE INDEX events_actor ON audit.events (actor, recorded DESC);
                CREATE INDEX events_provider ON audit.events (actor_provider, recorded DESC) WHERE actor_provider IS NOT NULL;
                CREATE INDEX events_emergency ON audit.events (recorded DESC) WHERE emergency;
                CREATE FUNCTION audit.refuse_change() RETURNS trigger LANGUAGE plpgsql AS
                    $$ BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$;
                CREATE TRIGGER events_no_change BEFORE UPDATE OR DELETE ON audit.events FOR EACH ROW EXECUTE FUNCTION audit.refuse_change();
                CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON audit.events FOR EACH STATEMENT EXECUTE FUNCTION audit.refuse_change();
                CREATE TABLE audit.heads (
                    partition text PRIMARY KEY,
                    seq bigint NOT NULL,
                    hash text NOT NULL,
                    at timestamptz NOT NULL
                );
                CREATE TABLE audit.checkpoints (
                    partition text NOT NULL,
                    seq bigint NOT NULL,
                    hash text NOT NULL,
                    at timestamptz NOT NULL,
                    PRIMARY KEY (partition, seq)
                );
                """),
        AuditTimePartitions.Migration,
    ];
}
