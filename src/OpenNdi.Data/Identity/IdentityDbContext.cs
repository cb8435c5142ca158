using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using OpenIddict.EntityFrameworkCore.Models;

namespace OpenNdi.Data.Identity;

/// <summary>
/// OpenIddict's Entity Framework Core stores (applications, authorizations, scopes, tokens) in the platform's own
/// database (ADR 0008): the only place OpenNdi uses EF Core. The tables follow the platform's naming rule (schema
/// <c>identity</c> on PostgreSQL, prefix <c>identity_</c> on SQLite, as <see cref="NdiDatabase.Table"/>) and are
/// created by the identity module's versioned migrations (<see cref="IdentitySchema"/>), never by EF.
/// </summary>
public sealed class IdentityDbContext(DbContextOptions<IdentityDbContext> options) : DbContext(options)
{
    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        base.OnModelCreating(modelBuilder);
        modelBuilder.UseOpenIddict();
        var postgres = Database.IsNpgsql();
        if (postgres)
            modelBuilder.HasDefaultSchema(IdentitySchema.Module);
        string Table(string name) => postgres ? name : $"{IdentitySchema.Module}_{name}";
        modelBuilder.Entity<OpenIddictEntityFrameworkCoreApplication>().ToTable(Table("openiddict_applications"));
        modelBuilder.Entity<OpenIddictEntityFrameworkCoreAuthorization>().ToTable(Table("openiddict_authorizations"));
        modelBuilder.Entity<OpenIddictEntityFrameworkCoreScope>().ToTable(Table("openiddict_scopes"));
        modelBuilder.Entity<OpenIddictEntityFrameworkCoreToken>().ToTable(Table("openiddict_tokens"));
    }

    /// <summary>
    /// Points a context at <paramref name="database"/>: the same PostgreSQL data source (pool) as every other store,
    /// or the same SQLite file. One model per backend (<see cref="BackendModelCacheKey"/>), since both can live in one process.
    /// </summary>
    public static void Configure(DbContextOptionsBuilder options, NdiDatabase database)
    {
        if (database.PostgresDataSource is { } dataSource)
            options.UseNpgsql(dataSource);
        else
            options.UseSqlite(database.SqliteConnectionString);
        options.UseOpenIddict();
        options.ReplaceService<IModelCacheKeyFactory, BackendModelCacheKey>();
    }
}

/// <summary>EF caches one model per context type; ours differs by backend (schema against table prefix).</summary>
internal sealed class BackendModelCacheKey : IModelCacheKeyFactory
{
    public object Create(DbContext context, bool designTime) => (context.GetType(), context.Database.ProviderName, designTime);
}
