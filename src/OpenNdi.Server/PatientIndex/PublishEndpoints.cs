using Hl7.Fhir.Model;
using OpenNdi.Core.Identifiers;
using OpenNdi.Core.Identity;
using OpenNdi.Core.Index;
using OpenNdi.Core.Policy;
using OpenNdi.Data.Index;
using OpenNdi.Fhir;
using OpenNdi.Core.Audit;
using Microsoft.Extensions.Options;
using OpenNdi.Server.Audit;
using OpenNdi.Server.FhirApi;
using OpenNdi.Server.Identity;
using Task = System.Threading.Tasks.Task;

namespace OpenNdi.Server.PatientIndex;

/// <summary>
/// How provider systems keep the index current (IHE MHD Provide Document Bundle, ITI-65, metadata only):
/// <code>
/// POST /fhir/DocumentReference                 publish one entry; status entered-in-error retracts it
/// POST /fhir  (Bundle type transaction)        publish many, all or nothing
/// POST /fhir/DocumentReference/$bulk           publish many as NDJSON (one DocumentReference a line), all or nothing
/// </code>
/// Every request is validated whole before anything is written, so bad input changes nothing. The publishing
/// provider is the one named in the caller's token (claim <c>subject_organization_id</c>, after IHE IUA); each
/// entry's care unit must belong to it in the service directory, and no entry another provider holds is taken over
/// (<see cref="IndexWriteAccess"/>).
/// </summary>
/// <summary>Why a bulk body was refused: the OperationOutcome's code, message and expression.</summary>
internal sealed record BulkProblem(string Code, string Message, string? Expression);

internal static class PublishEndpoints
{
    public const string ProviderClaim = "subject_organization_id";
    private const int MaxDocumentBytes = 1 << 20;          // one DocumentReference or a transaction: 1 MiB
    private const int MaxBulkBytes = 64 << 20;             // NDJSON bulk: 64 MiB (about 100,000 entries)

    public static IEndpointRouteBuilder MapIndexPublishing(this IEndpointRouteBuilder app)
    {
        app.MapPost("/fhir/DocumentReference", PublishOneAsync).WithTags("Patient data index")
            .NationalApi(AuditEventCodes.IndexPublish, AuditAction.Create, "DocumentReference", ScopePermissions.Create, ScopeContext.System).ExcludeFromDescription();
        app.MapPost("/fhir", PublishTransactionAsync).WithTags("Patient data index")
            .NationalApi(AuditEventCodes.IndexPublish, AuditAction.Create, "DocumentReference", ScopePermissions.Create, ScopeContext.System).ExcludeFromDescription();
        // Kestrel and IIS refuse bodies over about 30 MB before the handler sees them (an exception, so a 500): the bulk
        // route declares its own limit, a little over the 64 MiB it reads, so that a body over 64 MiB is this route's 413.
        app.MapPost("/fhir/DocumentReference/$bulk", PublishBulkAsync).WithTags("Patient data index")
            .WithMetadata(new Microsoft.AspNetCore.Mvc.RequestSizeLimitAttribute(MaxBulkBytes + (1L << 20)))
            .NationalApi(AuditEventCodes.IndexPublish, AuditAction.Create, "DocumentReference", ScopePermissions.Create, ScopeContext.System).ExcludeFromDescription();
        return app;
    }

