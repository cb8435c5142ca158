using System.Globalization;

namespace OpenNdi.Data.Audit;

/// <summary>
/// On PostgreSQL <c>audit.events</c> is partitioned by RANGE on <c>recorded</c>, one table per calendar month (UTC),
/// named <c>audit.events_yYYYYmMM</c>, plus <c>audit.events_default</c> for a record whose month has no table yet, so
/// an append never fails for want of a partition (PostgreSQL 15 docs §5.11.2.1, "Declarative Partitioning", and
/// CREATE TABLE … DEFAULT). SQLite keeps its one table. Do not confuse these time partitions with the log's chain
/// partitions (the <c>partition</c> column, one hash chain per writing node): a chain runs across months.
/// </summary>
public static class AuditTimePartitions
{
    /// <summary>Months created ahead of the current one, at migration, at start-up and by the daily maintenance.</summary>
    public const int MonthsAhead = 3;

    // Arbitrary constant key for pg_advisory_xact_lock: replicas starting at once create a month once, not race for it.
    private const long LockKey = 0x4E44495F41554D4F; // "NDI_AUMO"

    /// <summary>
    /// audit/2: the unpartitioned table becomes a partitioned one in the migration's transaction (renamed away, rows
    /// moved, dropped). A key of a partitioned table must contain the partition key (§5.11.2.3, "Limitations"), so the
    /// primary key is (partition, seq, recorded). What (partition, seq) alone guaranteed is kept by the head: every
    /// batch moves its chain's head with an UPDATE conditioned on the old sequence and hash, under the head row's lock,
    /// so exactly one transaction can claim each sequence number; a duplicate written around the store breaks the
    /// chain, and the verifier names it.
    /// </summary>
    public static Migration Migration { get; } = new(AuditSchema.Module, 2, "audit.events partitioned by month of recorded, with a default partition (PostgreSQL)",
        Sqlite: "SELECT 1; -- SQLite keeps one table: a laptop's log never needs partitions",
        PostgreSql: $$"""
            ALTER TABLE audit.events RENAME TO events_unpartitioned;
            ALTER INDEX audit.events_pkey RENAME TO events_unpartitioned_pkey;
            ALTER INDEX audit.events_patient RENAME TO events_unpartitioned_patient;
            ALTER INDEX audit.events_actor RENAME TO events_unpartitioned_actor;
            ALTER INDEX audit.events_provider RENAME TO events_unpartitioned_provider;
            ALTER INDEX audit.events_emergency RENAME TO events_unpartitioned_emergency;
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
                hash text NOT NULL
            ) PARTITION BY RANGE (recorded);
            -- Row triggers on a partitioned table are cloned to every partition, present and future (CREATE TRIGGER,
            -- "Notes"); a statement-level TRUNCATE trigger is not, so each partition gets its own (audit.create_month).
            CREATE TRIGGER events_no_change BEFORE UPDATE OR DELETE ON audit.events FOR EACH ROW EXECUTE FUNCTION audit.refuse_change();
            CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON audit.events FOR EACH STATEMENT EXECUTE FUNCTION audit.refuse_change();
            CREATE TABLE audit.events_default PARTITION OF audit.events DEFAULT;
            CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON audit.events_default FOR EACH STATEMENT EXECUTE FUNCTION audit.refuse_change();

            -- One month's table, made outside the tree and attached: ATTACH PARTITION takes only SHARE UPDATE EXCLUSIVE on
            -- audit.events, so appends and reads go on (§5.11.2.2, "Partition Maintenance"), and the CHECK constraint
            -- spares the scan of the new table. A month whose records already sit in the default partition is left
            -- there (returns null with a warning): attaching it would fail, and moving them would need a DELETE that the
            -- log refuses. Returns the new table's name, or null when nothing was made.
            CREATE FUNCTION audit.create_month(month_start date) RETURNS text LANGUAGE plpgsql AS $fn$
            DECLARE
                first_day date := date_trunc('month', month_start)::date;
                from_at timestamptz := first_day::timestamp AT TIME ZONE 'UTC';
                to_at timestamptz := (first_day + interval '1 month')::timestamp AT TIME ZONE 'UTC';
                name text := 'events_' || to_char(first_day, '"y"YYYY"m"MM');
            BEGIN
                IF to_regclass('audit.' || name) IS NOT NULL THEN
                    RETURN NULL;
                END IF;
                IF EXISTS (SELECT 1 FROM audit.events_default WHERE recorded >= from_at AND recorded < to_at) THEN
                    RAISE WARNING 'audit month % has records in audit.events_default: it stays there', name;
                    RETURN NULL;
                END IF;
                EXECUTE format('CREATE TABLE audit.%I (LIKE audit.events INCLUDING DEFAULTS)', name);
                EXECUTE format('ALTER TABLE audit.%I ADD CONSTRAINT %I CHECK (recorded >= %L AND recorded < %L)', name, name || '_range', from_at, to_at);
                EXECUTE format('ALTER TABLE audit.events ATTACH PARTITION audit.%I FOR VALUES FROM (%L) TO (%L)', name, from_at, to_at);
                EXECUTE format('ALTER TABLE audit.%I DROP CONSTRAINT %I', name, name || '_range');
                EXECUTE format('CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON audit.%I FOR EACH STATEMENT EXECUTE FUNCTION audit.refuse_change()', name);
                RETURN name;
            END $fn$;

            -- Every month that holds records, and the current and coming months, before a row moves.
            SELECT audit.create_month(m) FROM (
                SELECT DISTINCT date_trunc('month', recorded AT TIME ZONE 'UTC')::date AS m FROM audit.events_unpartitioned
                UNION SELECT (date_trunc('month', now() AT TIME ZONE 'UTC') + n * interval '1 month')::date FROM generate_series(0, {{MonthsAhead}}) AS n
            ) AS months ORDER BY m;
            INSERT INTO audit.events SELECT partition, seq, recorded, event, outcome, actor, actor_provider, patient, emergency, json, prev_hash, hash
                FROM audit.events_unpartitioned;
            -- Key and indexes after the rows: one sorted build per partition, faster than a B-tree insert per row and
            -- packed full (§14.4.3, "Remove Indexes"); declared on audit.events, so every month made later gets them.
            ALTER TABLE audit.events ADD CONSTRAINT events_pkey PRIMARY KEY (partition, seq, recorded);
            CREATE INDEX events_patient ON audit.events (patient, recorded DESC) WHERE patient IS NOT NULL;
            CREATE INDEX events_actor ON audit.events (actor, recorded DESC);
            CREATE INDEX events_provider ON audit.events (actor_provider, recorded DESC) WHERE actor_provider IS NOT NULL;
            CREATE INDEX events_emergency ON audit.events (recorded DESC) WHERE emergency;
            DROP TABLE audit.events_unpartitioned;
            ANALYZE audit.events;
            """);

