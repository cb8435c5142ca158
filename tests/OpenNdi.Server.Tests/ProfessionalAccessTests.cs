using System.Diagnostics;
using System.Net;
using Hl7.Fhir.FhirPath;
using Hl7.Fhir.Model;
using Microsoft.Extensions.DependencyInjection;
using OpenNdi.Core.Audit;
using OpenNdi.Core.Identifiers;
using OpenNdi.Core.Index;
using OpenNdi.Data.Audit;
using OpenNdi.Data.Index;
using OpenNdi.Data.Population;
using OpenNdi.Fhir;
using OpenNdi.Synthetic.Providers;
using OpenNdi.Synthetic.Simulator;
using Task = System.Threading.Tasks.Task;

namespace OpenNdi.Server.Tests;

/// <summary>
/// Patient/$summary and the per-category reads against the simulated providers over HTTP: every provider up, one
/// slow past its deadline, one down, one answering another patient's data, one answering invalid FHIR; opt-out, a
/// block with and without the emergency break, no care relationship; and the audit record of each.
/// </summary>
public abstract class ProfessionalAccessTests(string backend) : IAsyncLifetime
{
    // Each test starts its own server, so its first summary meets cold providers (JIT, the provider-call token) while
    // the other test projects run beside it in CI: 700 ms was too short there for the PostgreSQL variant. The slow
    // provider below answers after 10 s, well past both.
    private const int ProviderTimeoutMs = 2_500;
    private const int DeadlineMs = 4_000;

    private readonly TestIssuer _issuer = new("https://idp.national.example");
    private NdiServer _server = null!;
    private PersonalIdentityNumber _patient;
    private IReadOnlyList<IndexEntry> _entries = [];

    public async ValueTask InitializeAsync()
    {
        _server = await NdiServer.StartAsync(backend, new Dictionary<string, string>
        {
            ["Demo:Persons"] = "40",
            ["Demo:Providers"] = "4",
            ["Identity:TrustedIssuers:0:Issuer"] = _issuer.Issuer,
            ["Identity:TrustedIssuers:0:Jwks"] = _issuer.Jwks,
            ["ProfessionalAccess:ProviderTimeoutMs"] = ProviderTimeoutMs.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["ProfessionalAccess:DeadlineMs"] = DeadlineMs.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        (_patient, _entries) = await PatientWithMostProvidersAsync();
        // Fast, faultless providers unless a test says otherwise.
        foreach (var provider in Registry.Providers)
            await Registry.SetBehaviourAsync(provider.Key, new ProviderBehaviour());
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        _issuer.Dispose();
    }

    private SimulatorRegistry Registry => _server.Services.GetRequiredService<SimulatorRegistry>();

    private IReadOnlyList<HsaId> Providers => [.. _entries.Select(e => e.Provider).Distinct().OrderBy(p => p.Value, StringComparer.Ordinal)];

    private SimulatedProvider Simulated(HsaId provider) => Registry.Providers.Single(p => p.HsaId == provider.Value);

    private async Task<(PersonalIdentityNumber, IReadOnlyList<IndexEntry>)> PatientWithMostProvidersAsync()
    {
        var index = _server.Services.GetRequiredService<IIndexStore>();
        var best = (Patient: default(PersonalIdentityNumber), Entries: (IReadOnlyList<IndexEntry>)[]);
        foreach (var person in await _server.Services.GetRequiredService<IPopulationStore>().ListAsync(0, 40))
        {
            var entries = await index.LookupAsync(new IndexQuery(person.Id, null, null, null));
            int Providers(IReadOnlyList<IndexEntry> e) => e.Where(x => x.Key.Category == DataCategory.PatientSummary).Select(x => x.Provider).Distinct().Count();
            if (Providers(entries) > Providers(best.Entries))
                best = (person.Id, entries);
        }
        Assert.True(best.Entries.Select(e => e.Provider).Distinct().Count() >= 2, "the demo population has a patient with data at two providers or more");
        return best;
    }

    /// <summary>A clinician at a provider outside the simulated ones: everything they see comes from other providers.</summary>
    private string OutsideClinician(string scope = "user/*.rs") => _issuer.Token(scope, claims: IndexApiTests.ClinicianClaims);

    private string ClinicianAt(SimulatedProvider provider) => _issuer.Token("user/*.rs", claims: new Dictionary<string, object>
    {
        ["ndi_actor"] = "professional", ["subject_organization_id"] = provider.HsaId, ["care_unit_id"] = provider.CareUnits[0].HsaId,
        ["assignment_id"] = "uppdrag-1", ["assignment_scope"] = "coherent-records", ["purpose_of_use"] = "TREAT",
    });

    private Task<HttpResponseMessage> SummaryAsync(string token, bool careRelationship = true, string? emergency = null, string? query = null)
    {
        var headers = new Dictionary<string, string>();
        if (careRelationship)
            headers["Ndi-Care-Relationship"] = "declared";
        if (emergency is not null)
            headers["Ndi-Emergency-Reason"] = emergency;
        return _server.SendAsync(HttpMethod.Get, query ?? $"/fhir/Patient/$summary?identifier={PersonalIdentityNumber.PersonnummerSystem}|{_patient.Value}", token, headers: headers);
    }

    private static async Task<Bundle> ReadAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        return FhirJson.Parse<Bundle>(body);
    }

    private static IReadOnlyList<OperationOutcome.IssueComponent> Issues(Bundle bundle) =>
        [.. bundle.Entry.Select(e => e.Resource).OfType<OperationOutcome>().SelectMany(o => o.Issue)];

    private static string Code(OperationOutcome.IssueComponent issue) => issue.Details.Coding[0].Code!;

    /// <summary>The clinical items of the document: everything but the Composition, Patient, author, Provenance and outcome.</summary>
    private static IReadOnlyList<Bundle.EntryComponent> Items(Bundle bundle) =>
        [.. bundle.Entry.Where(e => e.Resource is not (Composition or Patient or Organization or Provenance or OperationOutcome))];

    /// <summary>The provider HSA-ids each item's Provenance names (the onBehalfOf provider, or the agent itself).</summary>
    private static Dictionary<string, HashSet<string>> SourcesByItem(Bundle bundle)
    {
        var sources = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var provenance in bundle.Entry.Select(e => e.Resource).OfType<Provenance>())
        {
            var agent = provenance.Agent[0];
            var provider = (agent.OnBehalfOf ?? agent.Who).Identifier.Value;
            foreach (var target in provenance.Target)
            {
                if (!sources.TryGetValue(target.Reference, out var set))
                    sources[target.Reference] = set = new HashSet<string>(StringComparer.Ordinal);
                set.Add(provider);
            }
        }
        return sources;
    }

