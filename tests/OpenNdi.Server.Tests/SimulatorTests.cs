using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Hl7.Fhir.Model;
using Microsoft.Extensions.DependencyInjection;
using OpenNdi.Data.Index;
using OpenNdi.Data.Population;
using OpenNdi.Fhir;
using OpenNdi.Synthetic.Simulator;
using Task = System.Threading.Tasks.Task;

namespace OpenNdi.Server.Tests;

/// <summary>
/// The provider EHR simulator over HTTP: who it answers for, and how it behaves when told to be slow or broken. The
/// tests call it as the access service does, with its token (<see cref="NdiServer.CreateProviderClient"/>); what the
/// simulator refuses is in <see cref="ProviderCallSecurityTests"/>.
/// </summary>
public class SimulatorTests
{
    private static async Task<List<string>> ProviderKeysAsync(HttpClient client)
    {
        using var providers = JsonDocument.Parse(await client.GetStringAsync("/sim"));
        return [.. providers.RootElement.EnumerateArray().Select(p => p.GetProperty("key").GetString()!)];
    }

    private static async Task<Bundle> SearchAsync(HttpClient client, string url)
    {
        using var response = await client.GetAsync(url);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{url}: {(int)response.StatusCode} {body}");
        return FhirJson.Parse<Bundle>(body);
    }

    /// <summary>Each provider's patients as (provider, patient id, personnummer).</summary>
    private static async Task<List<(string Provider, string PatientId, string Identifier)>> PatientsAsync(HttpClient client)
    {
        var result = new List<(string, string, string)>();
        foreach (var key in await ProviderKeysAsync(client))
        {
            var bundle = await SearchAsync(client, $"/sim/{key}/fhir/Patient?_count=1000");
            result.AddRange(bundle.Entry.Select(e => (key, e.Resource.Id, ((Patient)e.Resource).Identifier[0].Value)));
        }
        return result;
    }

    /// <summary>A patient with at least one encounter at their provider (some persons only have a vaccination there).</summary>
    private static async Task<(string Provider, string PatientId)> PatientWithEncountersAsync(HttpClient client)
    {
        foreach (var (provider, patientId, _) in await PatientsAsync(client))
        {
            if ((await SearchAsync(client, $"/sim/{provider}/fhir/Encounter?patient={patientId}&_count=1")).Entry.Count > 0)
                return (provider, patientId);
        }
        throw new InvalidOperationException("No patient with encounters in the demo population.");
    }

