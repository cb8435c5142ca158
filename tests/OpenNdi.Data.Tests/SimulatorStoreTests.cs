using OpenNdi.Data.Simulator;
using OpenNdi.Testing;

namespace OpenNdi.Data.Tests;

public class SimulatorStoreTests
{
    private static StoredResource Resource(string provider, string type, string id, string? patient, string? date, string? code = null, string? identifier = null) =>
        new(provider, type, id, patient, identifier, date, code, $$"""{"resourceType":"{{type}}","id":"{{id}}"}""");

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task SaveProviders_WhenSavedAgain_ReplacesTheDefinitionButKeepsTheBehaviour(string backend)
    {
        await using var test = await TestDatabase.CreateAsync(backend);
        var store = new SimulatorStore(test.Database);
        await store.SaveProvidersAsync([new StoredProvider("region-a", "SE2321000016-AAAA", "Region A", "{\"v\":1}", "{\"latency\":1}")]);
        Assert.True(await store.UpdateBehaviourAsync("region-a", "{\"latency\":2}"));

        await store.SaveProvidersAsync([new StoredProvider("region-a", "SE2321000016-AAAA", "Region A2", "{\"v\":2}", "{\"latency\":1}")]);

        var saved = Assert.Single(await store.ListProvidersAsync());
        Assert.Equal(("Region A2", "{\"v\":2}", "{\"latency\":2}"), (saved.Name, saved.DefinitionJson, saved.BehaviourJson));
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task UpdateBehaviour_WhenTheProviderIsUnknown_ReturnsFalse(string backend)
    {
        await using var test = await TestDatabase.CreateAsync(backend);

        Assert.False(await new SimulatorStore(test.Database).UpdateBehaviourAsync("nobody", "{}"));
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Read_ReturnsOnlyTheNamedProvidersResource(string backend)
    {
        await using var test = await TestDatabase.CreateAsync(backend);
        var store = new SimulatorStore(test.Database);
        var mine = Resource("a", "Condition", "c1", "p1", "2024-01-01T10:00:00Z", "http://hl7.org/fhir/sid/icd-10|I10");
        await store.AddResourcesAsync([mine, Resource("b", "Condition", "c2", "p9", "2024-01-01T10:00:00Z")]);

        Assert.Equal(mine, await store.ReadAsync("a", "Condition", "c1"));
        Assert.Null(await store.ReadAsync("a", "Condition", "c2"));
        Assert.Null(await store.ReadAsync("b", "Condition", "c1"));
        Assert.Null(await store.ReadAsync("a", "Observation", "c1"));
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Search_FiltersByPatientDateAndCode_NewestFirst(string backend)
    {
        await using var test = await TestDatabase.CreateAsync(backend);
        var store = new SimulatorStore(test.Database);
        await store.AddResourcesAsync(
        [
            Resource("a", "Observation", "o1", "p1", "2023-05-01T08:00:00Z", "http://loinc.org|4548-4"),
            Resource("a", "Observation", "o2", "p1", "2024-05-01T08:00:00Z", "http://loinc.org|4548-4"),
            Resource("a", "Observation", "o3", "p1", "2024-06-01T08:00:00Z", "http://loinc.org|718-7"),
            Resource("a", "Observation", "o4", "p2", "2024-06-01T08:00:00Z", "http://loinc.org|4548-4"),
            Resource("b", "Observation", "o5", "p1", "2024-06-01T08:00:00Z", "http://loinc.org|4548-4"),
        ]);

        var all = await store.SearchAsync(new ResourceQuery("a", "Observation", "p1"));
        var since2024 = await store.SearchAsync(new ResourceQuery("a", "Observation", "p1", DateFrom: "2024-01-01T00:00:00Z"));
        var before2024 = await store.SearchAsync(new ResourceQuery("a", "Observation", "p1", DateTo: "2024-01-01T00:00:00Z"));
        var hba1c = await store.SearchAsync(new ResourceQuery("a", "Observation", "p1", Code: "http://loinc.org|4548-4"));
        var bareCode = await store.SearchAsync(new ResourceQuery("a", "Observation", "p1", Code: "718-7"));

        Assert.Equal(["o3", "o2", "o1"], all.Select(r => r.Id));
        Assert.Equal(["o3", "o2"], since2024.Select(r => r.Id));
        Assert.Equal(["o1"], before2024.Select(r => r.Id));
        Assert.Equal(["o2", "o1"], hba1c.Select(r => r.Id));
        Assert.Equal(["o3"], bareCode.Select(r => r.Id));
    }

    /// <summary>A report with the given category codings (system may be null), as the generator writes them.</summary>
    private static StoredResource Report(string id, string patient, string date, params (string? System, string Code)[] categories)
    {
        var codings = categories.Select(c => c.System is null ? $$"""{"coding":[{"code":"{{c.Code}}"}]}""" : $$"""{"coding":[{"system":"{{c.System}}","code":"{{c.Code}}"}]}""");
        return new("a", "DiagnosticReport", id, patient, null, date, null,
            $$"""{"resourceType":"DiagnosticReport","id":"{{id}}","category":[{{string.Join(',', codings)}}]}""");
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Search_ByCategory_MatchesTheTokenInTheCategoryCodings(string backend)
    {
        await using var test = await TestDatabase.CreateAsync(backend);
        var store = new SimulatorStore(test.Database);
        const string V2 = "http://terminology.hl7.org/CodeSystem/v2-0074";
        await store.AddResourcesAsync(
        [
            Report("lab", "p1", "2024-03-01T08:00:00Z", (V2, "LAB")),
            Report("rad", "p1", "2024-02-01T08:00:00Z", (V2, "RAD")),
            Report("both", "p1", "2024-01-01T08:00:00Z", ("http://example.org/local", "X"), (V2, "LAB")),
            Report("nosystem", "p1", "2023-12-01T08:00:00Z", (null, "LAB")),
            Resource("a", "DiagnosticReport", "none", "p1", "2023-11-01T08:00:00Z"),
            Report("other", "p2", "2024-03-01T08:00:00Z", (V2, "LAB")),
        ]);

        async Task<IEnumerable<string>> Ids(string token) => (await store.SearchAsync(new ResourceQuery("a", "DiagnosticReport", "p1", Category: token))).Select(r => r.Id);

        Assert.Equal(["lab", "both", "nosystem"], await Ids("LAB"));
        Assert.Equal(["lab", "both"], await Ids($"{V2}|LAB"));
        Assert.Equal(["nosystem"], await Ids("|LAB"));
        Assert.Equal(["lab", "rad", "both"], await Ids($"{V2}|"));
        Assert.Equal(["rad"], await Ids("RAD"));
        Assert.Empty(await Ids("http://example.org/local|LAB"));
        Assert.Empty(await Ids("lab"));
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Search_ByCategory_PagesOverTheMatchesOnly(string backend)
    {
        await using var test = await TestDatabase.CreateAsync(backend);
        var store = new SimulatorStore(test.Database);
        // Newest first, RAD and LAB interleaved: a filter applied after the page was cut would lose LAB reports.
        await store.AddResourcesAsync([.. Enumerable.Range(0, 20).Select(i => Report($"r{i:D2}", "p1", $"2024-01-{1 + i:D2}T08:00:00Z", (null, i % 2 == 0 ? "LAB" : "RAD")))]);

        var pages = new List<string>();
        for (var offset = 0; offset < 12; offset += 4)
            pages.AddRange((await store.SearchAsync(new ResourceQuery("a", "DiagnosticReport", "p1", Category: "LAB", Offset: offset, Limit: 4))).Select(r => r.Id));

        Assert.Equal(["r18", "r16", "r14", "r12", "r10", "r08", "r06", "r04", "r02", "r00"], pages);
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task ReadMany_ReturnsTheNamedResourcesOfThatProviderAndType_SkippingUnknownIds(string backend)
    {
        await using var test = await TestDatabase.CreateAsync(backend);
        var store = new SimulatorStore(test.Database);
        await store.AddResourcesAsync(
        [
            Resource("a", "Observation", "o1", "p1", null),
            Resource("a", "Observation", "o2", "p1", null),
            Resource("a", "Observation", "o3", "p1", null),
            Resource("a", "Condition", "o4", "p1", null),
            Resource("b", "Observation", "o5", "p1", null),
        ]);

        var found = await store.ReadManyAsync("a", "Observation", ["o3", "o1", "o4", "o5", "missing"]);

        Assert.Equal(["o1", "o3"], found.Select(r => r.Id).Order(StringComparer.Ordinal));
        Assert.Empty(await store.ReadManyAsync("a", "Observation", []));
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Search_PagesWithOffsetAndLimit(string backend)
    {
        await using var test = await TestDatabase.CreateAsync(backend);
        var store = new SimulatorStore(test.Database);
        await store.AddResourcesAsync([.. Enumerable.Range(0, 30).Select(i => Resource("a", "Encounter", $"e{i:D2}", "p1", $"2024-01-{1 + i % 28:D2}T08:00:00Z"))]);

        var first = await store.SearchAsync(new ResourceQuery("a", "Encounter", "p1", Offset: 0, Limit: 12));
        var second = await store.SearchAsync(new ResourceQuery("a", "Encounter", "p1", Offset: 12, Limit: 12));
        var third = await store.SearchAsync(new ResourceQuery("a", "Encounter", "p1", Offset: 24, Limit: 12));

        Assert.Equal((12, 12, 6), (first.Count, second.Count, third.Count));
        Assert.Equal(30, first.Concat(second).Concat(third).Select(r => r.Id).Distinct().Count());
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task FindPatientId_FindsThePatientByNationalIdentifierWithinOneProvider(string backend)
    {
        await using var test = await TestDatabase.CreateAsync(backend);
        var store = new SimulatorStore(test.Database);
        await store.AddResourcesAsync(
        [
            Resource("a", "Patient", "pa", "pa", null, identifier: "191212121212"),
            Resource("b", "Patient", "pb", "pb", null, identifier: "191212121212"),
        ]);

        Assert.Equal("pa", await store.FindPatientIdAsync("a", "191212121212"));
        Assert.Equal("pb", await store.FindPatientIdAsync("b", "191212121212"));
        Assert.Null(await store.FindPatientIdAsync("c", "191212121212"));
        Assert.Null(await store.FindPatientIdAsync("a", "200001012385"));
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task AddResources_WhenABatchHoldsADuplicate_StoresNoneOfIt(string backend)
    {
        await using var test = await TestDatabase.CreateAsync(backend);
        var store = new SimulatorStore(test.Database);
        var row = Resource("a", "Condition", "c1", "p1", null);

        await Assert.ThrowsAnyAsync<Exception>(() => store.AddResourcesAsync([row, Resource("a", "Condition", "c2", "p1", null), row]));

        Assert.Equal(0, await store.CountResourcesAsync());
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task AddResources_StoresLargeAndUnicodeJsonUnchanged(string backend)
    {
        await using var test = await TestDatabase.CreateAsync(backend);
        var store = new SimulatorStore(test.Database);
        var json = "{\"resourceType\":\"Composition\",\"id\":\"x\",\"title\":\"Epikris – Åsa Öberg\",\"pad\":\"" + new string('x', 200_000) + "\"}";

        await store.AddResourcesAsync([new StoredResource("a", "Composition", "x", "p", null, null, null, json)]);

        Assert.Equal(json, (await store.ReadAsync("a", "Composition", "x"))!.Json);
        Assert.Equal(1, await store.CountResourcesAsync("a"));
        Assert.Equal(0, await store.CountResourcesAsync("b"));
    }
}
