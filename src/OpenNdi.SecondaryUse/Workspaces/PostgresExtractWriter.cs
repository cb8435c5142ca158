using Npgsql;
using OpenNdi.Data;
using static OpenNdi.SecondaryUse.Workspaces.PostgresText;

namespace OpenNdi.SecondaryUse.Workspaces;

/// <summary>
/// Writes one extract into a PostgreSQL workspace in one transaction: the two tables are dropped and made anew, the
/// rows go in by binary COPY, and the role is granted SELECT at the end. Until the commit the permit holder sees the
/// previous extract (and waits on the new tables' locks); disposing without <see cref="CompleteAsync"/> rolls back.
/// </summary>
/// <remarks>
/// One connection can run one COPY at a time, while the caller may hand persons and events in any order. Events (the
/// many) are copied as they come; persons are held in memory and copied in batches of
/// <see cref="PostgresWorkspacesOptions.PersonBatch"/>, each batch ending the events' COPY and starting it again. That
/// bounds the memory and costs a round trip per batch, not per switch between the two.
/// </remarks>
internal sealed class PostgresExtractWriter : IExtractWriter
{
    private readonly NpgsqlConnection _connection;
    private readonly NpgsqlTransaction _transaction;
    private readonly string _schema;
    private readonly string _role;
    private readonly int _personBatch;
    private readonly List<ExtractPerson> _persons = [];
    private NpgsqlBinaryImporter? _events;
    private bool _finished;

    private PostgresExtractWriter(NpgsqlConnection connection, NpgsqlTransaction transaction, string name, int personBatch)
    {
        _connection = connection;
        _transaction = transaction;
        _schema = Identifier(name);
        _role = Identifier(name);
        _personBatch = personBatch;
    }

    public static async Task<PostgresExtractWriter> StartAsync(NdiDatabase database, string name, int personBatch, CancellationToken cancellationToken)
    {
        var connection = (NpgsqlConnection)await database.OpenConnectionAsync(cancellationToken);
        NpgsqlTransaction? transaction = null;
        try
        {
            transaction = await connection.BeginTransactionAsync(cancellationToken);
            await using (var exists = connection.Command("SELECT count(*) FROM pg_namespace WHERE nspname = @n", transaction).With("@n", name))
            {
                if (await exists.ScalarLongAsync(cancellationToken) == 0)
                    throw new InvalidOperationException($"workspace '{name}' is not open");
            }
            var schema = Identifier(name);
            // No CASCADE: a view the holder built on the extract makes the new extract fail rather than vanish unseen.
            await PostgresWorkspaces.ExecuteAsync(connection, transaction, $"""
                DROP TABLE IF EXISTS {schema}.persons, {schema}.events;
                CREATE TABLE {schema}.persons (subject text PRIMARY KEY, birth text, sex text, place text);
                CREATE TABLE {schema}.events (subject text NOT NULL, dataset text NOT NULL, code text, date text, holder text);
                """, cancellationToken);
            return new PostgresExtractWriter(connection, transaction, name, personBatch);
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
        _events ??= await _connection.BeginBinaryImportAsync(
            $"COPY {_schema}.events (subject, dataset, code, date, holder) FROM STDIN (FORMAT BINARY)", cancellationToken);
        await _events.StartRowAsync(cancellationToken);
        await _events.WriteAsync(row.Subject, NpgsqlTypes.NpgsqlDbType.Text, cancellationToken);
        await _events.WriteAsync(row.Dataset, NpgsqlTypes.NpgsqlDbType.Text, cancellationToken);
        await _events.WriteTextOrNullAsync(row.Code, cancellationToken);
        await _events.WriteTextOrNullAsync(row.Date, cancellationToken);
        await _events.WriteTextOrNullAsync(row.Holder, cancellationToken);
    }

    public async ValueTask WritePersonAsync(ExtractPerson row, CancellationToken cancellationToken)
    {
        ThrowIfFinished();
        _persons.Add(row);
        if (_persons.Count >= _personBatch)
            await CopyPersonsAsync(cancellationToken);
    }

    public async Task RemoveSubjectsAsync(IReadOnlyCollection<string> subjects, CancellationToken cancellationToken)
    {
        ThrowIfFinished();
        if (subjects.Count == 0)
            return;
        await EndEventsAsync(cancellationToken);
        await using var delete = _connection.Command($"DELETE FROM {_schema}.events WHERE subject = ANY(@s)", _transaction).With("@s", subjects.ToArray());
        await delete.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task CompleteAsync(CancellationToken cancellationToken)
    {
        ThrowIfFinished();
        await EndEventsAsync(cancellationToken);
        await CopyPersonsAsync(cancellationToken);
        // The index after the rows: built once over all of them instead of kept up row by row.
        await PostgresWorkspaces.ExecuteAsync(_connection, _transaction, $"""
            CREATE INDEX ON {_schema}.events (subject);
            GRANT SELECT ON {_schema}.persons, {_schema}.events TO {_role};
            """, cancellationToken);
        await _transaction.CommitAsync(cancellationToken);
        _finished = true;
    }

    private async Task EndEventsAsync(CancellationToken cancellationToken)
    {
        if (_events is null)
            return;
        var events = _events;
        _events = null;
        await events.CompleteAsync(cancellationToken);
        await events.DisposeAsync();
    }

    private async Task CopyPersonsAsync(CancellationToken cancellationToken)
    {
        if (_persons.Count == 0)
            return;
        await EndEventsAsync(cancellationToken);
        await using (var copy = await _connection.BeginBinaryImportAsync(
            $"COPY {_schema}.persons (subject, birth, sex, place) FROM STDIN (FORMAT BINARY)", cancellationToken))
        {
            foreach (var person in _persons)
            {
                await copy.StartRowAsync(cancellationToken);
                await copy.WriteAsync(person.Subject, NpgsqlTypes.NpgsqlDbType.Text, cancellationToken);
                await copy.WriteTextOrNullAsync(person.Birth, cancellationToken);
                await copy.WriteTextOrNullAsync(person.Sex, cancellationToken);
                await copy.WriteTextOrNullAsync(person.Place, cancellationToken);
            }
            await copy.CompleteAsync(cancellationToken);
        }
        _persons.Clear();
    }

    private void ThrowIfFinished()
    {
        if (_finished)
            throw new InvalidOperationException("the extract is already complete");
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            // An unfinished COPY is cancelled by its disposal; the transaction then rolls back with the connection's return.
            if (_events is not null)
                await _events.DisposeAsync();
        }
        finally
        {
            _events = null;
            await _transaction.DisposeAsync();
            await _connection.DisposeAsync();
        }
    }
}
