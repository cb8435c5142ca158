using Hl7.Fhir.Model;
using Microsoft.AspNetCore.Http;
using OpenNdi.Core.Identifiers;

namespace OpenNdi.ContactPoint.Ports;

/// <summary>
/// What the contact point needs of the national services when Sweden is the country of affiliation, implemented by
/// the host over the population register, the patient's settings and the access service for professionals. The
/// contact point never reads their storage itself (architecture test).
/// </summary>
public interface INationalRecords
{
    /// <summary>The person the population register holds under <paramref name="id"/>, or null.</summary>
    Task<OpenNdi.Core.Population.Person?> FindPersonAsync(PersonalIdentityNumber id, CancellationToken cancellationToken);

    /// <summary>Whether the register marks the person's identity as protected (skyddad identitet): never identified across borders.</summary>
    Task<bool> IsProtectedAsync(PersonalIdentityNumber id, CancellationToken cancellationToken);

    /// <summary>Whether the access policy lets the request's professional abroad learn that the patient is known at all (opt-out, shares).</summary>
    Task<bool> MayIdentifyAsync(HttpContext http, PersonalIdentityNumber patient);

    /// <summary>
    /// The patient's summary as the access service for professionals assembles it for the request's professional
    /// abroad (the policy decides every item; the request's audit record is completed by it), or its refusal.
    /// </summary>
    Task<NationalSummary> SummaryAsync(HttpContext http, PersonalIdentityNumber patient);

    /// <summary>
    /// The patient's prescriptions as the access service for professionals releases them to the request's professional
    /// abroad (the policy decides each; the audit record is completed by it), or its refusal.
    /// </summary>
    Task<NationalPrescriptions> PrescriptionsAsync(HttpContext http, PersonalIdentityNumber patient);

    /// <summary>
    /// The Swedish professional of the request, when the access policy lets them ask another country's contact point
    /// for a visitor's data (Sweden as the country of treatment); otherwise why not.
    /// </summary>
    (OpenNdi.ContactPoint.Visitors.SwedishProfessional? Asker, OpenNdi.ContactPoint.Domain.NcpRefusal? Refusal) AskerAbroad(HttpContext http);
}

/// <summary>
/// One prescription as a provider's EHR holds it: its id across borders (stable, opaque: derived from where it lives),
/// where it lives, the prescribing provider and care unit, and the MedicationRequest as released.
/// </summary>
public sealed record NationalPrescription(string Id, string SourceUrl, string Provider, string CareUnit, MedicationRequest Request);

/// <summary>The prescriptions released, or the answer that refused them (already described in the audit).</summary>
public sealed record NationalPrescriptions(IReadOnlyList<NationalPrescription> Items, IResult? Refusal);

/// <summary>An IPS document Bundle, or the answer that refused it (already described in the audit).</summary>
public sealed record NationalSummary(Bundle? Document, IResult? Refusal);

/// <summary>
/// How a contact point handler describes its request for the audit record the route's declaration stores (it never
/// stores one itself): the patient, what it touched, and a refusal with why (the caller may hear less).
/// </summary>
public interface ICrossBorderAudit
{
    void Patient(HttpContext http, string patient);

    void Entity(HttpContext http, string kind, string? reference, string? detail);

    void Refused(HttpContext http, string why);
}
