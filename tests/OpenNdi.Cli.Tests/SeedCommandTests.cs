using OpenNdi.Data.Population;
using OpenNdi.Data.Simulator;
using OpenNdi.Testing;

namespace OpenNdi.Cli.Tests;

/// <summary>
/// <c>ndi</c> run in-process as a user would call it. One class on purpose: the tests swap Console.Error, which
/// is process-wide, and xUnit runs the tests of one class one at a time.
/// </summary>
public class SeedCommandTests
{
    private static async Task<(int ExitCode, string Error)> RunAsync(params string[] args)
    {
        var error = new StringWriter();
        var original = Console.Error;
        Console.SetError(error);
        try
        {
            var exitCode = await NdiCommands.Root().Parse(args).InvokeAsync();
            return (exitCode, error.ToString());
        }
        finally
        {
            Console.SetError(original);
        }
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Seed_IntoAnEmptyDatabase_StoresThePopulationAndTheProviders(string backend)
    {
        await using var test = await TestDatabase.CreateAsync(backend, migrate: false);

        var (exitCode, error) = await RunAsync("seed", "--persons", "40", "--providers", "4", "--seed", "3", "--database", test.ConfigurationValue);

        Assert.True(exitCode == 0, error);
        Assert.Equal(40, await new PopulationStore(test.Database).CountAsync());
        Assert.Equal(4, (await new SimulatorStore(test.Database).ListProvidersAsync()).Count);
    }

    [Fact]
    public async Task Seed_WhenTheDatabaseAlreadyHoldsAPopulation_RefusesAndChangesNothing()
    {
        await using var test = await TestDatabase.CreateAsync("sqlite", migrate: false);
        await RunAsync("seed", "--persons", "20", "--providers", "2", "--database", test.ConfigurationValue);
        var resources = await new SimulatorStore(test.Database).CountResourcesAsync();

        var (exitCode, error) = await RunAsync("seed", "--persons", "20", "--providers", "2", "--seed", "9", "--database", test.ConfigurationValue);

        Assert.Equal(1, exitCode);
        Assert.Contains("already holds 20 persons", error);
        Assert.Equal(20, await new PopulationStore(test.Database).CountAsync());
        Assert.Equal(resources, await new SimulatorStore(test.Database).CountResourcesAsync());
    }

    [Theory]
    [InlineData("persons must be at least 1", "--persons", "0")]
    [InlineData("25,000,000", "--persons", "30000000")]
    [InlineData("providers must be at least 1", "--providers", "0")]
    [InlineData("history years", "--history-years", "60")]
    [InlineData("--as-of must be a date", "--as-of", "2026-13-01")]
    [InlineData("--persons", "--persons", "many")]
    [InlineData("--database", "--database", "postgres://")]
    public async Task Seed_WithABadArgument_ExitsWithAnErrorNamingIt(string expected, string option, string value)
    {
        var (exitCode, error) = await RunAsync("seed", option, value, "--dry-run");

        Assert.NotEqual(0, exitCode);
        Assert.Contains(expected, error);
    }

    [Fact]
    public async Task Seed_DryRun_GeneratesWithoutTouchingAnyDatabase()
    {
        var path = Path.Combine(Path.GetTempPath(), $"ndi-dry-{Guid.NewGuid():N}.db");

        var (exitCode, error) = await RunAsync("seed", "--persons", "25", "--providers", "3", "--dry-run", "--database", path);

        Assert.True(exitCode == 0, error);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public async Task Migrate_AppliesTheSchemaAndIsIdempotent()
    {
        await using var test = await TestDatabase.CreateAsync("sqlite", migrate: false);

        var first = await RunAsync("migrate", "--database", test.ConfigurationValue);
        var second = await RunAsync("migrate", "--database", test.ConfigurationValue);

        Assert.Equal((0, 0), (first.ExitCode, second.ExitCode));
        Assert.Equal(["audit/1", "audit/2", "consent/1", "consent/2", "consent/3", "contactpoint/1", "directory/1", "directory/2", "directory/3", "identity/1", "identity/2", "identity/3", "index/1", "index/2", "patientdata/1", "patientdata/2", "population/1", "population/2", "secondaryuse/1", "secondaryuse/2", "simulator/1", "simulator/2"], await Data.MigrationRunner.AppliedAsync(test.Database));
    }
}
