using OpenNdi.Core.Identifiers;
using OpenNdi.Data.Consent;
using OpenNdi.Testing;

namespace OpenNdi.Data.Tests;

/// <summary>The consent module's migrations on a database that already holds settings, and the lookups they add.</summary>
public class ConsentSchemaTests
{
    private static readonly DateOnly Today = new(2026, 12, 7);
    private static readonly PersonalIdentityNumber Patient = PersonalIdentityNumber.Parse("19121212-1212", Today);
    private static readonly PersonalIdentityNumber Representative = PersonalIdentityNumber.Parse("19800101-0019", Today);

    // The representative is the second actor: the backfill finds the one with role HPOWATT, not the first.
    private const string ProxyJson = """
        {"resourceType":"Consent","status":"active","provision":{"type":"permit","period":{"start":"2026-12-01"},"actor":[
          {"role":{"coding":[{"system":"urn:other","code":"WITNESS"}]},"reference":{"identifier":{"value":"19900101-0025"}}},
          {"role":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v3-RoleCode","code":"HPOWATT"}]},"reference":{"identifier":{"system":"urn:oid:1.2.752.129.2.1.3.1","value":"198001010019"}}}]}}
        """;

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Version3_FindsExistingProxiesByTheirRepresentative_AndKeepsTheResearchContactOptOutOnePerPatient(string backend)
    {
        await using var test = await TestDatabase.CreateAsync(backend, migrate: false);
        await MigrationRunner.ApplyAsync(test.Database, ConsentSchema.Migrations.Where(m => m.Version <= 2));
        await using (var connection = await test.Database.OpenConnectionAsync())
        {
            // A proxy as version 2 stored it: no representative column yet.
            await using var insert = connection.Command($"INSERT INTO {test.Database.Table("consent", "consents")} (id, patient, kind, active, version, updated_at, json) VALUES ('proxy-1', @patient, 'proxy', @active, 1, '2026-12-01T00:00:00Z', @json)")
                .With("@patient", Patient.Value).With("@active", backend == "sqlite" ? 1 : true).With("@json", ProxyJson);
            await insert.ExecuteNonQueryAsync();
        }
        var store = new ConsentStore(test.Database);

        await MigrationRunner.ApplyAsync(test.Database, ConsentSchema.Migrations);

        var found = Assert.Single(await store.ListByRepresentativeAsync(Representative));
        Assert.Equal("proxy-1", found.Id);
        Assert.Empty(await store.ListByRepresentativeAsync(PersonalIdentityNumber.Parse("19900101-0025", Today)));

        // Revoked: no longer found.
        await store.SaveAsync("proxy-1", Patient, "proxy", false, ProxyJson, Patient.Value, null, representative: Representative);
        Assert.Empty(await store.ListByRepresentativeAsync(Representative));

        // One research-contact opt-out per patient, like the other opt-outs.
        Assert.NotNull(await store.TrySaveAsync("contact-1", Patient, "optout-research-contact", true, "{}", Patient.Value, null));
        Assert.Null(await store.TrySaveAsync("contact-2", Patient, "optout-research-contact", true, "{}", Patient.Value, null));
    }
}
