using OpenNdi.Core.Identifiers;
using OpenNdi.Core.Index;
using OpenNdi.Core.ServiceDirectory;
using OpenNdi.Data.ServiceDirectory;
using OpenNdi.Testing;

namespace OpenNdi.Data.Tests;

public class DirectoryStoreTests
{
    private static readonly HsaId Region = HsaId.Create(OrganizationNumber.Parse("232100-0016"), "1000");
    private static readonly HsaId Private = HsaId.Create(OrganizationNumber.Parse("556012-5790"), "2000");

    private static DirectoryEndpoint Endpoint(string id, DataCategory? category = null, EndpointStatus status = EndpointStatus.Active, HsaId? provider = null, string system = "ehr-1") =>
        new(id, provider ?? Region, system, category, new Uri($"https://ehr.example/{id}/fhir"), DirectoryEndpoint.FhirRest, "4.0.1", status);

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Save_ThenGet_ReturnsTheEndpointAsSaved(string backend)
    {
        await using var test = await TestDatabase.CreateAsync(backend);
        var store = new DirectoryStore(test.Database);
        var endpoint = Endpoint("region-ehr", DataCategory.Laboratory);

        var version = await store.SaveAsync(endpoint, "operator:anna");

        Assert.Equal(1, version);
        Assert.Equal(endpoint, await store.GetAsync("region-ehr"));
        Assert.Null(await store.GetAsync("nothing"));
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Resolve_PrefersTheCategorysOwnEndpointOverTheSystemsGeneralOne(string backend)
    {
        await using var test = await TestDatabase.CreateAsync(backend);
        var store = new DirectoryStore(test.Database);
        await store.SaveAsync(Endpoint("general"), "op");
        await store.SaveAsync(Endpoint("lab", DataCategory.Laboratory), "op");

        var lab = await store.ResolveAsync(Region, "ehr-1", DataCategory.Laboratory);
        var summary = await store.ResolveAsync(Region, "ehr-1", DataCategory.PatientSummary);

        Assert.Equal("lab", lab?.Id);
        Assert.Equal("general", summary?.Id);
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Resolve_IgnoresEndpointsThatAreNotActiveAndOtherProvidersOrSystems(string backend)
    {
        await using var test = await TestDatabase.CreateAsync(backend);
        var store = new DirectoryStore(test.Database);
        await store.SaveAsync(Endpoint("suspended", DataCategory.Laboratory, EndpointStatus.Suspended), "op");
        await store.SaveAsync(Endpoint("other-provider", provider: Private), "op");
        await store.SaveAsync(Endpoint("other-system", system: "lab-system"), "op");

        Assert.Null(await store.ResolveAsync(Region, "ehr-1", DataCategory.Laboratory));
        Assert.Equal("other-system", (await store.ResolveAsync(Region, "lab-system", DataCategory.Laboratory))?.Id);
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Save_KeepsEveryVersionWithWhoAndWhen(string backend)
    {
        await using var test = await TestDatabase.CreateAsync(backend);
        var store = new DirectoryStore(test.Database);
        var first = Endpoint("region-ehr");
        var moved = first with { Address = new Uri("https://new.example/fhir") };
        var suspended = moved with { Status = EndpointStatus.Suspended };

        await store.SaveAsync(first, "vendor:x");
        await store.SaveAsync(moved, "operator:anna");
        var version = await store.SaveAsync(suspended, "operator:bo");

        var history = await store.HistoryAsync("region-ehr");
        Assert.Equal(3, version);
        Assert.Equal([1, 2, 3], history.Select(h => h.Version));
        Assert.Equal(["vendor:x", "operator:anna", "operator:bo"], history.Select(h => h.ChangedBy));
        Assert.Equal([first, moved, suspended], history.Select(h => h.Entry));
        Assert.Equal(suspended, await store.GetAsync("region-ehr"));
    }

    [Theory]
    [InlineData("ftp://ehr.example/fhir", "address")]
    [InlineData("/relative/fhir", "address")]
    public async Task Save_WhenTheAddressIsNotAnHttpUrl_IsRefusedAndStoresNothing(string address, string named)
    {
        await using var test = await TestDatabase.CreateAsync("sqlite");
        var store = new DirectoryStore(test.Database);
        var endpoint = Endpoint("bad") with { Address = new Uri(address, UriKind.RelativeOrAbsolute) };

        var error = await Assert.ThrowsAsync<ArgumentException>(() => store.SaveAsync(endpoint, "op"));

        Assert.Contains(named, error.Message);
        Assert.Empty(await store.ListAsync());
        Assert.Empty(await store.HistoryAsync("bad"));
    }

    [Theory]
    [InlineData("has space", "id")]
    [InlineData("", "id")]
    public void Validate_WhenTheIdIsNotAFhirId_SaysSo(string id, string named)
    {
        Assert.Contains(named, (Endpoint("x") with { Id = id }).Validate());
    }

    [Fact]
    public void Validate_WhenTheProtocolIsNotFhirRest_SaysSo()
    {
        Assert.Contains("protocol", (Endpoint("x") with { Protocol = "ihe-xca" }).Validate());
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task List_ByProvider_ReturnsOnlyThatProvidersEndpoints(string backend)
    {
        await using var test = await TestDatabase.CreateAsync(backend);
        var store = new DirectoryStore(test.Database);
        await store.SaveAsync(Endpoint("a"), "op");
        await store.SaveAsync(Endpoint("b", provider: Private), "op");

        Assert.Equal(["a"], (await store.ListAsync(Region)).Select(e => e.Id));
        Assert.Equal(["a", "b"], (await store.ListAsync()).Select(e => e.Id));
    }
}