    /// <summary>
    /// Creates the month of <paramref name="now"/> and the <paramref name="monthsAhead"/> after it where missing, on
    /// PostgreSQL (nothing on SQLite); returns the tables made. Safe when several replicas run it at once.
    /// </summary>
    public static async Task<IReadOnlyList<string>> EnsureMonthsAsync(NdiDatabase database, DateTimeOffset now, int monthsAhead = MonthsAhead, CancellationToken cancellationToken = default)
    {
        if (database.Backend == StorageBackend.Sqlite)
            return [];
        ArgumentOutOfRangeException.ThrowIfNegative(monthsAhead);
        var first = new DateOnly(now.UtcDateTime.Year, now.UtcDateTime.Month, 1);
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // Transaction-scoped, like the migration lock: no session state is left on the pooled connection. The lock
        // timeout bounds the wait for the default partition's ACCESS EXCLUSIVE lock behind a long reader.
        await using (var setup = connection.Command($"SELECT pg_advisory_xact_lock({LockKey}), set_config('lock_timeout', '10s', true)", transaction))
            await setup.ExecuteNonQueryAsync(cancellationToken);
        var created = new List<string>();
        for (var i = 0; i <= monthsAhead; i++)
        {
            await using var create = connection.Command("SELECT audit.create_month(@month)", transaction).With("@month", first.AddMonths(i));
            if (await create.ExecuteScalarAsync(cancellationToken) is string name)
                created.Add(name);
        }
        await transaction.CommitAsync(cancellationToken);
        return created;
    }

    /// <summary>The name of the table that holds the month of <paramref name="time"/> (UTC), once it is created.</summary>
    public static string MonthTable(DateTimeOffset time) =>
        string.Create(CultureInfo.InvariantCulture, $"events_y{time.UtcDateTime.Year:D4}m{time.UtcDateTime.Month:D2}");
}