    private static async Task SetBehaviourAsync(HttpClient client, string provider, object behaviour)
    {
        using var response = await client.PutAsJsonAsync($"/sim/{provider}/behaviour", behaviour);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private static async Task<OperationOutcome> OutcomeAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/fhir+json", response.Content.Headers.ContentType?.MediaType);
        return FhirJson.Parse<OperationOutcome>(await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Search_ForItsOwnPatient_ReturnsOnlyThatPatientsRecords(string backend)
    {
        await using var server = await NdiServer.StartAsync(backend);
        using var client = server.CreateProviderClient();
        var (provider, patientId) = await PatientWithEncountersAsync(client);

        foreach (var type in new[] { "Encounter", "Condition", "Observation", "Immunization" })
        {
            var bundle = await SearchAsync(client, $"/sim/{provider}/fhir/{type}?patient=Patient/{patientId}");
            Assert.All(bundle.Entry, e => Assert.Contains($"Patient/{patientId}", FhirJson.Serialize(e.Resource)));
        }
        var encounters = await SearchAsync(client, $"/sim/{provider}/fhir/Encounter?patient={patientId}");
        Assert.NotEmpty(encounters.Entry);
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Search_ForAnotherProvidersPatient_ReturnsNothing(string backend)
    {
        await using var server = await NdiServer.StartAsync(backend);
        using var client = server.CreateProviderClient();
        var patients = await PatientsAsync(client);
        var providers = patients.Select(p => p.Provider).Distinct().ToList();
        // A person known at provider B but not at provider A.
        var (a, b) = (providers[0], providers.First(p => patients.Any(x => x.Provider == p && !patients.Any(y => y.Provider == providers[0] && y.Identifier == x.Identifier))));
        var stranger = patients.First(x => x.Provider == b && !patients.Any(y => y.Provider == a && y.Identifier == x.Identifier));

        var byId = await SearchAsync(client, $"/sim/{a}/fhir/Condition?patient={stranger.PatientId}");
        var byIdentifier = await SearchAsync(client, $"/sim/{a}/fhir/Patient?identifier=urn:oid:1.2.752.129.2.1.3.1|{stranger.Identifier}");
        var atHome = await SearchAsync(client, $"/sim/{b}/fhir/Patient?identifier={stranger.Identifier}");

        Assert.Empty(byId.Entry);
        Assert.Empty(byIdentifier.Entry);
        Assert.Equal(stranger.PatientId, Assert.Single(atHome.Entry).Resource.Id);
    }

    [Fact]
    public async Task Read_OfAnotherProvidersResource_IsNotFound()
    {
        await using var server = await NdiServer.StartAsync("sqlite");
        using var client = server.CreateProviderClient();
        var patients = await PatientsAsync(client);
        var providers = patients.Select(p => p.Provider).Distinct().ToList();
        var theirs = patients.First(p => p.Provider == providers[1]);

        using var own = await client.GetAsync($"/sim/{providers[1]}/fhir/Patient/{theirs.PatientId}");
        using var other = await client.GetAsync($"/sim/{providers[0]}/fhir/Patient/{theirs.PatientId}");

        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
        Assert.Equal(OperationOutcome.IssueType.NotFound, (await OutcomeAsync(other)).Issue[0].Code);
    }

    [Fact]
    public async Task Summary_IsAnIpsDocumentOfThisProvidersRecordsForThePatient()
    {
        await using var server = await NdiServer.StartAsync("sqlite");
        using var client = server.CreateProviderClient();
        var (provider, patientId, _) = (await PatientsAsync(client)).First();

        using var response = await client.GetAsync($"/sim/{provider}/fhir/Patient/{patientId}/$summary");
        var bundle = FhirJson.Parse<Bundle>(await response.Content.ReadAsStringAsync());

        Assert.Equal(Bundle.BundleType.Document, bundle.Type);
        var composition = Assert.IsType<Composition>(bundle.Entry[0].Resource);
        Assert.Equal("60591-5", composition.Type.Coding[0].Code);
        Assert.Equal(["10160-0", "48765-2", "11450-4"], composition.Section.Take(3).Select(s => s.Code.Coding[0].Code));
        Assert.Equal(patientId, Assert.Single(bundle.Entry, e => e.Resource is Patient).Resource.Id);
        var fullUrls = bundle.Entry.Select(e => e.FullUrl).ToHashSet();
        Assert.All(composition.Section.SelectMany(s => s.Entry), reference => Assert.Contains(fullUrls, u => u.EndsWith("/" + reference.Reference, StringComparison.Ordinal)));
        var validation = new FhirDocumentValidator().Validate(bundle);
        Assert.True(validation.IsValid, string.Join("\n", validation.Errors.Select(e => $"{e.Code} {e.Location}: {e.Message}")));
    }

    private const string DiagnosticServiceSystem = "http://terminology.hl7.org/CodeSystem/v2-0074";

    /// <summary>A patient with at least two laboratory reports and one radiology report, and all their reports' ids by category code.</summary>
    private static async Task<(string Provider, string PatientId, ILookup<string, string> ReportsByCategory)> PatientWithLabsAndImagingAsync(HttpClient client)
    {
        foreach (var (provider, patientId, _) in await PatientsAsync(client))
        {
            var reports = await SearchAsync(client, $"/sim/{provider}/fhir/DiagnosticReport?patient={patientId}&_count=1000");
            var byCategory = reports.Entry.Select(e => (DiagnosticReport)e.Resource)
                .SelectMany(r => r.Category.SelectMany(c => c.Coding).Select(c => (c.Code, r.Id))).ToLookup(x => x.Code, x => x.Id);
            if (byCategory["LAB"].Count() >= 2 && byCategory["RAD"].Any())
                return (provider, patientId, byCategory);
        }
        throw new InvalidOperationException("No patient with both laboratory and radiology reports in the demo population.");
    }

    /// <summary>All pages of a search, following next links.</summary>
    private static async Task<List<Bundle.EntryComponent>> AllPagesAsync(HttpClient client, string url)
    {
        var entries = new List<Bundle.EntryComponent>();
        for (string? next = url; next is not null;)
        {
            var page = await SearchAsync(client, next);
            entries.AddRange(page.Entry);
            next = page.Link.FirstOrDefault(l => l.Relation == "next")?.Url is { } link ? new Uri(link).PathAndQuery : null;
        }
        return entries;
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Search_ByCategory_ReturnsOnlyReportsOfThatCategory_OnEveryPage(string backend)
    {
        await using var server = await NdiServer.StartAsync(backend);
        using var client = server.CreateProviderClient();
        var (provider, patientId, byCategory) = await PatientWithLabsAndImagingAsync(client);
        var search = $"/sim/{provider}/fhir/DiagnosticReport?patient={patientId}";

        var lab = await SearchAsync(client, $"{search}&category=LAB");
        var labWithSystem = await SearchAsync(client, $"{search}&category={Uri.EscapeDataString($"{DiagnosticServiceSystem}|LAB")}");
        var rad = await SearchAsync(client, $"{search}&category=RAD");
        var otherSystem = await SearchAsync(client, $"{search}&category={Uri.EscapeDataString("http://example.org/other|LAB")}");
        var labPages = await AllPagesAsync(client, $"{search}&category=LAB&_count=1");
        var labObservations = await SearchAsync(client, $"/sim/{provider}/fhir/Observation?patient={patientId}&category=laboratory");

        Assert.Equal(byCategory["LAB"].Order(StringComparer.Ordinal), lab.Entry.Select(e => e.Resource.Id).Order(StringComparer.Ordinal));
        Assert.Equal(lab.Entry.Select(e => e.Resource.Id), labWithSystem.Entry.Select(e => e.Resource.Id));
        Assert.Equal(byCategory["RAD"].Order(StringComparer.Ordinal), rad.Entry.Select(e => e.Resource.Id).Order(StringComparer.Ordinal));
        Assert.Empty(otherSystem.Entry);
        Assert.Equal(lab.Entry.Select(e => e.Resource.Id), labPages.Select(e => e.Resource.Id));
        Assert.NotEmpty(labObservations.Entry);
        Assert.All(labObservations.Entry, e => Assert.Contains(((Observation)e.Resource).Category.SelectMany(c => c.Coding), c => c.Code == "laboratory"));
    }

    [Fact]
    public async Task Search_WithIncludeOfResults_AddsTheCitedObservationsAsIncludes()
    {
        await using var server = await NdiServer.StartAsync("sqlite");
        using var client = server.CreateProviderClient();
        var (provider, patientId, _) = await PatientWithLabsAndImagingAsync(client);

        var bundle = await SearchAsync(client, $"/sim/{provider}/fhir/DiagnosticReport?patient={patientId}&category=LAB&_include=DiagnosticReport:result");

        var matches = bundle.Entry.Where(e => e.Search.Mode == Bundle.SearchEntryMode.Match).Select(e => (DiagnosticReport)e.Resource).ToList();
        var included = bundle.Entry.Where(e => e.Search.Mode == Bundle.SearchEntryMode.Include).ToList();
        var cited = matches.SelectMany(r => r.Result).Select(r => r.Reference).ToHashSet();
        Assert.True(matches.Count >= 2);
        Assert.NotEmpty(cited);
        Assert.Equal(cited.Order(StringComparer.Ordinal), included.Select(e => $"Observation/{e.Resource.Id}").Order(StringComparer.Ordinal));
        Assert.All(included, e => Assert.Equal($"Patient/{patientId}", Assert.IsType<Observation>(e.Resource).Subject.Reference));
        Assert.All(included, e => Assert.EndsWith($"/sim/{provider}/fhir/Observation/{e.Resource.Id}", e.FullUrl));
        Assert.Equal(bundle.Entry.Count, matches.Count + included.Count);
    }

    [Fact]
    public async Task Search_CompositionByType_ReturnsTheDischargeReports()
    {
        await using var server = await NdiServer.StartAsync("sqlite");
        using var client = server.CreateProviderClient();
        var patients = await PatientsAsync(client);
        (string Provider, string PatientId, Bundle All)? found = null;
        foreach (var (provider, patientId, _) in patients)
        {
            var all = await SearchAsync(client, $"/sim/{provider}/fhir/Composition?patient={patientId}");
            if (all.Entry.Count > 0)
            {
                found = (provider, patientId, all);
                break;
            }
        }
        Assert.NotNull(found);
        var (p, id, compositions) = found.Value;

        var byType = await SearchAsync(client, $"/sim/{p}/fhir/Composition?patient={id}&type={Uri.EscapeDataString("http://loinc.org|34105-7")}");
        var byBareCode = await SearchAsync(client, $"/sim/{p}/fhir/Composition?patient={id}&type=34105-7");
        var byOtherType = await SearchAsync(client, $"/sim/{p}/fhir/Composition?patient={id}&type={Uri.EscapeDataString("http://loinc.org|60591-5")}");

        Assert.NotEmpty(byType.Entry);
        Assert.All(byType.Entry, e => Assert.Equal(("http://loinc.org", "34105-7"), (((Composition)e.Resource).Type.Coding[0].System, ((Composition)e.Resource).Type.Coding[0].Code)));
        Assert.Equal(compositions.Entry.Count(e => ((Composition)e.Resource).Type.Coding[0].Code == "34105-7"), byType.Entry.Count);
        Assert.Equal(byType.Entry.Select(e => e.Resource.Id), byBareCode.Entry.Select(e => e.Resource.Id));
        Assert.Empty(byOtherType.Entry);
    }

    /// <summary>
    /// What the index tells a caller to fetch must be fetchable: every source reference the simulated providers
    /// published at start is a search (or $summary) their own endpoint answers with data, not an error or nothing.
    /// </summary>
    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task EveryPublishedIndexEntry_FetchedFromItsProvider_AnswersWithAtLeastOneEntry(string backend)
    {
        await using var server = await NdiServer.StartAsync(backend);
        using var client = server.CreateProviderClient();
        var providerOf = server.Services.GetRequiredService<SimulatorRegistry>().Providers.ToDictionary(ProviderIndexPublication.SourceSystem, p => p.Key);
        var index = new IndexStore(server.Database.Database);
        var published = new HashSet<(string Provider, string Reference)>();
        foreach (var person in await new PopulationStore(server.Database.Database).ListAsync(0, 100_000))
        {
            foreach (var entry in await index.LookupAsync(new IndexQuery(person.Id)))
                published.Add((providerOf[entry.Key.SourceSystem], entry.Key.SourceReference));
        }

        var failures = new List<string>();
        foreach (var (provider, reference) in published)
        {
            using var response = await client.GetAsync($"/sim/{provider}/fhir/{reference}");
            var body = await response.Content.ReadAsStringAsync();
            if (response.StatusCode != HttpStatusCode.OK)
                failures.Add($"{provider} {reference}: {(int)response.StatusCode} {body}");
            else if (!JsonDocument.Parse(body).RootElement.TryGetProperty("entry", out var entries) || entries.GetArrayLength() == 0)
                failures.Add($"{provider} {reference}: no entries");
        }

        // The searches this test is about are among what was published, not only the plain patient searches.
        foreach (var search in new[] { "&category=LAB", "&category=RAD", "&type=http://loinc.org|34105-7", "/$summary" })
            Assert.Contains(published, p => p.Reference.EndsWith(search, StringComparison.Ordinal));
        Assert.True(failures.Count == 0, $"{failures.Count} of {published.Count} published references fail:\n{string.Join('\n', failures.Take(20))}");
    }

    [Fact]
    public async Task Metadata_DeclaresTheCategoryTypeAndIncludeSearches()
    {
        await using var server = await NdiServer.StartAsync("sqlite");
        using var client = server.CreateProviderClient();
        var provider = (await ProviderKeysAsync(client))[0];

        var statement = FhirJson.Parse<CapabilityStatement>(await client.GetStringAsync($"/sim/{provider}/fhir/metadata"));

        var resources = statement.Rest[0].Resource.ToDictionary(r => r.Type!);
        Assert.Contains(resources["DiagnosticReport"].SearchParam, p => p.Name == "category");
        Assert.Contains(resources["Observation"].SearchParam, p => p.Name == "category");
        Assert.Contains(resources["Composition"].SearchParam, p => p.Name == "type");
        Assert.Equal(["DiagnosticReport:result"], resources["DiagnosticReport"].SearchInclude);
    }

    [Fact]
    public async Task Search_PagesWithANextLinkUntilAllAreReturned()
    {
        await using var server = await NdiServer.StartAsync("sqlite");
        using var client = server.CreateProviderClient();
        var (provider, _) = await PatientWithEncountersAsync(client);
        var all = await SearchAsync(client, $"/sim/{provider}/fhir/Encounter?_count=1000");

        var seen = new List<string>();
        var url = $"/sim/{provider}/fhir/Encounter?_count=7";
        while (url is not null)
        {
            var page = await SearchAsync(client, url);
            seen.AddRange(page.Entry.Select(e => e.Resource.Id));
            url = page.Link.FirstOrDefault(l => l.Relation == "next")?.Url is { } next ? new Uri(next).PathAndQuery : null;
        }

        Assert.True(all.Entry.Count > 7);
        Assert.Equal(all.Entry.Select(e => e.Resource.Id).Order(StringComparer.Ordinal), seen.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("Condition?colour=blue", "colour")]
    [InlineData("Condition?_count=5000", "_count")]
    [InlineData("Condition?date=yesterday", "date")]
    [InlineData("Patient?identifier=19121212-1213", "identifier")]
    [InlineData("Patient?identifier=urn:oid:9.9|191212121212", "identifier")]
    [InlineData("Patient?patient=x", "patient")]
    [InlineData("DiagnosticReport?_include=DiagnosticReport:subject", "_include")]
    [InlineData("Observation?_include=DiagnosticReport:result", "_include")]
    [InlineData("Encounter?category=LAB", "category")]
    [InlineData("DiagnosticReport?category=", "category")]
    [InlineData("Condition?type=x", "type")]
    [InlineData("Composition?type=http://loinc.org|34105-7&code=http://loinc.org|60591-5", "type")]
    public async Task Search_WithABadParameter_IsRefusedWithAnOutcomeNamingIt(string query, string parameter)
    {
        await using var server = await NdiServer.StartAsync("sqlite");
        using var client = server.CreateProviderClient();
        var provider = (await ProviderKeysAsync(client))[0];

        using var response = await client.GetAsync($"/sim/{provider}/fhir/{query}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var issue = (await OutcomeAsync(response)).Issue.Single();
        Assert.Equal(OperationOutcome.IssueSeverity.Error, issue.Severity);
        Assert.Equal(parameter, Assert.Single(issue.Expression));
        Assert.Contains(parameter, issue.Diagnostics);
    }

    [Fact]
    public async Task Request_ForAnUnknownProviderOrType_IsNotFoundWithAnOutcome()
    {
        await using var server = await NdiServer.StartAsync("sqlite");
        using var client = server.CreateProviderClient();
        var provider = (await ProviderKeysAsync(client))[0];

        using var unknownProvider = await client.GetAsync("/sim/no-such-provider/fhir/metadata");
        using var unknownType = await client.GetAsync($"/sim/{provider}/fhir/Basic?patient=x");

        Assert.Equal(HttpStatusCode.NotFound, unknownProvider.StatusCode);
        Assert.Equal("NDI-SIM-001", (await OutcomeAsync(unknownProvider)).Issue[0].Details.Coding[0].Code);
        Assert.Equal(HttpStatusCode.NotFound, unknownType.StatusCode);
        Assert.Equal("NDI-SIM-020", (await OutcomeAsync(unknownType)).Issue[0].Details.Coding[0].Code);
    }

    [Fact]
    public async Task Latency_WhenConfigured_DelaysEveryAnswerByAtLeastThatMuch()
    {
        await using var server = await NdiServer.StartAsync("sqlite");
        using var client = server.CreateProviderClient();
        var provider = (await ProviderKeysAsync(client))[0];
        await SetBehaviourAsync(client, provider, new { latencyMedianMs = 250, latencyP95Ms = 250 });

        for (var i = 0; i < 3; i++)
        {
            var clock = Stopwatch.StartNew();
            using var response = await client.GetAsync($"/sim/{provider}/fhir/metadata");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.InRange(clock.ElapsedMilliseconds, 245, 5_000);
        }
    }

    [Fact]
    public async Task Latency_WhenSpread_HasTheConfiguredMedian()
    {
        await using var server = await NdiServer.StartAsync("sqlite");
        using var client = server.CreateProviderClient();
        var provider = (await ProviderKeysAsync(client))[0];
        await SetBehaviourAsync(client, provider, new { latencyMedianMs = 40, latencyP95Ms = 120 });

        var times = new List<long>();
        for (var i = 0; i < 40; i++)
        {
            var clock = Stopwatch.StartNew();
            using var response = await client.GetAsync($"/sim/{provider}/fhir/metadata");
            times.Add(clock.ElapsedMilliseconds);
        }

        times.Sort();
        // Sample median of 40 log-normal draws: about 40 ms ± 5 ms; the upper bound leaves room for a loaded CI machine.
        Assert.InRange(times[times.Count / 2], 25, 200);
        Assert.True(times[^1] > times[0] + 10, "latencies should spread");
    }

    [Fact]
    public async Task ErrorRate_WhenOne_FailsEveryRequestWithAServerErrorOutcome_AndOtherProvidersAreUnaffected()
    {
        await using var server = await NdiServer.StartAsync("sqlite");
        using var client = server.CreateProviderClient();
        var providers = await ProviderKeysAsync(client);
        await SetBehaviourAsync(client, providers[0], new { errorRate = 1.0 });
        await SetBehaviourAsync(client, providers[1], new { });

        using var failing = await client.GetAsync($"/sim/{providers[0]}/fhir/metadata");
        using var healthy = await client.GetAsync($"/sim/{providers[1]}/fhir/metadata");

        Assert.Equal(HttpStatusCode.InternalServerError, failing.StatusCode);
        Assert.Equal("NDI-SIM-012", (await OutcomeAsync(failing)).Issue[0].Details.Coding[0].Code);
        Assert.Equal(HttpStatusCode.OK, healthy.StatusCode);
    }

    [Fact]
    public async Task WrongPatientRate_WhenOne_AnswersWellFormedFhirAboutAnotherPatient_InSearchesAndSummaries()
    {
        await using var server = await NdiServer.StartAsync("sqlite");
        using var client = server.CreateProviderClient();
        var (provider, patientId) = await PatientWithEncountersAsync(client);
        await SetBehaviourAsync(client, provider, new { wrongPatientRate = 1.0 });

        var encounters = await SearchAsync(client, $"/sim/{provider}/fhir/Encounter?patient={patientId}");
        using var summaryResponse = await client.GetAsync($"/sim/{provider}/fhir/Patient/{patientId}/$summary");
        var summary = FhirJson.Parse<Bundle>(await summaryResponse.Content.ReadAsStringAsync());

        Assert.All(encounters.Entry, e => Assert.NotEqual($"Patient/{patientId}", ((Encounter)e.Resource).Subject.Reference));
        Assert.Equal(HttpStatusCode.OK, summaryResponse.StatusCode);
        Assert.NotEqual(patientId, Assert.Single(summary.Entry, e => e.Resource is Patient).Resource.Id);
    }

    [Fact]
    public async Task InvalidRate_WhenOne_AnswersOkWithABodyThatIsNotFhir()
    {
        await using var server = await NdiServer.StartAsync("sqlite");
        using var client = server.CreateProviderClient();
        var (provider, patientId, _) = (await PatientsAsync(client)).First();
        await SetBehaviourAsync(client, provider, new { invalidRate = 1.0 });

        using var response = await client.GetAsync($"/sim/{provider}/fhir/Observation?patient={patientId}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Null(FhirJson.TryParse(await response.Content.ReadAsStringAsync(), out var error));
        Assert.NotNull(error);
    }

    [Fact]
    public async Task Faults_ThatAddUpToMoreThanEveryRequest_AreRefused()
    {
        await using var server = await NdiServer.StartAsync("sqlite");
        using var client = server.CreateProviderClient();
        var provider = (await ProviderKeysAsync(client))[0];

        using var response = await client.PutAsJsonAsync($"/sim/{provider}/behaviour", new { errorRate = 0.5, invalidRate = 0.4, wrongPatientRate = 0.2 });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("wrongPatientRate must be at most 1", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task ErrorRate_WhenHalf_FailsAboutHalfOfTheRequests()
    {
        await using var server = await NdiServer.StartAsync("sqlite");
        using var client = server.CreateProviderClient();
        var provider = (await ProviderKeysAsync(client))[0];
        await SetBehaviourAsync(client, provider, new { errorRate = 0.5 });

        var failures = 0;
        for (var i = 0; i < 200; i++)
        {
            using var response = await client.GetAsync($"/sim/{provider}/fhir/metadata");
            failures += response.StatusCode == HttpStatusCode.InternalServerError ? 1 : 0;
        }

        Assert.InRange(failures, 65, 135); // binomial(200, 0.5): outside this range about once in 10^6 runs
    }

    [Fact]
    public async Task Down_AndDowntimeWindows_AnswerServiceUnavailable()
    {
        var start = new DateTimeOffset(2026, 12, 4, 8, 0, 0, TimeSpan.Zero);
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(start);
        await using var server = await NdiServer.StartAsync("sqlite", services: services => services.AddSingleton<TimeProvider>(clock));
        using var client = server.CreateProviderClient();
        var provider = (await ProviderKeysAsync(client))[0];

        await SetBehaviourAsync(client, provider, new { down = true });
        using var down = await client.GetAsync($"/sim/{provider}/fhir/metadata");
        await SetBehaviourAsync(client, provider, new { downtime = new[] { new { from = start.AddHours(1), to = start.AddHours(2) } } });
        using var beforeWindow = await client.GetAsync($"/sim/{provider}/fhir/metadata");
        clock.Advance(TimeSpan.FromHours(1));
        using var atWindowStart = await client.GetAsync($"/sim/{provider}/fhir/metadata");
        clock.Advance(TimeSpan.FromMinutes(59));
        using var inWindow = await client.GetAsync($"/sim/{provider}/fhir/metadata");
        clock.Advance(TimeSpan.FromMinutes(1));
        using var atWindowEnd = await client.GetAsync($"/sim/{provider}/fhir/metadata");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, down.StatusCode);
        Assert.Equal(OperationOutcome.IssueType.Transient, (await OutcomeAsync(down)).Issue[0].Code);
        Assert.Equal(HttpStatusCode.OK, beforeWindow.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, atWindowStart.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, inWindow.StatusCode);
        Assert.Equal(HttpStatusCode.OK, atWindowEnd.StatusCode); // a window ends where it says: [from, to)
    }

    [Fact]
    public async Task Timeout_HangsForTheConfiguredTimeThenAnswersGatewayTimeout_AndACallerWithAShorterDeadlineGivesUp()
    {
        await using var server = await NdiServer.StartAsync("sqlite");
        using var client = server.CreateProviderClient();
        var provider = (await ProviderKeysAsync(client))[0];
        await SetBehaviourAsync(client, provider, new { timeoutRate = 1.0, timeoutMs = 400 });

        var clock = Stopwatch.StartNew();
        using var late = await client.GetAsync($"/sim/{provider}/fhir/metadata");
        var waited = clock.ElapsedMilliseconds;
        using var deadline = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        var impatient = Record.ExceptionAsync(() => client.GetAsync($"/sim/{provider}/fhir/metadata", deadline.Token));

        Assert.Equal(HttpStatusCode.GatewayTimeout, late.StatusCode);
        Assert.InRange(waited, 390, 10_000);
        Assert.IsAssignableFrom<OperationCanceledException>(await impatient);
    }

    [Theory]
    [InlineData("{\"errorRate\": 2}", "errorRate")]
    [InlineData("{\"latencyMedianMs\": 100, \"latencyP95Ms\": 50}", "latencyP95Ms")]
    [InlineData("{\"errorRate\": 0.6, \"timeoutRate\": 0.6}", "errorRate + timeoutRate")]
    [InlineData("{\"downtime\": [{\"from\": \"2026-01-02T00:00:00Z\", \"to\": \"2026-01-01T00:00:00Z\"}]}", "downtime")]
    [InlineData("{\"errorRate\": \"lots\"}", "errorRate")]
    [InlineData("not json", "")]
    public async Task PutBehaviour_WhenInvalid_IsRefusedAndChangesNothing(string body, string named)
    {
        await using var server = await NdiServer.StartAsync("sqlite");
        using var client = server.CreateProviderClient();
        var provider = (await ProviderKeysAsync(client))[0];
        var before = await client.GetStringAsync($"/sim/{provider}/behaviour");

        using var response = await client.PutAsync($"/sim/{provider}/behaviour", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(named, await response.Content.ReadAsStringAsync());
        Assert.Equal(before, await client.GetStringAsync($"/sim/{provider}/behaviour"));
    }

    [Fact]
    public async Task PutBehaviour_IsStoredAndSurvivesARestart()
    {
        await using var server = await NdiServer.StartAsync("sqlite");
        using var client = server.CreateProviderClient();
        var provider = (await ProviderKeysAsync(client))[0];
        await SetBehaviourAsync(client, provider, new { latencyMedianMs = 5, latencyP95Ms = 9, errorRate = 0.1 });

        var registry = new Synthetic.Simulator.SimulatorRegistry(new Data.Simulator.SimulatorStore(server.Database.Database));
        await registry.LoadAsync();

        Assert.True(registry.TryGet(provider, out _, out var behaviour));
        Assert.Equal((5.0, 9.0, 0.1), (behaviour.LatencyMedianMs, behaviour.LatencyP95Ms, behaviour.ErrorRate));
    }
}
