using OpenNdi.ContactPoint.Ports;
using OpenNdi.Core.Audit;
using OpenNdi.Core.Identifiers;
using OpenNdi.Core.Policy;
using OpenNdi.Data.Population;
using OpenNdi.Fhir.Merging;
using OpenNdi.Server.Audit;
using OpenNdi.Server.Consent;
using OpenNdi.Server.ProfessionalAccess;

namespace OpenNdi.Server.CrossBorder;

/// <summary>
/// The national services as the contact point sees them (its port <see cref="INationalRecords"/>): the population
/// register, the patient's settings decided by the one access policy, and the access service for professionals,
/// which assembles the summary for the professional abroad exactly as for one in Sweden and completes the request's
/// audit record with every provider fetched and every item released or withheld.
/// </summary>
internal sealed class NationalRecordsForContactPoint(IPopulationStore population, PatientPrivacyReader privacy, AccessFlow flow, TimeProvider time) : INationalRecords
{
    public Task<OpenNdi.Core.Population.Person?> FindPersonAsync(PersonalIdentityNumber id, CancellationToken cancellationToken) => population.FindAsync(id, cancellationToken);

    public Task<bool> IsProtectedAsync(PersonalIdentityNumber id, CancellationToken cancellationToken) => population.IsProtectedAsync(id, cancellationToken);

    public async Task<bool> MayIdentifyAsync(HttpContext http, PersonalIdentityNumber patient)
    {
        if (AuditScope.Of(http).Actor is not CrossBorderProfessionalActor foreign)
            return false;
        var facts = await privacy.ReadAsync(patient, http.RequestAborted, withGuardians: false);
        return AccessPolicy.MayIdentifyAcrossBorder(foreign, facts, time.GetUtcNow());
    }

    public async Task<NationalSummary> SummaryAsync(HttpContext http, PersonalIdentityNumber patient)
    {
        var audit = AuditScope.Of(http);
        var (gathered, refusal) = await flow.GatherAsync(http, audit, patient, ClinicalCategories.Summary, FetchPlan.ForSummary);
        if (gathered is null)
            return new NationalSummary(null, refusal);
        var (document, released) = gathered.Summary(Guid.NewGuid().ToString(), time.GetUtcNow());
        AccessFlow.Describe(http, audit, gathered, released);
        return new NationalSummary(document, null);
    }
}

/// <summary>The contact point's handlers describe their requests in the request's <see cref="AuditScope"/>; the route's filter stores it.</summary>
internal sealed class CrossBorderAuditNotes : ICrossBorderAudit
{
    public void Patient(HttpContext http, string patient) => AuditScope.Of(http).Patient(patient);

    public void Entity(HttpContext http, string kind, string? reference, string? detail)
    {
        var scope = AuditScope.Of(http);
        scope.Record = scope.Record with { Entities = [.. scope.Record.Entities, new AuditEntity(kind, reference, Detail: detail)] };
    }

    public void Refused(HttpContext http, string why) => AuditScope.Of(http).Refused(why);
}
