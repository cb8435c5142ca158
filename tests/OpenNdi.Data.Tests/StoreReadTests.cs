using OpenNdi.Core.Identifiers;
using OpenNdi.Core.Index;
using OpenNdi.Data.Consent;
using OpenNdi.Data.Index;
using OpenNdi.Testing;

namespace OpenNdi.Data.Tests;

/// <summary>
/// Two stores' reads in one round trip (<see cref="NdiDatabase.ReadTogetherAsync{T1, T2}"/>): the index lookup and the
/// patient's consents together give exactly what each store's own read gives, on both backends, whichever has rows.
/// </summary>
public class StoreReadTests
{
    private static readonly PersonalIdentityNumber Patient = PersonalIdentityNumber.Parse("19121212-1212", new DateOnly(2026, 11, 1));
    private static readonly PersonalIdentityNumber Other = PersonalIdentityNumber.Create(new DateOnly(1980, 5, 17), 234, coordination: false);
    private static readonly OrganizationNumber RegionOrg = OrganizationNumber.Parse("232100-0016");
    private static readonly HsaId Region = HsaId.Create(RegionOrg, "1000");
    private static readonly HsaId RegionUnit = HsaId.Create(RegionOrg, "15CQ");

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task ReadTogether_GivesWhatEachStoreReadsAlone(string backend)
    {
        await using var test = await TestDatabase.CreateAsync(backend);
        var index = new IndexStore(test.Database);
        var consents = new ConsentStore(test.Database);
        var lab = new IndexEntry(new IndexEntryKey(Patient, DataCategory.Laboratory, RegionUnit, "ehr-1", "lab-1"), Region, new(2020, 1, 1), new(2024, 3, 1));
        var summary = new IndexEntry(new IndexEntryKey(Patient, DataCategory.PatientSummary, RegionUnit, "ehr-1", "ps"), Region, new(2015, 1, 1), new(2026, 10, 1));
        await index.PublishAsync([lab, summary, new IndexEntry(new IndexEntryKey(Other, DataCategory.Laboratory, RegionUnit, "ehr-1", "lab-9"), Region, new(2020, 1, 1), new(2020, 1, 1))]);
        await consents.SaveAsync("optout-1", Patient, "optout-primary", true, """{"resourceType":"Consent","id":"optout-1"}""", Patient.Value, null);
        await consents.SaveAsync("block-1", Patient, "block", false, """{"resourceType":"Consent","id":"block-1"}""", Patient.Value, null);
        await consents.SaveAsync("optout-2", Other, "optout-primary", true, """{"resourceType":"Consent","id":"optout-2"}""", Other.Value, null);

        var (entries, stored) = await test.Database.ReadTogetherAsync(index.LookupRead(new IndexQuery(Patient)), consents.ListRead(Patient));
        var (labOnly, none) = await test.Database.ReadTogetherAsync(index.LookupRead(new IndexQuery(Patient, DataCategory.Laboratory, new(2024, 1, 1), new(2024, 12, 31))),
            consents.ListRead(PersonalIdentityNumber.Create(new DateOnly(1990, 1, 1), 123, coordination: false)));

        Assert.Equal([summary, lab], entries);
        Assert.Equal(["optout-1", "block-1"], stored.Select(c => c.Id));
        Assert.Equal([true, false], stored.Select(c => c.Active));
        Assert.Equal(await consents.ListAsync(Patient), stored);
        Assert.Equal([lab], labOnly);
        Assert.Empty(none);
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task ReadTogether_WithNoRowsInTheFirstRead_StillReadsTheSecond(string backend)
    {
        await using var test = await TestDatabase.CreateAsync(backend);
        var consents = new ConsentStore(test.Database);
        await consents.SaveAsync("optout-1", Patient, "optout-primary", true, """{"resourceType":"Consent","id":"optout-1"}""", Patient.Value, null);

        var (entries, stored) = await test.Database.ReadTogetherAsync(new IndexStore(test.Database).LookupRead(new IndexQuery(Patient)), consents.ListRead(Patient));

        Assert.Empty(entries);
        Assert.Equal("optout-1", Assert.Single(stored).Id);
    }
}
