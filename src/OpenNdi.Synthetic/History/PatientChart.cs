using Hl7.Fhir.Model;
using OpenNdi.Synthetic.Providers;
using Person = OpenNdi.Core.Population.Person;

namespace OpenNdi.Synthetic.History;

/// <summary>
/// One person's record in one provider's EHR: the provider's own Patient resource (with a provider-local id, so
/// that ids cannot be joined across providers) and every resource the provider holds about the person.
/// </summary>
internal sealed class PatientChart
{
    private readonly string _idPrefix;
    private int _sequence;

    public PatientChart(SimulatedProvider provider, Person person, ulong personKey)
    {
        Provider = provider;
        _idPrefix = personKey.ToString("x16");
        PatientId = _idPrefix;
        Patient = FhirFactory.Patient(PatientId, person, provider);
        PatientReference = new ResourceReference("Patient/" + PatientId) { Display = person.FullName };
        Resources.Add(Patient);
    }

    public SimulatedProvider Provider { get; }

    public string PatientId { get; }

    public Patient Patient { get; }

    public ResourceReference PatientReference { get; }

    public List<Resource> Resources { get; } = [];

    /// <summary>Assigns the next id and adds the resource to the chart.</summary>
    public T Add<T>(T resource) where T : Resource
    {
        resource.Id = $"{_idPrefix}-{++_sequence}";
        Resources.Add(resource);
        return resource;
    }

    public static ResourceReference ReferenceTo(Resource resource) => new($"{resource.TypeName}/{resource.Id}");
}