    private static async Task<IResult> PublishOneAsync(HttpContext http, IIndexStore index, IndexWriteAccess access, IOptions<IndexOptions> options, AuditScope audit, CancellationToken cancellationToken)
    {
        if (CallerProvider(http) is not { } provider)
            return NoProvider();
        var (body, tooLarge) = await RequestBodies.ReadAsync(http.Request, MaxDocumentBytes, cancellationToken);
        if (tooLarge)
            return TooLarge(MaxDocumentBytes);
        var (resource, parseError) = ParseDocument(body, "DocumentReference");
        if (resource is not DocumentReference document)
            return FhirResults.Error(400, "NDI-PDI-002", OperationOutcome.IssueType.Invalid, parseError!);
        var (published, error, expression) = IndexEntryMapper.Read(document, provider);
        if (published is null)
            return Rejected(error!, expression);

        if (published.Retract)
        {
            var outcome = await index.RetractAsync(published.Entry.Key, provider, cancellationToken);
            Describe(audit, provider, [published.Entry], AuditAction.Delete, outcome == RetractOutcome.Retracted ? null : outcome.ToString());
            return outcome switch
            {
                RetractOutcome.Retracted => FhirResults.Resource(Outcomes.Issue(OperationOutcome.IssueSeverity.Information, "NDI-PDI-010", OperationOutcome.IssueType.Informational, "Entry retracted.")),
                RetractOutcome.NotOwner => FhirResults.Error(403, "NDI-PDI-011", OperationOutcome.IssueType.Forbidden, "The entry belongs to another provider; only its own provider may retract it."),
                _ => FhirResults.Error(404, "NDI-PDI-012", OperationOutcome.IssueType.NotFound, "No current entry with that key."),
            };
        }
        if (await access.RefuseCareUnitsAsync(audit, [published.Entry], cancellationToken) is { } refused)
            return refused;
        if (await index.PublishAsync([published.Entry], options.Value.MaxEntriesPerSystemPerPatient, cancellationToken) is { } refusal)
            return Refused(audit, provider, [published.Entry], refusal);
        Describe(audit, provider, [published.Entry], AuditAction.Create, null);
        var stored = DocumentReferences.From(published.Entry, null);
        http.Response.Headers.Location = $"/fhir/DocumentReference/{stored.Id}";
        return FhirResults.Resource(stored, StatusCodes.Status201Created);
    }

    private static async Task<IResult> PublishTransactionAsync(HttpContext http, IIndexStore index, IndexWriteAccess access, IOptions<IndexOptions> options, AuditScope audit, CancellationToken cancellationToken)
    {
        if (CallerProvider(http) is not { } provider)
            return NoProvider();
        var (body, tooLarge) = await RequestBodies.ReadAsync(http.Request, MaxDocumentBytes, cancellationToken);
        if (tooLarge)
            return TooLarge(MaxDocumentBytes);
        var (resource, parseError) = ParseDocument(body, "Bundle");
        if (resource is not Bundle bundle)
            return FhirResults.Error(400, "NDI-PDI-002", OperationOutcome.IssueType.Invalid, parseError!);
        if (bundle.Type != Bundle.BundleType.Transaction)
            return Rejected("the Bundle must be of type transaction", "Bundle.type");

        var entries = new List<IndexEntry>();
        for (var i = 0; i < bundle.Entry.Count; i++)
        {
            var item = bundle.Entry[i];
            if (item.Resource is not DocumentReference document || item.Request?.Method != Bundle.HTTPVerb.POST)
                return Rejected("each entry must POST a DocumentReference", $"Bundle.entry[{i}]");
            var (published, error, expression) = IndexEntryMapper.Read(document, provider);
            if (published is null)
                return Rejected(error!, $"Bundle.entry[{i}].resource.{expression}");
            if (published.Retract)
                return Rejected("retract entries one at a time with POST /fhir/DocumentReference", $"Bundle.entry[{i}].resource.status");
            entries.Add(published.Entry);
        }
        if (await access.RefuseCareUnitsAsync(audit, entries, cancellationToken) is { } refused)
            return refused;
        if (await index.PublishAsync(entries, options.Value.MaxEntriesPerSystemPerPatient, cancellationToken) is { } refusal)
            return Refused(audit, provider, entries, refusal);
        Describe(audit, provider, entries, AuditAction.Create, null);

        var response = new Bundle { Type = Bundle.BundleType.TransactionResponse };
        foreach (var entry in entries)
        {
            var stored = DocumentReferences.From(entry, null);
            response.Entry.Add(new Bundle.EntryComponent { Response = new Bundle.ResponseComponent { Status = "201 Created", Location = $"DocumentReference/{stored.Id}" } });
        }
        return FhirResults.Resource(response);
    }

