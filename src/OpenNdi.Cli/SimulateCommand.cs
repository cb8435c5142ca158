using System.CommandLine;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenNdi.Data;
using OpenNdi.Data.Changes;
using OpenNdi.Synthetic.Simulator;

namespace OpenNdi.Cli;

/// <summary>
/// <c>ndi simulate</c>: runs only the provider EHR simulator, as its own process, over a database that
/// <c>ndi seed</c> filled, so load tests can put the simulated providers on another core or machine.
/// </summary>
internal static class SimulateCommand
{
    public static Command Create()
    {
        var database = CommonOptions.Database();
        var urls = new Option<string>("--urls") { Description = "Address(es) to listen on.", DefaultValueFactory = _ => "http://127.0.0.1:5090" };
        var command = new Command("simulate", "Serve the simulated providers' FHIR endpoints (/sim/{provider}/fhir) from a seeded database.") { database, urls };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (CommonOptions.ParseDatabase(parse.GetValue(database)!) is not { } storage)
                return 2;
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseSetting("urls", parse.GetValue(urls)!);
            builder.Services.AddSingleton(new NdiDatabase(storage));
            builder.Services.AddSingleton<DataChanges>();
            builder.Services.AddSimulator();
            var app = builder.Build();
            app.MapSimulator();
            var registry = app.Services.GetRequiredService<SimulatorRegistry>();
            await MigrationRunner.ApplyAsync(app.Services.GetRequiredService<NdiDatabase>(), DataModules.AllMigrations, cancellationToken);
            // Behaviour set through a server sharing this database holds here at once (PostgreSQL notifications).
            using var stopListening = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var listening = storage.Backend == StorageBackend.PostgreSql
                ? new PostgresChangeListener(app.Services.GetRequiredService<NdiDatabase>(), app.Services.GetRequiredService<DataChanges>(), TimeProvider.System).RunAsync(null, stopListening.Token)
                : Task.CompletedTask;
            await registry.LoadAsync(cancellationToken);
            if (registry.Providers.Count == 0)
            {
                Console.Error.WriteLine("error: the database holds no simulated providers; run 'ndi seed' first.");
                return 1;
            }
            Console.WriteLine($"Simulating {registry.Providers.Count} providers on {parse.GetValue(urls)} ({storage.Describe()}). Ctrl+C stops.");
            await app.RunAsync(cancellationToken);
            await stopListening.CancelAsync();
            await listening;
            return 0;
        });
        return command;
    }
}
