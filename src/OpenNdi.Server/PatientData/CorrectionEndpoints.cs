using System.Globalization;
using Hl7.Fhir.Model;
using OpenNdi.Core.Audit;
using OpenNdi.Core.Identifiers;
using OpenNdi.Core.Identity;
using OpenNdi.Core.Policy;
using OpenNdi.Core.ServiceDirectory;
using OpenNdi.Data.PatientData;
using OpenNdi.Data.ServiceDirectory;
using OpenNdi.Fhir;
using OpenNdi.Server.Audit;
using OpenNdi.Server.Consent;
using OpenNdi.Server.FhirApi;
using OpenNdi.Server.Identity;

namespace OpenNdi.Server.PatientData;

/// <summary>
/// A patient's request that a provider correct its record (issue 15, right 7; the patient data act gives the right to
/// ask), as a FHIR R4 Task with code <c>task-code|change</c>, routed to the provider that owns the record:
/// <code>
/// POST /fhir/Task                 the patient (or who manages for them) asks: for, owner (the provider's HSA-id), focus (the item), description
/// GET  /fhir/Task?patient=&lt;pnr&gt;   the patient's requests and where they stand
/// GET  /fhir/Task?owner=&lt;hsa&gt;     a provider's system: the requests to its provider
/// PUT  /fhir/Task/{id}            the owning provider's system answers: status accepted | rejected | in-progress | completed, statusReason, note
/// </code>
/// The service writes every stored Task itself from what it read; a provider's answer changes only status,
/// statusReason and notes, and only along the lifecycle. Every version is kept.
/// </summary>
internal static class CorrectionEndpoints
{
    private const int MaxBodyBytes = 16 * 1024;
    private const int MaxText = 2000;
    private const string TaskCodeSystem = "http://hl7.org/fhir/CodeSystem/task-code";

    /// <summary>Where a request may go from each state.</summary>
    private static readonly Dictionary<Hl7.Fhir.Model.Task.TaskStatus, Hl7.Fhir.Model.Task.TaskStatus[]> Next = new()
    {
        [Hl7.Fhir.Model.Task.TaskStatus.Requested] = [Hl7.Fhir.Model.Task.TaskStatus.Accepted, Hl7.Fhir.Model.Task.TaskStatus.Rejected, Hl7.Fhir.Model.Task.TaskStatus.InProgress, Hl7.Fhir.Model.Task.TaskStatus.Completed],
        [Hl7.Fhir.Model.Task.TaskStatus.Accepted] = [Hl7.Fhir.Model.Task.TaskStatus.InProgress, Hl7.Fhir.Model.Task.TaskStatus.Completed, Hl7.Fhir.Model.Task.TaskStatus.Rejected],
        [Hl7.Fhir.Model.Task.TaskStatus.InProgress] = [Hl7.Fhir.Model.Task.TaskStatus.Completed, Hl7.Fhir.Model.Task.TaskStatus.Rejected],
    };

    public static IServiceCollection AddCorrections(this IServiceCollection services)
    {
        services.AddSingleton(sp => new CorrectionStore(sp.GetRequiredService<OpenNdi.Data.NdiDatabase>()));
        services.AddSingleton(new FhirCapability("Task", [CapabilityStatement.TypeRestfulInteraction.Create, CapabilityStatement.TypeRestfulInteraction.Update, CapabilityStatement.TypeRestfulInteraction.SearchType],
            [("patient", SearchParamType.Token), ("owner", SearchParamType.Token)], []));
        return services;
    }

    public static IEndpointRouteBuilder MapCorrections(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/fhir/Task").WithTags("Access service for patients").ExcludeFromDescription();
        group.MapPost("", CreateAsync).NationalApi(AuditEventCodes.CorrectionRequest, AuditAction.Create, "Task", ScopePermissions.Create, ScopeContext.Patient);
        group.MapGet("", SearchAsync).NationalApi(AuditEventCodes.CorrectionRead, AuditAction.Read, "Task", ScopePermissions.Read | ScopePermissions.Search, ScopeContext.Patient, ScopeContext.System);
        group.MapPut("/{id}", AnswerAsync).NationalApi(AuditEventCodes.CorrectionAnswer, AuditAction.Update, "Task", ScopePermissions.Update, ScopeContext.System);
        return app;
    }

