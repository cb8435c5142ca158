using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using OpenNdi.Core.Policy;
using Microsoft.Playwright;
using OpenNdi.SecondaryUse.Catalog;
using OpenNdi.Server.Identity.AuthorizationServer;
using static OpenNdi.Server.Tests.PortalPages;

namespace OpenNdi.Server.Tests;

/// <summary>
/// Secondary use of health data in a real browser (Debian's Chromium; issue 18), as the people involved do it: a
/// researcher finds datasets in the public catalogue, applies, is told what is missing and completes the application;
/// a case officer of the health data access body approves it; the researcher watches the extract become ready, gets a
/// login to the workspace and works there with ordinary database tools (here Microsoft.Data.Sqlite on the file the
/// page names); a table with a small cell is stopped by the automatic check, an aggregate passes, the officer releases
/// it, and the researcher reads exactly the counts the workspace holds. Finally a person whose data were in the extract
/// finds the permit in the patients' service. Screenshots go to <c>openndi-web</c> in the temporary folder; every page
/// state is checked with axe-core.
/// </summary>
public sealed class SecondaryUseBrowserTests : IAsyncLifetime
{
    private const string Register = OpenNdi.Server.SecondaryUse.RegisterHolder.DatasetId;
    private readonly string _workspaces = Path.Combine(Path.GetTempPath(), "openndi-test-sdu", Guid.NewGuid().ToString("N"));
    private NdiServer _server = null!;
    private HeadlessChromium _chromium = null!;

    private static BrowserNewContextOptions Window => new() { ViewportSize = new ViewportSize { Width = 1100, Height = 1000 }, AcceptDownloads = true };

    private static PageWaitForSelectorOptions Within(int seconds) => new() { Timeout = seconds * 1000 };

    public async ValueTask InitializeAsync()
    {
        _server = await NdiServer.StartListeningAsync("sqlite", new Dictionary<string, string> { ["SecondaryUse:WorkspaceFolder"] = _workspaces });
        // The catalogue is published in the background once the host has started; published here too, so that the
        // first page sees the whole catalogue without waiting for that round.
        await _server.Services.GetRequiredService<DatasetCatalog>().PublishNewAsync(CancellationToken.None);
        _chromium = await HeadlessChromium.LaunchAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _chromium.DisposeAsync();
        await _server.DisposeAsync();
        if (Directory.Exists(_workspaces))
            Directory.Delete(_workspaces, recursive: true);
    }

