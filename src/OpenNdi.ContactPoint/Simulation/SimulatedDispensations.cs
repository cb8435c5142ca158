using Hl7.Fhir.Model;

namespace OpenNdi.ContactPoint.Simulation;

/// <summary>How a dispensation report ended at the simulated peer.</summary>
internal enum DispenseOutcome
{
    /// <summary>Recorded now.</summary>
    Accepted,

    /// <summary>The same dispensation sent again: answered as the first time, nothing changes.</summary>
    Repeated,

    /// <summary>The prescription was dispensed by another dispensation (NDI-NCP-020).</summary>
    AlreadyDispensed,

    /// <summary>The dispensation's identifier was used before for another prescription.</summary>
    IdentifierReused,
}

/// <summary>
/// What a simulated peer has dispensed. It is a simulation: the state is kept in memory, per peer, and lost when the
/// process ends. One lock makes "is it dispensed? then record it" a single step, so two concurrent dispensations of
/// one prescription cannot both succeed (ADR 0010 §6: a prescription is not dispensed twice across borders; a real
/// peer does it in its database transaction).
/// </summary>
internal sealed class SimulatedDispensations
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, string> _dispensationOfPrescription = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (string Prescription, Bundle Response)> _byDispensation = new(StringComparer.Ordinal);

    public bool IsDispensed(string prescriptionId)
    {
        lock (_lock)
            return _dispensationOfPrescription.ContainsKey(prescriptionId);
    }

    /// <summary>Records <paramref name="dispensationId"/> for <paramref name="prescriptionId"/> unless it is dispensed; the answer of the first acceptance is kept and returned on a repeat.</summary>
    public (DispenseOutcome Outcome, Bundle? Response) Dispense(string prescriptionId, string dispensationId, Func<Bundle> respond)
    {
        lock (_lock)
        {
            if (_byDispensation.TryGetValue(dispensationId, out var earlier))
                return earlier.Prescription == prescriptionId ? (DispenseOutcome.Repeated, earlier.Response) : (DispenseOutcome.IdentifierReused, null);
            if (_dispensationOfPrescription.ContainsKey(prescriptionId))
                return (DispenseOutcome.AlreadyDispensed, null);
            var response = respond();
            _dispensationOfPrescription[prescriptionId] = dispensationId;
            _byDispensation[dispensationId] = (prescriptionId, response);
            return (DispenseOutcome.Accepted, response);
        }
    }
}
