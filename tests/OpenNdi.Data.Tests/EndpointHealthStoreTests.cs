using OpenNdi.Core.ServiceDirectory;
using OpenNdi.Data.ServiceDirectory;
using OpenNdi.Testing;

namespace OpenNdi.Data.Tests;

/// <summary>The endpoints' last health probe on both backends.</summary>
public class EndpointHealthStoreTests
{
    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Record_KeepsOnlyTheLatestProbePerEndpoint(string backend)
    {
        await using var test = await TestDatabase.CreateAsync(backend);
        var store = new EndpointHealthStore(test.Database);
        var at = new DateTimeOffset(2026, 11, 22, 8, 0, 0, TimeSpan.Zero);
        var down = new EndpointHealth("a", at, EndpointHealthOutcome.Down, null, 1000, "timeout after 1000 ms");
        var up = new EndpointHealth("a", at.AddMinutes(1), EndpointHealthOutcome.Up, 200, 12, null);
        var degraded = new EndpointHealth("b", at, EndpointHealthOutcome.Degraded, 200, 2500, "slow");

        await store.RecordAsync(down);
        await store.RecordAsync(up);
        await store.RecordAsync(degraded);

        Assert.Equal(up, await store.GetAsync("a"));
        Assert.Equal([up, degraded], await store.ListAsync());
        Assert.Null(await store.GetAsync("c"));
    }
}
