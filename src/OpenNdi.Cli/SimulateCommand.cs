using System.CommandLine;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenNdi.Data;
using OpenNdi.Data.Changes;
using OpenNdi.Synthetic.Simulator;

namespace OpenNdi.Cli;

/// <summary>
/// <c>ndi simulate</c>: runs only the provider EHR simulator, as its own process, over a database that
/// <c>ndi seed</c> filled, so load tests can put the simulated providers on another core or machine. Like the
/// in-process simulator it answers the national access service's token only (<c>--issuer</c>, <c>--access-service</c>);
/// on an https address it also requires the access service's client certificate from the demo CA (<c>--certificates</c>).
/// </summary>
internal static class SimulateCommand
{
    public static Command Create()
    {
        var database = CommonOptions.Database();
        var urls = new Option<string>("--urls") { Description = "Address(es) to listen on; an https address requires the access service's client certificate (mutual TLS).", DefaultValueFactory = _ => "http://127.0.0.1:5090" };
        var issuer = new Option<string>("--issuer") { Description = "The national authorization server whose tokens are accepted (its discovery document and keys are read from there).", DefaultValueFactory = _ => "http://localhost:5080" };
        var clientId = new Option<string>("--access-service") { Description = "The client id of the national access service, the one caller answered.", DefaultValueFactory = _ => SimulatorAuthenticationOptions.AccessServiceClient };
        var certificates = new Option<string>("--certificates") { Description = "Folder of the demo certificates for https (CA, simulator, access service), created there if missing.", DefaultValueFactory = _ => "data/demo-pki" };
        var command = new Command("simulate", "Serve the simulated providers' FHIR endpoints (/sim/{provider}/fhir) from a seeded database.") { database, urls, issuer, clientId, certificates };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (CommonOptions.ParseDatabase(parse.GetValue(database)!) is not { } storage)
                return 2;
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseSetting("urls", parse.GetValue(urls)!);
            builder.Services.AddSingleton(new NdiDatabase(storage));
            builder.Services.AddSingleton<DataChanges>();
            builder.Services.AddSimulator();
            builder.Services.AddSimulatorAuthentication(new SimulatorAuthenticationOptions { Issuer = parse.GetValue(issuer)!, AccessServiceClientId = parse.GetValue(clientId)! });
            using var demoCertificates = parse.GetValue(urls)!.Contains("https://", StringComparison.OrdinalIgnoreCase)
                ? DemoCertificates.LoadOrCreate(parse.GetValue(certificates)!, TimeProvider.System)
                : null;
            if (demoCertificates is not null)
            {
                builder.WebHost.UseKestrelHttpsConfiguration();
                builder.WebHost.ConfigureKestrel(kestrel => kestrel.UseDemoMutualTls(demoCertificates));
            }
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
            // Said once it listens, so a script (or a test) that waits for these lines can connect.
            await app.StartAsync(cancellationToken);
            Console.WriteLine($"Answering only {parse.GetValue(clientId)} with a token from {parse.GetValue(issuer)}"
                + (demoCertificates is null ? " (plain HTTP: no client certificate asked)." : $", over mutual TLS with the demo CA ({demoCertificates.Origin})."));
            Console.WriteLine($"Simulating {registry.Providers.Count} providers on {parse.GetValue(urls)} ({storage.Describe()}). Ctrl+C stops.");
            await app.WaitForShutdownAsync(cancellationToken);
            await stopListening.CancelAsync();
            await listening;
            return 0;
        });
        return command;
    }
}
