using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Hl7.Fhir.Model;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using OpenNdi.Core.Identifiers;
using OpenNdi.Core.Policy;
using OpenNdi.Fhir;
using OpenNdi.SecondaryUse.Cases;
using OpenNdi.SecondaryUse.Catalog;
using OpenNdi.SecondaryUse.Domain;
using OpenNdi.SecondaryUse.Ports;
using OpenNdi.SecondaryUse.Storage;

namespace OpenNdi.SecondaryUse.Edge;

/// <summary>The chain's operations, each declared by the host with its scope and audit.</summary>
public enum SecondaryUseOperation
{
    /// <summary>The public catalogue (HealthDCAT-AP JSON-LD): no personal data, public as EHDS art. 77 wants it.</summary>
    CatalogRead,

    /// <summary>A holder (or an officer for it) confirms or refreshes a dataset's description: the yearly check.</summary>
    CatalogReview,

    ApplicationSubmit,
    ApplicationRead,
    ApplicationRevise,
    ApplicationDecide,
    PermitRead,
    PermitRevoke,
    WorkspaceCredentials,
    OutputSubmit,
    OutputRead,
    OutputDecide,

    /// <summary>A patient reads which permits used their data.</summary>
    Transparency,
}

/// <summary>
/// The health data access body's API. JSON in and out; every refusal and every bad request is an OperationOutcome
/// with an <c>NDI-SDU-</c> code (docs/errors.md), and changes nothing.
/// <code>
/// GET  /sdu/catalog[?q=&amp;theme=&amp;holder=&amp;overdue=true]     the catalogue, HealthDCAT-AP (JSON-LD)
/// GET  /sdu/catalog/datasets/{id}                       one dataset
/// POST /sdu/catalog/datasets/{id}/review                the holder's yearly check: figures computed again, review due a year on
/// POST /sdu/applications                                apply                          GET /sdu/applications[/{id}]   queue, one
/// PUT  /sdu/applications/{id}                           revise (incomplete, changes requested)
/// POST /sdu/applications/{id}/decision                  officer: approve | request-changes | refuse
/// GET  /sdu/permits[/{id}]                              POST /sdu/permits/{id}/revoke (officer)
/// POST /sdu/permits/{id}/credentials                    the holder's login to the workspace (a new password each time)
/// POST /sdu/permits/{id}/outputs                        take a workspace table out: the small-cell rule, then an officer
/// GET  /sdu/outputs[/{id}]  GET /sdu/outputs/{id}/csv   POST /sdu/outputs/{id}/decision (officer: release | refuse)
/// GET  /sdu/transparency?patient={personnummer}         the permits whose extracts included the patient's data
/// </code>
/// </summary>
public static class SecondaryUseApi
{
    public const string Base = "/sdu";
    private const int MaxBody = 64 * 1024;

    private static readonly JsonSerializerOptions Json = SecondaryUseStore.Json;

