using OpenNdi.Data;
using OpenNdi.Testing;

namespace OpenNdi.Data.Tests;

public class MigrationTests
{
    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Apply_WhenDatabaseIsEmpty_AppliesEveryModuleInOrderAndRecordsIt(string backend)
    {
        await using var test = await TestDatabase.CreateAsync(backend, migrate: false);

        var applied = await MigrationRunner.ApplyAsync(test.Database, DataModules.AllMigrations);

        Assert.Equal(["audit/1", "audit/2", "consent/1", "consent/2", "consent/3", "directory/1", "directory/2", "directory/3", "identity/1", "identity/2", "identity/3", "index/1", "index/2", "patientdata/1", "patientdata/2", "population/1", "population/2", "simulator/1", "simulator/2"], applied);
        Assert.Equal(["audit/1", "audit/2", "consent/1", "consent/2", "consent/3", "directory/1", "directory/2", "directory/3", "identity/1", "identity/2", "identity/3", "index/1", "index/2", "patientdata/1", "patientdata/2", "population/1", "population/2", "simulator/1", "simulator/2"], await MigrationRunner.AppliedAsync(test.Database));
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Apply_WhenRunTwice_AppliesNothingTheSecondTime(string backend)
    {
        await using var test = await TestDatabase.CreateAsync(backend, migrate: false);
        await MigrationRunner.ApplyAsync(test.Database, DataModules.AllMigrations);

        var second = await MigrationRunner.ApplyAsync(test.Database, DataModules.AllMigrations);

        Assert.Empty(second);
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Apply_WhenStartedConcurrently_AppliesEachVersionOnce(string backend)
    {
        await using var test = await TestDatabase.CreateAsync(backend, migrate: false);

        var runs = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => MigrationRunner.ApplyAsync(test.Database, DataModules.AllMigrations))));

        Assert.Equal(DataModules.AllMigrations.Count(), runs.Sum(r => r.Count));
        Assert.Equal(["audit/1", "audit/2", "consent/1", "consent/2", "consent/3", "directory/1", "directory/2", "directory/3", "identity/1", "identity/2", "identity/3", "index/1", "index/2", "patientdata/1", "patientdata/2", "population/1", "population/2", "simulator/1", "simulator/2"], await MigrationRunner.AppliedAsync(test.Database));
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Apply_WhenAMigrationFails_RollsItBackAndRecordsNothing(string backend)
    {
        await using var test = await TestDatabase.CreateAsync(backend, migrate: false);
        Migration broken = new("broken", 1, "fails half-way", "CREATE TABLE half_done (x INTEGER); SELECT * FROM no_such_table;", "CREATE TABLE half_done (x integer); SELECT * FROM no_such_table;");

        await Assert.ThrowsAnyAsync<Exception>(() => MigrationRunner.ApplyAsync(test.Database, [broken]));

        Assert.DoesNotContain("broken/1", await MigrationRunner.AppliedAsync(test.Database));
        var retry = await MigrationRunner.ApplyAsync(test.Database, [broken with { Sqlite = "CREATE TABLE half_done (x INTEGER)", PostgreSql = "CREATE TABLE half_done (x integer)" }]);
        Assert.Equal(["broken/1"], retry);
    }

    [Fact]
    public async Task Apply_WhenAVersionIsDefinedTwice_RefusesBeforeTouchingTheDatabase()
    {
        await using var test = await TestDatabase.CreateAsync("sqlite", migrate: false);
        Migration one = new("dup", 1, "first", "SELECT 1", "SELECT 1");

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => MigrationRunner.ApplyAsync(test.Database, [one, one with { Description = "second" }]));

        Assert.Contains("dup/1", error.Message);
    }
}