    private async Task<IReadOnlyList<AuditRecord>> AuditAsync(string @event)
    {
        var records = await _server.Services.GetRequiredService<AuditStore>().QueryAsync(new AuditQuery(Patient: _patient.Value));
        return [.. records.Select(r => AuditJson.Read(System.Text.Encoding.UTF8.GetBytes(r.Json))).Where(r => r.Event == @event)];
    }

    private Task SetBehaviourAsync(HsaId provider, ProviderBehaviour behaviour) => Registry.SetBehaviourAsync(Simulated(provider).Key, behaviour);

    [Fact]
    public async Task Summary_WhenAllProvidersAnswer_IsOneDocumentFromEveryProviderWithProvenanceForEveryEntry()
    {
        var document = await ReadAsync(await SummaryAsync(OutsideClinician()));

        Assert.Equal(Bundle.BundleType.Document, document.Type);
        var validation = new FhirDocumentValidator(new FhirDocumentValidatorOptions { RequireProvenance = true }).Validate(document);
        Assert.True(validation.IsValid, string.Join("\n", validation.Errors.Select(e => $"{e.Code} {e.Location}: {e.Message}")));
        var composition = Assert.IsType<Composition>(document.Entry[0].Resource);
        Assert.Equal(["10160-0", "48765-2", "11450-4"], composition.Section.Select(s => s.Code.Coding[0].Code).Where(c => c is "10160-0" or "48765-2" or "11450-4"));
        var patient = Assert.Single(document.Entry.Select(e => e.Resource).OfType<Patient>());
        Assert.Equal(_patient.Value, patient.Identifier.Single().Value);
        var sources = SourcesByItem(document);
        var items = Items(document);
        Assert.NotEmpty(items);
        Assert.All(items, item => Assert.True(sources.ContainsKey(item.FullUrl), $"{item.FullUrl} has no Provenance"));
        Assert.Equal(Providers.Select(p => p.Value), sources.Values.SelectMany(s => s).Distinct().Order(StringComparer.Ordinal));
        // Every item is about this patient: its subject points at the document's Patient.
        var patientUrl = document.Entry.Single(e => e.Resource is Patient).FullUrl;
        Assert.All(items.Select(i => i.Resource).OfType<Condition>(), c => Assert.Equal(patientUrl, c.Subject.Reference));
        Assert.DoesNotContain(Issues(document), i => i.Severity == OperationOutcome.IssueSeverity.Warning);
    }

    [Fact]
    public async Task Summary_NeverListsTheSameProblemOrMedicationTwice()
    {
        foreach (var person in await _server.Services.GetRequiredService<IPopulationStore>().ListAsync(0, 40))
        {
            var document = await ReadAsync(await SummaryAsync(OutsideClinician(), query: $"/fhir/Patient/$summary?identifier={person.Id.Value}"));

            // Judged by the test's own definition of "the same", not the merge key under test: a problem is its code
            // and onset, a medication its medication code and start; each appears once.
            var keys = Items(document).Select(i => SameClinicalItem(i.Resource)).OfType<string>().ToList();
            Assert.True(keys.Distinct().Count() == keys.Count, $"{person.Id}: {string.Join(", ", keys.GroupBy(k => k).Where(g => g.Count() > 1).Select(g => g.Key))}");
        }
    }