    public static IEndpointRouteBuilder MapSecondaryUseApi(this IEndpointRouteBuilder app, Action<RouteHandlerBuilder, SecondaryUseOperation> declare)
    {
        declare(app.MapGet(Base + "/catalog", CatalogAsync), SecondaryUseOperation.CatalogRead);
        declare(app.MapGet(Base + "/catalog/datasets/{id}", DatasetAsync), SecondaryUseOperation.CatalogRead);
        declare(app.MapPost(Base + "/catalog/datasets/{id}/review", ReviewDatasetAsync), SecondaryUseOperation.CatalogReview);
        declare(app.MapPost(Base + "/applications", SubmitAsync), SecondaryUseOperation.ApplicationSubmit);
        declare(app.MapGet(Base + "/applications", ApplicationsAsync), SecondaryUseOperation.ApplicationRead);
        declare(app.MapGet(Base + "/applications/{id}", ApplicationAsync), SecondaryUseOperation.ApplicationRead);
        declare(app.MapPut(Base + "/applications/{id}", ReviseAsync), SecondaryUseOperation.ApplicationRevise);
        declare(app.MapPost(Base + "/applications/{id}/decision", DecideAsync), SecondaryUseOperation.ApplicationDecide);
        declare(app.MapGet(Base + "/permits", PermitsAsync), SecondaryUseOperation.PermitRead);
        declare(app.MapGet(Base + "/permits/{id}", PermitAsync), SecondaryUseOperation.PermitRead);
        declare(app.MapPost(Base + "/permits/{id}/revoke", RevokeAsync), SecondaryUseOperation.PermitRevoke);
        declare(app.MapPost(Base + "/permits/{id}/credentials", CredentialsAsync), SecondaryUseOperation.WorkspaceCredentials);
        declare(app.MapPost(Base + "/permits/{id}/outputs", SubmitOutputAsync), SecondaryUseOperation.OutputSubmit);
        declare(app.MapGet(Base + "/outputs", OutputsAsync), SecondaryUseOperation.OutputRead);
        declare(app.MapGet(Base + "/outputs/{id}", OutputAsync), SecondaryUseOperation.OutputRead);
        declare(app.MapGet(Base + "/outputs/{id}/csv", OutputCsvAsync), SecondaryUseOperation.OutputRead);
        declare(app.MapPost(Base + "/outputs/{id}/decision", DecideOutputAsync), SecondaryUseOperation.OutputDecide);
        declare(app.MapGet(Base + "/transparency", TransparencyAsync), SecondaryUseOperation.Transparency);
        return app;
    }

    // --- Catalogue -------------------------------------------------------------------------------------------------

    private static async Task<IResult> CatalogAsync(HttpContext http, DatasetCatalog catalog, TimeProvider time, string? q, string? theme, string? holder, bool? overdue, CancellationToken cancellationToken)
    {
        var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        var entries = CatalogSearch.Find(await catalog.EntriesAsync(cancellationToken), q, theme, holder, overdue, today);
        return JsonLd(HealthDcatAp.Catalog(entries, catalog.Publisher, BaseUri(http)));
    }

    private static async Task<IResult> DatasetAsync(HttpContext http, DatasetCatalog catalog, string id, CancellationToken cancellationToken) =>
        (await catalog.EntriesAsync(cancellationToken)).FirstOrDefault(e => e.Dataset.Id == id) is { } entry
            ? JsonLd(HealthDcatAp.Dataset(entry, catalog.Publisher, BaseUri(http)))
            : Error(404, "NDI-SDU-404", OperationOutcome.IssueType.NotFound, $"the catalogue has no dataset {id}");

    private static async Task<IResult> ReviewDatasetAsync(HttpContext http, DatasetCatalog catalog, ISecondaryUseCallers callers, ISecondaryUseAudit audit, string id, CancellationToken cancellationToken)
    {
        var result = await catalog.ReviewAsync(callers.Of(http)!, id, cancellationToken);
        audit.Entity(http, "dataset", id, result.Status == CaseStatus.Ok ? "description checked; figures computed from the data" : null);
        return result.Value is { } entry ? JsonLd(HealthDcatAp.Dataset(entry, catalog.Publisher, BaseUri(http))) : Failed(http, audit, result);
    }

    // --- Applications ----------------------------------------------------------------------------------------------

    /// <summary>An application as sent: the content, and the name the applicant goes by.</summary>
    private sealed record ApplicationRequest(string? ApplicantName, string? Title, string? Purpose, string? Description, List<string>? Datasets, List<string>? Variables,
        DateOnly? PeriodFrom, DateOnly? PeriodTo, OutputForm? Form, Generalisation? Generalisation);

    private sealed record DecisionRequest(ApplicationDecision? Decision, string? Note, string? Conditions, DateOnly? ValidUntil);

    private sealed record NoteRequest(string? Note);

    private sealed record OutputRequest(string? Table, string? Description);

    private sealed record OutputDecisionRequest(OutputDecision? Decision, string? Note);

