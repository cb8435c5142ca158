using Hl7.Fhir.Model;
using OpenNdi.Data.Simulator;
using OpenNdi.Fhir;

namespace OpenNdi.Synthetic.History;

/// <summary>
/// Turns generated resources into stored rows: the JSON plus the fields the simulator's FHIR search uses
/// (patient, clinically relevant date, main code), taken from the elements FHIR's own search parameters use
/// (e.g. Observation "date" is effective[x], MedicationDispense "whenhandedover").
/// </summary>
internal static class ResourceRows
{
    public static StoredResource From(string providerKey, Resource resource, string? patientId, string? identifier) => new(
        providerKey, resource.TypeName, resource.Id!, patientId, identifier, DateOf(resource), CodeOf(resource), FhirJson.Serialize(resource));

    private static string? DateOf(Resource resource) => resource switch
    {
        Encounter e => e.Period?.Start,
        Condition c => (c.Onset as FhirDateTime)?.Value ?? c.RecordedDate,
        Observation o => (o.Effective as FhirDateTime)?.Value,
        DiagnosticReport r => (r.Effective as FhirDateTime)?.Value,
        MedicationStatement s => (s.Effective as Period)?.Start,
        MedicationRequest r => r.AuthoredOn,
        MedicationDispense d => d.WhenHandedOver,
        Immunization i => (i.Occurrence as FhirDateTime)?.Value,
        AllergyIntolerance a => a.RecordedDate,
        Flag f => f.Period?.Start,
        Procedure p => (p.Performed as FhirDateTime)?.Value,
        DeviceUseStatement u => (u.Timing as Period)?.Start,
        Composition c => c.Date,
        _ => null,
    };

    private static string? CodeOf(Resource resource)
    {
        var concept = resource switch
        {
            Condition c => c.Code,
            Observation o => o.Code,
            DiagnosticReport r => r.Code,
            MedicationStatement s => s.Medication as CodeableConcept,
            MedicationRequest r => r.Medication as CodeableConcept,
            MedicationDispense d => d.Medication as CodeableConcept,
            Immunization i => i.VaccineCode,
            AllergyIntolerance a => a.Code,
            Flag f => f.Code,
            Procedure p => p.Code,
            Device d => d.Type,
            Composition c => c.Type,
            _ => null,
        };
        var coding = concept?.Coding.FirstOrDefault();
        return coding is null ? null : $"{coding.System}|{coding.Code}";
    }
}
