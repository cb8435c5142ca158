using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using OpenNdi.Data.Identity;

namespace OpenNdi.Data.Tests;

/// <summary>
/// The OpenIddict tables are created by the identity module's migration 2, never by EF Core (ADR 0008): that SQL must
/// be what EF generates for <see cref="IdentityDbContext"/> on each backend, or OpenIddict's stores would read
/// columns the migration never made. Fails when an OpenIddict or EF upgrade changes the model: then add a migration.
/// </summary>
public sealed class IdentitySchemaTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Migration2_IsExactlyEfsScriptForTheModel(bool postgres)
    {
        // The script is generated from the model alone: no database is opened on either backend.
        var database = postgres ? "Host=127.0.0.1;Database=model-check;Username=postgres" : Path.Combine(Path.GetTempPath(), $"identity-model-{Guid.NewGuid():N}.db");
        await using var db = new NdiDatabase(StorageOptions.Parse(database));
        var options = new DbContextOptionsBuilder<IdentityDbContext>();
        IdentityDbContext.Configure(options, db);
        await using var context = new IdentityDbContext(options.Options);

        var generated = context.Database.GenerateCreateScript();
        var migration = IdentitySchema.Migrations.Single(m => m.Version == 2).SqlFor(db.Backend);

        if (postgres) // EF guards its CREATE SCHEMA in a DO block; the migration says it plainly.
            generated = Regex.Replace(generated, @"DO \$EF\$.*?END \$EF\$;", "CREATE SCHEMA IF NOT EXISTS identity;", RegexOptions.Singleline);
        Assert.Equal(Normalise(generated), Normalise(migration));
    }

    private static string Normalise(string sql) => Regex.Replace(sql, @"\s+", " ").Trim();
}