    private static async Task<IResult> SubmitAsync(HttpContext http, DataPermitService cases, ISecondaryUseCallers callers, ISecondaryUseAudit audit, CancellationToken cancellationToken)
    {
        var (request, error) = await ReadAsync<ApplicationRequest>(http, cancellationToken);
        if (request is null)
            return error!;
        var (content, problems) = ContentOf(request);
        if (content is null)
            return Invalid(http, audit, problems);
        // The applicant's name is their login's when it gives one; what the body says is only a fallback.
        var name = http.User.FindFirst(Core.Identity.NdiClaims.SubjectName)?.Value ?? request.ApplicantName ?? "";
        var result = await cases.SubmitAsync(callers.Of(http)!, name, content, cancellationToken);
        if (result.Value is { } application)
            audit.Entity(http, "data-application", application.Id, $"submitted; automatic check: {DataPermitService.Wire(application.State)}");
        return Answer(http, audit, result, a => ApplicationJson(a, http), 201);
    }

    private static async Task<IResult> ReviseAsync(HttpContext http, DataPermitService cases, ISecondaryUseCallers callers, ISecondaryUseAudit audit, string id, CancellationToken cancellationToken)
    {
        var (request, error) = await ReadAsync<ApplicationRequest>(http, cancellationToken);
        if (request is null)
            return error!;
        var (content, problems) = ContentOf(request);
        if (content is null)
            return Invalid(http, audit, problems);
        var result = await cases.ReviseAsync(callers.Of(http)!, id, content, cancellationToken);
        audit.Entity(http, "data-application", id, result.Value is { } revised ? $"revised; automatic check: {DataPermitService.Wire(revised.State)}" : null);
        return Answer(http, audit, result, a => ApplicationJson(a, http));
    }

    private static async Task<IResult> ApplicationsAsync(HttpContext http, DataPermitService cases, ISecondaryUseCallers callers, ISecondaryUseAudit audit, CancellationToken cancellationToken)
    {
        var result = await cases.ApplicationsAsync(callers.Of(http)!, cancellationToken);
        return Answer(http, audit, result, list => new JsonArray([.. list.Select(a => (JsonNode)ApplicationJson(a, http))]));
    }

    private static async Task<IResult> ApplicationAsync(HttpContext http, DataPermitService cases, ISecondaryUseCallers callers, ISecondaryUseAudit audit, string id, CancellationToken cancellationToken)
    {
        audit.Entity(http, "data-application", id, null);
        return Answer(http, audit, await cases.ApplicationAsync(callers.Of(http)!, id, cancellationToken), a => ApplicationJson(a, http));
    }

    private static async Task<IResult> DecideAsync(HttpContext http, DataPermitService cases, ISecondaryUseCallers callers, ISecondaryUseAudit audit, string id, CancellationToken cancellationToken)
    {
        var (request, error) = await ReadAsync<DecisionRequest>(http, cancellationToken);
        if (request is null)
            return error!;
        if (request.Decision is not { } decision)
            return Invalid(http, audit, ["decision is required: approve, request-changes or refuse"]);
        var result = await cases.DecideAsync(callers.Of(http)!, id, decision, request.Note, request.Conditions, request.ValidUntil, cancellationToken);
        audit.Entity(http, "data-application", id, result.Value is { } decided ? $"{DataPermitService.Wire(decision)}: now {DataPermitService.Wire(decided.State)}" : null);
        if (result.Value?.Permit is { } permit && decision == ApplicationDecision.Approve)
            audit.Entity(http, "data-permit", permit, "issued; extract queued for preparation");
        return Answer(http, audit, result, a => ApplicationJson(a, http));
    }

    // --- Permits ---------------------------------------------------------------------------------------------------

    private static async Task<IResult> PermitsAsync(HttpContext http, DataPermitService cases, ISecondaryUseCallers callers, ISecondaryUseAudit audit, CancellationToken cancellationToken) =>
        Answer(http, audit, await cases.PermitsAsync(callers.Of(http)!, cancellationToken), list => new JsonArray([.. list.Select(p => (JsonNode)PermitJson(p))]));

