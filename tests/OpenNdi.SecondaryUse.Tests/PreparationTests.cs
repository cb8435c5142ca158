using Microsoft.Extensions.Time.Testing;
using OpenNdi.SecondaryUse.Domain;
using OpenNdi.SecondaryUse.Ports;
using OpenNdi.SecondaryUse.Preparation;
using OpenNdi.SecondaryUse.Pseudonymisation;

namespace OpenNdi.SecondaryUse.Tests;

[Trait("Category", "Security")]
public sealed class PreparationTests
{
    private const string Icd10E11 = "http://hl7.org/fhir/sid/icd-10|E11";
    private const string Objector = "198405051239";
    private const string Lone = "195002021240";

    private static readonly PermitKeys Keys = new([.. Enumerable.Range(100, 32).Select(i => (byte)i)]);

    private static readonly HeldDataset Conditions = new("region-x/conditions", DatasetKind.Events, "SE2321000016-1000", "Region X", "Conditions",
        "Diagnoses set in Region X's care", "diagnoses", ["http://hl7.org/fhir/sid/icd-10"], "data@region-x.example");

    private static readonly HeldDataset Population = new("population", DatasetKind.Persons, "202100-2650", "The population register", "Population",
        "Birth date, sex and place of every resident", "demographics", [], "data@register.example");

    /// <summary>Five women born in 1984 in Stockholm (municipality 0180, region 01): one class of five at Year and Region.</summary>
    private static readonly string[] Women = ["198403071234", "198403081235", "198404121236", "198411301237", "198401011238"];

    private static RegisteredPerson Woman(string id) => new(id, DateOnly.ParseExact(id[..8], "yyyyMMdd"), "female", "0180", "01");

    /// <summary>The five women; the objector, who would make their class six; a man born 1950 in Kiruna (2584, region 25), alone.</summary>
    private static readonly RegisteredPerson[] Register =
        [.. Women.Select(Woman), Woman(Objector), new RegisteredPerson(Lone, new DateOnly(1950, 2, 2), "male", "2584", "25")];

    /// <summary>One event in 2024 for each woman, two for the objector and two for the lone man.</summary>
    private static readonly HeldRow[] Rows =
    [
        .. Women.Select(w => new HeldRow(w, new DateOnly(2024, 5, 2), Icd10E11)),
        new(Objector, new DateOnly(2024, 3, 1), Icd10E11), new(Objector, new DateOnly(2024, 6, 1), null),
        new(Lone, new DateOnly(2024, 7, 7), Icd10E11), new(Lone, new DateOnly(2024, 8, 8), Icd10E11),
    ];

    private static ExtractSpecification Spec(string permit = "permit-1", OutputForm form = OutputForm.Pseudonymised, IReadOnlyList<string>? variables = null,
        IReadOnlyList<HeldDataset>? datasets = null, EventDateDetail eventDates = EventDateDetail.Month) =>
        new(permit, datasets ?? [Conditions], variables ?? ExtractVariables.All, new DateOnly(2024, 1, 1), new DateOnly(2024, 12, 31), form,
            new Generalisation(BirthDetail.Year, PlaceDetail.Region, eventDates));

    private sealed record Run(PreparationReport Report, FakeWriter Writer, FakeIncluded Included, FakeHolders Holders, FakeObjections Objections);

    private static async Task<Run> PrepareAsync(ExtractSpecification spec, IReadOnlyList<RegisteredPerson>? register = null, IReadOnlyList<HeldRow>? rows = null,
        double? budget = null, bool ignoresPeriod = false)
    {
        var holders = new FakeHolders(new Dictionary<string, IReadOnlyList<HeldRow>> { [Conditions.Id] = rows ?? Rows }, ignoresPeriod);
        var objections = new FakeObjections(new HashSet<string> { Objector });
        var preparation = new ExtractPreparation(new FakeRegister(register ?? Register), holders, objections, new FakeTimeProvider())
        {
            SuppressionBudget = budget ?? KAnonymity.DefaultSuppressionBudget,
        };
        var writer = new FakeWriter();
        var included = new FakeIncluded();
        var report = await preparation.PrepareAsync(spec, Keys.For(spec.Permit), writer, included, null, TestContext.Current.CancellationToken);
        return new Run(report, writer, included, holders, objections);
    }

