using OpenNdi.Data;

namespace OpenNdi.Server.Platform;

/// <summary>
/// Chooses the database from configuration: <c>Storage:Database</c> (environment variable
/// <c>Storage__Database</c>, or <c>OPENNDI_DATABASE</c>) holds an Npgsql connection string or postgres:// URL for
/// PostgreSQL, or a SQLite file path. Nothing configured means the embedded SQLite file data/openndi.db.
/// </summary>
internal static class StorageSetup
{
    public static StorageOptions Resolve(IConfiguration configuration) =>
        StorageOptions.Parse(NullIfEmpty(configuration["Storage:Database"]) ?? Environment.GetEnvironmentVariable("OPENNDI_DATABASE"));

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    public static IServiceCollection AddStorage(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(_ => new NdiDatabase(Resolve(configuration)));
        services.AddHostedService<MigrationService>();
        return services;
    }
}

/// <summary>Applies pending schema migrations before the server accepts requests.</summary>
internal sealed class MigrationService(NdiDatabase database, IEnumerable<ModuleMigrations> modules, ILogger<MigrationService> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        logger.LogInformation("Storage: {Storage}", database.Options.Describe());
        var applied = await MigrationRunner.ApplyAsync(database, DataModules.AllMigrations.Concat(modules.SelectMany(m => m.Migrations)), cancellationToken);
        if (applied.Count > 0)
            logger.LogInformation("Applied {Count} schema migrations: {Migrations}", applied.Count, string.Join(", ", applied));
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>The migrations of a bounded context that keeps its storage in its own project (the contact point): applied with the platform's, in one run.</summary>
internal sealed record ModuleMigrations(IReadOnlyList<Migration> Migrations);