    private static async Task<IResult> PermitAsync(HttpContext http, DataPermitService cases, ISecondaryUseCallers callers, ISecondaryUseAudit audit, string id, CancellationToken cancellationToken)
    {
        audit.Entity(http, "data-permit", id, null);
        return Answer(http, audit, await cases.PermitAsync(callers.Of(http)!, id, cancellationToken), PermitJson);
    }

    private static async Task<IResult> RevokeAsync(HttpContext http, DataPermitService cases, ISecondaryUseCallers callers, ISecondaryUseAudit audit, string id, CancellationToken cancellationToken)
    {
        var (request, error) = await ReadAsync<NoteRequest>(http, cancellationToken);
        if (request is null)
            return error!;
        var result = await cases.RevokeAsync(callers.Of(http)!, id, request.Note, cancellationToken);
        audit.Entity(http, "data-permit", id, result.Status == CaseStatus.Ok ? "revoked; workspace closed" : null);
        return Answer(http, audit, result, PermitJson);
    }

    private static async Task<IResult> CredentialsAsync(HttpContext http, DataPermitService cases, ISecondaryUseCallers callers, ISecondaryUseAudit audit, string id, CancellationToken cancellationToken)
    {
        var result = await cases.CredentialsAsync(callers.Of(http)!, id, cancellationToken);
        audit.Entity(http, "workspace", id, result.Status == CaseStatus.Ok ? "credentials issued (a new password; the previous one no longer works)" : null);
        http.Response.Headers.CacheControl = "no-store";
        return Answer(http, audit, result, c => JsonSerializer.SerializeToNode(c, Json)!);
    }

    // --- Outputs ---------------------------------------------------------------------------------------------------

    private static async Task<IResult> SubmitOutputAsync(HttpContext http, DataPermitService cases, ISecondaryUseCallers callers, ISecondaryUseAudit audit, string id, CancellationToken cancellationToken)
    {
        var (request, error) = await ReadAsync<OutputRequest>(http, cancellationToken);
        if (request is null)
            return error!;
        var result = await cases.SubmitOutputAsync(callers.Of(http)!, id, request.Table ?? "", request.Description, cancellationToken);
        if (result.Value is { } output)
            audit.Entity(http, "data-output", output.Id, $"permit {id}, table {output.Table}: small-cell rule (threshold {output.Threshold}) {(output.State == OutputState.AwaitingReview ? "passed" : "failed: " + string.Join("; ", output.CheckProblems.Take(3)))}");
        return Answer(http, audit, result, o => JsonSerializer.SerializeToNode(o, Json)!, 201);
    }

    private static async Task<IResult> OutputsAsync(HttpContext http, DataPermitService cases, ISecondaryUseCallers callers, ISecondaryUseAudit audit, string? permit, CancellationToken cancellationToken) =>
        Answer(http, audit, await cases.OutputsAsync(callers.Of(http)!, permit, cancellationToken), list => new JsonArray([.. list.Select(o => JsonSerializer.SerializeToNode(o, Json))]));

    private static async Task<IResult> OutputAsync(HttpContext http, DataPermitService cases, ISecondaryUseCallers callers, ISecondaryUseAudit audit, string id, CancellationToken cancellationToken)
    {
        audit.Entity(http, "data-output", id, null);
        return Answer(http, audit, await cases.OutputAsync(callers.Of(http)!, id, cancellationToken), o => JsonSerializer.SerializeToNode(o, Json)!);
    }

