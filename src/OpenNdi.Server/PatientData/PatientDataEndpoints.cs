using Hl7.Fhir.Model;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OpenNdi.Core.Audit;
using OpenNdi.Core.Identity;
using OpenNdi.Core.Policy;
using OpenNdi.Core.ServiceDirectory;
using OpenNdi.Data;
using OpenNdi.Data.PatientData;
using OpenNdi.Data.ServiceDirectory;
using OpenNdi.Fhir;
using OpenNdi.Server.Audit;
using OpenNdi.Server.Consent;
using OpenNdi.Server.FhirApi;
using OpenNdi.Server.Identity;

namespace OpenNdi.Server.PatientData;

/// <summary>
/// Patients add their own data (issue 15, right 6):
/// <code>
/// POST /fhir/Observation   a home measurement or a note (PatientObservations), for a receiving care unit
/// </code>
/// Only a person adds, for themselves or for someone they manage (the access policy's <c>MayManage</c>). Professionals
/// see it in the summary and the Observation reads, marked patient-provided, decided by the policy as data the
/// receiving unit holds (<see cref="PatientProvidedData"/>); the receiver's first read is the patient's read receipt.
/// </summary>
internal static class PatientDataEndpoints
{
    private const int MaxBodyBytes = 16 * 1024;

    public static IServiceCollection AddPatientData(this IServiceCollection services)
    {
        services.TryAddPatientPrivacy();
        services.TryAddSingleton(sp => new PatientDataStore(sp.GetRequiredService<NdiDatabase>()));
        services.AddSingleton<PatientProvidedData>();
        services.AddSingleton(new FhirCapability("Observation", [CapabilityStatement.TypeRestfulInteraction.Create], [], []));
        return services.AddCorrections();
    }

    public static IEndpointRouteBuilder MapPatientData(this IEndpointRouteBuilder app)
    {
        app.MapPost("/fhir/Observation", AddAsync).WithTags("Access service for patients").ExcludeFromDescription()
            .NationalApi(AuditEventCodes.PatientDataAdd, AuditAction.Create, "Observation", ScopePermissions.Create, ScopeContext.Patient);
        return app.MapCorrections();
    }

    private static async Task<IResult> AddAsync(HttpContext http, PatientDataStore store, ICareServicesStore directory, PatientPrivacyReader privacy, AuditScope audit, TimeProvider time, CancellationToken cancellationToken)
    {
        if (Actors.From(http.User) is not PersonActor person)
            return FhirResults.Error(403, "NDI-PDA-001", OperationOutcome.IssueType.Forbidden, "Only a person (the patient, or someone who manages for them) adds patient-provided data; the token names no person (claim person_id).");
        var (observation, bodyError) = await RequestBodies.ReadResourceAsync<Observation>(http.Request, MaxBodyBytes,
            "NDI-PDA-002", $"An Observation is at most {MaxBodyBytes / 1024} KiB.", "NDI-PDA-003", "an Observation", cancellationToken);
        if (observation is null)
            return bodyError!;
        var now = time.GetUtcNow();
        var (entry, error, expression) = PatientObservations.Read(observation, now);
        if (entry is null)
            return FhirResults.Error(400, "NDI-PDA-004", OperationOutcome.IssueType.Invalid, error!, expression);
        var (allowed, actingAs) = AccessPolicy.MayManage(person, await privacy.ReadAsync(entry.Patient, cancellationToken), now);
        if (!allowed)
        {
            audit.Patient(entry.Patient.Value);
            audit.Refused("not the patient nor a representative who manages for them");
            return FhirResults.Error(403, "NDI-PDA-005", OperationOutcome.IssueType.Forbidden, "You may add data only for yourself, or for someone you manage for.");
        }
        var unit = await directory.GetAsync<DirectoryOrganization>(entry.Receiver.Value, cancellationToken);
        if (unit is not { Role: OrganizationRole.CareUnit, Active: true, PartOf: { } provider })
            return FhirResults.Error(400, "NDI-PDA-006", OperationOutcome.IssueType.Invalid,
                $"{entry.Receiver.Value} is not a care unit in the service directory; choose a care unit that treats you as the receiver.", "Observation.extension");

        var id = Guid.NewGuid().ToString("N");
        var stored = PatientObservations.Build(id, entry, now);
        await store.AddAsync(new PatientObservation(id, entry.Patient.Value, provider, entry.Receiver, entry.Effective, now, person.Person.Value,
            actingAs?.Represented.Value, FhirJson.Serialize(stored), null), cancellationToken);
        audit.Record = audit.Record with
        {
            Patient = entry.Patient.Value,
            OnBehalfOf = AuditTrail.OnBehalfOf(actingAs),
            Entities = [new AuditEntity("patient-provided", $"Observation/{id}", provider.Value, entry.Kind.Loinc, $"for care unit {entry.Receiver.Value}")],
        };
        http.Response.Headers.Location = $"/fhir/Observation/{id}";
        return FhirResults.Resource(stored, StatusCodes.Status201Created);
    }
}
