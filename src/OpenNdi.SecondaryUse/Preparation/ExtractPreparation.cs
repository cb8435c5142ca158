using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using OpenNdi.SecondaryUse.Domain;
using OpenNdi.SecondaryUse.Ports;
using OpenNdi.SecondaryUse.Pseudonymisation;
using OpenNdi.SecondaryUse.Workspaces;

namespace OpenNdi.SecondaryUse.Preparation;

/// <summary>
/// Prepares one permit's extract (ADR 0011 §4, §5, §7): collection from the holders, the opt-out filter,
/// pseudonymisation under the permit's key, generalisation and k-anonymity, written in bulk to the permit's workspace.
/// <list type="number">
/// <item>The objecting persons are read once (EHDS art. 71); each of their rows is dropped as it arrives, before it is
/// pseudonymised, counted or written, so an objector reaches no table, no count and no report.</item>
/// <item>Pass 1 streams each event dataset's rows in the period and writes them straight to the workspace with only the
/// approved variables; the persons met form the cohort. With only the register asked for, the cohort is the whole
/// register.</item>
/// <item>Pass 2 streams the register and keeps the cohort's persons as compact quasi-identifiers; k-anonymity is
/// enforced (anonymised form: small classes generalised or suppressed, their events removed) or measured
/// (pseudonymised form: reported, nothing changed); the persons are written with only the approved variables.</item>
/// </list>
/// Rows are never held whole: only the cohort (identity number → pseudonym and event count) and one compact struct per
/// person stay in memory, so a million persons fit in a few hundred megabytes.
/// </summary>
public sealed class ExtractPreparation(IPopulationRegister register, IHolderData holders, ISecondaryUseObjections objections, TimeProvider time)
{
    /// <summary>How many persons go to <see cref="IIncludedPersons.AddAsync"/> at a time.</summary>
    public const int IncludedBatchSize = 10_000;

    /// <summary>The share of persons the anonymised form may suppress instead of generalising further (<see cref="KAnonymity.SuppressionBudget"/>).</summary>
    public double SuppressionBudget { get; init; } = KAnonymity.DefaultSuppressionBudget;

    /// <summary>
    /// Writes <paramref name="spec"/>'s extract through <paramref name="writer"/> (completing it), tells
    /// <paramref name="included"/> whose data reached the workspace, and answers what was done.
    /// </summary>
    /// <remarks>
    /// A person the events name but the register does not know is left out altogether (their events are removed with
    /// the suppressed persons'): every subject in the workspace then has its person row, the k-anonymity check covers
    /// every subject, and the transparency list is exactly the persons table.
    /// </remarks>
    public async Task<PreparationReport> PrepareAsync(ExtractSpecification spec, Pseudonymiser pseudonymiser, IExtractWriter writer,
        IIncludedPersons included, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(pseudonymiser);
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(included);
        ArgumentOutOfRangeException.ThrowIfLessThan(spec.K, 1, nameof(spec));
        // Another permit's key would make this extract linkable to that one's (ADR 0011 §4).
        if (pseudonymiser.Permit != spec.Permit)
            throw new ArgumentException($"the pseudonymiser is permit {pseudonymiser.Permit}'s, the extract permit {spec.Permit}'s", nameof(pseudonymiser));
        var steps = new Dictionary<string, double>(StringComparer.Ordinal);
        var variables = new HashSet<string>(spec.Variables, StringComparer.Ordinal);
        var lap = time.GetTimestamp();

        var objecting = await objections.ObjectingPersonsAsync(cancellationToken);
        lap = Lap(steps, "objections", lap);

        var cohort = new Dictionary<string, Member>(StringComparer.Ordinal);
        var events = await CollectEventsAsync(spec, variables, objecting, pseudonymiser, writer, cohort, progress, cancellationToken);
        lap = Lap(steps, "collect-events", lap);

        var wholeRegister = !spec.Datasets.Any(d => d.Kind == DatasetKind.Events) && spec.Datasets.Any(d => d.Kind == DatasetKind.Persons);
        var persons = await ReadRegisterAsync(objecting, cohort, wholeRegister, cancellationToken);
        progress?.Report($"register: {persons.Ids.Count:N0} persons of the extract found");
        lap = Lap(steps, "register", lap);

        var released = (variables.Contains(ExtractVariables.Birth) ? ReleasedQuasiIdentifiers.Birth : ReleasedQuasiIdentifiers.None)
            | (variables.Contains(ExtractVariables.Sex) ? ReleasedQuasiIdentifiers.Sex : ReleasedQuasiIdentifiers.None)
            | (variables.Contains(ExtractVariables.Place) ? ReleasedQuasiIdentifiers.Place : ReleasedQuasiIdentifiers.None);
        var check = new KAnonymity(spec.K, SuppressionBudget, released);
        var quasi = CollectionsMarshal.AsSpan(persons.Quasi);
        var k = spec.Form == OutputForm.Anonymised ? check.Enforce(quasi, spec.Generalisation) : check.Measure(quasi, spec.Generalisation);
        progress?.Report($"k-anonymity: {k.EquivalenceClasses:N0} classes, smallest {k.SmallestClass}, {k.Suppressed.Count:N0} persons suppressed");
        lap = Lap(steps, "k-anonymity", lap);

        var (written, removedEvents) = await WritePersonsAsync(spec, variables, persons, k, cohort, pseudonymiser, writer, included, cancellationToken);
        progress?.Report($"persons: {written:N0} written");
        lap = Lap(steps, "write-persons", lap);

        await writer.CompleteAsync(cancellationToken);
        Lap(steps, "complete", lap);

        return new PreparationReport(written, events - removedEvents, k.Suppressed.Count, k.Applied, k.GeneralisedBeyondPermit, spec.K,
            k.EquivalenceClasses, k.SmallestClass, k.KAnonymous, steps);
    }

