using OpenNdi.SecondaryUse.Ports;

namespace OpenNdi.SecondaryUse.Catalog;

/// <summary>
/// What the catalogue says about a dataset's size and coverage (HealthDCAT-AP's <c>numberOfRecords</c>,
/// <c>numberOfUniqueIndividuals</c>, <c>dct:temporal</c>, <c>minTypicalAge</c>/<c>maxTypicalAge</c>), always computed
/// from the data by <see cref="CatalogFigures"/>, never typed in by a holder (ADR 0011 §2).
/// </summary>
/// <param name="Earliest">The earliest row's date; null for the register and for an empty dataset.</param>
/// <param name="MinAge">The youngest individual's age in whole years on the day of computation; null when no
/// individual's birth date is known.</param>
public sealed record DatasetFigures(long Records, long Individuals, DateOnly? Earliest, DateOnly? Latest, int? MinAge, int? MaxAge);

/// <summary>
/// Computes the figures of the catalogue's datasets from the holders' data. The objections are read once and every
/// objecting person is dropped before anything is counted (EHDS art. 71; ADR 0011 §5): no record, individual, date or
/// age of theirs reaches a figure. The population register is streamed once for all datasets, keeping only the birth
/// dates of persons that occur in some dataset, so the memory held is the distinct persons of the datasets, not the
/// register.
/// </summary>
public sealed class CatalogFigures(IPopulationRegister register, IHolderData holders, ISecondaryUseObjections objections)
{
    public async Task<IReadOnlyDictionary<string, DatasetFigures>> ComputeAsync(IReadOnlyList<HeldDataset> datasets, DateOnly today,
        CancellationToken ct)
    {
        var objecting = await objections.ObjectingPersonsAsync(ct);

        var tallies = new Dictionary<string, EventTally>(StringComparer.Ordinal);
        var occurring = new HashSet<string>(StringComparer.Ordinal);
        foreach (var dataset in datasets.Where(d => d.Kind == DatasetKind.Events))
        {
            var tally = new EventTally();
            // The whole dataset: the catalogue describes all of it, not a period an applicant asked for.
            await foreach (var row in holders.RowsAsync(dataset.Id, DateOnly.MinValue, DateOnly.MaxValue, ct))
            {
                if (!objecting.Contains(row.Person))
                    tally.Add(row);
            }
            tallies[dataset.Id] = tally;
            occurring.UnionWith(tally.Persons);
        }

        var birthDates = new Dictionary<string, DateOnly>(StringComparer.Ordinal);
        var registered = new AgeRange();
        var describesRegister = datasets.Any(d => d.Kind == DatasetKind.Persons);
        if (occurring.Count > 0 || describesRegister)
        {
            await foreach (var person in register.PersonsAsync(ct))
            {
                if (objecting.Contains(person.Id))
                    continue;
                if (occurring.Contains(person.Id))
                    birthDates.TryAdd(person.Id, person.BirthDate);
                registered.Add(AgeOn(person.BirthDate, today));
            }
        }

        var figures = new Dictionary<string, DatasetFigures>(StringComparer.Ordinal);
        foreach (var dataset in datasets)
        {
            if (dataset.Kind == DatasetKind.Persons)
            {
                // The register's rows are its persons: records and individuals are one count, and it has no dates.
                figures[dataset.Id] = new DatasetFigures(registered.Count, registered.Count, null, null, registered.Min, registered.Max);
                continue;
            }
            var tally = tallies[dataset.Id];
            var ages = new AgeRange();
            foreach (var person in tally.Persons)
            {
                if (birthDates.TryGetValue(person, out var birthDate))
                    ages.Add(AgeOn(birthDate, today));
            }
            figures[dataset.Id] = new DatasetFigures(tally.Records, tally.Persons.Count, tally.Earliest, tally.Latest, ages.Min, ages.Max);
        }
        return figures;
    }

    /// <summary>
    /// Age in whole years on a day: a year is added on the birthday (someone born on 29 February is a year older on
    /// 1 March in a common year).
    /// </summary>
    internal static int AgeOn(DateOnly birthDate, DateOnly day)
    {
        var age = day.Year - birthDate.Year;
        if (day.Month < birthDate.Month || (day.Month == birthDate.Month && day.Day < birthDate.Day))
            age--;
        return Math.Max(age, 0);
    }

    private sealed class EventTally
    {
        public HashSet<string> Persons { get; } = new(StringComparer.Ordinal);
        public long Records { get; private set; }
        public DateOnly? Earliest { get; private set; }
        public DateOnly? Latest { get; private set; }

        public void Add(HeldRow row)
        {
            Records++;
            Persons.Add(row.Person);
            if (Earliest is null || row.Date < Earliest)
                Earliest = row.Date;
            if (Latest is null || row.Date > Latest)
                Latest = row.Date;
        }
    }

    private sealed class AgeRange
    {
        public long Count { get; private set; }
        public int? Min { get; private set; }
        public int? Max { get; private set; }

        public void Add(int age)
        {
            Count++;
            if (Min is null || age < Min)
                Min = age;
            if (Max is null || age > Max)
                Max = age;
        }
    }
}
