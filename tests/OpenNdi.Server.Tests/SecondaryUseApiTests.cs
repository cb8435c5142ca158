using System.Data.Common;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OpenNdi.Core.Identifiers;
using OpenNdi.Core.Identity;
using OpenNdi.Data.Simulator;
using OpenNdi.SecondaryUse.Cases;
using OpenNdi.SecondaryUse.Catalog;
using OpenNdi.SecondaryUse.Pseudonymisation;
using OpenNdi.SecondaryUse.Storage;
using Task = System.Threading.Tasks.Task;

namespace OpenNdi.Server.Tests;

/// <summary>
/// The secondary-use chain through its API (issue 18): catalogue figures from the data, an application from
/// submission to a ready extract, the output check, expiry and refusal, and every denial. Expected values are
/// computed here from the simulated providers' records as the simulator stores them, never from the chain's code.
/// </summary>
[Trait("Category", "Security")]
public abstract class SecondaryUseApiTests(string backend) : IAsyncLifetime
{
    private const string Organisation = "2021002973";
    private static readonly string FixedKey = Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());
    private readonly TestIssuer _issuer = new("https://idp.national.example");
    private NdiServer _server = null!;
    private string _provider = null!;
    private string _diagnoses = null!;

    /// <summary>The persons with Condition rows at the provider, with how many (every date: the demo's histories lie within the period applied for).</summary>
    private Dictionary<string, int> _conditions = null!;

    public async ValueTask InitializeAsync()
    {
        _server = await NdiServer.StartAsync(backend, new Dictionary<string, string>
        {
            ["Identity:TrustedIssuers:0:Issuer"] = _issuer.Issuer,
            ["Identity:TrustedIssuers:0:Jwks"] = _issuer.Jwks,
            ["SecondaryUse:PseudonymKey"] = FixedKey,
            ["SecondaryUse:WorkspaceFolder"] = Path.Combine(Path.GetTempPath(), "openndi-test-sdu", Guid.NewGuid().ToString("N")),
        });
        var simulator = _server.Services.GetRequiredService<ISimulatorStore>();
        // The provider with the most diagnoses: its records are what the tests' datasets hold.
        var best = (Key: "", Rows: new Dictionary<string, int>());
        foreach (var provider in await simulator.ListProvidersAsync())
        {
            var rows = await ConditionsAsync(simulator, provider.Key);
            if (rows.Values.Sum() > best.Rows.Values.Sum())
                best = (provider.Key, rows);
        }
        (_provider, _conditions) = (best.Key, best.Rows);
        _diagnoses = $"{_provider}.diagnoses";
        await _server.Services.GetRequiredService<DatasetCatalog>().PublishNewAsync(CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        // PostgreSQL roles belong to the cluster, not to the test's database: every workspace opened is closed.
        var workspaces = _server.Services.GetRequiredService<OpenNdi.SecondaryUse.Workspaces.IWorkspaces>();
        foreach (var permit in await _server.Services.GetRequiredService<SecondaryUseStore>().PermitsAsync(null, CancellationToken.None))
            await workspaces.CloseAsync(permit.Id, CancellationToken.None);
        await _server.DisposeAsync();
        _issuer.Dispose();
    }

    /// <summary>Condition rows per patient identifier, read from the provider's stored resources (patient rows carry the identifier).</summary>
    private static async Task<Dictionary<string, int>> ConditionsAsync(ISimulatorStore simulator, string provider)
    {
        var identifiers = new Dictionary<string, string>(StringComparer.Ordinal);
        var conditions = new List<string>();
        await foreach (var resource in simulator.StreamResourcesAsync(provider))
        {
            if (resource.ResourceType == "Patient" && resource.Identifier is { } identifier)
                identifiers[resource.PatientId ?? resource.Id] = identifier;
            else if (resource.ResourceType == "Condition" && resource.Date is not null && resource.PatientId is { } patient)
                conditions.Add(patient);
        }
        return conditions.Where(identifiers.ContainsKey).GroupBy(p => identifiers[p]).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
    }

    // --- Tokens ----------------------------------------------------------------------------------------------------

    private static readonly PersonalIdentityNumber Researcher = PersonalIdentityNumber.Create(new DateOnly(1980, 2, 3), 421, coordination: false);
    private static readonly PersonalIdentityNumber OtherResearcher = PersonalIdentityNumber.Create(new DateOnly(1981, 5, 6), 533, coordination: false);

    private string Applicant(PersonalIdentityNumber? person = null, string? acr = AssuranceLevels.Loa3) => _issuer.Token(
        "user/DataApplication.crus user/DataPermit.crus user/DataOutput.crus",
        claims: new Dictionary<string, object>
        {
            ["ndi_actor"] = "applicant",
            ["person_id"] = (person ?? Researcher).Value,
            [NdiClaims.ApplicantOrganization] = Organisation,
            ["acr"] = acr ?? "http://id.elegnamnden.se/loa/1.0/loa2",
        });

    private string Officer() => _issuer.Token("user/DataApplication.rus user/DataPermit.rus user/DataOutput.rus user/DatasetDescription.ru",
        claims: new Dictionary<string, object> { ["ndi_actor"] = "accessbodyofficer", ["sub"] = "officer-7" });

    private async Task<(HttpStatusCode Status, JsonNode? Body, string Text)> CallAsync(HttpMethod method, string url, string token, object? body = null)
    {
        using var response = await _server.SendAsync(method, url, token, body is null ? null : JsonSerializer.Serialize(body), "application/json");
        var text = await response.Content.ReadAsStringAsync();
        JsonNode? json = null;
        try
        {
            json = text.Length > 0 ? JsonNode.Parse(text) : null;
        }
        catch (JsonException)
        {
        }
        return (response.StatusCode, json, text);
    }

    private object ApplicationBody(string form = "pseudonymised", string[]? datasets = null, string title = "Diabetes och hjärtsjukdom i befolkningen") => new
    {
        applicantName = "Dr. Test Forskare",
        title,
        purpose = "scientific-research",
        description = "A cohort study of how diagnoses are distributed by age, sex and region, to plan care.",
        datasets = datasets ?? [HoldersRegister, _diagnoses],
        variables = new[] { "birth", "sex", "place", "code", "date" },
        periodFrom = "1900-01-01",
        periodTo = "2030-12-31",
        form,
        generalisation = new { birth = "year", place = "region", eventDates = "month" },
    };

    private const string HoldersRegister = OpenNdi.Server.SecondaryUse.RegisterHolder.DatasetId;

    /// <summary>Submits, approves and waits for the extract; answers the permit id.</summary>
    private async Task<string> ApprovedPermitAsync(string form = "pseudonymised", string? validUntil = null, string title = "Diabetes och hjärtsjukdom i befolkningen")
    {
        var submitted = await CallAsync(HttpMethod.Post, "/sdu/applications", Applicant(), ApplicationBody(form, title: title));
        Assert.True(submitted.Status == HttpStatusCode.Created, submitted.Text);
        Assert.Equal("in-review", (string?)submitted.Body!["state"]);
        var id = (string)submitted.Body["id"]!;
        var decided = await CallAsync(HttpMethod.Post, $"/sdu/applications/{id}/decision", Officer(), new { decision = "approve", conditions = "Results only through the output check.", validUntil });
        Assert.True(decided.Status == HttpStatusCode.OK, decided.Text);
        var permit = (string)decided.Body!["permit"]!;
        await _server.Services.GetRequiredService<PreparationQueue>().WhenPreparedAsync(permit).WaitAsync(TimeSpan.FromMinutes(2));
        var read = await CallAsync(HttpMethod.Get, $"/sdu/permits/{permit}", Applicant());
        Assert.True((string?)read.Body!["preparation"] == "ready", read.Text);
        return permit;
    }

    private async Task<string> CredentialsAsync(string permit)
    {
        var credentials = await CallAsync(HttpMethod.Post, $"/sdu/permits/{permit}/credentials", Applicant());
        Assert.True(credentials.Status == HttpStatusCode.OK, credentials.Text);
        return (string)credentials.Body!["connectionString"]!;
    }

    /// <summary>The workspace as the permit holder reaches it with ordinary tools: Npgsql with the role's login, or the SQLite file.</summary>
    private DbConnection Workspace(string connectionString) => backend == "postgres"
        ? new NpgsqlConnection(connectionString)
        : new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = connectionString.StartsWith("Data Source=", StringComparison.Ordinal) ? new SqliteConnectionStringBuilder(connectionString).DataSource : connectionString, Mode = SqliteOpenMode.ReadWrite, Pooling = false }.ToString());

    private async Task<List<string>> ColumnAsync(string connectionString, string sql)
    {
        await using var connection = Workspace(connectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync();
        var values = new List<string>();
        while (await reader.ReadAsync())
            values.Add(reader.IsDBNull(0) ? "" : Convert.ToString(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture)!);
        return values;
    }

    private async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = Workspace(connectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    private async Task OptOutAsync(PersonalIdentityNumber patient)
    {
        var consent = $$$"""
            {"resourceType":"Consent","status":"active",
             "scope":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/consentscope","code":"research"}]},
             "category":[{"coding":[{"system":"urn:openndi:consent-kind","code":"optout-secondary"}]}],
             "patient":{"identifier":{"system":"urn:oid:1.2.752.129.2.1.3.1","value":"{{{patient.Value}}}"}},
             "provision":{"type":"deny"}}
            """;
        using var response = await _server.SendAsync(HttpMethod.Post, "/fhir/Consent", _issuer.PersonToken("patient/Consent.cruds", patient), consent);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
    }

    /// <summary>A person with diagnoses at the provider (the n-th, in identifier order).</summary>
    private PersonalIdentityNumber PatientWithDiagnoses(int n) => PersonalIdentityNumber.Parse(_conditions.Keys.Order(StringComparer.Ordinal).ElementAt(n));

    // --- Catalogue -------------------------------------------------------------------------------------------------

    [Fact]
    public async Task TheCatalogue_CountsItsFiguresFromTheData_AndNeverCountsAnObjector()
    {
        var entry = await DatasetJsonAsync(_diagnoses);
        Assert.Equal(_conditions.Values.Sum(), Number(entry, "healthdcatap:numberOfRecords"));
        Assert.Equal(_conditions.Count, Number(entry, "healthdcatap:numberOfUniqueIndividuals"));

        var objector = PatientWithDiagnoses(0);
        await OptOutAsync(objector);
        var reviewed = await CallAsync(HttpMethod.Post, $"/sdu/catalog/datasets/{Uri.EscapeDataString(_diagnoses)}/review", Officer());
        Assert.True(reviewed.Status == HttpStatusCode.OK, reviewed.Text);
        entry = await DatasetJsonAsync(_diagnoses);
        Assert.Equal(_conditions.Values.Sum() - _conditions[objector.Value], Number(entry, "healthdcatap:numberOfRecords"));
        Assert.Equal(_conditions.Count - 1, Number(entry, "healthdcatap:numberOfUniqueIndividuals"));
    }

    [Fact]
    public async Task OnlyTheHoldersSystemOrAnOfficer_ChecksADescription()
    {
        var otherHolder = _issuer.Token("system/DatasetDescription.u", claims: new Dictionary<string, object> { ["ndi_actor"] = "system", ["client_id"] = "other-ehr", ["subject_organization_id"] = "SE2321000032-0000" });
        var refused = await CallAsync(HttpMethod.Post, $"/sdu/catalog/datasets/{Uri.EscapeDataString(_diagnoses)}/review", otherHolder);
        Assert.Equal(HttpStatusCode.Forbidden, refused.Status);
        Assert.Equal("OperationOutcome", (string?)refused.Body!["resourceType"]);
        var applicant = await CallAsync(HttpMethod.Post, $"/sdu/catalog/datasets/{Uri.EscapeDataString(_diagnoses)}/review", Applicant());
        Assert.Equal(HttpStatusCode.Forbidden, applicant.Status);
    }

    private async Task<JsonObject> DatasetJsonAsync(string id)
    {
        using var response = await _server.CreateClient().GetAsync($"/sdu/catalog/datasets/{Uri.EscapeDataString(id)}");
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return JsonNode.Parse(text)!.AsObject();
    }

    /// <summary>A typed literal's number, whether written plain or as {"@value": …}.</summary>
    private static long Number(JsonObject node, string property) => node[property] switch
    {
        JsonObject literal => long.Parse((string)literal["@value"]!, System.Globalization.CultureInfo.InvariantCulture),
        JsonValue value when value.TryGetValue<long>(out var number) => number,
        JsonValue value => long.Parse(value.ToString(), System.Globalization.CultureInfo.InvariantCulture),
        _ => throw new InvalidOperationException($"{property} is missing"),
    };

    // --- The chain -------------------------------------------------------------------------------------------------

    [Fact]
    public async Task AnObjector_IsInNoExtract_NoCountAndNoOutput_AndSeesNoPermit()
    {
        var objector = PatientWithDiagnoses(1);
        var included = PatientWithDiagnoses(2);
        await OptOutAsync(objector);
        var permit = await ApprovedPermitAsync();
        var workspace = await CredentialsAsync(permit);

        var pseudonyms = _server.Services.GetRequiredService<PermitKeys>().For(permit);
        var subjects = await ColumnAsync(workspace, "SELECT subject FROM persons");
        var eventSubjects = (await ColumnAsync(workspace, "SELECT DISTINCT subject FROM events")).ToHashSet();
        Assert.DoesNotContain(pseudonyms.Pseudonym(objector.Value), subjects);
        Assert.DoesNotContain(pseudonyms.Pseudonym(objector.Value), eventSubjects);
        Assert.Contains(pseudonyms.Pseudonym(included.Value), subjects);
        // Everyone with diagnoses but the objector; their events, all of them.
        Assert.Equal(_conditions.Count - 1, subjects.Count);
        Assert.Equal(_conditions.Values.Sum() - _conditions[objector.Value], long.Parse((await ColumnAsync(workspace, "SELECT count(*) FROM events"))[0], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(_conditions.Count - 1, await _server.Services.GetRequiredService<SecondaryUseStore>().CountPersonsAsync(permit, CancellationToken.None));

        // The preparation report counts no objector either.
        var read = await CallAsync(HttpMethod.Get, $"/sdu/permits/{permit}", Applicant());
        Assert.Equal(_conditions.Count - 1, (long)read.Body!["preparationReport"]!["persons"]!);

        // An output counts no objector: all persons by sex add up to the extract's persons.
        await ExecuteAsync(workspace, "CREATE TABLE by_sex AS SELECT sex, count(*) AS n FROM persons GROUP BY sex");
        var output = await CallAsync(HttpMethod.Post, $"/sdu/permits/{permit}/outputs", Applicant(), new { table = "by_sex", description = "persons by sex" });
        Assert.True(output.Status == HttpStatusCode.Created, output.Text);
        var released = await CallAsync(HttpMethod.Post, $"/sdu/outputs/{(string)output.Body!["id"]!}/decision", Officer(), new { decision = "release" });
        Assert.True(released.Status == HttpStatusCode.OK, released.Text);
        Assert.Equal(_conditions.Count - 1, released.Body!["rows"]!.AsArray().Sum(r => long.Parse((string)r![1]!, System.Globalization.CultureInfo.InvariantCulture)));

        // Transparency: the included patient sees the permit, the objector sees none.
        var seen = await CallAsync(HttpMethod.Get, $"/sdu/transparency?patient={included.Value}", _issuer.PersonToken("patient/DataPermit.rs", included));
        Assert.True(seen.Status == HttpStatusCode.OK, seen.Text);
        Assert.Contains(seen.Body!.AsArray(), p => (string?)p!["permit"] == permit);
        var notSeen = await CallAsync(HttpMethod.Get, $"/sdu/transparency?patient={objector.Value}", _issuer.PersonToken("patient/DataPermit.rs", objector));
        Assert.Empty(notSeen.Body!.AsArray());
    }

    [Fact]
    public async Task Pseudonyms_DifferBetweenPermits_AndStayTheSame_WithinOne()
    {
        var first = await ApprovedPermitAsync(title: "Första");
        var second = await ApprovedPermitAsync(title: "Andra");
        var firstSubjects = (await ColumnAsync(await CredentialsAsync(first), "SELECT subject FROM persons")).ToHashSet();
        var secondSubjects = (await ColumnAsync(await CredentialsAsync(second), "SELECT subject FROM persons")).ToHashSet();
        Assert.Equal(firstSubjects.Count, secondSubjects.Count);
        Assert.Empty(firstSubjects.Intersect(secondSubjects));

        // Prepared again, the first permit's extract has the same pseudonyms.
        var queue = _server.Services.GetRequiredService<PreparationQueue>();
        queue.Enqueue(first);
        await queue.WhenPreparedAsync(first).WaitAsync(TimeSpan.FromMinutes(2));
        Assert.Equal(firstSubjects, (await ColumnAsync(await CredentialsAsync(first), "SELECT subject FROM persons")).ToHashSet());
    }

    [Fact]
    public async Task AnOutputWithACellBelowTheThreshold_DoesNotPass_AndIsNeverReleased()
    {
        var permit = await ApprovedPermitAsync();
        var workspace = await CredentialsAsync(permit);
        await ExecuteAsync(workspace, "CREATE TABLE tiny (region text, n integer)");
        await ExecuteAsync(workspace, "INSERT INTO tiny (region, n) VALUES ('01', 12), ('03', 2)");

        var submitted = await CallAsync(HttpMethod.Post, $"/sdu/permits/{permit}/outputs", Applicant(), new { table = "tiny", description = "by region" });
        Assert.True(submitted.Status == HttpStatusCode.Created, submitted.Text);
        Assert.Equal("failed-automatic-check", (string?)submitted.Body!["state"]);
        Assert.Contains(submitted.Body["checkProblems"]!.AsArray(), p => ((string)p!).Contains("2 is below 5", StringComparison.Ordinal));
        var id = (string)submitted.Body["id"]!;

        var release = await CallAsync(HttpMethod.Post, $"/sdu/outputs/{id}/decision", Officer(), new { decision = "release" });
        Assert.Equal(HttpStatusCode.Conflict, release.Status);
        var download = await CallAsync(HttpMethod.Get, $"/sdu/outputs/{id}/csv", Applicant());
        Assert.Equal(HttpStatusCode.Conflict, download.Status);
        // A view (whose code would run with the platform's rights when read) is not checked at all.
        await ExecuteAsync(workspace, "CREATE VIEW tiny_view AS SELECT region, n FROM tiny");
        var view = await CallAsync(HttpMethod.Post, $"/sdu/permits/{permit}/outputs", Applicant(), new { table = "tiny_view" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, view.Status);
        Assert.Equal("OperationOutcome", (string?)view.Body!["resourceType"]);
        // The holder does not get the rows back through the API either.
        var read = await CallAsync(HttpMethod.Get, $"/sdu/outputs/{id}", Applicant());
        Assert.Empty(read.Body!["rows"]!.AsArray());
    }

    [Fact]
    public async Task AnExpiredPermit_ReleasesNothing_AndItsWorkspaceLoginNoLongerWorks()
    {
        var permit = await ApprovedPermitAsync();
        var workspace = await CredentialsAsync(permit);
        Assert.NotEmpty(await ColumnAsync(workspace, "SELECT subject FROM persons"));
        await ExecuteAsync(workspace, "CREATE TABLE fine AS SELECT sex, count(*) AS n FROM persons GROUP BY sex");
        var pending = await CallAsync(HttpMethod.Post, $"/sdu/permits/{permit}/outputs", Applicant(), new { table = "fine" });
        Assert.Equal("awaiting-review", (string?)pending.Body!["state"]);

        // The permit's end passes on the server's clock: stored as it would be by then, and the expiry job runs.
        var store = _server.Services.GetRequiredService<SecondaryUseStore>();
        var stored = (await store.PermitAsync(permit, CancellationToken.None))!;
        Assert.True(await store.UpdatePermitAsync(stored with { ValidUntil = _server.Services.GetRequiredService<TimeProvider>().GetUtcNow().AddMinutes(-1) }, stored.State, CancellationToken.None));
        Assert.Equal(1, await _server.Services.GetRequiredService<PermitExpiry>().ExpireDueAsync(CancellationToken.None));

        await Assert.ThrowsAnyAsync<DbException>(() => ColumnAsync(workspace, "SELECT subject FROM persons"));
        Assert.Equal(HttpStatusCode.Conflict, (await CallAsync(HttpMethod.Post, $"/sdu/permits/{permit}/credentials", Applicant())).Status);
        Assert.Equal(HttpStatusCode.Conflict, (await CallAsync(HttpMethod.Post, $"/sdu/permits/{permit}/outputs", Applicant(), new { table = "fine" })).Status);
        Assert.Equal(HttpStatusCode.Conflict, (await CallAsync(HttpMethod.Post, $"/sdu/outputs/{(string)pending.Body["id"]!}/decision", Officer(), new { decision = "release" })).Status);
        Assert.Equal("expired", (string?)(await CallAsync(HttpMethod.Get, $"/sdu/permits/{permit}", Applicant())).Body!["state"]);
    }

    [Fact]
    public async Task ARefusedApplication_GetsNoPermit_AndCannotBeDecidedAgain()
    {
        var submitted = await CallAsync(HttpMethod.Post, "/sdu/applications", Applicant(), ApplicationBody(title: "Refused"));
        var id = (string)submitted.Body!["id"]!;
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await CallAsync(HttpMethod.Post, $"/sdu/applications/{id}/decision", Officer(), new { decision = "refuse" })).Status);
        var refused = await CallAsync(HttpMethod.Post, $"/sdu/applications/{id}/decision", Officer(), new { decision = "refuse", note = "The purpose does not need identifiable data." });
        Assert.Equal("refused", (string?)refused.Body!["state"]);
        Assert.Null(refused.Body["permit"]);
        Assert.Equal(HttpStatusCode.Conflict, (await CallAsync(HttpMethod.Post, $"/sdu/applications/{id}/decision", Officer(), new { decision = "approve" })).Status);
        var permits = await CallAsync(HttpMethod.Get, "/sdu/permits", Applicant());
        Assert.DoesNotContain(permits.Body!.AsArray(), p => (string?)p!["application"] == id);
    }

    [Fact]
    public async Task AnIncompleteApplication_SaysWhatIsMissing_AndIsReviewedOnceRevised()
    {
        var body = JsonSerializer.SerializeToNode(ApplicationBody())!.AsObject();
        body["datasets"] = new JsonArray("no-such/dataset");
        var submitted = await CallAsync(HttpMethod.Post, "/sdu/applications", Applicant(), body);
        Assert.Equal("incomplete", (string?)submitted.Body!["state"]);
        Assert.Contains("no-such/dataset", (string?)submitted.Body["history"]!.AsArray()[^1]!["note"]);
        var id = (string)submitted.Body["id"]!;
        Assert.Equal(HttpStatusCode.Conflict, (await CallAsync(HttpMethod.Post, $"/sdu/applications/{id}/decision", Officer(), new { decision = "approve" })).Status);
        var revised = await CallAsync(HttpMethod.Put, $"/sdu/applications/{id}", Applicant(), ApplicationBody());
        Assert.True(revised.Status == HttpStatusCode.OK, revised.Text);
        Assert.Equal("in-review", (string?)revised.Body!["state"]);
    }

    // --- Denials ---------------------------------------------------------------------------------------------------

    [Fact]
    public async Task AnotherApplicant_LearnsNothingOfAnApplication()
    {
        var submitted = await CallAsync(HttpMethod.Post, "/sdu/applications", Applicant(), ApplicationBody(title: "Mine"));
        var id = (string)submitted.Body!["id"]!;
        var other = Applicant(OtherResearcher);
        var read = await CallAsync(HttpMethod.Get, $"/sdu/applications/{id}", other);
        Assert.Equal(HttpStatusCode.NotFound, read.Status);
        Assert.Equal(HttpStatusCode.NotFound, (await CallAsync(HttpMethod.Put, $"/sdu/applications/{id}", other, ApplicationBody())).Status);
        Assert.DoesNotContain((await CallAsync(HttpMethod.Get, "/sdu/applications", other)).Body!.AsArray(), a => (string?)a!["id"] == id);
    }

    [Fact]
    public async Task OnlyAnOfficerDecides_AndOnlyTheHolderUsesThePermit()
    {
        var submitted = await CallAsync(HttpMethod.Post, "/sdu/applications", Applicant(), ApplicationBody(title: "Roles"));
        var id = (string)submitted.Body!["id"]!;
        var selfApproval = await CallAsync(HttpMethod.Post, $"/sdu/applications/{id}/decision", Applicant(), new { decision = "approve" });
        Assert.Equal(HttpStatusCode.Forbidden, selfApproval.Status);
        Assert.Equal("OperationOutcome", (string?)selfApproval.Body!["resourceType"]);
        var permit = (string)(await CallAsync(HttpMethod.Post, $"/sdu/applications/{id}/decision", Officer(), new { decision = "approve" })).Body!["permit"]!;
        await _server.Services.GetRequiredService<PreparationQueue>().WhenPreparedAsync(permit).WaitAsync(TimeSpan.FromMinutes(2));
        Assert.Equal(HttpStatusCode.Forbidden, (await CallAsync(HttpMethod.Post, $"/sdu/permits/{permit}/credentials", Officer())).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await CallAsync(HttpMethod.Post, $"/sdu/permits/{permit}/credentials", Applicant(OtherResearcher))).Status);
    }

    [Fact]
    public async Task OtherActors_AndWeakLogins_AreRefused_BeforeAnythingIsRead()
    {
        var patient = PatientWithDiagnoses(3);
        Assert.Equal(HttpStatusCode.Forbidden, (await CallAsync(HttpMethod.Get, "/sdu/applications", _issuer.PersonToken("patient/*.rs", patient))).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await CallAsync(HttpMethod.Post, "/sdu/applications", Applicant(acr: null), ApplicationBody())).Status);
        var clinician = _issuer.Token("user/*.cruds", claims: IndexApiTests.ClinicianClaims);
        Assert.Equal(HttpStatusCode.Forbidden, (await CallAsync(HttpMethod.Post, "/sdu/applications", clinician, ApplicationBody())).Status);
        // A patient asking about another patient learns nothing, not even that there is nothing.
        var other = PatientWithDiagnoses(4);
        var probe = await CallAsync(HttpMethod.Get, $"/sdu/transparency?patient={other.Value}", _issuer.PersonToken("patient/DataPermit.rs", patient));
        Assert.Equal(HttpStatusCode.NotFound, probe.Status);
    }

    [Fact]
    public async Task BadInput_GetsA4xxOperationOutcome_AndChangesNothing()
    {
        var before = (await CallAsync(HttpMethod.Get, "/sdu/applications", Applicant(OtherResearcher))).Body!.AsArray().Count;
        using (var response = await _server.SendAsync(HttpMethod.Post, "/sdu/applications", Applicant(OtherResearcher), "{not json", "application/json"))
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains("OperationOutcome", await response.Content.ReadAsStringAsync());
        }
        var noPeriod = JsonSerializer.SerializeToNode(ApplicationBody())!.AsObject();
        noPeriod.Remove("periodFrom");
        var invalid = await CallAsync(HttpMethod.Post, "/sdu/applications", Applicant(OtherResearcher), noPeriod);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, invalid.Status);
        Assert.Equal("OperationOutcome", (string?)invalid.Body!["resourceType"]);
        var badTable = await CallAsync(HttpMethod.Post, "/sdu/permits/pnone/outputs", Applicant(), new { table = "x; drop table persons" });
        Assert.Equal(HttpStatusCode.NotFound, badTable.Status);
        Assert.Equal(before, (await CallAsync(HttpMethod.Get, "/sdu/applications", Applicant(OtherResearcher))).Body!.AsArray().Count);
    }
}

public sealed class SecondaryUseApiSqliteTests() : SecondaryUseApiTests("sqlite");

public sealed class SecondaryUseApiPostgresTests() : SecondaryUseApiTests("postgres");