    private static async Task<IResult> CreateAsync(HttpContext http, CorrectionStore store, ICareServicesStore directory, PatientPrivacyReader privacy, AuditScope audit, TimeProvider time, CancellationToken cancellationToken)
    {
        if (Actors.From(http.User) is not PersonActor person)
            return FhirResults.Error(403, "NDI-COR-001", OperationOutcome.IssueType.Forbidden, "Only a person (the patient, or someone who manages for them) asks for a correction; the token names no person (claim person_id).");
        var (task, failure) = await ReadTaskAsync(http, cancellationToken);
        if (task is null)
            return failure!;
        if (task.Code?.Coding.Any(c => c.System == TaskCodeSystem && c.Code == "change") != true)
            return Invalid($"code must be {TaskCodeSystem}|change: a request to change the focal record", "Task.code");
        if (task.For?.Identifier?.Value is not { } forValue || !PersonalIdentityNumber.TryParse(forValue, out var patient, out var patientError))
            return Invalid("for.identifier must be the patient's personnummer or samordningsnummer", "Task.for.identifier");
        if (!HsaId.TryParse(task.Owner?.Identifier?.Value, out var ownerId, out var ownerError))
            return Invalid($"owner.identifier must be the HSA-id of the provider (or care unit) whose record it is: {ownerError}", "Task.owner.identifier");
        var description = task.Description?.Trim();
        if (string.IsNullOrEmpty(description) || description.Length > MaxText)
            return Invalid($"description says what is wrong and what it should say, 1 to {MaxText} characters", "Task.description");
        var focusKey = task.Focus?.Identifier?.Value ?? task.Focus?.Reference;
        if (focusKey?.Length > 200 || task.Focus?.Display?.Length > 500)
            return Invalid("focus names the item by its provider's reference (at most 200 characters) and its text (at most 500)", "Task.focus");
        var now = time.GetUtcNow();
        var (allowed, actingAs) = AccessPolicy.MayManage(person, await privacy.ReadAsync(patient, cancellationToken), now);
        if (!allowed)
        {
            audit.Patient(patient.Value);
            audit.Refused("not the patient nor a representative who manages for them");
            return FhirResults.Error(403, "NDI-COR-003", OperationOutcome.IssueType.Forbidden, "You may ask for corrections only of your own records, or of someone's you manage for.");
        }
        var organization = await directory.GetAsync<DirectoryOrganization>(ownerId.Value, cancellationToken);
        if (organization is not { Active: true })
            return Invalid($"{ownerId.Value} is not a provider or care unit in the service directory", "Task.owner.identifier");

        var id = Guid.NewGuid().ToString("N");
        var stored = new Hl7.Fhir.Model.Task
        {
            Id = id,
            Status = Hl7.Fhir.Model.Task.TaskStatus.Requested,
            Intent = Hl7.Fhir.Model.Task.TaskIntent.Proposal,
            Code = new CodeableConcept(TaskCodeSystem, "change", "Change the focal resource", null),
            Description = description,
            For = new ResourceReference { Type = "Patient", Identifier = new Identifier(patient.IdentifierSystem, patient.Value) },
            Owner = new ResourceReference { Type = "Organization", Identifier = new Identifier(HsaId.System, organization.Provider.Value), Display = organization.Name },
            Requester = new ResourceReference { Identifier = new Identifier(person.Person.IdentifierSystem, person.Person.Value), Type = actingAs is null ? "Patient" : "RelatedPerson" },
            AuthoredOnElement = new FhirDateTime(now),
            LastModifiedElement = new FhirDateTime(now),
        };
        if (focusKey is not null || task.Focus?.Display is not null)
            stored.Focus = new ResourceReference { Identifier = focusKey is null ? null : new Identifier("urn:openndi:index:item", focusKey), Display = task.Focus?.Display };
        if (organization.Role == OrganizationRole.CareUnit)
            stored.Location = new ResourceReference { Type = "Location", Identifier = new Identifier(HsaId.System, organization.HsaId.Value), Display = organization.Name };
        await store.AddAsync(new StoredCorrection(id, patient.Value, organization.Provider, "requested", 1, now, FhirJson.Serialize(stored)), person.Person.Value, cancellationToken);
        audit.Record = audit.Record with
        {
            Patient = patient.Value,
            OnBehalfOf = AuditTrail.OnBehalfOf(actingAs),
            Entities = [new AuditEntity("correction-request", $"Task/{id}", organization.Provider.Value, Detail: focusKey)],
        };
        http.Response.Headers.Location = $"/fhir/Task/{id}";
        return FhirResults.Resource(WithVersion(stored, 1), StatusCodes.Status201Created);
    }

