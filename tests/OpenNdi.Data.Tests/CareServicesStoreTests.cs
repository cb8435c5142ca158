using OpenNdi.Core.Identifiers;
using OpenNdi.Core.ServiceDirectory;
using OpenNdi.Data.ServiceDirectory;
using OpenNdi.Testing;

namespace OpenNdi.Data.Tests;

/// <summary>The directory's mCSD care services (Organization, Location, HealthcareService) on both backends.</summary>
public class CareServicesStoreTests
{
    private static readonly OrganizationNumber RegionNumber = OrganizationNumber.Parse("232100-0016");
    private static readonly HsaId Region = HsaId.Create(RegionNumber, "1000");
    private static readonly HsaId Unit = HsaId.Create(RegionNumber, "15CQ");
    private static readonly HsaId OtherUnit = HsaId.Create(RegionNumber, "16AB");

    private static DirectoryOrganization Provider() => new(Region, "Region Örebro län", OrganizationRole.Provider, RegionNumber);

    private static DirectoryOrganization CareUnit(HsaId? id = null, string name = "Åsens vårdcentral") =>
        new(id ?? Unit, name, OrganizationRole.CareUnit, PartOf: Region, CareUnitKind: "primary-care");

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Save_ThenGet_ReturnsEachTypeAsSaved(string backend)
    {
        await using var test = await TestDatabase.CreateAsync(backend);
        var store = new CareServicesStore(test.Database);
        var location = new DirectoryLocation(Unit.Value, "Åsens vårdcentral", Unit, "1880", "Örebro");
        var service = new DirectoryHealthcareService(Unit.Value, "Åsens vårdcentral", Unit, "primary-care", Unit.Value);

        Assert.Equal(1, await store.SaveAsync(Provider(), "op"));
        Assert.Equal(1, await store.SaveAsync(CareUnit(), "op"));
        Assert.Equal(1, await store.SaveAsync(location, "op"));
        Assert.Equal(1, await store.SaveAsync(service, "op"));

        Assert.Equal(Provider(), await store.GetAsync<DirectoryOrganization>(Region.Value));
        Assert.Equal(CareUnit(), await store.GetAsync<DirectoryOrganization>(Unit.Value));
        Assert.Equal(location, await store.GetAsync<DirectoryLocation>(Unit.Value));
        Assert.Equal(service, await store.GetAsync<DirectoryHealthcareService>(Unit.Value));
        Assert.Null(await store.GetAsync<DirectoryLocation>(Region.Value));
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task FindOrganizations_MatchesIdentifierPartOfAndNamePrefixIgnoringCaseAndAccents(string backend)
    {
        await using var test = await TestDatabase.CreateAsync(backend);
        var store = new CareServicesStore(test.Database);
        await store.SaveAllAsync([Provider(), CareUnit(), CareUnit(OtherUnit, "Barnavårdscentralen Örebro") with { CareUnitKind = "child-health" }], "op");

        Assert.Equal([Region.Value], (await store.FindOrganizationsAsync(new OrganizationQuery(HsaId: Region))).Select(o => o.Id));
        Assert.Equal([Region.Value], (await store.FindOrganizationsAsync(new OrganizationQuery(OrganizationNumber: RegionNumber))).Select(o => o.Id));
        Assert.Equal([Unit.Value, OtherUnit.Value], (await store.FindOrganizationsAsync(new OrganizationQuery(PartOf: Region))).Select(o => o.Id));
        Assert.Equal([Unit.Value], (await store.FindOrganizationsAsync(new OrganizationQuery(Name: "ASENS VARD"))).Select(o => o.Id));
        Assert.Equal([OtherUnit.Value], (await store.FindOrganizationsAsync(new OrganizationQuery(PartOf: Region, Name: "barnavårds"))).Select(o => o.Id));
        Assert.Empty(await store.FindOrganizationsAsync(new OrganizationQuery(PartOf: Region, Name: "region")));
        Assert.Equal(3, (await store.FindOrganizationsAsync(new OrganizationQuery())).Count);
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task List_ByOrganization_ReturnsOnlyThatOrganizationsLocationsAndServices(string backend)
    {
        await using var test = await TestDatabase.CreateAsync(backend);
        var store = new CareServicesStore(test.Database);
        await store.SaveAllAsync([new DirectoryLocation("a", "A", Unit, "1880"), new DirectoryLocation("b", "B", OtherUnit, "1880")], "op");
        await store.SaveAllAsync([new DirectoryHealthcareService("s", "S", OtherUnit, "child-health", "b")], "op");

        Assert.Equal(["a"], (await store.ListAsync<DirectoryLocation>(Unit)).Select(l => l.Id));
        Assert.Equal(["a", "b"], (await store.ListAsync<DirectoryLocation>()).Select(l => l.Id));
        Assert.Equal(["s"], (await store.ListAsync<DirectoryHealthcareService>(OtherUnit)).Select(s => s.Id));
        Assert.Empty(await store.ListAsync<DirectoryHealthcareService>(Unit));
        Assert.Equal(new HashSet<string> { "a", "b" }, await store.IdsAsync<DirectoryLocation>());
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Save_KeepsEveryVersionWithWhoAndWhen_PerResourceType(string backend)
    {
        await using var test = await TestDatabase.CreateAsync(backend);
        var store = new CareServicesStore(test.Database);
        var first = CareUnit();
        var renamed = first with { Name = "Åsens hälsocentral" };
        await store.SaveAsync(first, "vendor:x");
        var version = await store.SaveAsync(renamed, "operator:anna");
        // The same id as another type is another entry with its own versions.
        await store.SaveAsync(new DirectoryLocation(Unit.Value, "Åsen", Unit, "1880"), "op");

        var history = await store.HistoryAsync<DirectoryOrganization>(Unit.Value);
        Assert.Equal(2, version);
        Assert.Equal([1, 2], history.Select(h => h.Version));
        Assert.Equal(["vendor:x", "operator:anna"], history.Select(h => h.ChangedBy));
        Assert.Equal([first, renamed], history.Select(h => h.Entry));
        Assert.Single(await store.HistoryAsync<DirectoryLocation>(Unit.Value));
        Assert.Equal([Unit.Value], (await store.FindOrganizationsAsync(new OrganizationQuery(Name: "asens hals"))).Select(o => o.Id));
    }

    [Fact]
    public async Task SaveAll_WhenOneEntryIsInvalid_StoresNone()
    {
        await using var test = await TestDatabase.CreateAsync("sqlite");
        var store = new CareServicesStore(test.Database);

        var error = await Assert.ThrowsAsync<ArgumentException>(() => store.SaveAllAsync([CareUnit(), CareUnit(OtherUnit) with { CareUnitKind = "dentistry" }], "op"));

        Assert.Contains("kind", error.Message);
        Assert.Empty(await store.IdsAsync<DirectoryOrganization>());
    }

    [Fact]
    public void Validate_SaysWhatIsWrong()
    {
        Assert.Null(Provider().Validate());
        Assert.Contains("partOf", (CareUnit() with { PartOf = null }).Validate());
        Assert.Contains("not part of", (Provider() with { PartOf = Region }).Validate());
        Assert.Contains("itself", (CareUnit() with { PartOf = Unit }).Validate());
        Assert.Contains("name", (Provider() with { Name = " " }).Validate());
        Assert.Contains("municipality", new DirectoryLocation("a", "A", Unit, "188").Validate());
        Assert.Contains("id", new DirectoryLocation("a b", "A", Unit, "1880").Validate());
        Assert.Contains("category", new DirectoryHealthcareService("s", "S", Unit, "dentistry").Validate());
    }
}