    [Theory]
    [InlineData(OutputForm.Pseudonymised)]
    [InlineData(OutputForm.Anonymised)]
    public async Task Prepare_AnObjectingPerson_ReachesNoEventNoPersonNoBatchAndNoCount(OutputForm form)
    {
        var objector = Keys.For("permit-1").Pseudonym(Objector);

        var run = await PrepareAsync(Spec(form: form), register: [.. Women.Select(Woman), Woman(Objector)], rows: [.. Rows.Where(r => r.Person != Lone)]);

        Assert.Equal(1, run.Objections.Reads);
        Assert.DoesNotContain(run.Writer.Events, e => e.Subject == objector);
        Assert.DoesNotContain(run.Writer.Persons, p => p.Subject == objector);
        Assert.DoesNotContain(Objector, run.Included.Persons);
        Assert.DoesNotContain(objector, run.Writer.Removed);
        // Counted, the objector would make 6 persons, 7 events and a class of six.
        Assert.Equal(5, run.Report.Persons);
        Assert.Equal(5, run.Report.Events);
        Assert.Equal(0, run.Report.PersonsSuppressed);
        Assert.Equal(1, run.Report.EquivalenceClasses);
        Assert.Equal(5, run.Report.SmallestClass);
        Assert.Equal(Women.Order(), run.Included.Persons.Order());
    }

    [Fact]
    public async Task Prepare_WithEveryVariableApproved_WritesThemGeneralisedAsThePermitSays()
    {
        var run = await PrepareAsync(Spec(), register: [.. Women.Select(Woman)]);

        var first = Keys.For("permit-1").Pseudonym(Women[0]);
        Assert.Equal(new Workspaces.ExtractEvent(first, "region-x/conditions", Icd10E11, "2024-05", "SE2321000016-1000"), Assert.Single(run.Writer.Events, e => e.Subject == first));
        Assert.Equal(new Workspaces.ExtractPerson(first, "1984", "female", "01"), Assert.Single(run.Writer.Persons, p => p.Subject == first));
        Assert.True(run.Writer.Completed);
    }

    [Fact]
    public async Task Prepare_VariablesNotApproved_AreNull()
    {
        var run = await PrepareAsync(Spec(variables: [ExtractVariables.Code]), register: [.. Women.Select(Woman)]);

        Assert.Equal(5, run.Writer.Events.Count);
        Assert.All(run.Writer.Events, e => Assert.Equal((Icd10E11, (string?)null, (string?)null), (e.Code, e.Date, e.Holder)));
        Assert.Equal(5, run.Writer.Persons.Count);
        Assert.All(run.Writer.Persons, p => Assert.Equal(((string?)null, (string?)null, (string?)null), (p.Birth, p.Sex, p.Place)));
    }

    [Fact]
    public async Task Prepare_Pseudonyms_AreStableAcrossRunsOfOnePermit_AndDifferBetweenPermits()
    {
        var once = await PrepareAsync(Spec("permit-1"));
        var again = await PrepareAsync(Spec("permit-1"));
        var other = await PrepareAsync(Spec("permit-2"));

        Assert.Equal(once.Writer.Persons, again.Writer.Persons);
        Assert.Equal(once.Writer.Events, again.Writer.Events);
        var subjects = once.Writer.Persons.Select(p => p.Subject).ToHashSet();
        Assert.Equal(6, subjects.Count);
        Assert.Empty(subjects.Intersect(other.Writer.Persons.Select(p => p.Subject)));
        Assert.Empty(once.Writer.Events.Select(e => e.Subject).Intersect(other.Writer.Events.Select(e => e.Subject)));
        // The permits differ only in their pseudonyms.
        Assert.Equal(once.Writer.Persons.Select(p => (p.Birth, p.Sex, p.Place)), other.Writer.Persons.Select(p => (p.Birth, p.Sex, p.Place)));
    }