    private static async Task<IResult> SearchAsync(HttpContext http, CorrectionStore store, PatientPrivacyReader privacy, AuditScope audit, TimeProvider time, CancellationToken cancellationToken)
    {
        IReadOnlyList<StoredCorrection> found;
        var actor = Actors.From(http.User);
        if (actor is PersonActor person)
        {
            var value = http.Request.Query["patient"].ToString();
            var bar = value.IndexOf('|');
            if (!PersonalIdentityNumber.TryParse(bar >= 0 ? value[(bar + 1)..] : value, out var patient, out var error))
                return Invalid($"patient is required, as a personnummer or samordningsnummer: {error}", "patient");
            var (may, representation) = await privacy.PersonMayActForAsync(person.Person, patient, time.GetUtcNow(), cancellationToken);
            audit.Patient(patient.Value);
            if (!may)
            {
                audit.Refused("not the patient nor a representative");
                return FhirResults.Error(403, "NDI-COR-003", OperationOutcome.IssueType.Forbidden, "You may read only your own requests, or those of someone you represent.");
            }
            audit.Record = audit.Record with { OnBehalfOf = AuditTrail.OnBehalfOf(representation) };
            found = await store.ForPatientAsync(patient, cancellationToken);
        }
        else if (actor is SystemActor system)
        {
            if (!HsaId.TryParse(http.Request.Query["owner"].ToString(), out var owner, out var error))
                return Invalid($"owner is required, as the provider's HSA-id: {error}", "owner");
            if (AccessPolicy.MayAnswerCorrection(system, owner) is { Allowed: false, Reason: var why })
            {
                audit.Refused(why!);
                return FhirResults.Error(403, "NDI-COR-004", OperationOutcome.IssueType.Forbidden, why!);
            }
            found = await store.ForOwnerAsync(owner, cancellationToken);
        }
        else
        {
            return FhirResults.Error(403, "NDI-COR-001", OperationOutcome.IssueType.Forbidden, "Correction requests are read by the patient and by the owning provider's system.");
        }
        var bundle = new Bundle { Type = Bundle.BundleType.Searchset };
        foreach (var task in found)
            bundle.Entry.Add(new Bundle.EntryComponent { FullUrl = $"{http.Request.Scheme}://{http.Request.Host}/fhir/Task/{task.Id}", Resource = WithVersion(FhirJson.Parse<Hl7.Fhir.Model.Task>(task.Json), task.Version), Search = new Bundle.SearchComponent { Mode = Bundle.SearchEntryMode.Match } });
        bundle.Total = bundle.Entry.Count;
        audit.Record = audit.Record with { Entities = [.. found.Select(t => new AuditEntity("correction-request", $"Task/{t.Id}", t.Owner.Value, Detail: t.Status))] };
        return FhirResults.Resource(bundle);
    }

