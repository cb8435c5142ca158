using System.Data.Common;
using NpgsqlTypes;
using OpenNdi.Core.Identifiers;
using OpenNdi.Core.Population;

namespace OpenNdi.Data.Population;

/// <summary>
/// <see cref="IPopulationStore"/> for both backends. Queries differ only in table names; bulk writes use binary
/// COPY on PostgreSQL and a prepared INSERT in one transaction on SQLite.
/// </summary>
public sealed class PopulationStore(NdiDatabase database) : IPopulationStore
{
    private readonly string _persons = database.Table("population", "persons");
    private readonly string _guardianships = database.Table("population", "guardianships");
    private readonly string _protected = database.Table("population", "protected_identities");

    private const string PersonColumns = "id, given_name, family_name, sex, birth_date, street, postal_code, city, municipality_code, region_code";

    public async Task AddAsync(IReadOnlyList<Person> persons, IReadOnlyList<Guardianship> guardianships, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        if (database.Backend == StorageBackend.PostgreSql)
            await CopyAsync(NdiDatabase.AsPostgres(connection), persons, guardianships, cancellationToken);
        else
            await InsertAsync(connection, persons, guardianships, cancellationToken);
    }

    private async Task InsertAsync(DbConnection connection, IReadOnlyList<Person> persons, IReadOnlyList<Guardianship> guardianships, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var insert = connection.Command(
            $"INSERT INTO {_persons} ({PersonColumns}) VALUES (@id, @gn, @fn, @sex, @bd, @st, @pc, @city, @mc, @rc)", transaction))
        {
            string[] names = ["@id", "@gn", "@fn", "@sex", "@bd", "@st", "@pc", "@city", "@mc", "@rc"];
            foreach (var name in names)
                insert.With(name, null);
            await insert.PrepareAsync(cancellationToken);
            foreach (var person in persons)
            {
                var values = Columns(person);
                for (var i = 0; i < values.Length; i++)
                    insert.Parameters[i].Value = values[i];
                await insert.ExecuteNonQueryAsync(cancellationToken);
            }
        }
        await using (var insert = connection.Command($"INSERT INTO {_guardianships} (child_id, guardian_id) VALUES (@c, @g)", transaction))
        {
            insert.With("@c", null).With("@g", null);
            foreach (var guardianship in guardianships)
            {
                insert.Parameters[0].Value = guardianship.Child.Value;
                insert.Parameters[1].Value = guardianship.Guardian.Value;
                await insert.ExecuteNonQueryAsync(cancellationToken);
            }
        }
        await transaction.CommitAsync(cancellationToken);
    }

    private async Task CopyAsync(Npgsql.NpgsqlConnection connection, IReadOnlyList<Person> persons, IReadOnlyList<Guardianship> guardianships, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var writer = await connection.BeginBinaryImportAsync($"COPY {_persons} ({PersonColumns}) FROM STDIN (FORMAT BINARY)", cancellationToken))
        {
            foreach (var person in persons)
            {
                await writer.StartRowAsync(cancellationToken);
                await writer.WriteAsync(person.Id.Value, NpgsqlDbType.Text, cancellationToken);
                await writer.WriteAsync(person.GivenName, NpgsqlDbType.Text, cancellationToken);
                await writer.WriteAsync(person.FamilyName, NpgsqlDbType.Text, cancellationToken);
                await writer.WriteAsync(SexCode(person.Sex), NpgsqlDbType.Text, cancellationToken);
                await writer.WriteAsync(person.BirthDate, NpgsqlDbType.Date, cancellationToken);
                await writer.WriteAsync(person.Address.Street, NpgsqlDbType.Text, cancellationToken);
                await writer.WriteAsync(person.Address.PostalCode, NpgsqlDbType.Text, cancellationToken);
                await writer.WriteAsync(person.Address.City, NpgsqlDbType.Text, cancellationToken);
                await writer.WriteAsync(person.Address.MunicipalityCode, NpgsqlDbType.Text, cancellationToken);
                await writer.WriteAsync(person.Address.RegionCode, NpgsqlDbType.Text, cancellationToken);
            }
            await writer.CompleteAsync(cancellationToken);
        }
        await using (var writer = await connection.BeginBinaryImportAsync($"COPY {_guardianships} (child_id, guardian_id) FROM STDIN (FORMAT BINARY)", cancellationToken))
        {
            foreach (var guardianship in guardianships)
            {
                await writer.StartRowAsync(cancellationToken);
                await writer.WriteAsync(guardianship.Child.Value, NpgsqlDbType.Text, cancellationToken);
                await writer.WriteAsync(guardianship.Guardian.Value, NpgsqlDbType.Text, cancellationToken);
            }
            await writer.CompleteAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<Person?> FindAsync(PersonalIdentityNumber id, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var command = connection.Command($"SELECT {PersonColumns} FROM {_persons} WHERE id = @id").With("@id", id.Value);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadPerson(reader) : null;
    }

    public async Task<IReadOnlyList<PersonalIdentityNumber>> GuardiansOfAsync(PersonalIdentityNumber child, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var command = connection.Command($"SELECT guardian_id FROM {_guardianships} WHERE child_id = @c ORDER BY guardian_id").With("@c", child.Value);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var guardians = new List<PersonalIdentityNumber>();
        while (await reader.ReadAsync(cancellationToken))
            guardians.Add(PersonalIdentityNumber.Parse(reader.GetString(0)));
        return guardians;
    }

    public async Task<IReadOnlyList<PersonalIdentityNumber>> ChildrenOfAsync(PersonalIdentityNumber guardian, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var command = connection.Command($"SELECT child_id FROM {_guardianships} WHERE guardian_id = @g").With("@g", guardian.Value);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var children = new List<PersonalIdentityNumber>();
        while (await reader.ReadAsync(cancellationToken))
            children.Add(PersonalIdentityNumber.Parse(reader.GetString(0)));
        return [.. children.OrderByDescending(c => c.BirthDate).ThenBy(c => c.Value, StringComparer.Ordinal)];
    }

    public async Task<bool> IsProtectedAsync(PersonalIdentityNumber id, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var command = connection.Command($"SELECT COUNT(*) FROM {_protected} WHERE id = @id").With("@id", id.Value);
        return await command.ScalarLongAsync(cancellationToken) > 0;
    }

    public async Task SetProtectedAsync(PersonalIdentityNumber id, bool isProtected, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var command = isProtected
            ? connection.Command($"INSERT INTO {_protected} (id, marked_at) VALUES (@id, @at) ON CONFLICT (id) DO NOTHING")
                .With("@id", id.Value).With("@at", at.ToString("O", System.Globalization.CultureInfo.InvariantCulture))
            : connection.Command($"DELETE FROM {_protected} WHERE id = @id").With("@id", id.Value);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<long> CountAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var command = connection.Command($"SELECT COUNT(*) FROM {_persons}");
        return await command.ScalarLongAsync(cancellationToken);
    }

    public async IAsyncEnumerable<Person> StreamAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var command = connection.Command($"SELECT {PersonColumns} FROM {_persons} ORDER BY id");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            yield return ReadPerson(reader);
    }

    public async Task<IReadOnlyList<Person>> ListAsync(int offset, int limit, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var command = connection.Command($"SELECT {PersonColumns} FROM {_persons} ORDER BY id LIMIT @limit OFFSET @offset")
            .With("@limit", limit).With("@offset", offset);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var persons = new List<Person>();
        while (await reader.ReadAsync(cancellationToken))
            persons.Add(ReadPerson(reader));
        return persons;
    }

    private static object[] Columns(Person person) =>
    [
        person.Id.Value, person.GivenName, person.FamilyName, SexCode(person.Sex), person.BirthDate.ToString("yyyy-MM-dd"),
        person.Address.Street, person.Address.PostalCode, person.Address.City, person.Address.MunicipalityCode, person.Address.RegionCode,
    ];

    private static Person ReadPerson(DbDataReader reader) => new(
        PersonalIdentityNumber.Parse(reader.GetString(0)),
        reader.GetString(1),
        reader.GetString(2),
        reader.GetString(3) == "male" ? Sex.Male : Sex.Female,
        new Address(reader.GetString(5), reader.GetString(6), reader.GetString(7), reader.GetString(8), reader.GetString(9)));

    // FHIR administrative-gender codes, so the column reads the same as the Patient resources.
    private static string SexCode(Sex sex) => sex == Sex.Male ? "male" : "female";
}
