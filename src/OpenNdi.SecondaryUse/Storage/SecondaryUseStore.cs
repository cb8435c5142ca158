using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using OpenNdi.Data;
using OpenNdi.SecondaryUse.Catalog;
using OpenNdi.SecondaryUse.Domain;
using OpenNdi.SecondaryUse.Preparation;

namespace OpenNdi.SecondaryUse.Storage;

/// <summary>
/// The body's own storage (schema <c>sdu</c>; tables <c>sdu_*</c> on SQLite): the catalogue's entries, applications,
/// permits, outputs, and which persons' data reached which permit's extract (the patients' transparency list). Each
/// document is kept as JSON beside the columns its queries filter on. A state change names the state it expects, so
/// two officers deciding at once cannot both win.
/// </summary>
public sealed class SecondaryUseStore(NdiDatabase database) : IIncludedPersons
{
    public const string Module = "secondaryuse";

    public static IReadOnlyList<Migration> Migrations { get; } =
    [
        new(Module, 1, "catalogue, applications, permits, outputs, persons per permit",
            Sqlite: """
                CREATE TABLE sdu_catalog (dataset_id TEXT PRIMARY KEY, holder TEXT NOT NULL, review_due TEXT NOT NULL, json TEXT NOT NULL);
                CREATE TABLE sdu_applications (id TEXT PRIMARY KEY, applicant TEXT NOT NULL, organisation TEXT NOT NULL, state TEXT NOT NULL, submitted TEXT NOT NULL, json TEXT NOT NULL);
                CREATE INDEX sdu_applications_applicant ON sdu_applications (applicant);
                CREATE TABLE sdu_permits (id TEXT PRIMARY KEY, application TEXT NOT NULL UNIQUE, holder TEXT NOT NULL, state TEXT NOT NULL, valid_until TEXT NOT NULL, json TEXT NOT NULL);
                CREATE TABLE sdu_outputs (id TEXT PRIMARY KEY, permit TEXT NOT NULL, state TEXT NOT NULL, submitted TEXT NOT NULL, json TEXT NOT NULL);
                CREATE INDEX sdu_outputs_permit ON sdu_outputs (permit);
                CREATE TABLE sdu_permit_persons (person TEXT NOT NULL, permit TEXT NOT NULL, PRIMARY KEY (person, permit)) WITHOUT ROWID;
                """,
            PostgreSql: """
                CREATE SCHEMA IF NOT EXISTS sdu;
                CREATE TABLE sdu.catalog (dataset_id text PRIMARY KEY, holder text NOT NULL, review_due text NOT NULL, json text NOT NULL);
                CREATE TABLE sdu.applications (id text PRIMARY KEY, applicant text NOT NULL, organisation text NOT NULL, state text NOT NULL, submitted text NOT NULL, json text NOT NULL);
                CREATE INDEX applications_applicant ON sdu.applications (applicant);
                CREATE TABLE sdu.permits (id text PRIMARY KEY, application text NOT NULL UNIQUE, holder text NOT NULL, state text NOT NULL, valid_until text NOT NULL, json text NOT NULL);
                CREATE TABLE sdu.outputs (id text PRIMARY KEY, permit text NOT NULL, state text NOT NULL, submitted text NOT NULL, json text NOT NULL);
                CREATE INDEX outputs_permit ON sdu.outputs (permit);
                CREATE TABLE sdu.permit_persons (person text NOT NULL, permit text NOT NULL, PRIMARY KEY (person, permit));
                """),
        // Clearing and counting a permit's persons filtered on the second column of the key: a scan of every permit's rows.
        new(Module, 2, "persons per permit found by permit",
            Sqlite: "CREATE INDEX sdu_permit_persons_permit ON sdu_permit_persons (permit);",
            PostgreSql: "CREATE INDEX permit_persons_permit ON sdu.permit_persons (permit);"),
    ];

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) } };

    private readonly string _catalog = database.Table("sdu", "catalog");
    private readonly string _applications = database.Table("sdu", "applications");
    private readonly string _permits = database.Table("sdu", "permits");
    private readonly string _outputs = database.Table("sdu", "outputs");
    private readonly string _persons = database.Table("sdu", "permit_persons");

    private static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);

    // --- Catalogue -------------------------------------------------------------------------------------------------

    /// <summary>Adds or replaces the entries (a holder's description published or checked again).</summary>
    public async Task SaveCatalogAsync(IReadOnlyList<CatalogEntry> entries, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        foreach (var entry in entries)
        {
            await using var upsert = connection.Command($"""
                INSERT INTO {_catalog} (dataset_id, holder, review_due, json) VALUES (@id, @holder, @due, @json)
                ON CONFLICT (dataset_id) DO UPDATE SET holder = excluded.holder, review_due = excluded.review_due, json = excluded.json
                """, transaction)
                .With("@id", entry.Dataset.Id).With("@holder", entry.Dataset.Holder).With("@due", entry.ReviewDue.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture))
                .With("@json", JsonSerializer.Serialize(entry, Json));
            await upsert.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<CatalogEntry>> CatalogAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var command = connection.Command($"SELECT json FROM {_catalog} ORDER BY dataset_id");
        return await ReadAllAsync<CatalogEntry>(command, cancellationToken);
    }

    // --- Applications ----------------------------------------------------------------------------------------------

    public async Task AddApplicationAsync(DataApplication application, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var insert = connection.Command($"""
            INSERT INTO {_applications} (id, applicant, organisation, state, submitted, json) VALUES (@id, @applicant, @organisation, @state, @submitted, @json)
            """)
            .With("@id", application.Id).With("@applicant", application.Applicant).With("@organisation", application.Organisation)
            .With("@state", application.State.ToString()).With("@submitted", Time(application.Submitted)).With("@json", JsonSerializer.Serialize(application, Json));
        await insert.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Replaces the application if it is still in <paramref name="expected"/>; false when someone moved it first.</summary>
    public async Task<bool> UpdateApplicationAsync(DataApplication application, ApplicationState expected, DbTransaction? transaction = null, CancellationToken cancellationToken = default)
    {
        var connection = transaction?.Connection;
        await using var own = connection is null ? await database.OpenConnectionAsync(cancellationToken) : null;
        await using var update = (connection ?? own!).Command($"UPDATE {_applications} SET state = @state, json = @json WHERE id = @id AND state = @expected", transaction)
            .With("@id", application.Id).With("@state", application.State.ToString()).With("@expected", expected.ToString())
            .With("@json", JsonSerializer.Serialize(application, Json));
        return await update.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task<DataApplication?> ApplicationAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var command = connection.Command($"SELECT json FROM {_applications} WHERE id = @id").With("@id", id);
        return (await ReadAllAsync<DataApplication>(command, cancellationToken)).FirstOrDefault();
    }

    /// <summary>Applications, oldest first: one applicant's (for their queue), or all (the officers' queue).</summary>
    public async Task<IReadOnlyList<DataApplication>> ApplicationsAsync(string? applicant, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var command = applicant is null
            ? connection.Command($"SELECT json FROM {_applications} ORDER BY submitted, id")
            : connection.Command($"SELECT json FROM {_applications} WHERE applicant = @applicant ORDER BY submitted, id").With("@applicant", applicant);
        return await ReadAllAsync<DataApplication>(command, cancellationToken);
    }

    // --- Permits ---------------------------------------------------------------------------------------------------

    /// <summary>Approves: the application moves from <paramref name="expected"/> to approved and the permit is stored, together or not at all.</summary>
    public async Task<bool> ApproveAsync(DataApplication approved, ApplicationState expected, DataPermit permit, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (!await UpdateApplicationAsync(approved, expected, transaction, cancellationToken))
            return false;
        await using (var insert = connection.Command($"""
            INSERT INTO {_permits} (id, application, holder, state, valid_until, json) VALUES (@id, @application, @holder, @state, @until, @json)
            """, transaction)
            .With("@id", permit.Id).With("@application", permit.Application).With("@holder", permit.Holder).With("@state", permit.State.ToString())
            .With("@until", Time(permit.ValidUntil)).With("@json", JsonSerializer.Serialize(permit, Json)))
            await insert.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>Replaces the permit if it is still in <paramref name="expected"/>.</summary>
    public async Task<bool> UpdatePermitAsync(DataPermit permit, PermitState expected, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var update = connection.Command($"UPDATE {_permits} SET state = @state, valid_until = @until, json = @json WHERE id = @id AND state = @expected")
            .With("@id", permit.Id).With("@state", permit.State.ToString()).With("@expected", expected.ToString()).With("@until", Time(permit.ValidUntil))
            .With("@json", JsonSerializer.Serialize(permit, Json));
        return await update.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task<DataPermit?> PermitAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var command = connection.Command($"SELECT json FROM {_permits} WHERE id = @id").With("@id", id);
        return (await ReadAllAsync<DataPermit>(command, cancellationToken)).FirstOrDefault();
    }

    /// <summary>Permits, by id: one holder's, or all.</summary>
    public async Task<IReadOnlyList<DataPermit>> PermitsAsync(string? holder, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var command = holder is null
            ? connection.Command($"SELECT json FROM {_permits} ORDER BY id")
            : connection.Command($"SELECT json FROM {_permits} WHERE holder = @holder ORDER BY id").With("@holder", holder);
        return await ReadAllAsync<DataPermit>(command, cancellationToken);
    }

    /// <summary>Active permits whose end is at or before <paramref name="now"/>: the ones to close.</summary>
    public async Task<IReadOnlyList<DataPermit>> ActivePermitsEndedAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var command = connection.Command($"SELECT json FROM {_permits} WHERE state = @active AND valid_until <= @now ORDER BY id")
            .With("@active", PermitState.Active.ToString()).With("@now", Time(now));
        return await ReadAllAsync<DataPermit>(command, cancellationToken);
    }

    // --- Persons per permit (transparency) -------------------------------------------------------------------------

    public async Task AddAsync(string permit, IReadOnlyList<string> persons, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        if (connection is Npgsql.NpgsqlConnection postgres)
        {
            await using var copy = await postgres.BeginBinaryImportAsync($"COPY {_persons} (person, permit) FROM STDIN (FORMAT BINARY)", cancellationToken);
            foreach (var person in persons)
            {
                await copy.StartRowAsync(cancellationToken);
                await copy.WriteAsync(person, NpgsqlTypes.NpgsqlDbType.Text, cancellationToken);
                await copy.WriteAsync(permit, NpgsqlTypes.NpgsqlDbType.Text, cancellationToken);
            }
            await copy.CompleteAsync(cancellationToken);
            return;
        }
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var insert = connection.Command($"INSERT OR IGNORE INTO {_persons} (person, permit) VALUES (@person, @permit)", transaction)
            .With("@person", "").With("@permit", permit);
        foreach (var person in persons)
        {
            insert.Parameters["@person"].Value = person;
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>Forgets who was in a permit's extract before it is prepared again (the new extract's persons are recorded anew).</summary>
    public async Task ClearPersonsAsync(string permit, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var delete = connection.Command($"DELETE FROM {_persons} WHERE permit = @permit").With("@permit", permit);
        await delete.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The permits whose extracts included <paramref name="person"/>'s data.</summary>
    public async Task<IReadOnlyList<DataPermit>> PermitsUsingAsync(string person, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var command = connection.Command($"SELECT p.json FROM {_persons} x JOIN {_permits} p ON p.id = x.permit WHERE x.person = @person ORDER BY p.id")
            .With("@person", person);
        return await ReadAllAsync<DataPermit>(command, cancellationToken);
    }

    /// <summary>Whether <paramref name="person"/> is recorded in <paramref name="permit"/>'s extract (tests and the transparency page).</summary>
    public async Task<long> CountPersonsAsync(string permit, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var command = connection.Command($"SELECT count(*) FROM {_persons} WHERE permit = @permit").With("@permit", permit);
        return await command.ScalarLongAsync(cancellationToken);
    }

    // --- Outputs ---------------------------------------------------------------------------------------------------

    public async Task AddOutputAsync(DataOutput output, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var insert = connection.Command($"INSERT INTO {_outputs} (id, permit, state, submitted, json) VALUES (@id, @permit, @state, @submitted, @json)")
            .With("@id", output.Id).With("@permit", output.Permit).With("@state", output.State.ToString()).With("@submitted", Time(output.Submitted))
            .With("@json", JsonSerializer.Serialize(output, Json));
        await insert.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Replaces the output if it is still in <paramref name="expected"/>.</summary>
    public async Task<bool> UpdateOutputAsync(DataOutput output, OutputState expected, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var update = connection.Command($"UPDATE {_outputs} SET state = @state, json = @json WHERE id = @id AND state = @expected")
            .With("@id", output.Id).With("@state", output.State.ToString()).With("@expected", expected.ToString()).With("@json", JsonSerializer.Serialize(output, Json));
        return await update.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task<DataOutput?> OutputAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var command = connection.Command($"SELECT json FROM {_outputs} WHERE id = @id").With("@id", id);
        return (await ReadAllAsync<DataOutput>(command, cancellationToken)).FirstOrDefault();
    }

    /// <summary>Outputs, oldest first: one permit's, or all (the officers' queue).</summary>
    public async Task<IReadOnlyList<DataOutput>> OutputsAsync(string? permit, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var command = permit is null
            ? connection.Command($"SELECT json FROM {_outputs} ORDER BY submitted, id")
            : connection.Command($"SELECT json FROM {_outputs} WHERE permit = @permit ORDER BY submitted, id").With("@permit", permit);
        return await ReadAllAsync<DataOutput>(command, cancellationToken);
    }

    private static async Task<IReadOnlyList<T>> ReadAllAsync<T>(DbCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var found = new List<T>();
        while (await reader.ReadAsync(cancellationToken))
            found.Add(JsonSerializer.Deserialize<T>(reader.GetString(0), Json)!);
        return found;
    }
}