    private static async Task<IResult> AnswerAsync(string id, HttpContext http, CorrectionStore store, AuditScope audit, TimeProvider time, CancellationToken cancellationToken)
    {
        var stored = await store.GetAsync(id, cancellationToken);
        if (stored is null)
            return FhirResults.Error(404, "NDI-COR-005", OperationOutcome.IssueType.NotFound, $"No Task {id}.");
        audit.Patient(stored.Patient);
        if (AccessPolicy.MayAnswerCorrection(audit.Actor, stored.Owner) is { Allowed: false, Reason: var why })
        {
            audit.Refused(why!);
            return FhirResults.Error(403, "NDI-COR-004", OperationOutcome.IssueType.Forbidden, why!);
        }
        var (answer, failure) = await ReadTaskAsync(http, cancellationToken);
        if (answer is null)
            return failure!;
        var current = FhirJson.Parse<Hl7.Fhir.Model.Task>(stored.Json);
        if (answer.Status is not { } status || !Next.TryGetValue(current.Status!.Value, out var allowed) || !allowed.Contains(status))
            return FhirResults.Error(409, "NDI-COR-006", OperationOutcome.IssueType.BusinessRule,
                $"A request that is {Code(current.Status!.Value)} cannot become {(answer.Status is { } s ? Code(s) : "(no status)")}; from {Code(current.Status!.Value)} it goes to {string.Join(", ", Next.GetValueOrDefault(current.Status!.Value, []).Select(Code))}.", "Task.status");
        var reason = answer.StatusReason?.Text?.Trim();
        if (reason?.Length > MaxText || answer.Note.Any(n => n.Text?.Length > MaxText))
            return Invalid($"statusReason and notes are at most {MaxText} characters", "Task.statusReason");
        if (status == Hl7.Fhir.Model.Task.TaskStatus.Rejected && string.IsNullOrEmpty(reason))
            return Invalid("a rejected request says why (statusReason.text), for the patient to read", "Task.statusReason");
        var now = time.GetUtcNow();
        current.Status = status;
        current.StatusReason = string.IsNullOrEmpty(reason) ? current.StatusReason : new CodeableConcept { Text = reason };
        current.Note.AddRange(answer.Note.Where(n => !string.IsNullOrWhiteSpace(n.Text)).Select(n => new Annotation { Text = n.Text, Time = now.ToString("O", CultureInfo.InvariantCulture) }));
        current.LastModifiedElement = new FhirDateTime(now);
        if (!await store.UpdateAsync(id, stored.Version, Code(status), now, FhirJson.Serialize(current), ((SystemActor)audit.Actor).ClientId, cancellationToken))
            return FhirResults.Error(409, "NDI-COR-007", OperationOutcome.IssueType.Conflict, "The request was changed by another answer at the same time; read it and try again.");
        audit.Record = audit.Record with { Entities = [new AuditEntity("correction-request", $"Task/{id}/_history/{stored.Version + 1}", stored.Owner.Value, Detail: Code(status))] };
        return FhirResults.Resource(WithVersion(current, stored.Version + 1));
    }

    private static Task<(Hl7.Fhir.Model.Task? Resource, IResult? Error)> ReadTaskAsync(HttpContext http, CancellationToken cancellationToken) =>
        RequestBodies.ReadResourceAsync<Hl7.Fhir.Model.Task>(http.Request, MaxBodyBytes, "NDI-COR-008", $"A Task is at most {MaxBodyBytes / 1024} KiB.",
            "NDI-COR-002", "a Task", cancellationToken, expression: "Task");

    private static string Code(Hl7.Fhir.Model.Task.TaskStatus status) => Hl7.Fhir.Utility.EnumUtility.GetLiteral(status)!;

    private static Hl7.Fhir.Model.Task WithVersion(Hl7.Fhir.Model.Task task, int version)
    {
        task.Meta = new Meta { VersionId = version.ToString(CultureInfo.InvariantCulture) };
        return task;
    }

    private static IResult Invalid(string problem, string expression) => FhirResults.Error(400, "NDI-COR-002", OperationOutcome.IssueType.Invalid, problem, expression);
}
