using OpenNdi.Data;

namespace OpenNdi.Data.Tests;

public class StorageOptionsTests
{
    [Theory]
    [InlineData(null, StorageBackend.Sqlite)]
    [InlineData("", StorageBackend.Sqlite)]
    [InlineData("data/x.db", StorageBackend.Sqlite)]
    [InlineData("sqlite:/tmp/x.db", StorageBackend.Sqlite)]
    [InlineData("Host=localhost;Database=ndi", StorageBackend.PostgreSql)]
    [InlineData("Server=db;Database=ndi", StorageBackend.PostgreSql)]
    [InlineData("postgres://u:p@localhost:5433/ndi", StorageBackend.PostgreSql)]
    [InlineData("postgresql://localhost/ndi?Pooling=false", StorageBackend.PostgreSql)]
    public void Parse_WhenGivenADatabaseString_ChoosesTheBackend(string? value, StorageBackend expected)
    {
        Assert.Equal(expected, StorageOptions.Parse(value).Backend);
    }

    [Fact]
    public void Parse_WhenGivenNothing_UsesTheDefaultSqliteFile()
    {
        var options = StorageOptions.Parse(null);

        Assert.EndsWith(Path.Combine("data", "openndi.db"), options.ConnectionString);
    }

    [Fact]
    public void Parse_WhenGivenAPostgresUrl_KeepsUserPortDatabaseAndParameters()
    {
        var options = StorageOptions.Parse("postgres://ndi:s%40cret@db.example:5433/health?Pooling=false");

        var builder = new Npgsql.NpgsqlConnectionStringBuilder(options.ConnectionString);
        Assert.Equal(("db.example", 5433, "health", "ndi", "s@cret", false), (builder.Host, builder.Port, builder.Database, builder.Username, builder.Password, builder.Pooling));
    }

    [Fact]
    public void Describe_WhenPostgresHasAPassword_LeavesThePasswordOut()
    {
        var options = StorageOptions.Parse("Host=db;Database=ndi;Username=u;Password=topsecret");

        Assert.DoesNotContain("topsecret", options.Describe());
    }
}