    /// <summary>A released output as CSV (RFC 4180): the only way a table leaves the body.</summary>
    private static async Task<IResult> OutputCsvAsync(HttpContext http, DataPermitService cases, ISecondaryUseCallers callers, ISecondaryUseAudit audit, string id, CancellationToken cancellationToken)
    {
        var result = await cases.OutputAsync(callers.Of(http)!, id, cancellationToken);
        if (result.Value is not { } output)
            return Failed(http, audit, result);
        if (output.State != OutputState.Released)
        {
            audit.Refused(http, "the output is not released");
            return Error(409, "NDI-SDU-409", OperationOutcome.IssueType.BusinessRule, $"output {id} is {DataPermitService.Wire(output.State)}: only a released output is downloaded");
        }
        audit.Entity(http, "data-output", id, "released table downloaded");
        var csv = new StringBuilder();
        csv.Append(string.Join(',', output.Columns.Select(Csv))).Append("\r\n");
        foreach (var row in output.Rows)
            csv.Append(string.Join(',', row.Select(Csv))).Append("\r\n");
        return Results.Text(csv.ToString(), "text/csv; charset=utf-8");
    }

    private static string Csv(string? value) => value is null ? "" : value.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? '"' + value.Replace("\"", "\"\"") + '"' : value;

    private static async Task<IResult> DecideOutputAsync(HttpContext http, DataPermitService cases, ISecondaryUseCallers callers, ISecondaryUseAudit audit, string id, CancellationToken cancellationToken)
    {
        var (request, error) = await ReadAsync<OutputDecisionRequest>(http, cancellationToken);
        if (request is null)
            return error!;
        if (request.Decision is not { } decision)
            return Invalid(http, audit, ["decision is required: release or refuse"]);
        var result = await cases.ReviewOutputAsync(callers.Of(http)!, id, decision, request.Note, cancellationToken);
        audit.Entity(http, "data-output", id, result.Value is { } decided ? $"reviewer: {DataPermitService.Wire(decided.State)}" : null);
        return Answer(http, audit, result, o => JsonSerializer.SerializeToNode(o, Json)!);
    }

    // --- Transparency ----------------------------------------------------------------------------------------------

    private static async Task<IResult> TransparencyAsync(HttpContext http, DataPermitService cases, ISecondaryUseCallers callers, ISecondaryUseAudit audit, string? patient, CancellationToken cancellationToken)
    {
        if (!PersonalIdentityNumber.TryParse(patient, out var person, out var why))
            return Invalid(http, audit, [$"patient: {why ?? "a personal identity number is required"}"]);
        var result = await cases.PermitsUsingAsync(callers.Of(http)!, person, cancellationToken);
        // What the patient is told: which permit, for whom, why and when; never the pseudonym or the extract.
        return Answer(http, audit, result, list => new JsonArray([.. list.Select(p => (JsonNode)new JsonObject
        {
            ["permit"] = p.Id,
            ["organisation"] = p.Organisation,
            ["organisationName"] = p.OrganisationName,
            ["title"] = p.Content.Title,
            ["purpose"] = p.Content.Purpose,
            ["form"] = DataPermitService.Wire(p.Content.Form),
            ["datasets"] = new JsonArray([.. p.Content.Datasets.Select(d => (JsonNode)d)]),
            ["issued"] = p.Issued,
            ["validUntil"] = p.ValidUntil,
            ["state"] = DataPermitService.Wire(p.State),
        })]));
    }

    // --- Shared ----------------------------------------------------------------------------------------------------

    private static (ApplicationContent? Content, IReadOnlyList<string> Problems) ContentOf(ApplicationRequest request)
    {
        var problems = new List<string>();
        if (request.PeriodFrom is null || request.PeriodTo is null)
            problems.Add("periodFrom and periodTo are required (yyyy-MM-dd)");
        if (request.Form is null)
            problems.Add("form is required: anonymised or pseudonymised");
        if (problems.Count > 0)
            return (null, problems);
        return (new ApplicationContent(request.Title?.Trim() ?? "", request.Purpose?.Trim() ?? "", request.Description?.Trim() ?? "",
            [.. (request.Datasets ?? []).Where(d => !string.IsNullOrWhiteSpace(d)).Select(d => d.Trim())],
            [.. (request.Variables ?? []).Where(v => !string.IsNullOrWhiteSpace(v)).Select(v => v.Trim())],
            request.PeriodFrom!.Value, request.PeriodTo!.Value, request.Form!.Value, request.Generalisation ?? Generalisation.Default), []);
    }