    [Fact]
    public async Task Researcher_AppliesAndIsApproved_WorksInTheWorkspace_AndOnlyACheckedReleasedTableLeaves_WithTheWorkspacesCounts()
    {
        // ---- The catalogue, public: no login ----
        await using var researcherContext = await _chromium.Browser.NewContextAsync(Window);
        var research = await researcherContext.NewPageAsync();
        await research.GotoAsync($"{_server.Origin}/portal/research");
        await research.WaitForSelectorAsync($"input.choose[value='{Register}']", Within(15));
        Assert.Equal("sv", await research.GetAttributeAsync("html", "lang"));
        Assert.Contains("Nationell datamängdskatalog", await research.TextContentAsync("#catalog-heading"));
        // Of the providers' diagnoses the page lists, the one with the most persons among whom is someone who can log in
        // to the patients' service (to see the permit there at the end).
        var listed = await research.Locator("li.dataset").EvaluateAllAsync<string[]>("items => items.map(li => li.dataset.dataset)");
        var (diagnoses, patientUser) = await DiagnosesWithADemoPatientAsync(listed.Where(id => id.EndsWith(".diagnoses", StringComparison.Ordinal)));
        var register = research.Locator($"li.dataset[data-dataset='{Register}']");
        Assert.Contains("Skatteverket", await register.TextContentAsync());
        Assert.True(Number(await register.Locator("dd").First.TextContentAsync()) > 0, "the register's number of records is shown, computed from the data");
        // A theme narrows the list to that theme.
        await research.SelectOptionAsync("#catalog-theme", "diagnoses");
        await research.ClickAsync("#catalog-find");
        await research.WaitForSelectorAsync($"input.choose[value='{Register}']", new PageWaitForSelectorOptions { State = WaitForSelectorState.Detached, Timeout = 15_000 });
        Assert.All(await research.Locator("input.choose").EvaluateAllAsync<string[]>("boxes => boxes.map(b => b.value)"), id => Assert.EndsWith(".diagnoses", id));
        await research.CheckAsync($"input.choose[value='{diagnoses}']");
        await research.SelectOptionAsync("#catalog-theme", "");
        await research.ClickAsync("#catalog-find");
        await research.WaitForSelectorAsync($"input.choose[value='{Register}']", Within(15));
        await research.CheckAsync($"input.choose[value='{Register}']");
        await AssertAccessibleAsync(research, "the catalogue, Swedish");
        await research.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshot("sdu-catalogue-sv.png") });

        // ---- The application: the datasets chosen survive the login ----
        await LogInAsync(research, "applicant-1", "#app:visible");
        Assert.Contains("Maria Forsberg", await research.TextContentAsync("#who"));
        Assert.Equal(2, await research.Locator("#chosen li[data-dataset]").CountAsync());
        await research.FillAsync("#app-title", "Diagnoser efter kön i befolkningen");
        await research.SelectOptionAsync("#app-purpose", "scientific-research");
        await research.FillAsync("#app-description", "Kort.");
        await research.FillAsync("#app-from", "1900-01-01");
        await research.CheckAsync("input[name='form'][value='pseudonymised']");
        await research.ClickAsync("#apply-submit");
        // The automatic check says what is missing; the applicant completes the application and sends it again.
        var row = research.Locator("#application-list tr[data-application]");
        await research.WaitForSelectorAsync("#application-list tr[data-state='incomplete']", Within(15));
        Assert.Contains("40", await row.Locator("td.note").TextContentAsync());
        Assert.Contains("Ofullständig", await row.Locator("td.state").TextContentAsync());
        var application = await row.GetAttributeAsync("data-application");
        await research.ClickAsync("#application-list button.revise");
        Assert.Equal("Diagnoser efter kön i befolkningen", await research.InputValueAsync("#app-title"));
        Assert.Equal(2, await research.Locator("#chosen li[data-dataset]").CountAsync());
        await research.FillAsync("#app-description", "En kohortstudie av hur diagnoser fördelar sig efter kön och ålder i befolkningen, för att planera vården.");
        await research.ClickAsync("#apply-submit");
        await research.WaitForSelectorAsync($"#application-list tr[data-application='{application}'][data-state='in-review']", Within(15));
        Assert.Contains("Granskas", await research.TextContentAsync($"#application-list tr[data-application='{application}'] td.state"));
        await AssertAccessibleAsync(research, "the application and its queue");
        await research.Locator("#applications").ScreenshotAsync(new LocatorScreenshotOptions { Path = Screenshot("sdu-applications-sv.png") });

        // ---- The officer approves ----
        await using var officerContext = await _chromium.Browser.NewContextAsync(Window);
        var officer = await officerContext.NewPageAsync();
        await officer.GotoAsync($"{_server.Origin}/portal/hdab");
        await LogInAsync(officer, "officer-1", "#app:visible");
        await officer.WaitForSelectorAsync($"#application-queue tr[data-application='{application}'][data-state='in-review']", Within(15));
        await officer.ClickAsync($"#application-queue tr[data-application='{application}'] button.open-case");
        await officer.WaitForSelectorAsync("#case:not([hidden]) #decision:not([hidden])");
        Assert.Contains("Maria Forsberg", await officer.TextContentAsync("#case-facts"));
        Assert.Contains(diagnoses, await officer.TextContentAsync("#case-facts"));
        await officer.FillAsync("#decision-conditions", "Resultat endast genom utdatakontrollen.");
        await AssertAccessibleAsync(officer, "the officer's queue and case");
        await officer.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshot("sdu-officer-case-sv.png"), FullPage = true });
        // By keyboard: Enter in a field decides nothing; Enter on the button approves.
        await officer.FocusAsync("#decision-until");
        await officer.Keyboard.PressAsync("Enter");
        Assert.Equal("", await officer.TextContentAsync("#decision-message"));
        await officer.Keyboard.PressAsync("Shift+Tab");
        Assert.Equal("decision-conditions", await officer.EvaluateAsync<string>("() => document.activeElement.id"));
        await officer.FocusAsync("#decide-approve");
        await officer.Keyboard.PressAsync("Enter");
        await officer.WaitForSelectorAsync("#permit-table tr[data-permit]", Within(15));
        var permit = (await officer.GetAttributeAsync("#permit-table tr[data-permit]", "data-permit"))!;
        Assert.Contains(permit, await officer.TextContentAsync("#decision-message"));

        // ---- The researcher sees the extract become ready, and gets a login to the workspace ----
        await research.ClickAsync("#permits-refresh");
        var article = $"#permit-{permit}";
        await research.WaitForSelectorAsync($"{article}[data-preparation='ready']", Within(120));
        Assert.Contains("Klart", await research.TextContentAsync($"{article} dd.preparation"));
        Assert.True(Number(await research.TextContentAsync($"{article} dd.report-persons")) > 0, "the preparation report counts the persons in the extract");
        await research.ClickAsync($"{article} button.credentials");
        await research.WaitForSelectorAsync($"{article} code.cred-connection", Within(15));
        Assert.Contains("bara nu, en gång", await research.TextContentAsync($"{article} .credentials-box"));
        var connection = (await research.TextContentAsync($"{article} code.cred-connection"))!;
        await AssertAccessibleAsync(research, "the permit with its report and login");
        await research.Locator(article).ScreenshotAsync(new LocatorScreenshotOptions { Path = Screenshot("sdu-permit-sv.png") });

        // ---- In the workspace, with ordinary database tools ----
        var workspace = new SqliteConnectionStringBuilder(connection) { Mode = SqliteOpenMode.ReadWrite, Pooling = false }.ToString();
        await ExecuteAsync(workspace, "CREATE TABLE by_sex AS SELECT sex, count(*) AS n FROM persons GROUP BY sex ORDER BY sex");
        await ExecuteAsync(workspace, "CREATE TABLE tiny AS SELECT 'two persons' AS what, count(*) AS n FROM (SELECT subject FROM persons LIMIT 2)");
        var expected = await RowsAsync(workspace, "SELECT sex, count(*) FROM persons GROUP BY sex ORDER BY sex");
        Assert.True(expected.Count >= 2 && expected.All(r => int.Parse(r[1], CultureInfo.InvariantCulture) >= 5), "every cell of the aggregate is at least 5");

        // A table with a cell of 2 is stopped by the automatic check, and says why.
        await research.FillAsync($"#out-table-{permit}", "tiny");
        await research.FillAsync($"#out-description-{permit}", "Två personer");
        await research.ClickAsync($"{article} form.output-form button[type='submit']");
        await research.WaitForSelectorAsync($"{article} table.outputs tr[data-state='failed-automatic-check']", Within(15));
        Assert.Contains("2 is below 5", await research.TextContentAsync($"{article} table.outputs tr[data-state='failed-automatic-check'] td.problems"));
        // The aggregate passes and waits for the officer.
        await research.FillAsync($"#out-table-{permit}", "by_sex");
        await research.FillAsync($"#out-description-{permit}", "Antal personer efter kön");
        await research.ClickAsync($"{article} form.output-form button[type='submit']");
        await research.WaitForSelectorAsync($"{article} table.outputs tr[data-state='awaiting-review']", Within(15));
        Assert.Equal(0, await research.Locator($"{article} button.show-output").CountAsync());

        // ---- The officer sees both tables and the check's findings, and releases the aggregate ----
        await officer.ClickAsync("#outputs-refresh");
        var waiting = officer.Locator("article.output[data-state='awaiting-review']");
        await officer.WaitForSelectorAsync("article.output[data-state='awaiting-review']", Within(15));
        Assert.Contains("by_sex", await waiting.Locator("h3").TextContentAsync());
        Assert.Equal(expected.Count, await waiting.Locator("table.result tbody tr").CountAsync());
        var failed = officer.Locator("article.output[data-state='failed-automatic-check']");
        Assert.Contains("2 is below 5", await failed.Locator("dd.check").TextContentAsync());
        Assert.Equal(0, await failed.Locator("form.output-decision").CountAsync());
        await AssertAccessibleAsync(officer, "the outputs to review");
        await officer.Locator("#outputs").ScreenshotAsync(new LocatorScreenshotOptions { Path = Screenshot("sdu-officer-outputs-sv.png") });
        await waiting.Locator("button[value='release']").ClickAsync();
        await officer.WaitForSelectorAsync("article.output[data-state='released']", Within(15));

        // ---- The researcher reads the released table: the counts the workspace holds ----
        await research.ClickAsync("#permits-refresh");
        await research.WaitForSelectorAsync($"{article} table.outputs tr[data-state='released'] button.show-output", Within(15));
        await research.ClickAsync($"{article} button.show-output");
        await research.WaitForSelectorAsync($"{article} table.released tbody tr", Within(15));
        Assert.Equal(new[] { "sex", "n" }, await research.Locator($"{article} table.released th").AllTextContentsAsync());
        var shown = await research.Locator($"{article} table.released tbody tr").EvaluateAllAsync<string[][]>("rows => rows.map(r => [...r.cells].map(c => c.textContent))");
        Assert.Equal(expected.Select(r => string.Join('|', r)), shown.Select(r => string.Join('|', r)));
        // The same as a CSV file.
        var download = await research.RunAndWaitForDownloadAsync(() => research.ClickAsync($"{article} button.csv-output"));
        Assert.Equal("by_sex.csv", download.SuggestedFilename);
        var file = Path.Combine(_workspaces, "download.csv");
        await download.SaveAsAsync(file);
        Assert.Equal(new[] { "sex,n" }.Concat(expected.Select(r => string.Join(',', r))), (await File.ReadAllLinesAsync(file)).Where(l => l.Length > 0));
        await AssertAccessibleAsync(research, "the released table");
        await research.Locator(article).ScreenshotAsync(new LocatorScreenshotOptions { Path = Screenshot("sdu-released-sv.png") });

        // ---- A person whose data were in the extract sees the permit in the patients' service ----
        await using var patientContext = await _chromium.Browser.NewContextAsync(Window);
        var patient = await patientContext.NewPageAsync();
        await patient.GotoAsync($"{_server.Origin}/portal/patient");
        await LogInAsync(patient, patientUser, "#app:visible");
        await patient.WaitForSelectorAsync($"#research-use-list tr[data-permit='{permit}']", Within(15));
        var used = await patient.TextContentAsync($"#research-use-list tr[data-permit='{permit}']");
        Assert.Contains("Diagnoser efter kön i befolkningen", used);
        Assert.Contains("Vetenskaplig forskning", used);
        Assert.Contains("Karolinska Institutet", used); // the organisation by the name its login gave, not its number
        await AssertAccessibleAsync(patient, "the patient's research and statistics section");
        await patient.Locator("#research-use").ScreenshotAsync(new LocatorScreenshotOptions { Path = Screenshot("sdu-patient-transparency-sv.png") });
    }

    [Fact]
    public async Task TheResearchPortal_SpeaksEnglishWhenChosen_AndTheAccessBodyPortalAsksForALogin()
    {
        var page = await _chromium.Browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1100, Height = 1000 } });
        await page.GotoAsync($"{_server.Origin}/portal/research");
        await page.ClickAsync("nav.language a[hreflang='en']");
        await page.WaitForSelectorAsync("html[lang='en']");
        await page.WaitForSelectorAsync($"input.choose[value='{Register}']", Within(15));
        Assert.Contains("National dataset catalogue", await page.TextContentAsync("#catalog-heading"));
        Assert.Contains("Include in the application", await page.TextContentAsync($"li.dataset[data-dataset='{Register}'] label"));
        await AssertAccessibleAsync(page, "the catalogue, English");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshot("sdu-catalogue-en.png") });

        await page.GotoAsync($"{_server.Origin}/portal/hdab");
        Assert.True(await page.IsVisibleAsync("#login"));
        Assert.False(await page.IsVisibleAsync("#app"));
        Assert.Contains("case officer", await page.TextContentAsync("#login-panel"));
        await AssertAccessibleAsync(page, "the access body portal before login");
    }

    /// <summary>
    /// The diagnoses dataset, of <paramref name="datasets"/>, with the most persons among those that hold a person of the
    /// demo login page (from the simulated provider's stored rows, not from the chain), and that person's login.
    /// </summary>
    private async Task<(string Dataset, string User)> DiagnosesWithADemoPatientAsync(IEnumerable<string> datasets)
    {
        var patients = _server.Services.GetRequiredService<ILoginUsers>().Users.Where(u => u.Subject.Actor == OpenNdi.Core.Identity.ActorKind.Patient)
            .ToDictionary(u => u.Subject.Subject, u => u.Id, StringComparer.Ordinal);
        var simulator = _server.Services.GetRequiredService<OpenNdi.Data.Simulator.ISimulatorStore>();
        (string Dataset, string User, int Persons) best = ("", "", 0);
        foreach (var dataset in datasets)
        {
            var persons = new HashSet<string>(StringComparer.Ordinal);
            await foreach (var row in simulator.StreamCodedRowsAsync(dataset[..dataset.LastIndexOf('.')], "Condition", DateOnly.MinValue, DateOnly.MaxValue))
                persons.Add(row.Identifier);
            if (persons.Count > best.Persons && patients.Keys.FirstOrDefault(persons.Contains) is { } patient)
                best = (dataset, patients[patient], persons.Count);
        }
        Assert.True(best.Persons > 0, "a provider's diagnoses include a person of the demo login page");
        return (best.Dataset, best.User);
    }

    /// <summary>A number as the page writes it (with the language's digit grouping).</summary>
    private static long Number(string? shown) => long.Parse(new string((shown ?? "").Where(char.IsAsciiDigit).ToArray()), CultureInfo.InvariantCulture);

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<List<List<string>>> RowsAsync(string connectionString, string sql)
    {
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<List<string>>();
        while (await reader.ReadAsync())
            rows.Add([.. Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i) ? "" : Convert.ToString(reader.GetValue(i), CultureInfo.InvariantCulture)!)]);
        return rows;
    }
}
