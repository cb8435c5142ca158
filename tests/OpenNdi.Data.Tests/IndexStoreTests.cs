using OpenNdi.Core.Identifiers;
using OpenNdi.Core.Index;
using OpenNdi.Data.Index;
using OpenNdi.Testing;

namespace OpenNdi.Data.Tests;

public class IndexStoreTests
{
    private static readonly PersonalIdentityNumber Patient = PersonalIdentityNumber.Parse("19121212-1212", new DateOnly(2026, 11, 1));
    private static readonly PersonalIdentityNumber OtherPatient = PersonalIdentityNumber.Create(new DateOnly(1980, 5, 17), 234, coordination: false);
    private static readonly OrganizationNumber RegionOrg = OrganizationNumber.Parse("232100-0016");
    private static readonly OrganizationNumber PrivateOrg = OrganizationNumber.Parse("556012-5790");
    private static readonly HsaId Region = HsaId.Create(RegionOrg, "1000");
    private static readonly HsaId RegionUnit = HsaId.Create(RegionOrg, "15CQ");
    private static readonly HsaId Private = HsaId.Create(PrivateOrg, "2000");
    private static readonly HsaId PrivateUnit = HsaId.Create(PrivateOrg, "7A1B");

    private static IndexEntry Entry(DataCategory category, string reference, DateOnly first, DateOnly latest, bool privateProvider = false, PersonalIdentityNumber? patient = null) =>
        new(new IndexEntryKey(patient ?? Patient, category, privateProvider ? PrivateUnit : RegionUnit, "ehr-1", reference), privateProvider ? Private : Region, first, latest);

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Publish_ThenLookup_ReturnsThePatientsEntriesNewestFirst(string backend)
    {
        await using var test = await TestDatabase.CreateAsync(backend);
        var store = new IndexStore(test.Database);
        var lab = Entry(DataCategory.Laboratory, "lab-1", new(2020, 1, 1), new(2024, 3, 1));
        var summary = Entry(DataCategory.PatientSummary, "ps", new(2015, 1, 1), new(2026, 10, 1), privateProvider: true);
        await store.PublishAsync([lab, summary, Entry(DataCategory.Laboratory, "lab-9", new(2020, 1, 1), new(2020, 1, 1), patient: OtherPatient)]);

        var found = await store.LookupAsync(new IndexQuery(Patient));

        Assert.Equal([summary, lab], found);
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Publish_TheSameKeyTwice_IsOneEntryWhoseDatesCoverBoth(string backend)
    {
        await using var test = await TestDatabase.CreateAsync(backend);
        var store = new IndexStore(test.Database);
        await store.PublishAsync([Entry(DataCategory.Laboratory, "lab-1", new(2020, 1, 1), new(2023, 1, 1))]);

        await store.PublishAsync([Entry(DataCategory.Laboratory, "lab-1", new(2022, 1, 1), new(2025, 6, 1))]);
        await store.PublishAsync([Entry(DataCategory.Laboratory, "lab-1", new(2022, 1, 1), new(2025, 6, 1))]);

        var entry = Assert.Single(await store.LookupAsync(new IndexQuery(Patient)));
        Assert.Equal((new DateOnly(2020, 1, 1), new DateOnly(2025, 6, 1)), (entry.FirstDate, entry.LatestDate));
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    [Trait("Category", "Security")]
    public async Task Publish_OfAKeyAnotherProviderHolds_WritesNothing_AndNamesTheOwner(string backend)
    {
        await using var test = await TestDatabase.CreateAsync(backend);
        var store = new IndexStore(test.Database);
        var regions = Entry(DataCategory.Laboratory, "lab-1", new(2020, 1, 1), new(2023, 1, 1));
        await store.PublishAsync([regions]);
        var takeover = regions with { Provider = Private, FirstDate = new(2010, 1, 1) };
        var alongside = Entry(DataCategory.Laboratory, "lab-2", new(2021, 1, 1), new(2021, 1, 1), privateProvider: true);

        var refusal = await store.PublishAsync([alongside, takeover], int.MaxValue);
        var thrown = await Assert.ThrowsAsync<InvalidOperationException>(() => store.PublishAsync([takeover]));

        Assert.Equal(new EntryOfAnotherProvider(takeover, Region), refusal);
        Assert.Contains("belongs to provider", thrown.Message);
        Assert.Equal([regions], await store.LookupAsync(new IndexQuery(Patient))); // owner, dates and the other entry untouched
        Assert.Equal(RetractOutcome.NotOwner, await store.RetractAsync(regions.Key, Private));
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Publish_TheSameKeyTwiceInOneRequest_IsOneEntryWhoseDatesCoverBothAndWhatWasHeld(string backend)
    {
        await using var test = await TestDatabase.CreateAsync(backend);
        var store = new IndexStore(test.Database);
        await store.PublishAsync([Entry(DataCategory.Laboratory, "lab-1", new(2021, 1, 1), new(2022, 1, 1))]);

        await store.PublishAsync([
            Entry(DataCategory.Laboratory, "lab-1", new(2022, 1, 1), new(2023, 6, 1)),
            Entry(DataCategory.Laboratory, "lab-2", new(2024, 1, 1), new(2024, 2, 1)),
            Entry(DataCategory.Laboratory, "lab-1", new(2019, 1, 1), new(2019, 2, 1)),
            Entry(DataCategory.Laboratory, "lab-2", new(2024, 1, 15), new(2024, 3, 1)),
        ]);

        Assert.Equal(
            [Entry(DataCategory.Laboratory, "lab-2", new(2024, 1, 1), new(2024, 3, 1)), Entry(DataCategory.Laboratory, "lab-1", new(2019, 1, 1), new(2023, 6, 1))],
            await store.LookupAsync(new IndexQuery(Patient)));
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    [Trait("Category", "Security")]
    public async Task Publish_OfOneKeyByTwoProvidersInOneRequest_RefusesTheSecond_AndWritesNothing(string backend)
    {
        await using var test = await TestDatabase.CreateAsync(backend);
        var store = new IndexStore(test.Database);
        var regions = Entry(DataCategory.Laboratory, "lab-1", new(2020, 1, 1), new(2023, 1, 1));
        var privates = regions with { Provider = Private };

        var refusal = await store.PublishAsync([Entry(DataCategory.Laboratory, "lab-0", new(2020, 1, 1), new(2020, 1, 1)), regions, privates], int.MaxValue);

        Assert.Equal(new EntryOfAnotherProvider(privates, Region), refusal);
        Assert.Empty(await store.LookupAsync(new IndexQuery(Patient)));
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    [Trait("Category", "Security")]
    public async Task Publish_WithSeveralKeysOfOtherProviders_NamesTheFirstInTheRequestsOrder(string backend)
    {
        await using var test = await TestDatabase.CreateAsync(backend);
        var store = new IndexStore(test.Database);
        var held = Enumerable.Range(0, 12_000).Select(i => Entry(DataCategory.Laboratory, $"lab-{i}", new(2020, 1, 1), new(2020, 1, 1))).ToList();
        await store.PublishAsync(held);
        // Over two statements' worth of rows on PostgreSQL; the private provider's own entries first, then two takeovers
        // (the later one of them also duplicated, by the private provider, before the first).
        List<IndexEntry> request =
        [
            .. Enumerable.Range(0, 7_000).Select(i => Entry(DataCategory.Laboratory, $"own-{i}", new(2021, 1, 1), new(2021, 1, 1), privateProvider: true)),
            held[9_000] with { Provider = Private },
            .. Enumerable.Range(7_000, 100).Select(i => Entry(DataCategory.Laboratory, $"own-{i}", new(2021, 1, 1), new(2021, 1, 1), privateProvider: true)),
            held[11_000] with { Provider = Private },
            held[9_000] with { Provider = Private, FirstDate = new(2010, 1, 1) },
        ];
        // The private provider's entries name its own care unit; the ones taken over keep the region's, as a confused system would send them.
        var refusal = await store.PublishAsync(request, int.MaxValue);
        var clash = await store.PublishAsync([request[0], request[1], request[1] with { Provider = Region }, held[5] with { Provider = Private }], int.MaxValue);

        Assert.Equal(new EntryOfAnotherProvider(request[7_000], Region), refusal);
        Assert.Equal(new EntryOfAnotherProvider(request[1] with { Provider = Region }, Private), clash);
        Assert.Equal(12_000, await store.CountAsync());
        Assert.Equal(0, await store.CountAsync(Private));
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Publish_PastTheCap_NamesTheFirstPatientInTheRequestsOrder(string backend)
    {
        await using var test = await TestDatabase.CreateAsync(backend);
        var store = new IndexStore(test.Database);
        var patients = Enumerable.Range(0, 1_200).Select(i => PersonalIdentityNumber.Create(new DateOnly(1990, 1, 1).AddDays(-i), 2 * (i % 400) + 100, coordination: false)).ToList();
        // Three entries each for every patient; the patients at 1,100 and 700 (in the request's order, the later one first by
        // personnummer) get a fourth: the one named is in the earlier chunk of 500, as SQLite finds it.
        List<IndexEntry> request =
        [
            .. patients.SelectMany((p, i) => Enumerable.Range(0, 3).Select(k => Entry(DataCategory.Laboratory, $"lab-{i}-{k}", new(2020, 1, 1), new(2020, 1, 1), patient: p))),
            Entry(DataCategory.Laboratory, "extra", new(2020, 1, 1), new(2020, 1, 1), patient: patients[1_100]),
            Entry(DataCategory.Laboratory, "extra", new(2020, 1, 1), new(2020, 1, 1), patient: patients[700]),
        ];

        var refusal = await store.PublishAsync(request, 3);

        Assert.Equal(new TooManyEntries(patients[700], Region, "ehr-1", 4, 3), refusal);
        Assert.Equal(0, await store.CountAsync());
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Publish_OverHeldEntries_IsRefusedPastTheCap_AndCountsOnlyCurrentOnes(string backend)
    {
        await using var test = await TestDatabase.CreateAsync(backend);
        var store = new IndexStore(test.Database);
        var held = Enumerable.Range(0, 3).Select(i => Entry(DataCategory.Laboratory, $"lab-{i}", new(2020, 1, 1), new(2020, 1, 1))).ToList();
        await store.PublishAsync(held[..2]);
        var fourth = Entry(DataCategory.Laboratory, "lab-3", new(2020, 1, 1), new(2020, 1, 1));

        var pastIt = await store.PublishAsync([held[2], fourth], 3);         // two held and two new: one too many
        var upToTheCap = await store.PublishAsync([held[2], held[0]], 3);   // two held and one new, one held republished
        await store.RetractAsync(held[1].Key, Region);
        var overARetracted = await store.PublishAsync([fourth], 3);          // four rows, three current
        var againPastIt = await store.PublishAsync([held[1]], 3);            // the retracted one current again

        Assert.Null(upToTheCap);
        Assert.Equal(new TooManyEntries(Patient, Region, "ehr-1", 4, 3), pastIt);
        Assert.Null(overARetracted);
        Assert.Equal(new TooManyEntries(Patient, Region, "ehr-1", 4, 3), againPastIt);
        Assert.Equal(3, await store.CountAsync());
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Lookup_ByCategoryAndPeriod_ReturnsOnlyEntriesThatTouchThePeriod(string backend)
    {
        await using var test = await TestDatabase.CreateAsync(backend);
        var store = new IndexStore(test.Database);
        var old = Entry(DataCategory.Laboratory, "old", new(2010, 1, 1), new(2012, 1, 1));
        var spanning = Entry(DataCategory.Laboratory, "span", new(2011, 1, 1), new(2024, 1, 1));
        var recent = Entry(DataCategory.Laboratory, "recent", new(2025, 1, 1), new(2026, 1, 1));
        await store.PublishAsync([old, spanning, recent, Entry(DataCategory.ImagingReport, "xr", new(2023, 1, 1), new(2023, 1, 1))]);

        var found = await store.LookupAsync(new IndexQuery(Patient, DataCategory.Laboratory, new DateOnly(2020, 1, 1), new DateOnly(2024, 12, 31)));

        Assert.Equal([spanning], found);
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Retract_ByTheOwningProvider_HidesTheEntryAndRepublishingRestoresIt(string backend)
    {
        await using var test = await TestDatabase.CreateAsync(backend);
        var store = new IndexStore(test.Database);
        var entry = Entry(DataCategory.DischargeReport, "epikris-7", new(2024, 2, 1), new(2024, 2, 9));
        await store.PublishAsync([entry]);

        var outcome = await store.RetractAsync(entry.Key, Region);
        var afterRetract = await store.LookupAsync(new IndexQuery(Patient));
        var again = await store.RetractAsync(entry.Key, Region);
        await store.PublishAsync([entry]);

        Assert.Equal(RetractOutcome.Retracted, outcome);
        Assert.Empty(afterRetract);
        Assert.Equal(RetractOutcome.NotFound, again);
        Assert.Equal([entry], await store.LookupAsync(new IndexQuery(Patient)));
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Retract_ByAnotherProvider_IsRefusedAndChangesNothing(string backend)
    {
        await using var test = await TestDatabase.CreateAsync(backend);
        var store = new IndexStore(test.Database);
        var entry = Entry(DataCategory.DischargeReport, "epikris-7", new(2024, 2, 1), new(2024, 2, 9));
        await store.PublishAsync([entry]);

        var outcome = await store.RetractAsync(entry.Key, Private);

        Assert.Equal(RetractOutcome.NotOwner, outcome);
        Assert.Equal([entry], await store.LookupAsync(new IndexQuery(Patient)));
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Publish_WhenOneEntryOfABatchIsInvalid_StoresNoneOfIt(string backend)
    {
        await using var test = await TestDatabase.CreateAsync(backend);
        var store = new IndexStore(test.Database);
        var good = Entry(DataCategory.Laboratory, "lab-1", new(2020, 1, 1), new(2021, 1, 1));
        var backwards = new IndexEntry(good.Key with { SourceReference = "lab-2" }, Region, new(2021, 1, 1), new(2020, 1, 1));

        var error = await Assert.ThrowsAsync<ArgumentException>(() => store.PublishAsync([good, backwards]));

        Assert.Contains("latest date is before first date", error.Message);
        Assert.Empty(await store.LookupAsync(new IndexQuery(Patient)));
    }

    [Theory]
    [InlineData("", "source system")]
    [InlineData("   ", "source system")]
    public void Validate_WhenTheSourceSystemIsBlank_SaysSo(string system, string expected)
    {
        var entry = Entry(DataCategory.Laboratory, "lab-1", new(2020, 1, 1), new(2021, 1, 1));

        Assert.Contains(expected, (entry with { Key = entry.Key with { SourceSystem = system } }).Validate());
    }

    [Fact]
    public void Validate_WhenLatestIsBeforeFirst_SaysSo()
    {
        Assert.Contains("before first", Entry(DataCategory.Laboratory, "x", new(2021, 1, 1), new(2020, 1, 1)).Validate());
    }
}
