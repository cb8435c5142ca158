namespace OpenNdi.Data;

/// <summary>Which database engine holds OpenNdi's data.</summary>
public enum StorageBackend
{
    /// <summary>Embedded SQLite file: the default, for a laptop demo and tests.</summary>
    Sqlite,

    /// <summary>PostgreSQL via Npgsql: production.</summary>
    PostgreSql,
}

/// <summary>
/// Where OpenNdi stores its data. Built from one string so that the server's configuration, an environment
/// variable and the CLI's <c>--database</c> option all say it the same way: an Npgsql connection string
/// (<c>Host=…;Database=…</c>) or a <c>postgres://</c>/<c>postgresql://</c> URL selects PostgreSQL; anything else
/// is the path of a SQLite file.
/// </summary>
public sealed record StorageOptions(StorageBackend Backend, string ConnectionString)
{
    /// <summary>The SQLite file used when nothing else is configured, relative to the working directory.</summary>
    public const string DefaultSqlitePath = "data/openndi.db";

    public static StorageOptions Parse(string? database)
    {
        if (string.IsNullOrWhiteSpace(database))
            return Sqlite(DefaultSqlitePath);
        var text = database.Trim();
        if (text.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase)
            || text.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase))
            return new StorageOptions(StorageBackend.PostgreSql, PostgresUrl.ToConnectionString(text));
        if (text.Contains("Host=", StringComparison.OrdinalIgnoreCase)
            || text.Contains("Server=", StringComparison.OrdinalIgnoreCase))
            return new StorageOptions(StorageBackend.PostgreSql, text);
        if (text.StartsWith("sqlite:", StringComparison.OrdinalIgnoreCase))
            text = text["sqlite:".Length..];
        return Sqlite(text);
    }

    public static StorageOptions Sqlite(string path)
    {
        var full = Path.GetFullPath(path);
        return new StorageOptions(StorageBackend.Sqlite, full);
    }

    /// <summary>A description safe for logs: the SQLite path, or the PostgreSQL host and database without password.</summary>
    public string Describe() => Backend == StorageBackend.Sqlite
        ? $"SQLite {ConnectionString}"
        : $"PostgreSQL {new Npgsql.NpgsqlConnectionStringBuilder(ConnectionString) { Password = null }.ConnectionString}";
}
