using Microsoft.Data.Sqlite;

namespace OpenNdi.SecondaryUse.Workspaces;

/// <summary>
/// Writes one extract into a SQLite workspace file in one transaction, with one prepared INSERT per table (SQLite
/// has no COPY; inside a transaction a prepared insert is its bulk path). Disposing without
/// <see cref="CompleteAsync"/> rolls back and leaves the file as it was.
/// </summary>
internal sealed class SqliteExtractWriter : IExtractWriter
{
    private readonly SqliteConnection _connection;
    private readonly SqliteTransaction _transaction;
    private readonly SqliteCommand _person;
    private readonly SqliteCommand _event;
    private readonly SqliteCommand _remove;
    private bool _finished;

    private SqliteExtractWriter(SqliteConnection connection, SqliteTransaction transaction)
    {
        _connection = connection;
        _transaction = transaction;
        _person = Prepared("INSERT INTO persons (subject, birth, sex, place) VALUES ($1, $2, $3, $4)", 4);
        _event = Prepared("INSERT INTO events (subject, dataset, code, date, holder) VALUES ($1, $2, $3, $4, $5)", 5);
        _remove = Prepared("DELETE FROM events WHERE subject = $1", 1);
    }

    /// <summary>Takes over <paramref name="connection"/>: the writer disposes it.</summary>
    public static async Task<SqliteExtractWriter> StartAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        SqliteTransaction? transaction = null;
        try
        {
            transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
            await SqliteWorkspaces.ExecuteAsync(connection, transaction, """
                DROP TABLE IF EXISTS persons;
                DROP TABLE IF EXISTS events;
                CREATE TABLE persons (subject TEXT PRIMARY KEY, birth TEXT, sex TEXT, place TEXT);
                CREATE TABLE events (subject TEXT NOT NULL, dataset TEXT NOT NULL, code TEXT, date TEXT, holder TEXT);
                """, cancellationToken);
            return new SqliteExtractWriter(connection, transaction);
        }
        catch
        {
            if (transaction is not null)
                await transaction.DisposeAsync();
            await connection.DisposeAsync();
            throw;
        }
    }

    public async ValueTask WriteEventAsync(ExtractEvent row, CancellationToken cancellationToken)
    {
        ThrowIfFinished();
        Bind(_event, row.Subject, row.Dataset, row.Code, row.Date, row.Holder);
        await _event.ExecuteNonQueryAsync(cancellationToken);
    }

    public async ValueTask WritePersonAsync(ExtractPerson row, CancellationToken cancellationToken)
    {
        ThrowIfFinished();
        Bind(_person, row.Subject, row.Birth, row.Sex, row.Place);
        await _person.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task RemoveSubjectsAsync(IReadOnlyCollection<string> subjects, CancellationToken cancellationToken)
    {
        ThrowIfFinished();
        foreach (var subject in subjects)
        {
            Bind(_remove, subject);
            await _remove.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    public async Task CompleteAsync(CancellationToken cancellationToken)
    {
        ThrowIfFinished();
        // The index after the rows: built once over all of them instead of kept up row by row.
        await SqliteWorkspaces.ExecuteAsync(_connection, _transaction, "CREATE INDEX events_subject ON events (subject)", cancellationToken);
        await _transaction.CommitAsync(cancellationToken);
        _finished = true;
    }

    private SqliteCommand Prepared(string sql, int parameters)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = _transaction;
        for (var i = 1; i <= parameters; i++)
            command.Parameters.Add(new SqliteParameter("$" + i, SqliteType.Text));
        command.Prepare();
        return command;
    }

    private static void Bind(SqliteCommand command, params ReadOnlySpan<string?> values)
    {
        for (var i = 0; i < values.Length; i++)
            command.Parameters[i].Value = (object?)values[i] ?? DBNull.Value;
    }

    private void ThrowIfFinished()
    {
        if (_finished)
            throw new InvalidOperationException("the extract is already complete");
    }

    public async ValueTask DisposeAsync()
    {
        await _person.DisposeAsync();
        await _event.DisposeAsync();
        await _remove.DisposeAsync();
        await _transaction.DisposeAsync();
        await _connection.DisposeAsync();
    }
}