    private static async Task<(T? Value, IResult? Error)> ReadAsync<T>(HttpContext http, CancellationToken cancellationToken) where T : class
    {
        var audit = http.RequestServices.GetRequiredService<ISecondaryUseAudit>();
        if (http.Request.ContentLength > MaxBody)
            return (null, Refuse(http, audit, 413, "NDI-SDU-413", OperationOutcome.IssueType.TooCostly, $"the body is over {MaxBody / 1024} KiB"));
        using var buffer = new MemoryStream();
        var chunk = new byte[16384];
        int read;
        while ((read = await http.Request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > MaxBody)
                return (null, Refuse(http, audit, 413, "NDI-SDU-413", OperationOutcome.IssueType.TooCostly, $"the body is over {MaxBody / 1024} KiB"));
            buffer.Write(chunk, 0, read);
        }
        try
        {
            return JsonSerializer.Deserialize<T>(buffer.ToArray(), Json) is { } value
                ? (value, null)
                : (null, Refuse(http, audit, 400, "NDI-SDU-400", OperationOutcome.IssueType.Structure, "the body must be a JSON object"));
        }
        catch (JsonException exception)
        {
            return (null, Refuse(http, audit, 400, "NDI-SDU-400", OperationOutcome.IssueType.Structure, $"the body is not valid: {exception.Message}"));
        }
    }

    private static IResult Answer<T>(HttpContext http, ISecondaryUseAudit audit, CaseResult<T> result, Func<T, JsonNode> body, int status = 200) =>
        result.Status == CaseStatus.Ok ? Results.Text(body(result.Value!).ToJsonString(), "application/json; charset=utf-8", Encoding.UTF8, status) : Failed(http, audit, result);

    private static IResult Failed<T>(HttpContext http, ISecondaryUseAudit audit, CaseResult<T> result)
    {
        var text = string.Join("; ", result.Problems);
        return result.Status switch
        {
            CaseStatus.NotFound => Refuse(http, audit, 404, "NDI-SDU-404", OperationOutcome.IssueType.NotFound, text),
            CaseStatus.Forbidden => Refuse(http, audit, 403, "NDI-SDU-403", OperationOutcome.IssueType.Forbidden, text),
            CaseStatus.Invalid => Invalid(http, audit, result.Problems),
            _ => Refuse(http, audit, 409, "NDI-SDU-409", OperationOutcome.IssueType.BusinessRule, text),
        };
    }

    private static IResult Invalid(HttpContext http, ISecondaryUseAudit audit, IReadOnlyList<string> problems) =>
        Refuse(http, audit, 422, "NDI-SDU-422", OperationOutcome.IssueType.Invalid, string.Join("; ", problems));

    private static IResult Refuse(HttpContext http, ISecondaryUseAudit audit, int status, string code, OperationOutcome.IssueType type, string message)
    {
        audit.Refused(http, $"{code}: {message}");
        return Error(status, code, type, message);
    }

    private static IResult Error(int status, string code, OperationOutcome.IssueType type, string message) => FhirResults.Error(status, code, type, message);

    private static IResult JsonLd(JsonObject document) => Results.Text(document.ToJsonString(), "application/ld+json; charset=utf-8");

    private static Uri BaseUri(HttpContext http) => new($"{http.Request.Scheme}://{http.Request.Host}{http.Request.PathBase}/");

    private static JsonObject ApplicationJson(DataApplication application, HttpContext http)
    {
        var node = JsonSerializer.SerializeToNode(application, Json)!.AsObject();
        var now = http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
        node["ageDays"] = Math.Round((now - application.Submitted).TotalDays, 1);
        return node;
    }

    private static JsonObject PermitJson(DataPermit permit)
    {
        var node = JsonSerializer.SerializeToNode(permit, Json)!.AsObject();
        node.Remove("preparationReportJson");
        if (permit.PreparationReportJson is { } report)
            node["preparationReport"] = JsonNode.Parse(report);
        return node;
    }
}