    /// <summary>What makes two summary items the same problem or medication, for a clinician reading the list.</summary>
    private static string? SameClinicalItem(Resource resource)
    {
        static string Code(CodeableConcept? concept) => concept?.Coding.FirstOrDefault() is { } c ? $"{c.System}|{c.Code}" : concept?.Text ?? "";
        return resource switch
        {
            Condition c => $"problem {Code(c.Code)} onset {(c.Onset as FhirDateTime)?.Value ?? c.RecordedDate}",
            MedicationStatement m => $"medication {Code(m.Medication as CodeableConcept)} from {(m.Effective as Period)?.Start ?? (m.Effective as FhirDateTime)?.Value}",
            _ => null,
        };
    }

    [Fact]
    public async Task Summary_WhenOneProviderIsSlowPastItsDeadline_AnswersWithinTheDeadlineNamingIt()
    {
        var slow = Providers[0];
        await SetBehaviourAsync(slow, new ProviderBehaviour(LatencyMedianMs: 10_000, LatencyP95Ms: 10_000));

        var watch = Stopwatch.StartNew();
        var document = await ReadAsync(await SummaryAsync(OutsideClinician()));
        watch.Stop();

        // Well before the slow provider would have answered (10 s); the margin over the deadline is for a loaded test machine.
        Assert.True(watch.ElapsedMilliseconds < DeadlineMs + 3_000, $"answered after {watch.ElapsedMilliseconds} ms");
        var issue = Assert.Single(Issues(document), i => Code(i) == "NDI-PAS-010");
        Assert.Contains(slow.Value, issue.Diagnostics);
        Assert.Contains($"{ProviderTimeoutMs} ms", issue.Diagnostics);
        Assert.DoesNotContain(slow.Value, SourcesByItem(document).Values.SelectMany(s => s));
        Assert.NotEmpty(Items(document)); // the others are there
        await AssertFetchAuditedAsync(slow, "missed (timed-out)");
    }

    /// <summary>The request's record names how the provider's fetch went, and nothing of it as released.</summary>
    private async Task AssertFetchAuditedAsync(HsaId provider, string how)
    {
        var record = Assert.Single(await AuditAsync("patient-summary"));
        Assert.Contains(record.Entities, e => e.Kind == "provider-fetch" && e.Provider == provider.Value && e.Detail!.StartsWith(how, StringComparison.Ordinal));
        Assert.DoesNotContain(record.Entities, e => e.Kind == "released" && e.Provider == provider.Value);
        Assert.Contains("provider systems missed", record.OutcomeText);
    }

