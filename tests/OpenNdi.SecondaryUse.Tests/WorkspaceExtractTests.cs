using OpenNdi.SecondaryUse.Workspaces;

namespace OpenNdi.SecondaryUse.Tests;

/// <summary>What both backends' workspaces do alike: the extract written and read back, replaced whole or not at all, and the tables the output check reads.</summary>
public sealed class WorkspaceExtractTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task WriteExtract_WhenCompleted_IsWhatTheHolderReadsWithTheIssuedCredentials(string backend)
    {
        // Persons held back two at a time on PostgreSQL: the events' COPY is ended and started again around each batch.
        await using var test = await WorkspaceTestBackend.CreateAsync(backend, personBatch: 2);
        var (permit, _) = await test.OpenAsync();

        await using (var writer = await test.Workspaces.WriteExtractAsync(permit, None))
        {
            for (var i = 1; i <= 5; i++)
            {
                await writer.WritePersonAsync(new ExtractPerson($"S{i}", "1950-1959", i % 2 == 0 ? "female" : "male", i == 3 ? null : "0180"), None);
                await writer.WriteEventAsync(new ExtractEvent($"S{i}", "diagnoses", "I21.9", "2025-03", "SE2321000016-1"), None);
                await writer.WriteEventAsync(new ExtractEvent($"S{i}", "prescriptions", null, null, null), None);
            }
            await writer.CompleteAsync(None);
        }

        var credentials = await test.Workspaces.IssueCredentialsAsync(permit, None);
        await using var holder = await WorkspaceTestBackend.ConnectAsHolderAsync(credentials.ConnectionString, backend);
        var persons = await WorkspaceTestBackend.QueryAsync(holder, "SELECT subject, birth, sex, place FROM persons ORDER BY subject");
        Assert.Equal(["S1", "S2", "S3", "S4", "S5"], persons.Select(p => p[0]));
        Assert.Equal(["S3", "1950-1959", "male", null], persons[2]);
        var events = await WorkspaceTestBackend.QueryAsync(holder, "SELECT subject, dataset, code, date, holder FROM events ORDER BY subject, dataset");
        Assert.Equal(10, events.Count);
        Assert.Equal(["S1", "diagnoses", "I21.9", "2025-03", "SE2321000016-1"], events[0]);
        Assert.Equal(["S1", "prescriptions", null, null, null], events[1]);
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task RemoveSubjects_DropsTheirEventsOnly_AndWritingGoesOnAfterwards(string backend)
    {
        await using var test = await WorkspaceTestBackend.CreateAsync(backend);
        var (permit, _) = await test.OpenAsync();

        await using (var writer = await test.Workspaces.WriteExtractAsync(permit, None))
        {
            foreach (var subject in new[] { "A", "B", "C", "B" })
                await writer.WriteEventAsync(new ExtractEvent(subject, "diagnoses", "E11", "2024", null), None);
            await writer.RemoveSubjectsAsync(["B", "nobody"], None);
            await writer.WriteEventAsync(new ExtractEvent("C", "prescriptions", "A10BA02", "2024", null), None);
            await writer.WritePersonAsync(new ExtractPerson("A", null, null, null), None);
            await writer.WritePersonAsync(new ExtractPerson("C", null, null, null), None);
            await writer.CompleteAsync(None);
        }

        var events = await test.Workspaces.ReadTableAsync(permit, "events", 100, None);
        Assert.NotNull(events);
        Assert.Equal(["A", "C", "C"], events.Rows.Select(r => r[0]).Order());
        Assert.Equal(2, (await test.Workspaces.ReadTableAsync(permit, "persons", 100, None))!.Rows.Count);
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task WriteExtract_WhenDisposedWithoutComplete_LeavesTheWorkspaceAsItWas(string backend)
    {
        await using var test = await WorkspaceTestBackend.CreateAsync(backend);
        var (permit, _) = await test.OpenAsync();

        await using (var abandoned = await test.Workspaces.WriteExtractAsync(permit, None))
        {
            await abandoned.WriteEventAsync(new ExtractEvent("X", "diagnoses", null, null, null), None);
            await abandoned.WritePersonAsync(new ExtractPerson("X", null, null, null), None);
        }
        Assert.Null(await test.Workspaces.ReadTableAsync(permit, "persons", 10, None));
        Assert.Null(await test.Workspaces.ReadTableAsync(permit, "events", 10, None));

        await using (var first = await test.Workspaces.WriteExtractAsync(permit, None))
        {
            await first.WritePersonAsync(new ExtractPerson("first", null, null, null), None);
            await first.CompleteAsync(None);
        }
        // Abandoned mid-COPY on PostgreSQL: the COPY is cancelled and the old tables come back.
        await using (var abandoned = await test.Workspaces.WriteExtractAsync(permit, None))
        {
            await abandoned.WriteEventAsync(new ExtractEvent("second", "diagnoses", null, null, null), None);
            await abandoned.WritePersonAsync(new ExtractPerson("second", null, null, null), None);
        }

        var persons = await test.Workspaces.ReadTableAsync(permit, "persons", 10, None);
        Assert.Equal(["first"], persons!.Rows.Select(r => r[0]));
        Assert.Empty((await test.Workspaces.ReadTableAsync(permit, "events", 10, None))!.Rows);
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task ReadTable_RefusesBadNames_AndAnswersNullForATableThatIsNotThere(string backend)
    {
        await using var test = await WorkspaceTestBackend.CreateAsync(backend);
        var (permit, _) = await test.OpenAsync();

        foreach (var bad in new[] { "", "Results", "1st", "a-b", "a;drop table persons", "\"persons\"", "persons ", new string('a', 64), "résultat" })
            await Assert.ThrowsAsync<ArgumentException>(() => test.Workspaces.ReadTableAsync(permit, bad, 10, None));
        Assert.Null(await test.Workspaces.ReadTableAsync(permit, "results", 10, None));
        Assert.Null(await test.Workspaces.ReadTableAsync(permit, new string('a', 63), 10, None));
        // No workspace at all reads as no table, not as an error the output check must tell apart.
        Assert.Null(await test.Workspaces.ReadTableAsync(WorkspaceTestBackend.NewPermit(), "results", 10, None));
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task ReadTable_ReadsATableTheHolderMade_UpToMaxRows_AndRefusesAView(string backend)
    {
        await using var test = await WorkspaceTestBackend.CreateAsync(backend);
        var (permit, _) = await test.OpenAsync();
        var credentials = await test.Workspaces.IssueCredentialsAsync(permit, None);
        await using (var holder = await WorkspaceTestBackend.ConnectAsHolderAsync(credentials.ConnectionString, backend))
        {
            // Unqualified: on PostgreSQL the role's search_path is its own schema.
            await WorkspaceTestBackend.ExecuteAsync(holder, """
                CREATE TABLE results (region text, n integer, share numeric);
                INSERT INTO results VALUES ('01', 12, 0.5), ('03', NULL, 0.25), ('05', 7, NULL);
                CREATE VIEW results_view AS SELECT region FROM results;
                """);
        }

        var table = await test.Workspaces.ReadTableAsync(permit, "results", 2, None);

        Assert.NotNull(table);
        Assert.Equal("results", table.Name);
        Assert.Equal(["region", "n", "share"], table.Columns);
        Assert.Equal(2, table.Rows.Count);
        Assert.Contains(table.Rows, r => r[0] == "03" && r[1] is null && r[2] == "0.25");
        Assert.Equal(3, (await test.Workspaces.ReadTableAsync(permit, "results", 100, None))!.Rows.Count);
        Assert.Empty((await test.Workspaces.ReadTableAsync(permit, "results", 0, None))!.Rows);
        var refused = await Assert.ThrowsAsync<WorkspaceTableRefusedException>(() => test.Workspaces.ReadTableAsync(permit, "results_view", 10, None));
        Assert.Equal("results_view", refused.Table);
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Open_IsIdempotent_AndMovesTheEnd_AndFindAnswersWhatIsOpen(string backend)
    {
        await using var test = await WorkspaceTestBackend.CreateAsync(backend);
        var (permit, opened) = await test.OpenAsync(TimeSpan.FromDays(1));
        Assert.Equal(backend == "sqlite" ? "sqlite" : "postgresql", opened.Kind);

        var later = test.Time.GetUtcNow().AddDays(30);
        var again = await test.Workspaces.OpenAsync(permit, later, None);
        var found = await test.Workspaces.FindAsync(permit, None);

        Assert.NotNull(found);
        Assert.Equal(again, found with { ValidUntil = again.ValidUntil });
        // PostgreSQL keeps microseconds.
        Assert.InRange(found.ValidUntil - later, TimeSpan.FromMilliseconds(-1), TimeSpan.FromMilliseconds(1));
        Assert.Null(await test.Workspaces.FindAsync(WorkspaceTestBackend.NewPermit(), None));
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task IssueCredentials_AfterTheEnd_IsRefused(string backend)
    {
        await using var test = await WorkspaceTestBackend.CreateAsync(backend);
        var (permit, _) = await test.OpenAsync(TimeSpan.FromHours(1));
        await test.Workspaces.IssueCredentialsAsync(permit, None);

        test.Time.Advance(TimeSpan.FromHours(1));

        await Assert.ThrowsAsync<InvalidOperationException>(() => test.Workspaces.IssueCredentialsAsync(permit, None));
        await Assert.ThrowsAsync<InvalidOperationException>(() => test.Workspaces.IssueCredentialsAsync(WorkspaceTestBackend.NewPermit(), None));
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Close_RemovesTheWorkspace_AndTwiceIsNoError(string backend)
    {
        await using var test = await WorkspaceTestBackend.CreateAsync(backend);
        var (permit, _) = await test.OpenAsync();
        await using (var writer = await test.Workspaces.WriteExtractAsync(permit, None))
        {
            await writer.WritePersonAsync(new ExtractPerson("A", null, null, null), None);
            await writer.CompleteAsync(None);
        }

        await test.Workspaces.CloseAsync(permit, None);
        await test.Workspaces.CloseAsync(permit, None);

        Assert.Null(await test.Workspaces.FindAsync(permit, None));
        Assert.Null(await test.Workspaces.ReadTableAsync(permit, "persons", 10, None));
        await Assert.ThrowsAsync<InvalidOperationException>(() => test.Workspaces.WriteExtractAsync(permit, None));
        await Assert.ThrowsAsync<InvalidOperationException>(() => test.Workspaces.IssueCredentialsAsync(permit, None));
    }
}
