using System.Security.Cryptography;
using OpenNdi.Core.Policy;
using OpenNdi.SecondaryUse.Domain;
using OpenNdi.SecondaryUse.Outputs;
using OpenNdi.SecondaryUse.Ports;
using OpenNdi.SecondaryUse.Storage;
using OpenNdi.SecondaryUse.Workspaces;

namespace OpenNdi.SecondaryUse.Cases;

/// <summary>What an officer decides on an application in review.</summary>
public enum ApplicationDecision
{
    Approve,
    RequestChanges,
    Refuse,
}

/// <summary>What an officer decides on an output that passed the automatic check.</summary>
public enum OutputDecision
{
    Release,
    Refuse,
}

/// <summary>
/// The body's case handling, from application to released output: every request names its actor, and every decision
/// about who may do what is the access policy's (<see cref="AccessPolicy.MayApplyForData"/>,
/// <see cref="AccessPolicy.MaySeeSecondaryUseCase"/>, <see cref="AccessPolicy.ActsAsSecondaryUseApplicant"/>,
/// <see cref="AccessPolicy.MayReviewSecondaryUse"/>). Nothing here logs: the routes declare their audit, and the
/// background steps (<see cref="PreparationWorker"/>, <see cref="PermitExpiry"/>) record their own.
/// </summary>
public sealed class DataPermitService(SecondaryUseStore store, IHolderData holders, IWorkspaces workspaces, PreparationQueue preparation, SecondaryUseSettings settings, TimeProvider time)
{
    private static string NewId(char prefix) => prefix + RandomNumberGenerator.GetHexString(12, lowercase: true);

    private static string ActorId(Actor actor) => actor switch
    {
        ApplicantActor a => a.Person.Value,
        AccessBodyOfficerActor o => o.Id,
        _ => "unknown",
    };

