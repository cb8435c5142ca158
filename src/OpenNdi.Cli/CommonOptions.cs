using System.CommandLine;
using OpenNdi.Data;

namespace OpenNdi.Cli;

/// <summary>Options more than one command takes.</summary>
internal static class CommonOptions
{
    public static Option<string> Database() => new("--database", "-d")
    {
        Description = "Where the data is: a SQLite file path (default data/openndi.db), or a PostgreSQL connection string (Host=…;Database=…) or postgres:// URL. Defaults to $OPENNDI_DATABASE.",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("OPENNDI_DATABASE") ?? StorageOptions.DefaultSqlitePath,
    };

    /// <summary>Parses the database option, turning a malformed value into a message rather than a stack trace.</summary>
    public static StorageOptions? ParseDatabase(string value)
    {
        try
        {
            return StorageOptions.Parse(value);
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException)
        {
            Console.Error.WriteLine($"error: --database: {ex.Message}");
            return null;
        }
    }
}