    private static async Task<IResult> PublishBulkAsync(HttpContext http, IIndexStore index, IndexWriteAccess access, IOptions<IndexOptions> options, AuditScope audit, CancellationToken cancellationToken)
    {
        if (CallerProvider(http) is not { } provider)
            return NoProvider();
        IReadOnlyList<IndexEntry>? entries;
        BulkProblem? problem;
        using (var body = await RequestBodies.ReadPooledAsync(http.Request, MaxBulkBytes, cancellationToken))
        {
            if (body is null)
                return TooLarge(MaxBulkBytes);
            (entries, problem) = ReadBulk(body.Span, provider);
        }
        if (entries is null)
            return FhirResults.Error(400, problem!.Code, OperationOutcome.IssueType.Invalid, problem.Message, problem.Expression);
        if (await access.RefuseCareUnitsAsync(audit, entries, cancellationToken) is { } refused)
            return refused;
        if (await index.PublishAsync(entries, options.Value.MaxEntriesPerSystemPerPatient, cancellationToken) is { } refusal)
            return Refused(audit, provider, entries, refusal);
        Describe(audit, provider, entries, AuditAction.Create, null);
        return FhirResults.Resource(Outcomes.Issue(OperationOutcome.IssueSeverity.Information, "NDI-PDI-013", OperationOutcome.IssueType.Informational, $"{entries.Count} entries published."));
    }

    /// <summary>
    /// A publish or retract in the log: one record per request, naming the patient when there is one, else how many
    /// entries for how many patients (a bulk load is one write by one system, not an access to anyone's data).
    /// </summary>
    private static void Describe(AuditScope audit, HsaId provider, IReadOnlyList<IndexEntry> entries, AuditAction action, string? failure)
    {
        var patients = entries.Select(e => e.Key.Patient.Value).Distinct().ToList();
        var record = audit.Record with
        {
            Action = action,
            Patient = patients.Count == 1 ? patients[0] : null,
            Entities = entries.Count == 1
                ? [new AuditEntity("index-entry", $"{entries[0].Key.SourceSystem}|{entries[0].Key.SourceReference}", provider.Value, entries[0].Key.Category.Code)]
                : [new AuditEntity("index-entries", Provider: provider.Value, Detail: $"{entries.Count} entries for {patients.Count} patients")],
        };
        audit.Record = failure is null ? record : AuditTrail.Refused(record, failure);
    }

    /// <summary>
    /// Reads an NDJSON bulk body into index entries for <paramref name="provider"/>, all or nothing: the first bad
    /// line makes the whole body an error naming that line. The simulated providers publish through this too.
    /// </summary>
    public static (IReadOnlyList<IndexEntry>? Entries, BulkProblem? Problem) ReadBulk(string body, HsaId provider) =>
        ReadBulk(System.Text.Encoding.UTF8.GetBytes(body), provider);

    /// <summary>
    /// As <see cref="ReadBulk(string, HsaId)"/>, from the body's UTF-8. A line in the shape provider systems send is read
    /// by <see cref="PublishedDocumentJson"/>; any other is decoded and parsed strictly into a Firely DocumentReference,
    /// so what is accepted, and every refusal's code, text and expression, are those of the Firely parse.
    /// </summary>
    public static (IReadOnlyList<IndexEntry>? Entries, BulkProblem? Problem) ReadBulk(ReadOnlySpan<byte> body, HsaId provider)
    {
        var entries = new List<IndexEntry>(body.Count((byte)'\n') + 1);
        var lineNumber = 0;
        var rest = body;
        while (true)
        {
            lineNumber++;
            var end = rest.IndexOf((byte)'\n');
            var line = end < 0 ? rest : rest[..end];
            var (published, problem) = ReadLine(line, lineNumber, provider);
            if (problem is not null)
                return (null, problem);
            if (published is not null)
                entries.Add(published);
            if (end < 0)
                break;
            rest = rest[(end + 1)..];
        }
        return entries.Count == 0 ? (null, new BulkProblem("NDI-PDI-003", "the body holds no DocumentReference", null)) : (entries, null);
    }