    /// <summary>Pass 1: the events of non-objecting persons in the period, written as they arrive; answers how many.</summary>
    private async Task<long> CollectEventsAsync(ExtractSpecification spec, HashSet<string> variables, IReadOnlySet<string> objecting,
        Pseudonymiser pseudonymiser, IExtractWriter writer, Dictionary<string, Member> cohort, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        var withCode = variables.Contains(ExtractVariables.Code);
        var withDate = variables.Contains(ExtractVariables.Date);
        var withHolder = variables.Contains(ExtractVariables.Holder);
        // Events far outnumber distinct days: one string per day, not one per event.
        var dates = new Dictionary<int, string>();
        long events = 0;
        foreach (var dataset in spec.Datasets.Where(d => d.Kind == DatasetKind.Events).DistinctBy(d => d.Id))
        {
            progress?.Report($"collecting {dataset.Id}");
            var holder = withHolder ? dataset.Holder : null;
            await foreach (var row in holders.RowsAsync(dataset.Id, spec.From, spec.To, cancellationToken).WithCancellation(cancellationToken))
            {
                // The port promises the period; it is checked again because a row outside it must not reach the workspace.
                if (objecting.Contains(row.Person) || row.Date < spec.From || row.Date > spec.To)
                    continue;
                ref var member = ref CollectionsMarshal.GetValueRefOrAddDefault(cohort, row.Person, out var known);
                if (!known)
                    member.Subject = pseudonymiser.Pseudonym(row.Person);
                member.Events++;
                var subject = member.Subject!;
                string? date = null;
                if (withDate)
                {
                    ref var text = ref CollectionsMarshal.GetValueRefOrAddDefault(dates, row.Date.DayNumber, out _);
                    date = text ??= Generalising.EventDate(row.Date, spec.Generalisation.EventDates);
                }
                await writer.WriteEventAsync(new ExtractEvent(subject, dataset.Id, withCode ? row.Code : null, date, holder), cancellationToken);
                events++;
            }
            progress?.Report($"collected {dataset.Id}: {events:N0} events so far, {cohort.Count:N0} persons");
        }
        return events;
    }

    /// <summary>Pass 2: the cohort's persons as the register knows them (never an objector), as compact quasi-identifiers.</summary>
    private async Task<RegisterPersons> ReadRegisterAsync(IReadOnlySet<string> objecting, Dictionary<string, Member> cohort, bool wholeRegister,
        CancellationToken cancellationToken)
    {
        var persons = new RegisterPersons();
        await foreach (var person in register.PersonsAsync(cancellationToken).WithCancellation(cancellationToken))
        {
            if (objecting.Contains(person.Id))
                continue;
            if (wholeRegister)
            {
                ref var member = ref CollectionsMarshal.GetValueRefOrAddDefault(cohort, person.Id, out var seen);
                if (seen)
                    continue;
                member.Registered = true;
            }
            else
            {
                ref var member = ref CollectionsMarshal.GetValueRefOrNullRef(cohort, person.Id);
                if (Unsafe.IsNullRef(ref member) || member.Registered)
                    continue;
                member.Registered = true;
            }
            persons.Ids.Add(person.Id);
            persons.Quasi.Add(new QuasiIdentifiers(person.BirthDate, persons.Sexes.Id(person.Sex), persons.Municipalities.Id(person.Municipality), persons.Regions.Id(person.Region)));
        }
        return persons;
    }

