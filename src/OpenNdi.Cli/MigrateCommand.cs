using System.CommandLine;
using OpenNdi.Data;
using OpenNdi.Data.Audit;

namespace OpenNdi.Cli;

/// <summary><c>ndi migrate</c>: applies pending schema migrations and lists what is applied.</summary>
internal static class MigrateCommand
{
    public static Command Create()
    {
        var database = CommonOptions.Database();
        var command = new Command("migrate", "Apply pending schema migrations to a database.") { database };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (CommonOptions.ParseDatabase(parse.GetValue(database)!) is not { } storage)
                return 2;
            await using var db = new NdiDatabase(storage);
            var applied = await MigrationRunner.ApplyAsync(db, DataModules.AllMigrations.Concat(OpenNdi.ContactPoint.Storage.DispensationStore.Migrations).Concat(OpenNdi.SecondaryUse.Storage.SecondaryUseStore.Migrations), cancellationToken);
            Console.WriteLine(applied.Count == 0 ? "Up to date." : $"Applied: {string.Join(", ", applied)}");
            // The audit log's coming months (PostgreSQL): a server does the same at start-up and daily.
            if (await AuditTimePartitions.EnsureMonthsAsync(db, DateTimeOffset.UtcNow, cancellationToken: cancellationToken) is { Count: > 0 } months)
                Console.WriteLine($"Audit months created: {string.Join(", ", months)}");
            Console.WriteLine($"Schema: {string.Join(", ", await MigrationRunner.AppliedAsync(db, cancellationToken))}");
            return 0;
        });
        return command;
    }
}
