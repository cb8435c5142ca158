using OpenNdi.Core.Audit;
using OpenNdi.Core.Identity;
using OpenNdi.Core.Policy;
using OpenNdi.Data;
using OpenNdi.SecondaryUse.Cases;
using OpenNdi.SecondaryUse.Catalog;
using OpenNdi.SecondaryUse.Edge;
using OpenNdi.SecondaryUse.Ports;
using OpenNdi.SecondaryUse.Pseudonymisation;
using OpenNdi.SecondaryUse.Storage;
using OpenNdi.SecondaryUse.Workspaces;
using OpenNdi.Server.Audit;
using OpenNdi.Server.Platform;

namespace OpenNdi.Server.SecondaryUse;

/// <summary>
/// The host's one Add/Map pair for the health data access body's secondary-use chain (src/OpenNdi.SecondaryUse,
/// issue 18, ADR 0011): the catalogue, applications and permits, the extract preparation, the workspaces and the
/// output check, with the national services behind its ports (the holders' data, the population register, the
/// objections, the audit). On when the body's pseudonymisation key is configured (<c>SecondaryUse:PseudonymKey</c>,
/// base64 of at least 32 bytes, or <c>SecondaryUse:PseudonymKeyFile</c>), or in the demo, which makes one of its own.
/// </summary>
internal static class SecondaryUseModule
{
    public static WebApplicationBuilder AddSecondaryUse(this WebApplicationBuilder builder, HostedModules modules)
    {
        var configuration = builder.Configuration;
        var services = builder.Services;
        var keys = PseudonymKeys(configuration, modules.Simulator);
        if (keys is null)
            return builder;
        services.AddSingleton(new SecondaryUseEnabled());
        services.AddSingleton(keys);
        services.AddSingleton(new SecondaryUseSettings(
            K: configuration.GetValue("SecondaryUse:K", 5),
            MaxPermitDays: configuration.GetValue("SecondaryUse:MaxPermitDays", 5 * 365),
            MaxOutputRows: configuration.GetValue("SecondaryUse:MaxOutputRows", 10_000)));
        services.AddSingleton(new CatalogPublisher(
            configuration["SecondaryUse:Publisher:Name"] ?? "Socialstyrelsen (hälsodataorgan / health data access body)",
            configuration["SecondaryUse:Publisher:Uri"] ?? "https://www.socialstyrelsen.se",
            configuration["SecondaryUse:Publisher:Email"] ?? "halsodata@socialstyrelsen.se"));
        services.AddSingleton(new ModuleMigrations(SecondaryUseStore.Migrations));
        services.AddSingleton<SecondaryUseStore>();
        // The holders: the register always; in the demo the simulated providers too (their EHRs' coded records).
        if (modules.Simulator)
            services.AddSingleton<IHolderData, Demo.SimulatedHoldersForSecondaryUse>();
        else
            services.AddSingleton<IHolderData, RegisterHolder>();
        services.AddSingleton<IPopulationRegister, RegisterForSecondaryUse>();
        services.AddSingleton<ISecondaryUseObjections, Consent.SecondaryUseObjections>();
        services.AddSingleton<ISecondaryUseAudit, SecondaryUseAuditNotes>();
        services.AddSingleton<ISecondaryUseCallers, SecondaryUseCallers>();
        services.AddSingleton<IWorkspaces>(sp => Workspaces(sp, configuration));
        services.AddSingleton<CatalogFigures>();
        services.AddSingleton<DatasetCatalog>();
        services.AddSingleton<PreparationQueue>();
        services.AddSingleton<DataPermitService>();
        services.AddSingleton<PreparationWorker>();
        services.AddHostedService(sp => sp.GetRequiredService<PreparationWorker>());
        services.AddSingleton<PermitExpiry>();
        services.AddHostedService(sp => sp.GetRequiredService<PermitExpiry>());
        services.AddHostedService<CatalogPublishing>();
        return builder;
    }

    /// <summary>The workspaces on the platform's backend: PostgreSQL schemas and roles, or SQLite files beside the database file.</summary>
    private static IWorkspaces Workspaces(IServiceProvider services, IConfiguration configuration)
    {
        var database = services.GetRequiredService<NdiDatabase>();
        var time = services.GetRequiredService<TimeProvider>();
        if (database.Options.Backend == StorageBackend.PostgreSql)
            return new PostgresWorkspaces(database, time);
        var folder = configuration["SecondaryUse:WorkspaceFolder"] is { Length: > 0 } configured
            ? configured
            : Path.Combine(Path.GetDirectoryName(Path.GetFullPath(database.Options.ConnectionString)) ?? ".", "workspaces");
        return new SqliteWorkspaces(new SqliteWorkspacesOptions(folder), time);
    }