    [Fact]
    public async Task Prepare_Anonymised_SuppressesALoneCombination_AndRemovesItsEvents()
    {
        // Seven registered, the objector out: six; the man from Kiruna born 1950 is alone, and a 20 % budget lets him go
        // (1.2 persons) before anything is generalised.
        var lone = Keys.For("permit-1").Pseudonym(Lone);

        var run = await PrepareAsync(Spec(form: OutputForm.Anonymised), budget: 0.2);

        Assert.DoesNotContain(run.Writer.Persons, p => p.Subject == lone);
        Assert.DoesNotContain(run.Writer.Events, e => e.Subject == lone);
        Assert.Equal([lone], run.Writer.Removed);
        Assert.DoesNotContain(Lone, run.Included.Persons);
        Assert.Equal(1, run.Report.PersonsSuppressed);
        Assert.Equal(5, run.Report.Persons);
        Assert.Equal(5, run.Report.Events);
        Assert.Equal(new Generalisation(BirthDetail.Year, PlaceDetail.Region, EventDateDetail.Month), run.Report.Applied);
        Assert.Empty(run.Report.GeneralisedBeyondPermit);
        Assert.True(run.Report.KAnonymous);
        Assert.Equal(5, run.Report.SmallestClass);
    }

    [Fact]
    public async Task Prepare_Anonymised_WithNoBudget_GeneralisesToTheTopBeforeSuppressing()
    {
        // The man differs in sex, which is never generalised: both hierarchies climb to their tops, then he is suppressed.
        var run = await PrepareAsync(Spec(form: OutputForm.Anonymised), budget: 0);

        Assert.Equal(new Generalisation(BirthDetail.TenYearBand, PlaceDetail.Country, EventDateDetail.Month), run.Report.Applied);
        Assert.Equal(["birth: Year → TenYearBand", "place: Region → Country"], run.Report.GeneralisedBeyondPermit);
        Assert.Equal(1, run.Report.PersonsSuppressed);
        Assert.All(run.Writer.Persons, p => Assert.Equal(("1980-1989", "SE"), (p.Birth, p.Place)));
    }

