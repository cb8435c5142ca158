using System.Data.Common;

namespace OpenNdi.Data;

/// <summary>Applies the modules' migrations at start-up, idempotently and safely when several processes start at once.</summary>
public static class MigrationRunner
{
    // Arbitrary constant key for pg_advisory_xact_lock: serialises concurrent start-ups of several replicas.
    private const long PostgresLockKey = 0x4E44495F4D494752; // "NDI_MIGR"

    /// <summary>Applies every migration not yet recorded; returns the versions it applied as "module/version".</summary>
    public static async Task<IReadOnlyList<string>> ApplyAsync(NdiDatabase database, IEnumerable<Migration> migrations, CancellationToken cancellationToken = default)
    {
        var ordered = migrations.OrderBy(m => m.Module, StringComparer.Ordinal).ThenBy(m => m.Version).ToList();
        CheckUnique(ordered);
        var applied = new List<string>();
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await EnsureHistoryTableAsync(connection, database.Backend, cancellationToken);

        foreach (var migration in ordered)
        {
            await using var transaction = await BeginLockedAsync(connection, database.Backend, cancellationToken);
            if (await IsAppliedAsync(connection, transaction, migration, cancellationToken))
            {
                await transaction.RollbackAsync(cancellationToken);
                continue;
            }
            await ExecuteAsync(connection, transaction, migration.SqlFor(database.Backend), cancellationToken);
            await using (var record = connection.CreateCommand())
            {
                record.Transaction = transaction;
                record.CommandText = "INSERT INTO ndi_schema_migrations (module, version, description, applied_at) VALUES (@m, @v, @d, @t)";
                record.With("@m", migration.Module);
                record.With("@v", migration.Version);
                record.With("@d", migration.Description);
                record.With("@t", DateTimeOffset.UtcNow.ToString("O"));
                await record.ExecuteNonQueryAsync(cancellationToken);
            }
            await transaction.CommitAsync(cancellationToken);
            applied.Add($"{migration.Module}/{migration.Version}");
        }
        return applied;
    }

    /// <summary>The versions recorded as applied, as "module/version".</summary>
    public static async Task<IReadOnlyList<string>> AppliedAsync(NdiDatabase database, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await EnsureHistoryTableAsync(connection, database.Backend, cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT module, version FROM ndi_schema_migrations ORDER BY module, version";
        var result = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            result.Add($"{reader.GetString(0)}/{reader.GetInt32(1)}");
        return result;
    }

    private static void CheckUnique(List<Migration> ordered)
    {
        var duplicate = ordered.GroupBy(m => (m.Module, m.Version)).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new InvalidOperationException($"Migration {duplicate.Key.Module}/{duplicate.Key.Version} is defined twice.");
    }

    private static string CreateHistoryTable(StorageBackend backend) => backend == StorageBackend.Sqlite
        ? "CREATE TABLE IF NOT EXISTS ndi_schema_migrations (module TEXT NOT NULL, version INTEGER NOT NULL, description TEXT NOT NULL, applied_at TEXT NOT NULL, PRIMARY KEY (module, version))"
        : "CREATE TABLE IF NOT EXISTS public.ndi_schema_migrations (module text NOT NULL, version integer NOT NULL, description text NOT NULL, applied_at text NOT NULL, PRIMARY KEY (module, version))";

    /// <summary>
    /// A transaction that holds the migration lock: on SQLite BEGIN IMMEDIATE (Microsoft.Data.Sqlite's serializable,
    /// non-deferred transaction) takes the write lock up front; on PostgreSQL a transaction-scoped advisory lock.
    /// Either way two processes starting at once cannot both decide to apply the same version.
    /// </summary>
    private static async Task<DbTransaction> BeginLockedAsync(DbConnection connection, StorageBackend backend, CancellationToken cancellationToken)
    {
        if (backend == StorageBackend.Sqlite)
            return await connection.BeginTransactionAsync(System.Data.IsolationLevel.Serializable, cancellationToken);
        // Read committed, so that statements after the lock see what the previous lock holder committed.
        var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.ReadCommitted, cancellationToken);
        await ExecuteAsync(connection, transaction, $"SELECT pg_advisory_xact_lock({PostgresLockKey})", cancellationToken);
        return transaction;
    }

    // Under the lock too: concurrent CREATE TABLE IF NOT EXISTS can still collide in PostgreSQL's catalog.
    private static async Task EnsureHistoryTableAsync(DbConnection connection, StorageBackend backend, CancellationToken cancellationToken)
    {
        await using var transaction = await BeginLockedAsync(connection, backend, cancellationToken);
        await ExecuteAsync(connection, transaction, CreateHistoryTable(backend), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    private static async Task<bool> IsAppliedAsync(DbConnection connection, DbTransaction transaction, Migration migration, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT COUNT(*) FROM ndi_schema_migrations WHERE module = @m AND version = @v";
        command.With("@m", migration.Module);
        command.With("@v", migration.Version);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture) > 0;
    }

    private static async Task ExecuteAsync(DbConnection connection, DbTransaction? transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        // No timeout: a migration that rewrites a table (audit/2, index/2 on a national database) runs for minutes,
        // and Npgsql's default of 30 s would roll it back each start-up. Cancellation still stops it.
        command.CommandTimeout = 0;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
