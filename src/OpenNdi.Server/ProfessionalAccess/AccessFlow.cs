using System.Diagnostics.Metrics;
using Hl7.Fhir.Model;
using Microsoft.Extensions.Options;
using OpenNdi.Core.Audit;
using OpenNdi.Core.Identifiers;
using OpenNdi.Core.Identity;
using OpenNdi.Core.Policy;
using Task = System.Threading.Tasks.Task;
using OpenNdi.Core.Index;
using OpenNdi.Data.Index;
using OpenNdi.Data.Population;
using OpenNdi.Data.ServiceDirectory;
using OpenNdi.Fhir;
using OpenNdi.Fhir.Merging;
using OpenNdi.Server.Audit;
using OpenNdi.Server.PatientIndex;

namespace OpenNdi.Server.ProfessionalAccess;

/// <summary>Everything gathered for one request: the decided lookup, each provider's answer and what was kept of it, and the merged items.</summary>
internal sealed record Gathered(
    DecidedLookup Lookup,
    IReadOnlyList<(ProviderAnswer Answer, ScreenedAnswer Screened, string? Name)> Answers,
    IReadOnlyList<SourcedItem> Items,
    SummaryEntry Patient,
    ScopeCoverage Coverage)
{
    /// <summary>Items the providers sent of types the token's scopes do not cover (fetched, not released).</summary>
    public int NotCoveredItems => Answers.Sum(a => a.Screened.NotCovered);

    /// <summary>
    /// The patient summary document from what was gathered: the merged items in their IPS sections with the providers'
    /// narratives, the national service as author, and the OperationOutcome with each provider's account.
    /// </summary>
    /// <returns>The document, and the items in it (what was released, for the audit record).</returns>
    public (Bundle Document, IReadOnlyList<SourcedItem> Released) Summary(string documentId, DateTimeOffset timestamp)
    {
        var author = new Organization { Id = "openndi", Name = "OpenNdi national access service" };
        var authorUrl = $"urn:uuid:{PatientSummaryBuilder.DeterministicUuid("organization|openndi")}";
        var (document, released) = MergedAnswers.Document(Patient, Items, new ResourceReference(authorUrl, author.Name), documentId, timestamp,
            released => AccessOutcome.For(Lookup, Answers, released.Count(i => i.ViaEmergencyBreak), Coverage.NeededFor(ClinicalCategories.Summary), Accounts(released)),
            Coverage.NotCovered, Narratives());
        document.Entry.Insert(2, new Bundle.EntryComponent { FullUrl = authorUrl, Resource = author });
        return (document, released);
    }

    /// <summary>A category read's searchset from what was gathered: items of <paramref name="type"/> in <paramref name="categories"/> as matches, what they reference as includes.</summary>
    /// <returns>The searchset, and the items in it (what was released, for the audit record).</returns>
    public (Bundle Searchset, IReadOnlyList<SourcedItem> Released) Searchset(string type, IReadOnlyCollection<DataCategory> categories, string selfUrl) =>
        MergedAnswers.Searchset(item => item.Resource.TypeName == type && categories.Contains(item.Category!), Items, selfUrl,
            released => AccessOutcome.For(Lookup, Answers, released.Count(i => i.ViaEmergencyBreak), Coverage.NeededFor(categories), Accounts(released)));

    /// <summary>
    /// The account of every resource each provider sent, once the answer holds <paramref name="released"/>: what
    /// screening set aside, and what became of what it kept (released, merged into another item, or not taken).
    /// </summary>
    public IReadOnlyList<IReadOnlyList<ItemAccount>> Accounts(IReadOnlyList<SourcedItem> released)
    {
        // Asked twice for one answer (its OperationOutcome, then its audit record): settled once.
        if (_settled is { } settled && ReferenceEquals(settled.Released, released))
            return settled.Accounts;
        IReadOnlyList<IReadOnlyList<ItemAccount>> accounts = [.. Answers.Select(a => (IReadOnlyList<ItemAccount>)[.. a.Screened.Aside, .. ItemAccounts.Settle(a.Screened.Items, Items, released)])];
        _settled = (released, accounts);
        return accounts;
    }

    private (IReadOnlyList<SourcedItem> Released, IReadOnlyList<IReadOnlyList<ItemAccount>> Accounts)? _settled;

    /// <summary>
    /// The providers' own section narratives that may travel: only from a provider none of whose answer was withheld
    /// (a narrative may speak of what was), and only XHTML that meets the FHIR narrative rules.
    /// </summary>
    public IReadOnlyList<ProviderNarrative> Narratives() =>
        [.. Answers.Where(a => a.Screened.Withheld == 0 && a.Screened.NotCovered == 0)
            .SelectMany(a => a.Screened.Sections.Select(section => (a.Name, Section: section, Div: OpenNdi.Fhir.Narratives.SafeDiv(section.Text)))
                .Where(s => s.Section.Code is not null && s.Div is not null && s.Section.Text?.Status != Narrative.NarrativeStatus.Empty)
                .Select(s => new ProviderNarrative(s.Section.Code!, s.Name ?? a.Answer.Job.Provider.Value, s.Div!)))];
}

