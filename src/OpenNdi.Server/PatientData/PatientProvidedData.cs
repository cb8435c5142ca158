using Hl7.Fhir.Model;
using OpenNdi.Core.Identifiers;
using OpenNdi.Core.Index;
using OpenNdi.Core.Policy;
using OpenNdi.Data.PatientData;
using OpenNdi.Fhir;
using OpenNdi.Fhir.Merging;

namespace OpenNdi.Server.PatientData;

/// <summary>
/// What patients added, as items of an access answer: each decided by the access policy as data the receiving care
/// unit holds (a laboratory-category item of that unit's provider, by its own <c>Observation/id</c>, so opt-out,
/// blocks and emergency breaks apply as to any other), marked patient-provided, with its read receipt when there is
/// one. A professional of the receiving provider who is given it is its first reader: that is the receipt.
/// </summary>
internal sealed class PatientProvidedData(PatientDataStore store, Platform.PublicBaseUrl publicBase, TimeProvider time, ILogger<PatientProvidedData> logger)
{
    /// <param name="namesOf">The providers' names, for the items' sources.</param>
    /// <param name="patientFullUrl">The answer's national Patient, which the items' subject and performer point at.</param>
    public async Task<IReadOnlyList<SourcedItem>> ItemsAsync(PersonalIdentityNumber patient, string patientFullUrl, Actor actor, string? actorName, Func<RequestedItem, ItemDecision> decide,
        Func<IEnumerable<HsaId>, CancellationToken, Task<IReadOnlyDictionary<HsaId, string?>>> namesOf, CancellationToken cancellationToken)
    {
        var stored = await store.ListAsync(patient, cancellationToken);
        if (stored.Count == 0)
            return [];
        var names = await namesOf(stored.Select(o => o.ReceiverProvider).Distinct(), cancellationToken);
        var now = time.GetUtcNow();
        var items = new List<SourcedItem>();
        foreach (var observation in stored)
        {
            var decision = decide(new RequestedItem(observation.ReceiverProvider, observation.ReceiverUnit, DataCategory.Laboratory, $"Observation/{observation.Id}"));
            if (!decision.Permitted)
                continue;
            var receipt = observation.Receipt;
            if (receipt is null && actor is ProfessionalActor professional && professional.Provider == observation.ReceiverProvider)
            {
                receipt = new ReadReceipt(now, professional.Id.Value, actorName);
                if (!await store.MarkReadAsync(observation.Id, receipt, cancellationToken))
                    receipt = (await store.ListAsync(patient, cancellationToken)).FirstOrDefault(o => o.Id == observation.Id)?.Receipt ?? receipt;
                else
                    logger.LogInformation("Patient-provided {Observation} first read by {Reader} of the receiving provider {Provider}", observation.Id, professional.Id, professional.Provider);
            }
            var resource = FhirJson.Parse<Observation>(observation.Json);
            resource.Subject = new ResourceReference(patientFullUrl);
            resource.Performer = [new ResourceReference(patientFullUrl)];
            if (receipt is not null)
            {
                resource.Extension.Add(new Extension
                {
                    Url = PatientObservations.ReadReceiptExtension,
                    Extension =
                    [
                        new Extension("readAt", new FhirDateTime(receipt.At)),
                        new Extension("reader", new ResourceReference { Type = "Practitioner", Identifier = new Identifier(HsaId.System, receipt.By), Display = receipt.ByName }),
                    ],
                });
            }
            var day = DateOnly.FromDateTime(observation.Effective.UtcDateTime);
            var url = publicBase.Append($"/fhir/Observation/{observation.Id}").AbsoluteUri;
            items.Add(new SourcedItem(resource, DataCategory.Laboratory,
                new ItemSource(observation.ReceiverProvider, names.GetValueOrDefault(observation.ReceiverProvider), observation.ReceiverUnit, url, day, day, now, decision.ViaEmergencyBreak)));
        }
        return items;
    }
}
