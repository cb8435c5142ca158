namespace OpenNdi.ContactPoint.Simulation;

/// <summary>A trait of a simulated country's identification mask (eHDSI International Search Mask, ADR 0010 §3).</summary>
public enum SimulatedTrait
{
    /// <summary>The country's national identifier under its system (<c>identifier=system|value</c>).</summary>
    Identifier,

    /// <summary><c>birthdate</c>, a full date, compared exactly.</summary>
    BirthDate,

    /// <summary><c>family</c> (or <c>name</c>), compared after folding case, diacritics, hyphens and spaces.</summary>
    Family,
}

public enum SimulatedGender
{
    Female,
    Male,
}

/// <summary>A code as the peer writes it: system, code and the display in the peer's language.</summary>
public sealed record SimulatedCoding(string System, string Code, string Display);

/// <summary>A problem list item (IPS Condition).</summary>
public sealed record SimulatedProblem(SimulatedCoding Code, DateOnly Onset);

/// <summary>An allergy or intolerance (eu-eps AllergyIntolerance) with its reaction, when one is known.</summary>
public sealed record SimulatedAllergy(SimulatedCoding Substance, SimulatedCoding? Reaction, bool HighCriticality);

/// <summary>A medication the patient takes (IPS MedicationStatement with its Medication).</summary>
public sealed record SimulatedMedication(SimulatedCoding Product, string Dosage);

/// <summary>A Composition section the IPS does not define, kept as the peer wrote it (narrative only).</summary>
public sealed record SimulatedSection(SimulatedCoding Code, string Title, string Narrative);

/// <summary>
/// A dispensable ePrescription (HL7 Europe MPD MedicationRequest, status active, with its Medication), identified
/// by <paramref name="Id"/> under the country's prescription identifier system.
/// </summary>
public sealed record SimulatedPrescription(string Id, SimulatedCoding Ingredient, SimulatedCoding DoseForm, string Strength, int PackSize, string Dosage);

/// <summary>One person of a simulated country, with what their summary and prescriptions hold.</summary>
/// <param name="Key">The peer's internal key (e.g. <c>de-3</c>); never a national identifier.</param>
public sealed record SimulatedPatient(
    string Key,
    string Identifier,
    string Given,
    string Family,
    DateOnly BirthDate,
    SimulatedGender Gender,
    IReadOnlyList<SimulatedProblem> Problems,
    IReadOnlyList<SimulatedAllergy> Allergies,
    IReadOnlyList<SimulatedMedication> Medications,
    IReadOnlyList<SimulatedSection> OtherSections,
    IReadOnlyList<SimulatedPrescription> Prescriptions);

/// <summary>
/// A simulated foreign contact point's country (Sweden is the country of treatment towards it): its population, its
/// national identifier, its mask, its language and its local code systems. Made by <see cref="SimulatedPopulation"/>
/// from a seed, deterministically.
/// </summary>
/// <param name="Code">ISO 3166-1 alpha-2, upper case; the route uses it in lower case.</param>
/// <param name="PeerId">The contact point's id in Sweden's trust list and the <c>iss</c> it would sign with.</param>
/// <param name="Language">BCP 47: every display the peer writes is in it.</param>
/// <param name="LocalCodeSystem">A code system of the peer's own that no eHDSI MVC value set contains.</param>
public sealed record SimulatedPeerCountry(
    string Code,
    string PeerId,
    string Name,
    string Language,
    string IdentifierSystem,
    IReadOnlyList<SimulatedTrait> Mask,
    string PrescriptionIdSystem,
    string LocalCodeSystem,
    string OrganizationName,
    string PractitionerGiven,
    string PractitionerFamily,
    IReadOnlyList<SimulatedPatient> Patients)
{
    /// <summary>The route segment: <c>/sim-ncp/{cc}/fhir</c>.</summary>
    public string RouteCode => Code.ToLowerInvariant();

    /// <summary>Whether <paramref name="value"/> has the form (and check digit) of this country's identifier.</summary>
    public bool IsWellFormedIdentifier(string value) => Code switch
    {
        "DE" => SimulatedIdentifiers.IsKvnr(value),
        "FR" => SimulatedIdentifiers.IsNir(value),
        _ => false,
    };
}
