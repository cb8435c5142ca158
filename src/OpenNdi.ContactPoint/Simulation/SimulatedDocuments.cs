using Hl7.Fhir.Model;
using OpenNdi.Fhir;

namespace OpenNdi.ContactPoint.Simulation;

/// <summary>
/// The simulated peers' documents, made with Firely's model: the patient summary as an HL7 Europe eu-eps document
/// (Composition, Patient, Practitioner, Organization, Condition, AllergyIntolerance, MedicationStatement, Medication;
/// shaped like ../shared/fhir-examples/eu-eps) and one ePrescription as a collection of HL7 Europe MPD resources
/// (MedicationRequest, Medication, Patient, PractitionerRole; shaped like eu-mpd MedicationRequest-400C). Every
/// display is in the peer's language. Document ids are derived from the peer's internal patient key, never from a
/// national identifier.
/// </summary>
internal static class SimulatedDocuments
{
    private const string EpsProfile = "http://hl7.eu/fhir/eps/StructureDefinition/";
    private const string IpsProfile = "http://hl7.org/fhir/uv/ips/StructureDefinition/";
    private const string MpdProfile = "http://hl7.eu/fhir/mpd/StructureDefinition/";

    public static string SummaryId(SimulatedPeerCountry country, SimulatedPatient patient) =>
        PatientSummaryBuilder.DeterministicUuid($"sim-ncp|{country.Code}|summary|{patient.Key}").ToString();

    public static string PrescriptionDocumentId(SimulatedPeerCountry country, SimulatedPrescription prescription) =>
        PatientSummaryBuilder.DeterministicUuid($"sim-ncp|{country.Code}|prescription|{prescription.Id}").ToString();

