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
        var (emergency, refused) = IndexAccess.ReadEmergency(http.Request);
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
        // Each answer is screened as soon as it arrives, while slower providers are still answering; the register
        // lookup runs meanwhile too: none of it should add to the wait for the slowest provider.
        var fetching = Task.WhenAll(jobs.Select(async job =>
        {
            var answer = await fetcher.FetchAsync(job, deadline.Token, aborted);
            var name = providerNames.GetValueOrDefault(job.Provider);
            return (Answer: answer, Screened: answer.Status == FetchStatus.Answered ? AnswerScreening.Screen(answer, patient, patientFullUrl, name, coverage) : ScreenedAnswer.Empty, Name: name);
        }));
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
            if (result.OtherPatient > 0)
            {
                ProviderFaults.Add(1, new KeyValuePair<string, object?>("kind", "OtherPatient"));
                logger.LogError("Provider fault: {Provider} ({System}) {Problem} at {Url}; {Dropped} resources dropped",
                    answer.Job.Provider, answer.Job.SourceSystem, result.OtherPatientProblem, answer.Job.Url, result.OtherPatient);
            }
        }
        var items = SameItem.Merge(screened.SelectMany(s => s.Screened.Items));
        return (new Gathered(lookup, screened, items, nationalPatient, coverage), null);
    }

    /// <summary>
    /// Completes the request's record, which the route's filter stores before the answer is sent: the decision, each
    /// provider fetched and how it went, and every item released (one entity per source, marked when it came through
    /// an emergency break).
    /// </summary>
    public static void Describe(HttpContext http, AuditScope audit, Gathered gathered, IReadOnlyList<SourcedItem> released)
    {
        var fetches = gathered.Answers.Select(a => new AuditEntity("provider-fetch", a.Answer.Job.Url, a.Answer.Job.Provider.Value, a.Answer.Job.Category.Code,
            a.Answer.Status == FetchStatus.Answered
                ? $"answered in {(int)a.Answer.Elapsed.TotalMilliseconds} ms: {a.Screened.Items.Count} kept, {a.Screened.Withheld} withheld, {a.Screened.NotIndexed} not indexed, {a.Screened.OtherPatient} about another patient, {a.Screened.NotCovered} not covered by the token's scopes"
                : $"missed ({KebabStatus(a.Answer.Status)}): {a.Answer.Problem}"));
        var items = released.SelectMany(item => item.Sources.Select(source => new AuditEntity("released", source.Url, source.Provider.Value, item.Category?.Code,
            source.ViaEmergencyBreak ? "via emergency break" : null)));
        var missed = gathered.Answers.Count(a => a.Answer.Status != FetchStatus.Answered);
        AuditEntity[] notCovered = gathered.NotCoveredItems == 0 ? [] :
            [new AuditEntity("not-covered-by-scope", string.Join(' ', gathered.Coverage.NotCovered.Order(StringComparer.Ordinal)), Detail: $"{gathered.NotCoveredItems} items fetched and not released: the token's scopes do not cover their type")];
        var completed = IndexAccess.Audited(audit.Record, http.Request, gathered.Lookup, "index-entries", [.. fetches, .. items, .. notCovered]);
        if (missed > 0)
            completed = completed with { OutcomeText = $"{missed} provider systems missed. {completed.OutcomeText}".Trim() };
        audit.Record = completed;
    }

    private static string KebabStatus(FetchStatus status) => status switch
    {
        FetchStatus.NoEndpoint => "no-endpoint",
        FetchStatus.TimedOut => "timed-out",
        FetchStatus.DeadlinePassed => "deadline-passed",
        FetchStatus.Failed => "failed",
        FetchStatus.Invalid => "invalid",
        FetchStatus.NotAsked => "not-asked",
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
