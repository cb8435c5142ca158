namespace OpenNdi.Data.Changes;

/// <summary>
/// Migration SQL that makes a module's cached tables announce their changes: on PostgreSQL a statement-level trigger
/// per table sends <c>schema.table</c> on <see cref="PostgresChangeListener.Channel"/> after every INSERT, UPDATE,
/// DELETE or TRUNCATE (COPY included), whoever writes — a replica, the CLI or an operator in psql. The notification
/// is sent when the transaction commits, so no cache hears of a change it cannot yet read. SQLite has no
/// notifications: one process per file is the laptop case, and there the caches' lifetimes bound staleness.
/// </summary>
public static class ChangeTriggers
{
    public static string PostgreSql(string schema, params string[] tables) =>
        $"""
        CREATE OR REPLACE FUNCTION {schema}.notify_change() RETURNS trigger LANGUAGE plpgsql AS $fn$
        BEGIN
            PERFORM pg_notify('{PostgresChangeListener.Channel}', TG_TABLE_SCHEMA || '.' || TG_TABLE_NAME);
            RETURN NULL;
        END
        $fn$;
        """
        + string.Concat(tables.Select(table => $"""

            CREATE TRIGGER {table}_notify_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {schema}.{table}
                FOR EACH STATEMENT EXECUTE FUNCTION {schema}.notify_change();
            """));

    /// <summary>The SQLite side of such a migration: nothing to do, but a migration has SQL for both backends.</summary>
    public const string SqliteNothing = "SELECT 1;";
}