/// <summary>
/// The professional access service's flow, shared by the summary and the category reads (SOU 2026:6 §2.6.1):
/// policy decision on the index entries → directory → parallel fetch under deadlines → drop what is not about the
/// patient → release only what permitted entries cover → merge. The caller assembles the answer, then
/// <see cref="AuditAsync"/> stores the record before anything is sent. Nothing fetched is kept after the request.
/// </summary>
internal sealed class AccessFlow(
    IndexAccess access,
    IDirectoryStore directory,
    ProviderFetcher fetcher,
    ProviderNames names,
    IPopulationStore population,
    PatientData.PatientProvidedData patientProvided,
    IEnumerable<IAdditionalItems> additional,
    IOptions<ProfessionalAccessOptions> options,
    ILogger<AccessFlow> logger)
{
    private static readonly Meter Meter = new("OpenNdi.ProfessionalAccess");
    private static readonly Counter<long> ProviderFaults = Meter.CreateCounter<long>("openndi.provider.faults", description: "Provider answers missed or dropped, by kind");

    public delegate IReadOnlyList<FetchJob> Planner(DecidedLookup lookup);

    /// <summary>Decides, fetches and screens; or, when the professional may see nothing of it, the refusal (already audited).</summary>
    public async Task<(Gathered? Gathered, IResult? Refusal)> GatherAsync(HttpContext http, AuditScope audit, PersonalIdentityNumber patient,
        IReadOnlyCollection<DataCategory> categories, Planner plan)
    {
        var aborted = http.RequestAborted;
        var actor = audit.Actor;
        audit.Patient(patient.Value);
        using var deadline = new CancellationTokenSource(options.Value.DeadlineMs);
        // A professional abroad breaks no block (AccessPolicy): whatever a peer sends as an emergency reason is not read.
        var (emergency, refused) = actor is CrossBorderProfessionalActor ? (null, null) : IndexAccess.ReadEmergency(http.Request, patient);
        if (refused is not null)
            return (null, refused);
        // Only what the token's scopes cover is asked for and released; the answer says what they leave out.
        var coverage = ScopeCoverage.Of(http.User, actor);
        var lookup = await access.DecideAsync(http.Request, actor, new IndexQuery(patient, null, null, null), coverage.Fetchable(categories), emergency, aborted);
        // Refused only when the caller may see nothing of this patient whatever the data, with one answer for every
        // patient; a professional limited to their own provider gets that (perhaps nothing) and the limit, never a count.
        if (lookup.Decision.Disclosure.Excluded)
        {
            audit.Record = IndexAccess.Audited(audit.Record, http.Request, lookup, "index-entries");
            return (null, IndexAccess.Excluded(lookup.Decision.Disclosure, "NDI-PAS-003"));
        }

        // At most MaxProviderRequests requests for one answer, however many entries and systems the patient has: what
        // is left out is named in the answer (NDI-PAS-016) and the log, never dropped silently.
        var (planned, notAsked) = FetchPlan.Cap(plan(lookup), options.Value.MaxProviderRequests);
        var jobs = await FetchPlan.ResolveAsync(planned, directory, aborted);
        if (notAsked.Count > 0)
            logger.LogWarning("A patient request planned {Planned} provider requests; {NotAsked} to {Systems} provider systems were not made (ProfessionalAccess:MaxProviderRequests {Max})",
                planned.Count + notAsked.Count, notAsked.Count, notAsked.Select(j => (j.Provider, j.SourceSystem)).Distinct().Count(), options.Value.MaxProviderRequests);
        var providerNames = await names.NamesAsync(jobs.Concat(notAsked).Select(j => j.Provider).Distinct(), aborted);
        var patientFullUrl = NationalPatientUrl(patient);
        var itemBlocks = lookup.Facts.Blocks.Any(b => b.Scope == BlockScope.Item);
        // Each answer is screened as soon as it arrives, while slower providers are still answering; the register
        // lookup runs meanwhile too: none of it should add to the wait for the slowest provider.
        var fetching = Task.WhenAll(jobs.Select(async job =>
        {
            var answer = await fetcher.FetchAsync(job, deadline.Token, aborted);
            var name = providerNames.GetValueOrDefault(job.Provider);
            return (Answer: answer, Screened: answer.Status == FetchStatus.Answered ? AnswerScreening.Screen(answer, patient, patientFullUrl, name, coverage, lookup.Decide, itemBlocks) : ScreenedAnswer.Empty, Name: name);
        }));
        // What the patient added themselves, decided as data of the care unit they sent it to (and marked as theirs):
        // read meanwhile too, so its database round trip is not added after the slowest provider.
        var ownDataReading = coverage.Covers("Observation") && categories.Contains(DataCategory.Laboratory)
            ? patientProvided.ItemsAsync(patient, patientFullUrl, actor, http.User.FindFirst(NdiClaims.SubjectName)?.Value, lookup.Decide, names.NamesAsync, aborted)
            : Task.FromResult<IReadOnlyList<SourcedItem>>([]);
        var additionalReading = Task.WhenAll(additional.Select(source => source.ItemsAsync(patient, patientFullUrl, categories, coverage.Covers, lookup.Decide, names.NamesAsync, aborted)));
        var nationalPatient = await NationalPatientAsync(patient, aborted);
        var screened = (await fetching).Concat(notAsked.Select(job => (
            Answer: new ProviderAnswer(job, FetchStatus.NotAsked, null, $"was not asked: this request makes at most {options.Value.MaxProviderRequests} provider requests", TimeSpan.Zero, DateTimeOffset.MinValue),
            Screened: ScreenedAnswer.Empty,
            Name: providerNames.GetValueOrDefault(job.Provider)))).ToList();
        foreach (var (answer, result, _) in screened)
        {
            if (answer.Status is not (FetchStatus.Answered or FetchStatus.NotAsked))
            {
                ProviderFaults.Add(1, new KeyValuePair<string, object?>("kind", answer.Status.ToString()));
                logger.LogWarning("Provider {Provider} ({System}) missed for a patient request: {Status}, {Problem} ({Url}, {ElapsedMs} ms)",
                    answer.Job.Provider, answer.Job.SourceSystem, answer.Status, answer.Problem, answer.Job.Url, (int)answer.Elapsed.TotalMilliseconds);
            }
            if (result.Unreadable > 0)
            {
                ProviderFaults.Add(1, new KeyValuePair<string, object?>("kind", "Unreadable"));
                logger.LogError("Provider fault: {Provider} ({System}) sent {Count} resources that could not be read, set aside at {Url}: {Problems}",
                    answer.Job.Provider, answer.Job.SourceSystem, result.Unreadable, answer.Job.Url,
                    string.Join(" | ", result.UnreadableAccounts.Select(a => $"{a.Type} {a.Url}: {a.Reason}")));
            }
            if (result.OtherPatient > 0)
            {
                ProviderFaults.Add(1, new KeyValuePair<string, object?>("kind", "OtherPatient"));
                logger.LogError("Provider fault: {Provider} ({System}) {Problem} at {Url}; {Dropped} resources dropped",
                    answer.Job.Provider, answer.Job.SourceSystem, result.OtherPatientProblem, answer.Job.Url, result.OtherPatient);
            }
        }
        var ownData = await ownDataReading;
        var items = SameItem.Merge(screened.SelectMany(s => s.Screened.Items).Concat(ownData).Concat((await additionalReading).SelectMany(x => x)));
        return (new Gathered(lookup, screened, items, nationalPatient, coverage), null);
    }

    /// <summary>
    /// Completes the request's record, which the route's filter stores before the answer is sent: the decision, each
    /// provider fetched and how it went with the account of everything it sent (released, withheld, merged, rejected:
    /// the counts add up to what it sent), every item released (one entity per source, marked when it came through an
    /// emergency break), and every one not released, with its reason or what it was merged into (but the provider's
    /// Patient and summary Composition, merged into the national ones in every summary, which only the counts hold).
    /// </summary>
    public static void Describe(HttpContext http, AuditScope audit, Gathered gathered, IReadOnlyList<SourcedItem> released)
    {
        var accounts = gathered.Accounts(released);
        // Conservation, checked on every answer: one account per resource the provider sent, readable or not.
        for (var i = 0; i < accounts.Count; i++)
        {
            var (answer, _, _) = gathered.Answers[i];
            var sent = (answer.Bundle?.Entry.Count ?? 0) + answer.SetAside.Count;
            if (accounts[i].Count != sent)
            {
                ProviderFaults.Add(1, new KeyValuePair<string, object?>("kind", "ConservationBroken"));
                http.RequestServices.GetRequiredService<ILogger<AccessFlow>>().LogError(
                    "Conservation broken for {Url}: {Sent} resources sent, {Accounted} accounted for", answer.Job.Url, sent, accounts[i].Count);
            }
        }
        var fetches = gathered.Answers.Select((a, i) => new AuditEntity("provider-fetch", a.Answer.Job.Url, a.Answer.Job.Provider.Value, a.Answer.Job.Category.Code,
            a.Answer.Status == FetchStatus.Answered
                ? $"answered in {(int)a.Answer.Elapsed.TotalMilliseconds} ms: {ItemAccounts.Counts(accounts[i])}"
                : $"missed ({KebabStatus(a.Answer.Status)}): {a.Answer.Problem}"));
        var items = released.SelectMany(item => item.Sources.Select(source => new AuditEntity("released", source.Url, source.Provider.Value, item.Category?.Code,
            source.ViaEmergencyBreak ? "via emergency break" : null)));
        // Named one by one: everything not released but the provider's Patient and summary Composition, which every
        // summary answer merges into the national ones (they are in the counts).
        var notReleased = gathered.Answers.SelectMany((a, i) => accounts[i].Where(x => x.Disposition != Disposition.Released && x.Reason is not (ItemAccounts.NationalPatient or ItemAccounts.NationalSummary))
            .Select(x => new AuditEntity(Kebab(x.Disposition), x.Url, a.Answer.Job.Provider.Value, Detail: $"{x.Type} {x.Reason}{(x.Into is null ? "" : $" into {x.Into}")}")));
        var missed = gathered.Answers.Count(a => a.Answer.Status != FetchStatus.Answered);
        AuditEntity[] notCovered = gathered.NotCoveredItems == 0 ? [] :
            [new AuditEntity("not-covered-by-scope", string.Join(' ', gathered.Coverage.NotCovered.Order(StringComparer.Ordinal)), Detail: $"{gathered.NotCoveredItems} items fetched and not released: the token's scopes do not cover their type")];
        var completed = IndexAccess.Audited(audit.Record, http.Request, gathered.Lookup, "index-entries", [.. fetches, .. items, .. notReleased, .. notCovered]);
        if (missed > 0)
            completed = completed with { OutcomeText = $"{missed} provider systems missed. {completed.OutcomeText}".Trim() };
        audit.Record = completed;
    }

    private static string Kebab(Disposition disposition) => disposition switch
    {
        Disposition.Withheld => "withheld",
        Disposition.Merged => "merged",
        Disposition.Rejected => "rejected",
        _ => "released",
    };

    private static string KebabStatus(FetchStatus status) => status switch
    {
        FetchStatus.NoEndpoint => "no-endpoint",
        FetchStatus.TimedOut => "timed-out",
        FetchStatus.DeadlinePassed => "deadline-passed",
        FetchStatus.Failed => "failed",
        FetchStatus.Invalid => "invalid",
        FetchStatus.NotAsked => "not-asked",
        FetchStatus.Unauthenticated => "unauthenticated",
        _ => "answered",
    };

    /// <summary>The national Patient's id in answers: stable for a person, so every reference to it can be written before it is built.</summary>
    private static string NationalPatientId(PersonalIdentityNumber id) => PatientSummaryBuilder.DeterministicUuid("patient|" + id.Value).ToString();

    private static string NationalPatientUrl(PersonalIdentityNumber id) => $"urn:uuid:{NationalPatientId(id)}";

    /// <summary>The patient as the population register knows them, under a stable urn:uuid, or the identity alone when not registered.</summary>
    private async Task<SummaryEntry> NationalPatientAsync(PersonalIdentityNumber id, CancellationToken cancellationToken)
    {
        var patient = new Patient
        {
            Id = NationalPatientId(id),
            Identifier = [new Identifier(id.IdentifierSystem, id.Value)],
        };
        if (await population.FindAsync(id, cancellationToken) is { } person)
        {
            patient.Name = [new HumanName { Family = person.FamilyName, Given = [person.GivenName] }];
            patient.Gender = person.Sex == Sex.Female ? AdministrativeGender.Female : AdministrativeGender.Male;
            patient.BirthDate = person.BirthDate.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        }
        return new SummaryEntry(patient, NationalPatientUrl(id), NationalPatientUrl(id));
    }
}
