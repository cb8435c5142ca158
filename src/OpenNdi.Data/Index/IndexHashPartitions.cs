namespace OpenNdi.Data.Index;

/// <summary>
/// On PostgreSQL <c>pdi.entries</c> is partitioned by HASH on the patient into <see cref="Count"/> tables
/// (<c>pdi.entries_p00</c> … ), so that no one table of a national index (about 10⁸ rows) grows past what one
/// vacuum, one index rebuild or one restore handles comfortably. SQLite keeps its one table.
/// </summary>
/// <remarks>
/// The primary key already begins with the patient, the partition key, as a partitioned table's unique constraints
/// must (PostgreSQL 15 docs §5.11.2.3, "Limitations"), so every guarantee stays as it was: one row per engagement-index
/// key, and the upsert's <c>ON CONFLICT … DO UPDATE … WHERE provider = excluded.provider</c> (supported on partitioned
/// tables since PostgreSQL 11) still leaves another provider's entry untouched. An entry's patient never changes, so
/// no row ever moves between partitions. A lookup names one patient, so the planner (or, with a generic plan, the
/// executor) prunes to one partition (§5.11.4, "Partition Pruning"). Pruning is not free: a custom plan is planned
/// over the partition bounds, and a cached generic plan locks every partition and its key at each execution, so the
/// count is as low as maintenance allows. 16 keeps each partition near 7 M rows (1.5 GB) at 105 M entries and under
/// 4 GB at 250 M; 32 measured a little slower per lookup (docs/benchmarks.md, issue 14). Hash partitions cannot be
/// split later without rewriting the table, which is this same migration with another modulus.
/// </remarks>
public static class IndexHashPartitions
{
    public const int Count = 16;

    /// <summary>index/2: the unpartitioned table becomes a partitioned one inside the migration's transaction.</summary>
    public static Migration Migration { get; } = new(IndexSchema.Module, 2, $"pdi.entries partitioned by hash of patient into {Count} (PostgreSQL)",
        Sqlite: "SELECT 1; -- SQLite keeps one table",
        PostgreSql: $$"""
            ALTER TABLE pdi.entries RENAME TO entries_unpartitioned;
            ALTER INDEX pdi.entries_pkey RENAME TO entries_unpartitioned_pkey;
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
                updated_at timestamptz NOT NULL
            ) PARTITION BY HASH (patient);
            DO $do$
            BEGIN
                FOR r IN 0..{{Count - 1}} LOOP
                    EXECUTE format('CREATE TABLE pdi.%I PARTITION OF pdi.entries FOR VALUES WITH (MODULUS {{Count}}, REMAINDER %s)', 'entries_p' || lpad(r::text, 2, '0'), r);
                END LOOP;
            END $do$;
            INSERT INTO pdi.entries (patient, category, care_unit, source_system, source_reference, provider, first_date, latest_date, retracted, updated_at)
                SELECT patient, category, care_unit, source_system, source_reference, provider, first_date, latest_date, retracted, updated_at
                FROM pdi.entries_unpartitioned;
            -- The key after the rows: one sorted build per partition, faster than a B-tree insert per row and
            -- packed full (PostgreSQL 15 docs §14.4.3, "Remove Indexes").
            ALTER TABLE pdi.entries ADD CONSTRAINT entries_pkey PRIMARY KEY (patient, category, care_unit, source_system, source_reference);
            DROP TABLE pdi.entries_unpartitioned;
            ANALYZE pdi.entries;
            """);
}
