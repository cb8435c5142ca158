using Hl7.Fhir.Model;
using OpenNdi.ContactPoint.Storage;
using OpenNdi.Core.Identifiers;
using OpenNdi.Core.Index;
using OpenNdi.Core.Policy;
using OpenNdi.Fhir;
using OpenNdi.Fhir.Merging;
using OpenNdi.Server.ProfessionalAccess;

namespace OpenNdi.Server.CrossBorder;

/// <summary>
/// Swedish prescriptions dispensed abroad (reported through the national contact point) in the answers of the access
/// service: for a read of dispensations (<c>MedicationDispense</c>, category eDispensation), each one is an item of the
/// prescribing provider's care unit, decided by the access policy like the provider's own (opt-out, blocks and
/// emergency breaks apply), tagged <c>urn:openndi:cross-border|dispensed-abroad</c>, naming the country's pharmacy,
/// and pointing at the prescription it dispensed. The patient reads them too (their own data).
/// </summary>
internal sealed class CrossBorderDispensationItems(DispensationStore store, TimeProvider time) : IAdditionalItems
{
    public async Task<IReadOnlyList<SourcedItem>> ItemsAsync(PersonalIdentityNumber patient, string patientFullUrl, IReadOnlyCollection<DataCategory> categories,
        Func<string, bool> covers, Func<RequestedItem, ItemDecision> decide,
        Func<IEnumerable<HsaId>, CancellationToken, Task<IReadOnlyDictionary<HsaId, string?>>> namesOf, CancellationToken cancellationToken)
    {
        if (!categories.Contains(DataCategory.EDispensation) || !covers("MedicationDispense"))
            return [];
        var dispensed = await store.ForPatientAsync(patient.Value, cancellationToken);
        if (dispensed.Count == 0)
            return [];
        var names = await namesOf(dispensed.Select(d => HsaId.Parse(d.PrescribingProvider)).Distinct(), cancellationToken);
        var now = time.GetUtcNow();
        var items = new List<SourcedItem>();
        foreach (var dispensation in dispensed)
        {
            var provider = HsaId.Parse(dispensation.PrescribingProvider);
            var unit = HsaId.Parse(dispensation.PrescribingUnit);
            var decision = decide(new RequestedItem(provider, unit, DataCategory.EDispensation, $"MedicationDispense/{dispensation.DispensationId}"));
            if (!decision.Permitted)
                continue;
            var content = FhirJson.Parse<Bundle>(dispensation.DispenseJson);
            var index = 0;
            foreach (var dispense in content.Entry.Select(e => e.Resource).OfType<MedicationDispense>())
            {
                var url = $"urn:uuid:{PatientSummaryBuilder.DeterministicUuid($"ncp-dispense|{dispensation.DispensationId}|{index++}")}";
                dispense.Id = null;
                dispense.Subject = new ResourceReference(patientFullUrl);
                dispense.AuthorizingPrescription = [new ResourceReference(dispensation.PrescriptionSource)];
                // The pharmacy abroad is named, not referenced: its resources stay in its country.
                var pharmacy = dispense.Performer.FirstOrDefault()?.Actor?.Display;
                dispense.Performer = [new MedicationDispense.PerformerComponent { Actor = new ResourceReference { Display = $"{pharmacy ?? "Pharmacy"} ({dispensation.Country}, MyHealth@EU)" } }];
                if (dispense.Medication is ResourceReference medication)
                    dispense.Medication = new CodeableConcept { Text = medication.Display ?? "medication dispensed abroad" };
                dispense.Meta ??= new Meta();
                dispense.Meta.Tag.Add(new Coding("urn:openndi:cross-border", "dispensed-abroad", $"Dispensed in {dispensation.Country} through MyHealth@EU"));
                var day = DateOnly.FromDateTime(dispensation.Recorded.UtcDateTime);
                items.Add(new SourcedItem(dispense, DataCategory.EDispensation,
                    new ItemSource(provider, names.GetValueOrDefault(provider), unit, url, day, day, now, decision.ViaEmergencyBreak)));
            }
        }
        return items;
    }
}