    private DateOnly Today => DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);

    // --- Applications ----------------------------------------------------------------------------------------------

    public async Task<CaseResult<DataApplication>> SubmitAsync(Actor actor, string applicantName, ApplicationContent content, CancellationToken cancellationToken)
    {
        if (AccessPolicy.MayApplyForData(actor) is { Allowed: false, Reason: var why })
            return CaseResult<DataApplication>.Forbidden(why!);
        var applicant = (ApplicantActor)actor;
        var now = time.GetUtcNow();
        var submitted = new DataApplication(NewId('a'), applicant.Person.Value, string.IsNullOrWhiteSpace(applicantName) ? applicant.Person.Value : applicantName.Trim(),
            applicant.Organisation, content, ApplicationState.Submitted, now, now, [new ApplicationStep(now, applicant.Person.Value, ApplicationState.Submitted, null)], null,
            applicant.OrganisationName);
        var checkedApplication = await CheckAsync(submitted, cancellationToken);
        await store.AddApplicationAsync(checkedApplication, cancellationToken);
        return CaseResult<DataApplication>.Ok(checkedApplication);
    }

    /// <summary>The applicant sends a revised application (after the automatic check found gaps, or the body asked for changes); it is checked again.</summary>
    public async Task<CaseResult<DataApplication>> ReviseAsync(Actor actor, string id, ApplicationContent content, CancellationToken cancellationToken)
    {
        var found = await VisibleApplicationAsync(actor, id, cancellationToken);
        if (found.Value is not { } application)
            return found;
        if (!AccessPolicy.ActsAsSecondaryUseApplicant(actor, application.Applicant, application.Organisation))
            return CaseResult<DataApplication>.Forbidden("only the applicant revises an application");
        if (!ApplicationWorkflow.ApplicantMayRevise(application.State))
            return CaseResult<DataApplication>.Conflict($"the application is {Wire(application.State)}: it is revised only when incomplete or when the body asked for changes");
        var resubmitted = ApplicationWorkflow.Move(application, ApplicationState.Submitted, application.Applicant, time.GetUtcNow(), "revised", content);
        var checkedApplication = await CheckAsync(resubmitted, cancellationToken);
        return await store.UpdateApplicationAsync(checkedApplication, application.State, cancellationToken: cancellationToken)
            ? CaseResult<DataApplication>.Ok(checkedApplication)
            : CaseResult<DataApplication>.Conflict("the application changed meanwhile: read it again");
    }

    /// <summary>The automatic completeness check: to in-review, or to incomplete with what is missing.</summary>
    private async Task<DataApplication> CheckAsync(DataApplication submitted, CancellationToken cancellationToken)
    {
        var known = (await holders.DatasetsAsync(cancellationToken)).Select(d => d.Id).ToHashSet(StringComparer.Ordinal);
        var problems = CompletenessCheck.Problems(submitted.Content, known, Today);
        return problems.Count == 0
            ? ApplicationWorkflow.Move(submitted, ApplicationState.InReview, "completeness-check", time.GetUtcNow(), "complete")
            : ApplicationWorkflow.Move(submitted, ApplicationState.Incomplete, "completeness-check", time.GetUtcNow(), string.Join("; ", problems));
    }

    /// <summary>The caller's queue: an applicant's own applications, or every application for an officer; oldest first.</summary>
    public async Task<CaseResult<IReadOnlyList<DataApplication>>> ApplicationsAsync(Actor actor, CancellationToken cancellationToken) => actor switch
    {
        ApplicantActor { LoggedInHighEnough: true } applicant => CaseResult<IReadOnlyList<DataApplication>>.Ok(
            [.. (await store.ApplicationsAsync(applicant.Person.Value, cancellationToken)).Where(a => a.Organisation == applicant.Organisation)]),
        AccessBodyOfficerActor => CaseResult<IReadOnlyList<DataApplication>>.Ok(await store.ApplicationsAsync(null, cancellationToken)),
        _ => CaseResult<IReadOnlyList<DataApplication>>.Forbidden("only applicants and the body's officers have a queue of applications"),
    };

    public Task<CaseResult<DataApplication>> ApplicationAsync(Actor actor, string id, CancellationToken cancellationToken) => VisibleApplicationAsync(actor, id, cancellationToken);

    private async Task<CaseResult<DataApplication>> VisibleApplicationAsync(Actor actor, string id, CancellationToken cancellationToken) =>
        await store.ApplicationAsync(id, cancellationToken) is { } application && AccessPolicy.MaySeeSecondaryUseCase(actor, application.Applicant, application.Organisation)
            ? CaseResult<DataApplication>.Ok(application)
            : CaseResult<DataApplication>.NotFound($"no application {id}");

    /// <summary>
    /// An officer's decision on an application in review. Approving issues the permit (with the conditions and an end
    /// no later than the body allows) and queues the preparation of its extract at once: the minutes-not-months path.
    /// </summary>
    public async Task<CaseResult<DataApplication>> DecideAsync(Actor actor, string id, ApplicationDecision decision, string? note, string? conditions, DateOnly? validUntil, CancellationToken cancellationToken)
    {
        var found = await VisibleApplicationAsync(actor, id, cancellationToken);
        if (found.Value is not { } application)
            return found;
        if (AccessPolicy.MayReviewSecondaryUse(actor) is { Allowed: false, Reason: var why })
            return CaseResult<DataApplication>.Forbidden(why!);
        if (application.State != ApplicationState.InReview)
            return CaseResult<DataApplication>.Conflict($"the application is {Wire(application.State)}: only an application in review is decided");
        var now = time.GetUtcNow();
        var officer = ActorId(actor);
        if (decision != ApplicationDecision.Approve)
        {
            if (string.IsNullOrWhiteSpace(note))
                return CaseResult<DataApplication>.Invalid([decision == ApplicationDecision.Refuse ? "a refusal states its reasons (note)" : "say which changes are needed (note)"]);
            var moved = ApplicationWorkflow.Move(application, decision == ApplicationDecision.Refuse ? ApplicationState.Refused : ApplicationState.ChangesRequested, officer, now, note.Trim());
            return await store.UpdateApplicationAsync(moved, ApplicationState.InReview, cancellationToken: cancellationToken)
                ? CaseResult<DataApplication>.Ok(moved)
                : CaseResult<DataApplication>.Conflict("the application was decided meanwhile: read it again");
        }
        var end = validUntil ?? Today.AddDays(settings.DefaultPermitDays);
        if (end <= Today)
            return CaseResult<DataApplication>.Invalid(["the permit must end after today"]);
        if (end > Today.AddDays(settings.MaxPermitDays))
            return CaseResult<DataApplication>.Invalid([$"a permit lasts at most {settings.MaxPermitDays} days (EHDS art. 68(12): up to ten years, the body's practice is shorter)"]);
        var permit = new DataPermit(NewId('p'), application.Id, application.Applicant, application.Organisation, application.Content,
            string.IsNullOrWhiteSpace(conditions) ? "Processing only in the secure processing environment; results leave only through the output check." : conditions.Trim(),
            now, new DateTimeOffset(end.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero), PermitState.Active, PreparationState.Pending, null, application.OrganisationName);
        var approved = ApplicationWorkflow.Move(application, ApplicationState.Approved, officer, now, note?.Trim(), permit: permit.Id);
        if (!await store.ApproveAsync(approved, ApplicationState.InReview, permit, cancellationToken))
            return CaseResult<DataApplication>.Conflict("the application was decided meanwhile: read it again");
        preparation.Enqueue(permit.Id);
        return CaseResult<DataApplication>.Ok(approved);
    }

    // --- Permits ---------------------------------------------------------------------------------------------------

    public async Task<CaseResult<IReadOnlyList<DataPermit>>> PermitsAsync(Actor actor, CancellationToken cancellationToken) => actor switch
    {
        ApplicantActor { LoggedInHighEnough: true } applicant => CaseResult<IReadOnlyList<DataPermit>>.Ok(
            [.. (await store.PermitsAsync(applicant.Person.Value, cancellationToken)).Where(p => p.Organisation == applicant.Organisation)]),
        AccessBodyOfficerActor => CaseResult<IReadOnlyList<DataPermit>>.Ok(await store.PermitsAsync(null, cancellationToken)),
        _ => CaseResult<IReadOnlyList<DataPermit>>.Forbidden("only permit holders and the body's officers see permits"),
    };

    public async Task<CaseResult<DataPermit>> PermitAsync(Actor actor, string id, CancellationToken cancellationToken) =>
        await store.PermitAsync(id, cancellationToken) is { } permit && AccessPolicy.MaySeeSecondaryUseCase(actor, permit.Holder, permit.Organisation)
            ? CaseResult<DataPermit>.Ok(Current(permit))
            : CaseResult<DataPermit>.NotFound($"no permit {id}");

    /// <summary>The permit as it stands now: one past its end is expired even before the expiry job has closed it.</summary>
    private DataPermit Current(DataPermit permit) =>
        permit.State == PermitState.Active && time.GetUtcNow() >= permit.ValidUntil ? permit with { State = PermitState.Expired } : permit;

    /// <summary>An officer revokes a permit (EHDS art. 63: conditions not met): it releases nothing more, and its workspace closes now.</summary>
    public async Task<CaseResult<DataPermit>> RevokeAsync(Actor actor, string id, string? note, CancellationToken cancellationToken)
    {
        var found = await PermitAsync(actor, id, cancellationToken);
        if (found.Value is not { } permit)
            return found;
        if (AccessPolicy.MayReviewSecondaryUse(actor) is { Allowed: false, Reason: var why })
            return CaseResult<DataPermit>.Forbidden(why!);
        if (string.IsNullOrWhiteSpace(note))
            return CaseResult<DataPermit>.Invalid(["a revocation states its reasons (note)"]);
        if (permit.State != PermitState.Active)
            return CaseResult<DataPermit>.Conflict($"the permit is already {Wire(permit.State)}");
        var revoked = permit with { State = PermitState.Revoked, Conditions = permit.Conditions + $" Revoked: {note.Trim()}" };
        if (!await store.UpdatePermitAsync(revoked, PermitState.Active, cancellationToken))
            return CaseResult<DataPermit>.Conflict("the permit changed meanwhile: read it again");
        await workspaces.CloseAsync(permit.Id, cancellationToken);
        return CaseResult<DataPermit>.Ok(revoked);
    }

    /// <summary>
    /// A login to the permit's workspace for its holder: a new password each time (the old one stops working), only
    /// while the permit is in force and its extract is ready.
    /// </summary>
    public async Task<CaseResult<WorkspaceCredentials>> CredentialsAsync(Actor actor, string id, CancellationToken cancellationToken)
    {
        var found = await PermitAsync(actor, id, cancellationToken);
        if (found.Value is not { } permit)
            return found.As<WorkspaceCredentials>();
        if (!AccessPolicy.ActsAsSecondaryUseApplicant(actor, permit.Holder, permit.Organisation))
            return CaseResult<WorkspaceCredentials>.Forbidden("only the permit holder logs in to the workspace");
        if (!permit.InForce(time.GetUtcNow()))
            return CaseResult<WorkspaceCredentials>.Conflict($"the permit is {Wire(permit.State)}: its workspace is closed");
        if (permit.Preparation != PreparationState.Ready)
            return CaseResult<WorkspaceCredentials>.Conflict($"the extract is {Wire(permit.Preparation)}: the workspace opens when it is ready");
        return CaseResult<WorkspaceCredentials>.Ok(await workspaces.IssueCredentialsAsync(permit.Id, cancellationToken));
    }

    // --- Outputs ---------------------------------------------------------------------------------------------------

    /// <summary>
    /// The holder asks to take a table out of the workspace: it is copied as it is now, the small-cell rule runs at
    /// once, and a table that passes waits for an officer. A table that fails is kept, with why, and never released.
    /// </summary>
    public async Task<CaseResult<DataOutput>> SubmitOutputAsync(Actor actor, string permitId, string table, string? description, CancellationToken cancellationToken)
    {
        var found = await PermitAsync(actor, permitId, cancellationToken);
        if (found.Value is not { } permit)
            return found.As<DataOutput>();
        if (!AccessPolicy.ActsAsSecondaryUseApplicant(actor, permit.Holder, permit.Organisation))
            return CaseResult<DataOutput>.Forbidden("only the permit holder submits outputs");
        if (!permit.InForce(time.GetUtcNow()))
            return CaseResult<DataOutput>.Conflict($"the permit is {Wire(permit.State)}: nothing more leaves its workspace");
        if (string.IsNullOrWhiteSpace(table) || !Workspaces.WorkspaceNames.IsTableName(table))
            return CaseResult<DataOutput>.Invalid(["name a table of the workspace (letters, digits and _; starting with a letter or _)"]);
        WorkspaceTable? read;
        try
        {
            read = await workspaces.ReadTableAsync(permit.Id, table, settings.MaxOutputRows + 1, cancellationToken);
        }
        catch (WorkspaceTableRefusedException refused)
        {
            return CaseResult<DataOutput>.Invalid([$"table '{table}' cannot be checked: {refused.Reason}; copy the result into a plain table (CREATE TABLE … AS SELECT …)"]);
        }
        if (read is null)
            return CaseResult<DataOutput>.Invalid([$"the workspace has no table '{table}'"]);
        var rule = new SmallCellRule(settings.K);
        var outcome = read.Rows.Count > settings.MaxOutputRows
            ? new OutputCheck(false, [$"the table has more than {settings.MaxOutputRows} rows: an output is an aggregate, not microdata"])
            : rule.Check(read);
        var now = time.GetUtcNow();
        var output = new DataOutput(NewId('o'), permit.Id, table, description?.Trim() ?? "", read.Columns, [.. read.Rows.Take(settings.MaxOutputRows)],
            outcome.Passed ? OutputState.AwaitingReview : OutputState.FailedAutomaticCheck, now, now, rule.Threshold, outcome.Problems, null, null);
        await store.AddOutputAsync(output, cancellationToken);
        return CaseResult<DataOutput>.Ok(output);
    }

    /// <summary>The outputs the caller may see: a holder's for their permits, all for an officer (oldest first).</summary>
    public async Task<CaseResult<IReadOnlyList<DataOutput>>> OutputsAsync(Actor actor, string? permitId, CancellationToken cancellationToken)
    {
        if (permitId is not null)
        {
            var found = await PermitAsync(actor, permitId, cancellationToken);
            return found.Value is null ? found.As<IReadOnlyList<DataOutput>>() : CaseResult<IReadOnlyList<DataOutput>>.Ok([.. (await store.OutputsAsync(permitId, cancellationToken)).Select(o => ForCaller(actor, o))]);
        }
        if (actor is AccessBodyOfficerActor)
            return CaseResult<IReadOnlyList<DataOutput>>.Ok(await store.OutputsAsync(null, cancellationToken));
        var permits = await PermitsAsync(actor, cancellationToken);
        if (permits.Value is null)
            return permits.As<IReadOnlyList<DataOutput>>();
        var outputs = new List<DataOutput>();
        foreach (var permit in permits.Value)
            outputs.AddRange((await store.OutputsAsync(permit.Id, cancellationToken)).Select(o => ForCaller(actor, o)));
        return CaseResult<IReadOnlyList<DataOutput>>.Ok([.. outputs.OrderBy(o => o.Submitted).ThenBy(o => o.Id, StringComparer.Ordinal)]);
    }

    public async Task<CaseResult<DataOutput>> OutputAsync(Actor actor, string id, CancellationToken cancellationToken)
    {
        if (await store.OutputAsync(id, cancellationToken) is not { } output || await store.PermitAsync(output.Permit, cancellationToken) is not { } permit
            || !AccessPolicy.MaySeeSecondaryUseCase(actor, permit.Holder, permit.Organisation))
            return CaseResult<DataOutput>.NotFound($"no output {id}");
        return CaseResult<DataOutput>.Ok(ForCaller(actor, output));
    }

    /// <summary>Only a released output's rows leave the body: the holder sees the rows of their other outputs nowhere but in the workspace.</summary>
    private static DataOutput ForCaller(Actor actor, DataOutput output) =>
        actor is AccessBodyOfficerActor || output.State == OutputState.Released ? output : output with { Rows = [] };

    /// <summary>An officer releases or refuses an output that passed the automatic check; a released output can be downloaded by the holder.</summary>
    public async Task<CaseResult<DataOutput>> ReviewOutputAsync(Actor actor, string id, OutputDecision decision, string? note, CancellationToken cancellationToken)
    {
        var found = await OutputAsync(actor, id, cancellationToken);
        if (found.Value is not { } output)
            return found;
        if (AccessPolicy.MayReviewSecondaryUse(actor) is { Allowed: false, Reason: var why })
            return CaseResult<DataOutput>.Forbidden(why!);
        if (output.State != OutputState.AwaitingReview)
            return CaseResult<DataOutput>.Conflict(output.State == OutputState.FailedAutomaticCheck
                ? "the output failed the automatic small-cell check: it cannot be released"
                : $"the output is already {Wire(output.State)}");
        if (decision == OutputDecision.Refuse && string.IsNullOrWhiteSpace(note))
            return CaseResult<DataOutput>.Invalid(["a refusal states its reasons (note)"]);
        if (await store.PermitAsync(output.Permit, cancellationToken) is not { } permit || !permit.InForce(time.GetUtcNow()))
            return CaseResult<DataOutput>.Conflict("the permit is no longer in force: nothing more is released under it");
        var decided = output with
        {
            State = decision == OutputDecision.Release ? OutputState.Released : OutputState.Refused,
            Updated = time.GetUtcNow(),
            ReviewedBy = ActorId(actor),
            ReviewNote = note?.Trim(),
        };
        return await store.UpdateOutputAsync(decided, OutputState.AwaitingReview, cancellationToken)
            ? CaseResult<DataOutput>.Ok(decided)
            : CaseResult<DataOutput>.Conflict("the output was decided meanwhile: read it again");
    }

    // --- Transparency ----------------------------------------------------------------------------------------------

    /// <summary>The permits whose extracts included the patient's data (EHDS art. 58), for the patient themselves.</summary>
    public async Task<CaseResult<IReadOnlyList<DataPermit>>> PermitsUsingAsync(Actor actor, Core.Identifiers.PersonalIdentityNumber patient, CancellationToken cancellationToken) =>
        AccessPolicy.MaySeeSecondaryUseOf(actor, patient)
            ? CaseResult<IReadOnlyList<DataPermit>>.Ok(await store.PermitsUsingAsync(patient.Value, cancellationToken))
            : CaseResult<IReadOnlyList<DataPermit>>.NotFound("no such patient");

    internal static string Wire<TEnum>(TEnum value) where TEnum : struct, Enum => System.Text.Json.JsonNamingPolicy.KebabCaseLower.ConvertName(value.ToString());
}