    /// <summary>
    /// Conservation in the audit record (issue 13): for every provider answered, the record counts released, withheld,
    /// merged and rejected, and they add up to the number of resources the provider's system sent, read here straight
    /// from that system, not from the service under test. Every resource not released is named in the record.
    /// </summary>
    [Fact]
    public async Task Summary_AccountsInTheAuditRecordForEveryResourceEachProviderSent()
    {
        await ReadAsync(await SummaryAsync(OutsideClinician()));

        var record = Assert.Single(await AuditAsync("patient-summary"));
        var fetches = record.Entities.Where(e => e.Kind == "provider-fetch").ToList();
        Assert.NotEmpty(fetches);
        foreach (var fetch in fetches)
        {
            var sent = FhirJson.Parse<Bundle>(await (await _server.SendAsync(HttpMethod.Get, new Uri(fetch.Reference!).PathAndQuery, token: await _server.ProviderTokenAsync())).Content.ReadAsStringAsync()).Entry.Count;
            var counts = System.Text.RegularExpressions.Regex.Match(fetch.Detail!, @"(\d+) received: (\d+) released, (\d+) withheld, (\d+) merged, (\d+) rejected");
            Assert.True(counts.Success, fetch.Detail);
            var n = Enumerable.Range(1, 5).Select(i => int.Parse(counts.Groups[i].Value, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            Assert.Equal(sent, n[0]);
            Assert.Equal(n[0], n[1] + n[2] + n[3] + n[4]);
            // Every one not released is named, but the provider's Patient and summary Composition (merged into the national ones).
            var named = record.Entities.Count(e => e.Kind is "withheld" or "merged" or "rejected" && e.Provider == fetch.Provider && e.Reference!.StartsWith(fetch.Reference![..fetch.Reference!.IndexOf("/Patient/", StringComparison.Ordinal)], StringComparison.Ordinal));
            var patientAndComposition = FhirJson.Parse<Bundle>(await (await _server.SendAsync(HttpMethod.Get, new Uri(fetch.Reference!).PathAndQuery, token: await _server.ProviderTokenAsync())).Content.ReadAsStringAsync())
                .Entry.Count(e => e.Resource is Patient || (e.Resource is Composition c && c.Type.Coding.Any(k => k.Code == "60591-5")));
            Assert.Equal(n[2] + n[3] + n[4] - patientAndComposition, named);
        }
    }

    [Fact]
    public async Task Summary_WhenOneProviderIsDown_NamesItAndAnswersWithTheOthers()
    {
        var down = Providers[^1];
        await SetBehaviourAsync(down, new ProviderBehaviour(Down: true));

        var document = await ReadAsync(await SummaryAsync(OutsideClinician()));

        var issue = Assert.Single(Issues(document), i => Code(i) == "NDI-PAS-011");
        Assert.Contains(down.Value, issue.Diagnostics);
        Assert.Contains("HTTP 503", issue.Diagnostics);
        Assert.DoesNotContain(down.Value, SourcesByItem(document).Values.SelectMany(s => s));
        Assert.NotEmpty(Items(document));
        await AssertFetchAuditedAsync(down, "missed (failed)");
    }

    [Fact]
    public async Task Summary_WhenOneProviderAnswersAnotherPatientsData_DropsAllOfItAndLogsTheFault()
    {
        var mixedUp = Providers[0];
        await SetBehaviourAsync(mixedUp, new ProviderBehaviour(WrongPatientRate: 1));

        var document = await ReadAsync(await SummaryAsync(OutsideClinician()));

        var issue = Assert.Single(Issues(document), i => Code(i) == "NDI-PAS-013");
        Assert.Contains(mixedUp.Value, issue.Diagnostics);
        Assert.DoesNotContain(mixedUp.Value, SourcesByItem(document).Values.SelectMany(s => s));
        var record = Assert.Single(await AuditAsync("patient-summary"));
        var fetch = Assert.Single(record.Entities, e => e.Kind == "provider-fetch" && e.Provider == mixedUp.Value);
        Assert.Contains("0 released", fetch.Detail);
        Assert.Contains(record.Entities, e => e.Kind == "rejected" && e.Provider == mixedUp.Value && e.Detail!.Contains("another-patient"));
        Assert.DoesNotContain(record.Entities, e => e.Kind == "released" && e.Provider == mixedUp.Value);
    }

    [Fact]
    public async Task Summary_WhenOneProviderAnswersInvalidFhir_NamesIt()
    {
        var garbled = Providers[0];
        await SetBehaviourAsync(garbled, new ProviderBehaviour(InvalidRate: 1));

        var document = await ReadAsync(await SummaryAsync(OutsideClinician()));

        var issue = Assert.Single(Issues(document), i => Code(i) == "NDI-PAS-012");
        Assert.Contains(garbled.Value, issue.Diagnostics);
        Assert.Contains("invalid FHIR", issue.Diagnostics);
        Assert.DoesNotContain(garbled.Value, SourcesByItem(document).Values.SelectMany(s => s));
        await AssertFetchAuditedAsync(garbled, "missed (invalid)");
    }

    [Fact]
    public async Task Summary_WhenThePatientOptedOut_ShowsOnlyTheClinicianOwnProvidersData_EvenInAnEmergency()
    {
        var own = Simulated(Providers[0]);
        await PostConsentAsync("optout-primary", """{"type":"deny"}""");

        var document = await ReadAsync(await SummaryAsync(ClinicianAt(own), emergency: "unconscious, no relatives reachable"));

        Assert.NotEmpty(Items(document));
        Assert.Equal([own.HsaId], SourcesByItem(document).Values.SelectMany(s => s).Distinct());
        Assert.DoesNotContain(Issues(document), i => Code(i) is "NDI-PAS-020" or "NDI-PAS-021"); // an opt-out is not told, nor counted
    }

    [Fact]
    [Trait("Category", "Security")]
    public async Task Summary_WhenAProviderIsBlocked_WithholdsIt_AndAnEmergencyBreakReleasesItMarked()
    {
        var blocked = Providers[0];
        await PostConsentAsync("block", ConsentRequests.ProviderBlock(blocked));

        var withheld = await ReadAsync(await SummaryAsync(OutsideClinician()));
        // Header values are ASCII: a Swedish reason travels percent-encoded and is logged as written.
        var broken = await ReadAsync(await SummaryAsync(OutsideClinician(), emergency: Uri.EscapeDataString("hjärtstopp, ingen anamnes")));

        Assert.DoesNotContain(blocked.Value, SourcesByItem(withheld).Values.SelectMany(s => s));
        Assert.Contains(Issues(withheld), i => Code(i) == "NDI-PAS-020" && i.Diagnostics.Contains("blocked by the patient", StringComparison.Ordinal));
        Assert.Contains(Issues(withheld), i => i.Details.Coding.Any(c => c.System == "urn:openndi:access-decision-reason" && c.Code == "blocked"));
        var sources = SourcesByItem(broken);
        var fromBlocked = Items(broken).Where(i => sources[i.FullUrl].Contains(blocked.Value)).ToList();
        Assert.NotEmpty(fromBlocked);
        Assert.All(fromBlocked.Where(i => sources[i.FullUrl].Count == 1), i => Assert.Contains(i.Resource.Meta.Security, s => s.Code == "BTG"));
        Assert.All(Items(broken).Where(i => !sources[i.FullUrl].Contains(blocked.Value)), i => Assert.DoesNotContain(i.Resource.Meta?.Security ?? [], s => s.Code == "BTG"));
        Assert.Contains(Issues(broken), i => Code(i) == "NDI-PAS-030");

        var records = await AuditAsync("patient-summary");
        var emergency = Assert.Single(records, r => r.EmergencyReason is not null);
        Assert.Equal("hjärtstopp, ingen anamnes", emergency.EmergencyReason);
        Assert.Equal("ETREAT", emergency.PurposeOfUse);
        Assert.Contains(emergency.Entities, e => e.Kind == "released" && e.Provider == blocked.Value && e.Detail == "via emergency break");
        var normal = Assert.Single(records, r => r.EmergencyReason is null);
        Assert.Contains(normal.Entities, e => e.Kind == "index-entries" && e.Provider == blocked.Value && e.Detail!.Contains("blocked", StringComparison.Ordinal));
        Assert.DoesNotContain(normal.Entities, e => e.Kind == "released" && e.Provider == blocked.Value);
    }

    [Fact]
    [Trait("Category", "Security")]
    public async Task Summary_WithoutACareRelationship_GivesOnlyTheOwnProvidersData_SaysWhy_AndIsAuditedAsADenial()
    {
        using var response = await SummaryAsync(OutsideClinician(), careRelationship: false);

        var document = await ReadAsync(response);
        Assert.Empty(Items(document)); // the outside clinician's provider holds nothing for the patient
        var limit = Assert.Single(Issues(document), i => Code(i) == "NDI-PAS-021");
        Assert.Contains("Without a declared care relationship", limit.Diagnostics);
        Assert.DoesNotContain(Issues(document), i => Code(i) == "NDI-PAS-020");
        var record = Assert.Single(await AuditAsync("patient-summary"));
        Assert.Equal(AuditOutcome.MinorFailure, record.Outcome);
        Assert.Contains("no-care-relationship", string.Join(" ", record.Entities.Select(e => e.Detail)));
        Assert.DoesNotContain(record.Entities, e => e.Kind is "released");
    }

    [Fact]
    public async Task Summary_IsAuditedWithEveryProviderFetchedAndEveryItemReleased()
    {
        var document = await ReadAsync(await SummaryAsync(OutsideClinician()));

        var record = Assert.Single(await AuditAsync("patient-summary"));
        Assert.Equal(AuditOutcome.Success, record.Outcome);
        Assert.Equal(Providers.Select(p => p.Value), record.Entities.Where(e => e.Kind == "provider-fetch").Select(e => e.Provider!).Distinct().Order(StringComparer.Ordinal));
        var released = record.Entities.Where(e => e.Kind == "released").Select(e => e.Reference).ToHashSet();
        var sources = SourcesByItem(document);
        Assert.All(Items(document), item => Assert.Contains(item.FullUrl, released));
        Assert.Equal(sources.Values.Sum(s => s.Count), released.Count);
    }

    [Fact]
    [Trait("Category", "Security")]
    public async Task Summary_AnswersAreNotStoredAnywhere()
    {
        using var response = await SummaryAsync(OutsideClinician());
        var document = await ReadAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(response.Headers.CacheControl?.NoStore, "Cache-Control: no-store");
        // Nothing of the answer is kept by the server: no table outside the simulated providers' own EHR tables holds
        // the document's id or the clinical text of what it released (code displays and narratives of its items).
        var marks = Items(document)
            .SelectMany(i => i.Resource.Select("descendants().ofType(Coding).display | descendants().ofType(CodeableConcept).text").Select(v => (v as PrimitiveType)?.JsonValue as string))
            .OfType<string>().Where(t => t.Length >= 8).Distinct().ToList();
        // A category's words ("Laboratory") say what kind of item it is, not what it says about the patient: the
        // dataset catalogue names its themes with them too.
        var categories = Items(document).SelectMany(i => i.Resource.Select("category.descendants().ofType(Coding).display | category.text").Select(v => (v as PrimitiveType)?.JsonValue as string)).OfType<string>().ToHashSet();
        marks.RemoveAll(categories.Contains);
        marks.Add(document.Id);
        Assert.True(marks.Count > 5, "the answer holds clinical text to look for");
        // The scan can see it: the providers' own tables (the simulated EHRs) do hold the same text.
        Assert.Contains(await TablesHoldingAsync(marks, exceptSchema: "(none)"), t => t.StartsWith("simulator", StringComparison.Ordinal));
        var found = await TablesHoldingAsync(marks, exceptSchema: "simulator");
        Assert.True(found.Count == 0, "the answer is stored in: " + string.Join(", ", found));
    }

    /// <summary>Every table of the test database (both backends) whose text holds any of <paramref name="marks"/>.</summary>
    private async Task<List<string>> TablesHoldingAsync(IReadOnlyList<string> marks, string exceptSchema)
    {
        var database = _server.Database.Database;
        await using var connection = await database.OpenConnectionAsync();
        var tables = new List<string>();
        await using (var list = connection.CreateCommand())
        {
            list.CommandText = database.Backend == OpenNdi.Data.StorageBackend.Sqlite
                ? "SELECT name FROM sqlite_master WHERE type = 'table'"
                : "SELECT table_schema || '.' || table_name FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema') AND table_type = 'BASE TABLE'";
            await using var reader = await list.ExecuteReaderAsync();
            while (await reader.ReadAsync())
                tables.Add(reader.GetString(0));
        }
        Assert.Contains(tables, t => t.Contains("audit", StringComparison.Ordinal)); // the scan reaches the tables it should
        var found = new List<string>();
        foreach (var table in tables.Where(t => !t.StartsWith(exceptSchema, StringComparison.Ordinal)))
        {
            await using var select = connection.CreateCommand();
            select.CommandText = $"SELECT * FROM {table}";
            await using var reader = await select.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                for (var column = 0; column < reader.FieldCount; column++)
                {
                    if (!reader.IsDBNull(column) && reader.GetValue(column) is string text && marks.FirstOrDefault(m => text.Contains(m, StringComparison.Ordinal)) is { } mark)
                        found.Add($"{table} ({mark})");
                }
            }
        }
        return [.. found.Distinct()];
    }

    [Theory]
    [InlineData("/fhir/Patient/$summary", "NDI-PAS-001")]
    [InlineData("/fhir/Patient/$summary?identifier=191212121213", "NDI-PAS-001")]
    [InlineData("/fhir/Patient/$summary?identifier=urn:oid:1.2.3|191212121212", "NDI-PAS-001")]
    [InlineData("/fhir/Patient/$summary?identifier=191212121212&_elements=id", "NDI-PAS-002")]
    [InlineData("/fhir/Condition?date=ge2024", "NDI-PAS-001")]
    [InlineData("/fhir/Condition?patient.identifier=191212121212&date=yesterday", "NDI-PAS-002")]
    [InlineData("/fhir/Condition?patient.identifier=191212121212&_sort=date", "NDI-PAS-002")]
    [InlineData("/fhir/DiagnosticReport?patient.identifier=191212121212&category=XYZ", "NDI-PAS-002")]
    public async Task BadRequests_GetAnOutcomeNamingTheProblem_AndFetchNothing(string url, string code)
    {
        using var response = await SummaryAsync(OutsideClinician(), query: url);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(code, await response.Content.ReadAsStringAsync());
        Assert.Empty(await AuditAsync("patient-summary"));
        Assert.Empty(await AuditAsync("clinical-read"));
    }

    [Fact]
    public async Task Summary_WithoutTheScope_IsRefused()
    {
        using var response = await SummaryAsync(OutsideClinician("user/Condition.rs"));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("NDI-IAM-003", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    [Trait("Category", "Security")]
    public async Task Summary_ReleasesOnlyTheResourceTypesTheTokenCovers_AndSaysWhatItLeftOut()
    {
        var full = await ReadAsync(await SummaryAsync(OutsideClinician()));
        using var narrowResponse = await SummaryAsync(OutsideClinician("user/Patient.r user/Condition.rs"));
        var narrow = await ReadAsync(narrowResponse);

        Assert.Contains(Items(full), i => i.Resource is MedicationStatement or AllergyIntolerance or Observation);
        var conditions = Items(full).Where(i => i.Resource is Condition).Select(i => i.FullUrl).Order(StringComparer.Ordinal).ToList();
        Assert.NotEmpty(conditions);
        Assert.Equal(conditions, Items(narrow).Where(i => i.Resource is Condition).Select(i => i.FullUrl).Order(StringComparer.Ordinal));
        Assert.DoesNotContain(Items(narrow), i => i.Resource is MedicationStatement or MedicationRequest or AllergyIntolerance or Observation or DiagnosticReport or Immunization or Procedure or Flag or DeviceUseStatement);
        // The required sections the token does not reach say the information was withheld, never that there is none.
        var sections = Assert.IsType<Composition>(narrow.Entry[0].Resource).Section.ToDictionary(s => s.Code.Coding[0].Code);
        Assert.Equal("withheld", sections["10160-0"].EmptyReason.Coding[0].Code);
        Assert.Equal("withheld", sections["48765-2"].EmptyReason.Coding[0].Code);
        Assert.Null(sections["11450-4"].EmptyReason);
        var leftOut = Assert.Single(Issues(narrow), i => Code(i) == "NDI-PAS-022");
        Assert.Contains("user/AllergyIntolerance.r", leftOut.Diagnostics ?? leftOut.Details.Text, StringComparison.Ordinal);
        Assert.Contains("user/MedicationStatement.r", leftOut.Diagnostics ?? leftOut.Details.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("user/Condition.r", leftOut.Diagnostics ?? leftOut.Details.Text, StringComparison.Ordinal);
        var record = (await AuditAsync("patient-summary"))[0]; // newest first: the narrow request
        Assert.DoesNotContain(record.Entities, e => e.Kind == "released" && e.Category is "medications" or "allergies" or "laboratory");
        Assert.Contains(record.Entities, e => e.Kind == "not-covered-by-scope");
    }

    [Fact]
    [Trait("Category", "Security")]
    public async Task CategoryRead_OfLaboratoryReports_WithoutObservationScope_IncludesNoResults_AndSaysSo()
    {
        using var response = await _server.SendAsync(HttpMethod.Get, $"/fhir/DiagnosticReport?patient.identifier={_patient.Value}&category=LAB",
            OutsideClinician("user/DiagnosticReport.rs"), headers: IndexApiTests.CareRelationship);
        var searchset = await ReadAsync(response);

        Assert.DoesNotContain(searchset.Entry, e => e.Resource is Observation);
        Assert.Contains(Issues(searchset), i => Code(i) == "NDI-PAS-022" && (i.Diagnostics ?? i.Details.Text).Contains("user/Observation.r", StringComparison.Ordinal));
        if (_entries.Any(e => e.Key.Category == DataCategory.Laboratory))
            Assert.Contains(searchset.Entry, e => e.Resource is DiagnosticReport);
    }

    [Fact]
    public async Task CategoryRead_ReturnsTheCategoryFromEveryProvider_AsASearchsetWithProvenance()
    {
        using var response = await _server.SendAsync(HttpMethod.Get, $"/fhir/Condition?patient.identifier={_patient.Value}", OutsideClinician(), headers: IndexApiTests.CareRelationship);
        var searchset = await ReadAsync(response);

        Assert.Equal(Bundle.BundleType.Searchset, searchset.Type);
        var matches = searchset.Entry.Where(e => e.Search.Mode == Bundle.SearchEntryMode.Match).ToList();
        Assert.NotEmpty(matches);
        Assert.All(matches, m => Assert.IsType<Condition>(m.Resource));
        Assert.Equal(matches.Count, searchset.Total);
        var sources = SourcesByItem(searchset);
        Assert.All(matches, m => Assert.True(sources.ContainsKey(m.FullUrl)));
        var withConditions = _entries.Where(e => e.Key.Category == DataCategory.Problems).Select(e => e.Provider.Value).Distinct().Order(StringComparer.Ordinal);
        Assert.Equal(withConditions, sources.Values.SelectMany(s => s).Distinct().Order(StringComparer.Ordinal));
        Assert.Single(await AuditAsync("clinical-read"));
    }

    [Fact]
    public async Task CategoryReads_OfEveryType_AnswerThatTypeOnly_FromTheProvidersThatIndexedIt_WithProvenance()
    {
        foreach (var type in new[] { "MedicationStatement", "MedicationRequest", "MedicationDispense", "AllergyIntolerance", "Condition", "Immunization",
            "Observation", "DiagnosticReport", "Procedure", "Flag", "DeviceUseStatement", "Composition" })
        {
            using var response = await _server.SendAsync(HttpMethod.Get, $"/fhir/{type}?patient.identifier={_patient.Value}", OutsideClinician(), headers: IndexApiTests.CareRelationship);
            var searchset = await ReadAsync(response);

            var matches = searchset.Entry.Where(e => e.Search.Mode == Bundle.SearchEntryMode.Match).ToList();
            Assert.All(matches, m => Assert.Equal(type, m.Resource.TypeName));
            var categories = OpenNdi.Fhir.Merging.ClinicalCategories.ReadAs(type);
            var indexed = _entries.Where(e => categories.Contains(e.Key.Category)).Select(e => e.Provider.Value).ToHashSet();
            var sources = SourcesByItem(searchset);
            Assert.All(matches, m => Assert.True(sources.TryGetValue(m.FullUrl, out var from) && from.IsSubsetOf(indexed), $"{type}: {m.FullUrl} without Provenance or from a provider that indexed no {string.Join("/", categories)}"));
            // What the providers indexed, they answer (a lab category may be results without a report, so not for DiagnosticReport).
            if (indexed.Count > 0 && type != "DiagnosticReport")
                Assert.True(matches.Count > 0, $"{type}: providers indexed {string.Join("/", categories)} but nothing came back");
            if (type == "Composition")
                Assert.All(matches, m => Assert.Equal(DataCategory.DischargeReport.Loinc, ((Composition)m.Resource).Type.Coding[0].Code));
            Assert.DoesNotContain(Issues(searchset), i => i.Severity == OperationOutcome.IssueSeverity.Warning);
        }
        Assert.Equal(12, await AuditCountAsync("clinical-read"));
    }

    private async Task<int> AuditCountAsync(string @event) => (await AuditAsync(@event)).Count;

    [Fact]
    public async Task CategoryRead_LaboratoryReports_ComeWithTheirResults_AndNoImagingReports()
    {
        using var response = await _server.SendAsync(HttpMethod.Get, $"/fhir/DiagnosticReport?patient.identifier={_patient.Value}&category=LAB", OutsideClinician(), headers: IndexApiTests.CareRelationship);
        var searchset = await ReadAsync(response);

        var reports = searchset.Entry.Where(e => e.Search.Mode == Bundle.SearchEntryMode.Match).Select(e => (DiagnosticReport)e.Resource).ToList();
        Assert.All(reports, r => Assert.Contains(r.Category, c => c.Coding.Any(k => k.Code == "LAB")));
        var included = searchset.Entry.Where(e => e.Search.Mode == Bundle.SearchEntryMode.Include && e.Resource is Observation).Select(e => e.FullUrl).ToHashSet();
        foreach (var entry in searchset.Entry.Where(e => e.Search.Mode == Bundle.SearchEntryMode.Match))
            Assert.All(((DiagnosticReport)entry.Resource).Result, r => Assert.Contains(OpenNdi.Fhir.Merging.MergedAnswers.Resolve(entry.FullUrl, r.Reference), included));
        if (_entries.Any(e => e.Key.Category == DataCategory.Laboratory))
            Assert.NotEmpty(reports);
    }

    [Fact]
    public async Task Summary_WhenTwoProvidersReportTheSameMedication_ShowsItOnceWithBothSources()
    {
        var (first, second) = (Providers[0], Providers[1]);
        foreach (var provider in new[] { first, second })
            await AddCetirizineAsync(provider);

        var document = await ReadAsync(await SummaryAsync(OutsideClinician()));

        var cetirizine = Assert.Single(Items(document), i => i.Resource is MedicationStatement m && (m.Medication as CodeableConcept)?.Coding[0].Code == "R06AE07");
        Assert.Equal([first.Value, second.Value], SourcesByItem(document)[cetirizine.FullUrl].Order(StringComparer.Ordinal));
        var record = Assert.Single(await AuditAsync("patient-summary"));
        Assert.Equal(2, record.Entities.Count(e => e.Kind == "released" && e.Category == "medications" && (e.Provider == first.Value || e.Provider == second.Value) && e.Reference!.Contains("ndi-test-cetirizine", StringComparison.Ordinal)));
    }

    /// <summary>The same active cetirizine statement in one provider's EHR, published to the index under its medications.</summary>
    private async Task AddCetirizineAsync(HsaId provider)
    {
        var simulated = Simulated(provider);
        var reference = _entries.First(e => e.Provider == provider && e.Key.Category == DataCategory.PatientSummary).Key.SourceReference;
        var localId = reference.Split('/')[1];
        var statement = new MedicationStatement
        {
            Id = "ndi-test-cetirizine",
            Status = MedicationStatement.MedicationStatusCodes.Active,
            // Cetirizine: a medication the simulated records never hold, so the only two are these (a provider's own
            // records are never merged with each other, ADR 0007).
            Medication = new CodeableConcept("http://www.whocc.no/atc", "R06AE07", "Cetirizine"),
            Subject = new ResourceReference($"Patient/{localId}"),
            Effective = new Period { Start = "2025-03-01" },
        };
        await _server.Services.GetRequiredService<OpenNdi.Data.Simulator.ISimulatorStore>().AddResourcesAsync(
            [new OpenNdi.Data.Simulator.StoredResource(simulated.Key, "MedicationStatement", statement.Id, localId, null, "2025-03-01", "http://www.whocc.no/atc|R06AE07", FhirJson.Serialize(statement))]);
        await _server.Services.GetRequiredService<IIndexStore>().PublishAsync(
            [new IndexEntry(new IndexEntryKey(_patient, DataCategory.Medications, HsaId.Parse(simulated.CareUnits[0].HsaId), ProviderIndexPublication.SourceSystem(simulated), $"MedicationStatement?patient={localId}"), provider, new(2025, 3, 1), new(2025, 3, 1))]);
        _entries = await _server.Services.GetRequiredService<IIndexStore>().LookupAsync(new IndexQuery(_patient, null, null, null));
    }

    private Task PostConsentAsync(string kind, string provision) => ConsentRequests.PostAsync(_server, _issuer, _patient, kind, provision);
}

/// <summary>The professional access tests on the embedded SQLite default.</summary>
public sealed class ProfessionalAccessSqliteTests() : ProfessionalAccessTests("sqlite");

/// <summary>The professional access tests on PostgreSQL, as in production.</summary>
public sealed class ProfessionalAccessPostgresTests() : ProfessionalAccessTests("postgres");