    /// <summary>One line's entry, or its problem; neither for a blank line.</summary>
    private static (IndexEntry? Entry, BulkProblem? Problem) ReadLine(ReadOnlySpan<byte> line, int lineNumber, HsaId provider)
    {
        var content = line.TrimStart(" \t\r"u8);
        if (content.IsEmpty)
            return (null, null);
        PublishedEntry? published;
        string? error, expression;
        if (content[0] == (byte)'{' && PublishedDocumentJson.TryRead(content) is { } fields)
            (published, error, expression) = IndexEntryMapper.Read(fields, provider);
        else
        {
            var text = System.Text.Encoding.UTF8.GetString(line);
            if (string.IsNullOrWhiteSpace(text))
                return (null, null);
            var (resource, parseError) = ParseDocument(text, "DocumentReference");
            if (resource is not DocumentReference document)
                return (null, new BulkProblem("NDI-PDI-002", $"line {lineNumber}: {parseError}", $"line {lineNumber}"));
            (published, error, expression) = IndexEntryMapper.Read(document, provider);
        }
        if (published is null)
            return (null, new BulkProblem("NDI-PDI-003", $"line {lineNumber}: {error}", $"line {lineNumber}: {expression}"));
        if (published.Retract)
            return (null, new BulkProblem("NDI-PDI-003", $"line {lineNumber}: retract entries one at a time with POST /fhir/DocumentReference", $"line {lineNumber}"));
        return (published.Entry, null);
    }

    private static HsaId? CallerProvider(HttpContext http) =>
        HsaId.TryParse(http.User.FindFirst(ProviderClaim)?.Value, out var provider, out _) ? provider : null;

    private static IResult NoProvider() => FhirResults.Error(403, "NDI-IAM-004", OperationOutcome.IssueType.Forbidden,
        $"The token names no provider (claim {ProviderClaim} with the provider's HSA-id); only a provider's system may publish.");

    private static IResult Refused(AuditScope audit, HsaId provider, IReadOnlyList<IndexEntry> entries, PublishRefusal refusal) => refusal switch
    {
        TooManyEntries tooMany => TooMany(audit, provider, entries, tooMany),
        EntryOfAnotherProvider taken => IndexWriteAccess.RefuseTakeover(audit, taken),
        _ => throw new InvalidOperationException($"unknown refusal {refusal}"),
    };

    /// <summary>
    /// A publish refused whole because a patient would hold more entries from one system than the index allows
    /// (<see cref="IndexOptions.MaxEntriesPerSystemPerPatient"/>): nothing was written, and the log says so.
    /// </summary>
    private static IResult TooMany(AuditScope audit, HsaId provider, IReadOnlyList<IndexEntry> entries, TooManyEntries tooMany)
    {
        var message = $"Nothing was published: patient {tooMany.Patient} would hold {tooMany.Count} entries from source system '{tooMany.SourceSystem}' "
            + $"of provider {tooMany.Provider}, more than the {tooMany.Limit} the index allows per system and patient. Publish per category and care unit, not per item.";
        Describe(audit, provider, entries, AuditAction.Create, $"NDI-PDI-021: more than {tooMany.Limit} entries per system for one patient");
        return FhirResults.Error(422, "NDI-PDI-021", OperationOutcome.IssueType.TooCostly, message);
    }

    private static IResult Rejected(string message, string? expression) =>
        FhirResults.Error(400, "NDI-PDI-003", OperationOutcome.IssueType.Invalid, message, expression);

    private static IResult TooLarge(int limit) =>
        FhirResults.Error(413, "NDI-PDI-004", OperationOutcome.IssueType.TooCostly, $"The body is larger than {limit / 1024} KiB; split it.");

    /// <summary>Parses strictly and checks the resource type; the Error is null when it is a valid resource of that type.</summary>
    private static (Resource? Resource, string? Error) ParseDocument(string json, string expectedType)
    {
        var resource = FhirJson.TryParse(json, out var error);
        if (resource is null)
            return (null, $"not valid FHIR JSON: {error}");
        return resource.TypeName == expectedType ? (resource, null) : (null, $"expected a {expectedType}, got a {resource.TypeName}");
    }
}