    /// <summary>
    /// The body's master key for pseudonyms (each permit's key is derived from it): configured in production; in the
    /// demo a key of its own, kept in a file readable by this user only so that a permit's pseudonyms stay the same
    /// across restarts. Null (the chain is off) when neither.
    /// </summary>
    private static PermitKeys? PseudonymKeys(IConfiguration configuration, bool demo)
    {
        if (configuration["SecondaryUse:PseudonymKey"] is { Length: > 0 } key)
            return PermitKeys.FromBase64(key);
        var file = configuration["SecondaryUse:PseudonymKeyFile"] is { Length: > 0 } configured ? configured
            : demo ? Path.Combine(Path.GetTempPath(), "openndi-demo", "sdu-pseudonym.key") : null;
        if (file is null)
            return null;
        if (!File.Exists(file))
        {
            if (!demo)
                throw new InvalidOperationException($"SecondaryUse:PseudonymKeyFile names {file}, which does not exist");
            // Private from its creation and moved into place whole: a process starting at the same time reads one key, never half of one.
            PrivateFiles.WriteOnce(file, Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)));
        }
        return PermitKeys.FromBase64(File.ReadAllText(file).Trim());
    }

    public static WebApplication MapSecondaryUse(this WebApplication app)
    {
        if (app.Services.GetService<SecondaryUseEnabled>() is null)
            return app;
        app.MapSecondaryUseApi((route, operation) =>
        {
            switch (operation)
            {
                case SecondaryUseOperation.CatalogRead:
                    route.Public("the national dataset catalogue (HealthDCAT-AP): descriptions of datasets and aggregate figures, no personal data; public by EHDS art. 77");
                    break;
                case SecondaryUseOperation.CatalogReview:
                    route.NationalApi(AuditEventCodes.SduCatalogReview, AuditAction.Update, SecondaryUseScopes.Dataset, ScopePermissions.Update, ScopeContext.User, ScopeContext.System);
                    break;
                case SecondaryUseOperation.ApplicationSubmit:
                    route.NationalApi(AuditEventCodes.SduApplication, AuditAction.Create, SecondaryUseScopes.Application, ScopePermissions.Create, ScopeContext.User);
                    break;
                case SecondaryUseOperation.ApplicationRead:
                    route.NationalApi(AuditEventCodes.SduApplicationRead, AuditAction.Read, SecondaryUseScopes.Application, ScopePermissions.Read, ScopeContext.User);
                    break;
                case SecondaryUseOperation.ApplicationRevise:
                    route.NationalApi(AuditEventCodes.SduApplication, AuditAction.Update, SecondaryUseScopes.Application, ScopePermissions.Update, ScopeContext.User);
                    break;
                case SecondaryUseOperation.ApplicationDecide:
                    route.NationalApi(AuditEventCodes.SduDecision, AuditAction.Update, SecondaryUseScopes.Application, ScopePermissions.Update, ScopeContext.User);
                    break;
                case SecondaryUseOperation.PermitRead:
                    route.NationalApi(AuditEventCodes.SduPermitRead, AuditAction.Read, SecondaryUseScopes.Permit, ScopePermissions.Read, ScopeContext.User);
                    break;
                case SecondaryUseOperation.PermitRevoke:
                    route.NationalApi(AuditEventCodes.SduPermitRevoke, AuditAction.Update, SecondaryUseScopes.Permit, ScopePermissions.Update, ScopeContext.User);
                    break;
                case SecondaryUseOperation.WorkspaceCredentials:
                    route.NationalApi(AuditEventCodes.SduWorkspaceLogin, AuditAction.Execute, SecondaryUseScopes.Permit, ScopePermissions.Update, ScopeContext.User);
                    break;
                case SecondaryUseOperation.OutputSubmit:
                    route.NationalApi(AuditEventCodes.SduOutputSubmit, AuditAction.Create, SecondaryUseScopes.Output, ScopePermissions.Create, ScopeContext.User);
                    break;
                case SecondaryUseOperation.OutputRead:
                    route.NationalApi(AuditEventCodes.SduOutputRead, AuditAction.Read, SecondaryUseScopes.Output, ScopePermissions.Read, ScopeContext.User);
                    break;
                case SecondaryUseOperation.OutputDecide:
                    route.NationalApi(AuditEventCodes.SduOutputDecision, AuditAction.Update, SecondaryUseScopes.Output, ScopePermissions.Update, ScopeContext.User);
                    break;
                case SecondaryUseOperation.Transparency:
                    route.NationalApi(AuditEventCodes.SduTransparency, AuditAction.Read, SecondaryUseScopes.Permit, ScopePermissions.Read | ScopePermissions.Search, ScopeContext.Patient);
                    break;
                default:
                    throw new InvalidOperationException($"secondary-use operation {operation} has no declaration");
            }
        });
        return app;
    }
}

/// <summary>Marks that the secondary-use chain runs in this process.</summary>
internal sealed record SecondaryUseEnabled;

/// <summary>The audit as the chain's port wants it: notes on the request's record, and the body's own steps as records of their own.</summary>
internal sealed class SecondaryUseAuditNotes(AuditTrail trail) : ISecondaryUseAudit
{
    /// <summary>The body itself, as the agent of the steps it runs outside a request.</summary>
    public static readonly AuditAgent Body = new(AuditAgentKind.System, "openndi-hdab", "Health data access body (secondary use)");

    public void Entity(HttpContext http, string kind, string? reference, string? detail)
    {
        var scope = AuditScope.Of(http);
        if (scope.Started)
            scope.Record = scope.Record with { Entities = [.. scope.Record.Entities, new AuditEntity(kind, reference, Detail: detail)] };
    }

    public void Refused(HttpContext http, string why)
    {
        var scope = AuditScope.Of(http);
        if (scope.Started)
            scope.Refused(why);
    }

    public async Task RecordStepAsync(string @event, string permit, string detail, bool failed, CancellationToken cancellationToken) =>
        await trail.RecordAsync(new AuditRecord(trail.Now, @event, AuditAction.Execute, failed ? AuditOutcome.SeriousFailure : AuditOutcome.Success, Body,
            OutcomeText: failed ? detail : null, Entities: [new AuditEntity("data-permit", permit, Detail: detail)]), cancellationToken);
}

/// <summary>The caller as the national API's enforcement point resolved them.</summary>
internal sealed class SecondaryUseCallers : ISecondaryUseCallers
{
    public Actor? Of(HttpContext http) => AuditScope.Of(http).ActorOrNull;
}
