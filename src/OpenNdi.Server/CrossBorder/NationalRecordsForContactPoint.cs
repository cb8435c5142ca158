using Hl7.Fhir.Model;
using OpenNdi.ContactPoint.Domain;
using OpenNdi.ContactPoint.Prescriptions;
using OpenNdi.ContactPoint.Ports;
using OpenNdi.ContactPoint.Visitors;
using OpenNdi.Core.Identity;
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

    public async Task<NationalPrescriptions> PrescriptionsAsync(HttpContext http, PersonalIdentityNumber patient)
    {
        var audit = AuditScope.Of(http);
        IReadOnlyCollection<OpenNdi.Core.Index.DataCategory> categories = [OpenNdi.Core.Index.DataCategory.EPrescription];
        var (gathered, refusal) = await flow.GatherAsync(http, audit, patient, categories, lookup => FetchPlan.ForSearch(lookup, "MedicationRequest", ""));
        if (gathered is null)
            return new NationalPrescriptions([], refusal);
        var (_, released) = gathered.Searchset("MedicationRequest", categories, $"{http.Request.Path}");
        AccessFlow.Describe(http, audit, gathered, released);
        return new NationalPrescriptions([.. released
            .Where(item => item.Resource is MedicationRequest && item.Sources[0].CareUnit is not null)
            .Select(item => new NationalPrescription(CrossBorderPrescriptions.IdOf(item.Sources[0].Url), item.Sources[0].Url, item.Sources[0].Provider.Value,
                item.Sources[0].CareUnit!.Value.Value, (MedicationRequest)item.Resource))], null);
    }

    public (SwedishProfessional? Asker, NcpRefusal? Refusal) AskerAbroad(HttpContext http)
    {
        var actor = AuditScope.Of(http).Actor;
        var declared = http.Request.Headers[PatientIndex.IndexAccess.CareRelationshipHeader] == "declared";
        if (AccessPolicy.MayAskAcrossBorder(actor, declared) is { } reason || actor is not ProfessionalActor professional)
            return (null, new NcpRefusal("NDI-NCP-003", StatusCodes.Status403Forbidden,
                $"{PatientIndex.IndexAccess.LimitText(AccessPolicy.MayAskAcrossBorder(actor, declared) ?? DecisionReason.NotADataActor)}: a visitor's data from abroad is asked for by a professional, for treatment, with a declared care relationship"));
        string? Claim(string type) => http.User.FindFirst(type)?.Value;
        var (code, display) = IscoRole(Claim(NdiClaims.SubjectRole));
        return (new SwedishProfessional(professional.Id.Value, Claim(NdiClaims.SubjectName) ?? professional.Id.Value, code, display,
            Claim(NdiClaims.SubjectOrganization) ?? professional.Provider.Value, professional.Provider.Value,
            professional.PurposeOfUse == PurposeOfUse.EmergencyTreatment ? CrossBorderPurpose.Emergency : CrossBorderPurpose.Treatment), null);
    }

    /// <summary>The ISCO-08 group eHDSI names a professional's role with, from the token's role (a Swedish title or its English).</summary>
    internal static (string Code, string Display) IscoRole(string? role) => role?.ToLowerInvariant() switch
    {
        { } r when r.Contains("sjuksköterska", StringComparison.Ordinal) || r.Contains("nurse", StringComparison.Ordinal) => ("2221", "Nursing professionals"),
        { } r when r.Contains("apotekare", StringComparison.Ordinal) || r.Contains("receptarie", StringComparison.Ordinal) || r.Contains("pharmac", StringComparison.Ordinal) => ("2262", "Pharmacists"),
        { } r when r.Contains("tandläkare", StringComparison.Ordinal) || r.Contains("dentist", StringComparison.Ordinal) => ("2261", "Dentists"),
        _ => ("221", "Medical doctors"),
    };

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