    /// <summary>
    /// Writes the persons kept, hands them to <paramref name="included"/> in batches, and removes the events of the
    /// suppressed persons and of the persons the register does not know; answers the persons written and the events removed.
    /// </summary>
    private static async Task<(long Written, long RemovedEvents)> WritePersonsAsync(ExtractSpecification spec, HashSet<string> variables, RegisterPersons persons,
        KAnonymityResult k, Dictionary<string, Member> cohort, Pseudonymiser pseudonymiser, IExtractWriter writer, IIncludedPersons included, CancellationToken cancellationToken)
    {
        var withBirth = variables.Contains(ExtractVariables.Birth);
        var withSex = variables.Contains(ExtractVariables.Sex);
        var withPlace = variables.Contains(ExtractVariables.Place);
        var removed = new List<string>();
        long removedEvents = 0, written = 0;
        var batch = new List<string>(IncludedBatchSize);
        var nextSuppressed = 0;
        for (var i = 0; i < persons.Ids.Count; i++)
        {
            var id = persons.Ids[i];
            ref var member = ref CollectionsMarshal.GetValueRefOrNullRef(cohort, id);
            var subject = member.Subject ??= pseudonymiser.Pseudonym(id);
            if (nextSuppressed < k.Suppressed.Count && k.Suppressed[nextSuppressed] == i)
            {
                nextSuppressed++;
                if (member.Events > 0)
                {
                    removed.Add(subject);
                    removedEvents += member.Events;
                }
                continue;
            }
            var quasi = persons.Quasi[i];
            await writer.WritePersonAsync(new ExtractPerson(subject,
                withBirth ? Generalising.Birth(quasi.BirthDate, k.Applied.Birth) : null,
                withSex ? persons.Sexes[quasi.Sex] : null,
                withPlace ? Generalising.Place(persons.Municipalities[quasi.Municipality], persons.Regions[quasi.Region], k.Applied.Place) : null), cancellationToken);
            written++;
            batch.Add(id);
            if (batch.Count == IncludedBatchSize)
            {
                await included.AddAsync(spec.Permit, batch, cancellationToken);
                batch = new List<string>(IncludedBatchSize);
            }
        }
        if (batch.Count > 0)
            await included.AddAsync(spec.Permit, batch, cancellationToken);

        foreach (var member in cohort.Values)
        {
            if (!member.Registered && member.Events > 0)
            {
                removed.Add(member.Subject!);
                removedEvents += member.Events;
            }
        }
        if (removed.Count > 0)
            await writer.RemoveSubjectsAsync(removed, cancellationToken);
        return (written, removedEvents);
    }

    private long Lap(Dictionary<string, double> steps, string step, long started)
    {
        var now = time.GetTimestamp();
        steps[step] = time.GetElapsedTime(started, now).TotalSeconds;
        return now;
    }

    /// <summary>A person of the cohort: the pseudonym (made once), the events written, and whether the register knows them.</summary>
    private struct Member
    {
        public string? Subject;
        public int Events;
        public bool Registered;
    }

    /// <summary>The register's persons kept, in order: identity numbers, compact quasi-identifiers, and the codes behind their ids.</summary>
    private sealed class RegisterPersons
    {
        public List<string> Ids { get; } = [];

        public List<QuasiIdentifiers> Quasi { get; } = [];

        public Codes Sexes { get; } = new();

        public Codes Municipalities { get; } = new();

        public Codes Regions { get; } = new();
    }

    /// <summary>Gives each distinct code a small id (the compact quasi-identifiers) and answers the code back.</summary>
    private sealed class Codes
    {
        private readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal);
        private readonly List<string> _codes = [];

        public string this[int id] => _codes[id];

        public int Id(string code)
        {
            ref var id = ref CollectionsMarshal.GetValueRefOrAddDefault(_ids, code, out var known);
            if (!known)
            {
                id = _codes.Count;
                _codes.Add(code);
            }
            return id;
        }
    }
}
