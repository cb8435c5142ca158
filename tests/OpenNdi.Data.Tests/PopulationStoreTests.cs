using OpenNdi.Core.Identifiers;
using OpenNdi.Core.Population;
using OpenNdi.Data.Population;
using OpenNdi.Testing;

namespace OpenNdi.Data.Tests;

public class PopulationStoreTests
{
    private static readonly DateOnly Today = new(2026, 11, 1);

    private static Person NewPerson(string id, string given = "Tolvan", string family = "Tolvansson") =>
        new(PersonalIdentityNumber.Parse(id, Today), given, family, PersonalIdentityNumber.Parse(id, Today).Sex,
            new Address("Storgatan 1", "111 22", "Stockholm", "0180", "01"));

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Add_ThenFind_ReturnsThePersonAsStored(string backend)
    {
        await using var test = await TestDatabase.CreateAsync(backend);
        var store = new PopulationStore(test.Database);
        var person = NewPerson("19121212-1212", "Tolvan Anders", "Tolvansson");

        await store.AddAsync([person], []);
        var found = await store.FindAsync(person.Id);

        Assert.Equal(person, found);
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Find_WhenThePersonIsUnknown_ReturnsNull(string backend)
    {
        await using var test = await TestDatabase.CreateAsync(backend);

        Assert.Null(await new PopulationStore(test.Database).FindAsync(PersonalIdentityNumber.Parse("19121212-1212", Today)));
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task GuardiansOf_ReturnsTheChildsGuardiansOnly(string backend)
    {
        await using var test = await TestDatabase.CreateAsync(backend);
        var store = new PopulationStore(test.Database);
        var mother = NewPerson(Make(1985, 3, 4, 222));
        var father = NewPerson(Make(1983, 7, 1, 111));
        var child = NewPerson(Make(2015, 5, 5, 333));
        var other = NewPerson(Make(2016, 6, 6, 444));
        await store.AddAsync([mother, father, child, other], [new(child.Id, mother.Id), new(child.Id, father.Id), new(other.Id, father.Id)]);

        var guardians = await store.GuardiansOfAsync(child.Id);

        Assert.Equal(new[] { mother.Id, father.Id }.OrderBy(i => i.Value, StringComparer.Ordinal), guardians);
        Assert.Empty(await store.GuardiansOfAsync(mother.Id));
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Add_WhenAnIdentityIsAlreadyStored_FailsAndKeepsTheWholeBatchOut(string backend)
    {
        await using var test = await TestDatabase.CreateAsync(backend);
        var store = new PopulationStore(test.Database);
        var first = NewPerson(Make(1950, 1, 1, 123));
        await store.AddAsync([first], []);

        await Assert.ThrowsAnyAsync<Exception>(() => store.AddAsync([NewPerson(Make(1960, 2, 2, 124)), first], []));

        Assert.Equal(1, await store.CountAsync());
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task List_PagesInIdentityOrder(string backend)
    {
        await using var test = await TestDatabase.CreateAsync(backend);
        var store = new PopulationStore(test.Database);
        var persons = Enumerable.Range(1, 25).Select(i => NewPerson(Make(1970 + i, 1, 1 + i % 28, 100 + i))).ToList();
        await store.AddAsync(persons, []);

        var page = await store.ListAsync(10, 5);

        Assert.Equal(25, await store.CountAsync());
        Assert.Equal(persons.OrderBy(p => p.Id.Value, StringComparer.Ordinal).Skip(10).Take(5).Select(p => p.Id), page.Select(p => p.Id));
    }

    [Fact]
    public async Task Add_WhenGivenACoordinationNumber_StoresAndFindsIt()
    {
        await using var test = await TestDatabase.CreateAsync("sqlite");
        var store = new PopulationStore(test.Database);
        var id = PersonalIdentityNumber.Create(new DateOnly(1990, 4, 20), 234, coordination: true);
        var person = new Person(id, "Ana", "Lima", id.Sex, new Address("Kyrkogatan 2", "411 15", "Göteborg", "1480", "14"));

        await store.AddAsync([person], []);

        var found = await store.FindAsync(id);
        Assert.True(found!.Id.IsCoordinationNumber);
        Assert.Equal(person, found);
    }

    private static string Make(int year, int month, int day, int birthNumber) =>
        PersonalIdentityNumber.Create(new DateOnly(year, month, day), birthNumber, coordination: false).Value;

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task ProtectedIdentity_IsMarkedAndUnmarked_AndChildrenAreFoundByTheirGuardian(string backend)
    {
        await using var test = await TestDatabase.CreateAsync(backend);
        var store = new PopulationStore(test.Database);
        var mother = NewPerson("19800101-0019", "Anna");
        var older = NewPerson("20150303-0031", "Bo");
        var younger = NewPerson("20200202-0044", "Cia");
        await store.AddAsync([mother, older, younger], [new Guardianship(older.Id, mother.Id), new Guardianship(younger.Id, mother.Id)]);

        Assert.Equal([younger.Id, older.Id], await store.ChildrenOfAsync(mother.Id));
        Assert.Empty(await store.ChildrenOfAsync(older.Id));

        Assert.False(await store.IsProtectedAsync(younger.Id));
        await store.SetProtectedAsync(younger.Id, true, new DateTimeOffset(2026, 12, 1, 8, 0, 0, TimeSpan.Zero));
        await store.SetProtectedAsync(younger.Id, true, new DateTimeOffset(2026, 12, 2, 8, 0, 0, TimeSpan.Zero)); // marking twice is one marking
        Assert.True(await store.IsProtectedAsync(younger.Id));
        Assert.False(await store.IsProtectedAsync(older.Id));
        await store.SetProtectedAsync(younger.Id, false, new DateTimeOffset(2026, 12, 3, 8, 0, 0, TimeSpan.Zero));
        Assert.False(await store.IsProtectedAsync(younger.Id));
    }
}
