using OpenNdi.Core.Identifiers;
using OpenNdi.Core.Index;
using OpenNdi.Core.ServiceDirectory;
using OpenNdi.Data.ServiceDirectory;
using Microsoft.Extensions.Time.Testing;
using OpenNdi.Testing;

namespace OpenNdi.Data.Tests;

public class CachedDirectoryStoreTests
{
    private static readonly HsaId Region = HsaId.Create(OrganizationNumber.Parse("232100-0016"), "1000");
    private static readonly HsaId Private = HsaId.Create(OrganizationNumber.Parse("556012-5790"), "2000");

    private static DirectoryEndpoint Endpoint(string id, DataCategory? category = null, EndpointStatus status = EndpointStatus.Active, HsaId? provider = null, string system = "ehr-1") =>
        new(id, provider ?? Region, system, category, new Uri($"https://ehr.example/{id}/fhir"), DirectoryEndpoint.FhirRest, "4.0.1", status);

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Resolve_GivesWhatTheStoresQueryGives(string backend)
    {
        await using var test = await TestDatabase.CreateAsync(backend);
        var store = new DirectoryStore(test.Database);
        var cached = new CachedDirectoryStore(store, TimeSpan.FromMinutes(1), new FakeTimeProvider());
        foreach (var endpoint in (DirectoryEndpoint[])[
            Endpoint("general-b"), Endpoint("general-a"), Endpoint("lab-b", DataCategory.Laboratory), Endpoint("lab-a", DataCategory.Laboratory),
            Endpoint("img-off", DataCategory.ImagingReport, EndpointStatus.Off), Endpoint("other-provider", provider: Private),
            Endpoint("other-system", system: "lab-system"), Endpoint("only-suspended", system: "old", status: EndpointStatus.Suspended)])
            await store.SaveAsync(endpoint, "op");

        foreach (var provider in (HsaId[])[Region, Private])
        foreach (var system in (string[])["ehr-1", "lab-system", "old", "none"])
        foreach (var category in DataCategory.All)
            Assert.Equal((await store.ResolveAsync(provider, system, category))?.Id, (await cached.ResolveAsync(provider, system, category))?.Id);
    }

    [Fact]
    public async Task Resolve_AfterASaveThroughTheCache_SeesTheChangeAtOnce()
    {
        await using var test = await TestDatabase.CreateAsync("sqlite");
        var cached = new CachedDirectoryStore(new DirectoryStore(test.Database), TimeSpan.FromHours(1), new FakeTimeProvider());
        await cached.SaveAsync(Endpoint("general"), "op");
        var before = await cached.ResolveAsync(Region, "ehr-1", DataCategory.Laboratory);

        await cached.SaveAsync(Endpoint("lab", DataCategory.Laboratory), "op");

        Assert.Equal("general", before?.Id);
        Assert.Equal("lab", (await cached.ResolveAsync(Region, "ehr-1", DataCategory.Laboratory))?.Id);
    }

    [Fact]
    public async Task Resolve_AChangeMadeElsewhere_IsSeenOnceTheCachedRouteExpires()
    {
        await using var test = await TestDatabase.CreateAsync("sqlite");
        var store = new DirectoryStore(test.Database);
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 4, 9, 0, 0, TimeSpan.Zero));
        var cached = new CachedDirectoryStore(store, TimeSpan.FromSeconds(30), clock);
        await store.SaveAsync(Endpoint("general"), "op");
        var before = await cached.ResolveAsync(Region, "ehr-1", DataCategory.Laboratory);

        await store.SaveAsync(Endpoint("general", status: EndpointStatus.Off), "another replica");
        clock.Advance(TimeSpan.FromSeconds(29));
        var justBefore = await cached.ResolveAsync(Region, "ehr-1", DataCategory.Laboratory);
        clock.Advance(TimeSpan.FromSeconds(1));
        var atExpiry = await cached.ResolveAsync(Region, "ehr-1", DataCategory.Laboratory);

        Assert.Equal("general", before?.Id);
        Assert.Equal("general", justBefore?.Id); // still the cached route, though the store changed
        Assert.Null(atExpiry); // the route expired: the Off endpoint is no longer resolved
    }
}