    [Fact]
    public async Task Prepare_Pseudonymised_MeasuresKButSuppressesNothing()
    {
        var run = await PrepareAsync(Spec(form: OutputForm.Pseudonymised), budget: 0.2);

        Assert.Equal(6, run.Report.Persons);
        Assert.Equal(7, run.Report.Events);
        Assert.Equal(0, run.Report.PersonsSuppressed);
        Assert.Equal(0, run.Writer.RemoveCalls);
        Assert.Equal(2, run.Report.EquivalenceClasses);
        Assert.Equal(1, run.Report.SmallestClass);
        Assert.False(run.Report.KAnonymous);
        Assert.Equal(new Generalisation(BirthDetail.Year, PlaceDetail.Region, EventDateDetail.Month), run.Report.Applied);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Prepare_RowsOutsideThePeriod_AreLeftOut_EvenWhenTheHolderSendsThem(bool holderIgnoresPeriod)
    {
        HeldRow[] rows = [.. Rows, new(Women[0], new DateOnly(2023, 12, 31), Icd10E11), new(Women[1], new DateOnly(2025, 1, 1), Icd10E11)];

        var run = await PrepareAsync(Spec(eventDates: EventDateDetail.Day), rows: rows, ignoresPeriod: holderIgnoresPeriod);

        Assert.Equal(["2024-05-02", "2024-07-07", "2024-08-08"], run.Writer.Events.Select(e => e.Date!).Distinct().Order());
        Assert.Equal(7, run.Report.Events);
    }

    [Fact]
    public async Task Prepare_APersonOnlyInTheEvents_IsLeftOutWithTheirEvents()
    {
        const string unknown = "199901011111";
        var run = await PrepareAsync(Spec(), rows: [.. Rows, new(unknown, new DateOnly(2024, 2, 2), Icd10E11)]);

        var subject = Keys.For("permit-1").Pseudonym(unknown);
        Assert.DoesNotContain(run.Writer.Events, e => e.Subject == subject);
        Assert.DoesNotContain(run.Writer.Persons, p => p.Subject == subject);
        Assert.DoesNotContain(unknown, run.Included.Persons);
        Assert.Equal(6, run.Report.Persons);
        Assert.Equal(7, run.Report.Events);
    }

    [Fact]
    public async Task Prepare_OnlyTheRegister_TakesEveryRegisteredPersonButTheObjector()
    {
        var run = await PrepareAsync(Spec(datasets: [Population]));

        Assert.Empty(run.Holders.Asked);
        Assert.Empty(run.Writer.Events);
        Assert.Equal([.. Women, Lone], run.Included.Persons);
        Assert.Equal(6, run.Report.Persons);
        Assert.Equal(0, run.Report.Events);
    }

    [Fact]
    public async Task Prepare_IncludedPersons_ArriveInBatchesOf10000()
    {
        var random = new Random(18);
        var register = Enumerable.Range(0, 25_000)
            .Select(i => new RegisteredPerson($"19{random.Next(30, 99)}0101{i:D4}", new DateOnly(1930, 1, 1).AddDays(random.Next(0, 25_000)), "female", "0180", "01"))
            .DistinctBy(p => p.Id).ToList();

        var run = await PrepareAsync(Spec(datasets: [Population]), register: register);

        Assert.Equal([10_000, 10_000, register.Count - 20_000], run.Included.Batches.Select(b => b.Persons.Count));
        Assert.All(run.Included.Batches, b => Assert.Equal("permit-1", b.Permit));
        Assert.Equal(register.Select(p => p.Id), run.Included.Persons);
    }

    [Fact]
    public async Task Prepare_WithAnotherPermitsPseudonymiser_IsRefusedBeforeAnythingIsWritten()
    {
        var writer = new FakeWriter();
        var preparation = new ExtractPreparation(new FakeRegister(Register), new FakeHolders(new Dictionary<string, IReadOnlyList<HeldRow>>()),
            new FakeObjections(new HashSet<string>()), new FakeTimeProvider());

        await Assert.ThrowsAsync<ArgumentException>(() => preparation.PrepareAsync(Spec("permit-1"), Keys.For("permit-2"), writer, new FakeIncluded(), null, TestContext.Current.CancellationToken));

        Assert.Empty(writer.Events);
        Assert.False(writer.Completed);
    }

    [Fact]
    public async Task Prepare_TimesEachStep_WithTheTimeProvider()
    {
        var clock = new FakeTimeProvider();
        var preparation = new ExtractPreparation(new FakeRegister(Register, clock, TimeSpan.FromSeconds(5)),
            new FakeHolders(new Dictionary<string, IReadOnlyList<HeldRow>> { [Conditions.Id] = Rows }, clock: clock, takes: TimeSpan.FromSeconds(3)),
            new FakeObjections(new HashSet<string> { Objector }, clock, TimeSpan.FromSeconds(2)), clock);

        var report = await preparation.PrepareAsync(Spec(), Keys.For("permit-1"), new FakeWriter(), new FakeIncluded(), null, TestContext.Current.CancellationToken);

        Assert.Equal(new Dictionary<string, double>
        {
            ["objections"] = 2, ["collect-events"] = 3, ["register"] = 5, ["k-anonymity"] = 0, ["write-persons"] = 0, ["complete"] = 0,
        }, report.StepSeconds);
    }
}