    public static Bundle Summary(SimulatedPeerCountry country, SimulatedPatient patient, DateTimeOffset now)
    {
        var id = SummaryId(country, patient);
        var words = Words.Of(country.Language);
        var resources = new Ids(id);
        var patientUrl = resources.Next();
        var practitionerUrl = resources.Next();
        var organizationUrl = resources.Next();
        var entries = new List<(string, Resource)>
        {
            (patientUrl, Patient(patient, country, patientUrl, EpsProfile + "patient-eu-eps")),
            (practitionerUrl, Practitioner(country, practitionerUrl)),
            (organizationUrl, Organization(country, organizationUrl)),
        };
        var subject = new ResourceReference(patientUrl);

        var problems = new List<ResourceReference>();
        foreach (var problem in patient.Problems)
        {
            var url = resources.Next();
            problems.Add(new ResourceReference(url));
            entries.Add((url, new Condition
            {
                Id = Uuid(url),
                Meta = Profile(IpsProfile + "Condition-uv-ips"),
                ClinicalStatus = new CodeableConcept("http://terminology.hl7.org/CodeSystem/condition-clinical", "active"),
                Category = [new CodeableConcept("http://terminology.hl7.org/CodeSystem/condition-category", "problem-list-item")],
                Code = Concept(problem.Code),
                Subject = subject,
                Onset = new FhirDateTime(problem.Onset.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)),
                Asserter = new ResourceReference(practitionerUrl),
            }));
        }
        var allergies = new List<ResourceReference>();
        foreach (var allergy in patient.Allergies)
        {
            var url = resources.Next();
            allergies.Add(new ResourceReference(url));
            var known = allergy.Substance.System != SimulatedPopulation.NoKnown.System;
            entries.Add((url, new AllergyIntolerance
            {
                Id = Uuid(url),
                Meta = Profile(EpsProfile + "allergyIntolerance-eu-eps"),
                ClinicalStatus = known ? new CodeableConcept("http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical", "active") : null,
                VerificationStatus = known ? new CodeableConcept("http://terminology.hl7.org/CodeSystem/allergyintolerance-verification", "confirmed") : null,
                Type = known ? AllergyIntolerance.AllergyIntoleranceType.Allergy : null,
                Criticality = known ? (allergy.HighCriticality ? AllergyIntolerance.AllergyIntoleranceCriticality.High : AllergyIntolerance.AllergyIntoleranceCriticality.Low) : null,
                Code = Concept(allergy.Substance),
                Patient = subject,
                Reaction = allergy.Reaction is { } reaction ? [new AllergyIntolerance.ReactionComponent { Manifestation = [Concept(reaction)] }] : [],
            }));
        }
        var medications = new List<ResourceReference>();
        foreach (var medication in patient.Medications)
        {
            var medicationUrl = resources.Next();
            var statementUrl = resources.Next();
            medications.Add(new ResourceReference(statementUrl));
            entries.Add((medicationUrl, new Medication { Id = Uuid(medicationUrl), Meta = Profile(IpsProfile + "Medication-uv-ips"), Code = Concept(medication.Product) }));
            entries.Add((statementUrl, new MedicationStatement
            {
                Id = Uuid(statementUrl),
                Meta = Profile(IpsProfile + "MedicationStatement-uv-ips"),
                Status = MedicationStatement.MedicationStatusCodes.Active,
                Medication = new ResourceReference(medicationUrl) { Display = medication.Product.Display },
                Subject = subject,
                Effective = new Period { Start = patient.Problems.Min(p => p.Onset).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) },
                Dosage = [new Dosage { Text = medication.Dosage }],
            }));
        }

        List<Composition.SectionComponent> sections =
        [
            Section(SimulatedPopulation.Loinc, "11450-4", "Problem list - Reported", words.Problems, patient.Problems.Select(p => p.Code.Display), problems),
            Section(SimulatedPopulation.Loinc, "48765-2", "Allergies and adverse reactions Document", words.Allergies,
                patient.Allergies.Select(a => a.Reaction is null ? a.Substance.Display : $"{a.Substance.Display}: {a.Reaction.Display}"), allergies),
            Section(SimulatedPopulation.Loinc, "10160-0", "History of Medication use Narrative", words.Medications,
                patient.Medications.Select(m => $"{m.Product.Display}, {m.Dosage}"), medications),
        ];
        // Sections of the peer's own (a LOINC code the IPS does not define, or a local code): kept as it wrote them.
        sections.AddRange(patient.OtherSections.Select(s => Section(s.Code.System, s.Code.Code, s.Code.Display, s.Title, [s.Narrative], [])));

        var compositionUrl = resources.Next();
        var composition = new Composition
        {
            Id = Uuid(compositionUrl),
            Meta = Profile(EpsProfile + "composition-eu-eps"),
            Language = country.Language,
            Identifier = new Identifier("urn:ietf:rfc:3986", $"urn:uuid:{id}"),
            Status = CompositionStatus.Final,
            Type = new CodeableConcept(SimulatedPopulation.Loinc, "60591-5", "Patient summary Document", words.Title),
            Subject = subject,
            Date = now.ToString("yyyy-MM-ddTHH:mm:ssK", System.Globalization.CultureInfo.InvariantCulture),
            Author = [new ResourceReference(practitionerUrl)],
            Title = words.Title,
            Confidentiality = Composition.V3ConfidentialityClassification.N,
            Custodian = new ResourceReference(organizationUrl),
            Section = sections,
        };
        var bundle = new Bundle
        {
            Id = id,
            Meta = Profile(EpsProfile + "bundle-eu-eps"),
            Language = country.Language,
            Identifier = new Identifier("urn:ietf:rfc:3986", $"urn:uuid:{id}"),
            Type = Bundle.BundleType.Document,
            Timestamp = now,
        };
        bundle.Entry.Add(new Bundle.EntryComponent { FullUrl = compositionUrl, Resource = composition });
        bundle.Entry.AddRange(entries.Select(e => new Bundle.EntryComponent { FullUrl = e.Item1, Resource = e.Item2 }));
        return bundle;
    }

    /// <summary>One ePrescription: MedicationRequest (active, or completed once dispensed), its Medication, the Patient and the prescriber.</summary>
    public static Bundle Prescription(SimulatedPeerCountry country, SimulatedPatient patient, SimulatedPrescription prescription, DateTimeOffset now, bool dispensed)
    {
        var id = PrescriptionDocumentId(country, prescription);
        var resources = new Ids(id);
        var (requestUrl, medicationUrl, patientUrl, roleUrl, practitionerUrl, organizationUrl) =
            (resources.Next(), resources.Next(), resources.Next(), resources.Next(), resources.Next(), resources.Next());
        // Authored three days before the clock's today, valid ninety days: always dispensable on the host's clock.
        var authored = DateOnly.FromDateTime(now.UtcDateTime).AddDays(-3);
        var request = new MedicationRequest
        {
            Id = Uuid(requestUrl),
            Meta = Profile(MpdProfile + "MedicationRequest-eu-mpd"),
            Identifier = [new Identifier(country.PrescriptionIdSystem, prescription.Id)],
            Status = dispensed ? MedicationRequest.MedicationrequestStatus.Completed : MedicationRequest.MedicationrequestStatus.Active,
            Intent = MedicationRequest.MedicationRequestIntent.Order,
            Medication = new ResourceReference(medicationUrl),
            Subject = new ResourceReference(patientUrl),
            AuthoredOn = Date(authored),
            Requester = new ResourceReference(roleUrl),
            DosageInstruction = [new Dosage { Text = prescription.Dosage }],
            DispenseRequest = new MedicationRequest.DispenseRequestComponent
            {
                ValidityPeriod = new Period { Start = Date(authored), End = Date(authored.AddDays(90)) },
                Quantity = new Quantity { Value = prescription.PackSize, Unit = prescription.DoseForm.Display },
            },
            Substitution = new MedicationRequest.SubstitutionComponent { Allowed = new FhirBoolean(true) },
        };
        var medication = new Medication
        {
            Id = Uuid(medicationUrl),
            Meta = Profile(MpdProfile + "Medication-eu-mpd"),
            Code = new CodeableConcept(prescription.Ingredient.System, prescription.Ingredient.Code, prescription.Ingredient.Display,
                $"{prescription.Ingredient.Display} {prescription.Strength}, {prescription.DoseForm.Display}"),
            Form = Concept(prescription.DoseForm),
            Ingredient = [new Medication.IngredientComponent { Item = Concept(prescription.Ingredient), IsActive = true }],
        };
        var role = new PractitionerRole
        {
            Id = Uuid(roleUrl),
            Practitioner = new ResourceReference(practitionerUrl),
            Organization = new ResourceReference(organizationUrl),
        };
        var bundle = new Bundle
        {
            Id = id,
            Language = country.Language,
            Identifier = new Identifier("urn:ietf:rfc:3986", $"urn:uuid:{id}"),
            Type = Bundle.BundleType.Collection,
            Timestamp = now,
        };
        foreach (var (url, resource) in new (string, Resource)[]
        {
            (requestUrl, request), (medicationUrl, medication), (patientUrl, Patient(patient, country, patientUrl, null)),
            (roleUrl, role), (practitionerUrl, Practitioner(country, practitionerUrl)), (organizationUrl, Organization(country, organizationUrl)),
        })
            bundle.Entry.Add(new Bundle.EntryComponent { FullUrl = url, Resource = resource });
        return bundle;
    }

    /// <summary>The patient as PatientMinimalMyHealthEu requires (identifier, name with given and family, gender, birth date).</summary>
    public static Patient Patient(SimulatedPatient patient, SimulatedPeerCountry country, string? fullUrl, string? profile) => new()
    {
        Id = fullUrl is null ? PatientSummaryBuilder.DeterministicUuid($"sim-ncp|{country.Code}|patient|{patient.Key}").ToString() : Uuid(fullUrl),
        Meta = profile is null ? null : Profile(profile),
        Identifier = [new Identifier(country.IdentifierSystem, patient.Identifier)],
        Active = true,
        Name = [new HumanName { Family = patient.Family, Given = [patient.Given] }],
        Gender = patient.Gender == SimulatedGender.Female ? AdministrativeGender.Female : AdministrativeGender.Male,
        BirthDate = Date(patient.BirthDate),
    };

    private static Practitioner Practitioner(SimulatedPeerCountry country, string url) => new()
    {
        Id = Uuid(url),
        Name = [new HumanName { Family = country.PractitionerFamily, Given = [country.PractitionerGiven] }],
    };

    private static Organization Organization(SimulatedPeerCountry country, string url) => new()
    {
        Id = Uuid(url),
        Name = country.OrganizationName,
        Address = [new Address { Country = country.Code }],
    };

    private static Composition.SectionComponent Section(string system, string code, string display, string title, IEnumerable<string> lines, List<ResourceReference> entries) => new()
    {
        Title = title,
        Code = new CodeableConcept(system, code, display),
        Text = new Narrative
        {
            Status = Narrative.NarrativeStatus.Generated,
            Div = $"<div xmlns=\"http://www.w3.org/1999/xhtml\"><ul>{string.Concat(lines.Select(l => $"<li>{System.Security.SecurityElement.Escape(l)}</li>"))}</ul></div>",
        },
        Entry = entries,
    };

    private static CodeableConcept Concept(SimulatedCoding coding) => new(coding.System, coding.Code, coding.Display, coding.Display);

    private static Meta Profile(string profile) => new() { Profile = [profile] };

    private static string Date(DateOnly date) => date.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    private static string Uuid(string fullUrl) => fullUrl["urn:uuid:".Length..];

    /// <summary>The entries' fullUrls, derived from the document id in order: the same document has the same ids every time.</summary>
    private sealed class Ids(string documentId)
    {
        private int _next;

        public string Next() => $"urn:uuid:{PatientSummaryBuilder.DeterministicUuid($"{documentId}/{_next++}")}";
    }

    /// <summary>Section titles and the document title in the peer's language.</summary>
    private sealed record Words(string Title, string Problems, string Allergies, string Medications)
    {
        public static Words Of(string language) => language switch
        {
            "de-DE" => new("Patientenkurzakte", "Probleme", "Allergien und Unverträglichkeiten", "Medikation"),
            "fr-FR" => new("Synthèse médicale du patient", "Problèmes", "Allergies et intolérances", "Traitements"),
            _ => new("Patient summary", "Problems", "Allergies and intolerances", "Medication"),
        };
    }
}
