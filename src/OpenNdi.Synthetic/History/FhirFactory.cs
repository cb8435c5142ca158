using Hl7.Fhir.Model;
using OpenNdi.Core.Identifiers;
using OpenNdi.Fhir;
using OpenNdi.Synthetic.Clinical;
using OpenNdi.Synthetic.Providers;
using CatalogCode = OpenNdi.Synthetic.Clinical.Code;
using Person = OpenNdi.Core.Population.Person;
using DeviceDefinition = OpenNdi.Synthetic.Clinical.DeviceDefinition;

namespace OpenNdi.Synthetic.History;

/// <summary>
/// Builds the FHIR R4 resources of a synthetic EHR, shaped after the IPS and HL7 Europe profiles their meta.profile
/// names (required elements present, codes from the systems those profiles bind to).
/// </summary>
internal static class FhirFactory
{
    private const string ConditionClinical = "http://terminology.hl7.org/CodeSystem/condition-clinical";
    private const string ConditionVerification = "http://terminology.hl7.org/CodeSystem/condition-ver-status";
    private const string ConditionCategory = "http://terminology.hl7.org/CodeSystem/condition-category";
    private const string ObservationCategory = "http://terminology.hl7.org/CodeSystem/observation-category";
    private const string Interpretation = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation";
    private const string ActCode = "http://terminology.hl7.org/CodeSystem/v3-ActCode";
    private const string V2DiagnosticService = "http://terminology.hl7.org/CodeSystem/v2-0074";
    private const string AllergyClinical = "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical";
    private const string AllergyVerification = "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification";
    private const string FlagCategory = "http://terminology.hl7.org/CodeSystem/flag-category";

    public static Patient Patient(string id, Person person, SimulatedProvider provider) => new()
    {
        Id = id,
        Meta = Profile(IpsProfiles.Patient),
        Identifier = [new Identifier(person.Id.IdentifierSystem, person.Id.Value)],
        Active = true,
        Name = [new HumanName { Family = person.FamilyName, Given = person.GivenName.Split(' '), Use = HumanName.NameUse.Official }],
        Gender = person.Sex == Sex.Male ? AdministrativeGender.Male : AdministrativeGender.Female,
        BirthDate = person.BirthDate.ToString("yyyy-MM-dd"),
        Address =
        [
            new Address
            {
                Use = Hl7.Fhir.Model.Address.AddressUse.Home,
                Line = [person.Address.Street],
                PostalCode = person.Address.PostalCode,
                City = person.Address.City,
                Country = "SE",
            },
        ],
        ManagingOrganization = OrganizationReference(provider.HsaId, provider.Name),
    };

    public static Organization Organization(string hsaId, string name, string? partOfHsaId, string? partOfName) => new()
    {
        Id = hsaId,
        Meta = Profile(IpsProfiles.Organization),
        Identifier = [new Identifier(HsaId.System, hsaId)],
        Active = true,
        Name = name,
        PartOf = partOfHsaId is null ? null : OrganizationReference(partOfHsaId, partOfName!),
        Address = [new Address { Country = "SE" }],
    };

    public static ResourceReference OrganizationReference(string hsaId, string name) =>
        new("Organization/" + hsaId) { Identifier = new Identifier(HsaId.System, hsaId), Display = name };

    /// <summary>An encounter; one without an end (a patient still admitted) is in progress.</summary>
    public static Encounter Encounter(PatientChart chart, CareUnit unit, DateTimeOffset start, DateTimeOffset? end, string encounterClass, CatalogCode? reason)
    {
        return new Encounter
        {
            Status = end is null ? Hl7.Fhir.Model.Encounter.EncounterStatus.InProgress : Hl7.Fhir.Model.Encounter.EncounterStatus.Finished,
            Class = new Coding(ActCode, encounterClass, encounterClass switch { "IMP" => "inpatient encounter", "EMER" => "emergency", "HH" => "home health", _ => "ambulatory" }),
            Subject = chart.PatientReference,
            Period = new Period(At(start), end is null ? null : At(end.Value)),
            ReasonCode = reason is null ? [] : [Concept(reason)],
            ServiceProvider = OrganizationReference(unit.HsaId, unit.Name),
        };
    }

    public static Condition Condition(PatientChart chart, Encounter? encounter, CatalogCode icd10, CatalogCode? snomed, DateTimeOffset onset, DateTimeOffset? abatement, DateTimeOffset recorded)
    {
        var code = Concept(icd10);
        if (snomed is not null)
            code.Coding.Insert(0, Coding(snomed));
        return new Condition
        {
            Meta = Profile(IpsProfiles.Condition),
            ClinicalStatus = new CodeableConcept(ConditionClinical, abatement is null ? "active" : "resolved"),
            VerificationStatus = new CodeableConcept(ConditionVerification, "confirmed"),
            Category = [new CodeableConcept(ConditionCategory, "problem-list-item", "Problem List Item")],
            Code = code,
            Subject = chart.PatientReference,
            Encounter = encounter is null ? null : PatientChart.ReferenceTo(encounter),
            Onset = At(onset),
            Abatement = abatement is null ? null : At(abatement.Value),
            RecordedDate = At(recorded).Value,
        };
    }

    public static Observation LabResult(PatientChart chart, Encounter encounter, CareUnit laboratory, LabTest test, double value, DateTimeOffset when)
    {
        var code = Concept(test.Loinc);
        if (test.Npu is not null)
            code.Coding.Add(Coding(test.Npu));
        var interpretation = value < test.ReferenceLow ? ("L", "Low") : value > test.ReferenceHigh ? ("H", "High") : ("N", "Normal");
        return new Observation
        {
            Meta = Profile(IpsProfiles.ObservationLaboratory),
            Status = ObservationStatus.Final,
            Category = [new CodeableConcept(ObservationCategory, "laboratory", "Laboratory")],
            Code = code,
            Subject = chart.PatientReference,
            Encounter = PatientChart.ReferenceTo(encounter),
            Effective = At(when),
            Issued = when.AddHours(4),
            Performer = [OrganizationReference(laboratory.HsaId, laboratory.Name)],
            Value = new Quantity((decimal)Math.Round(value, test.Decimals), test.Unit, CodeSystems.Ucum),
            Interpretation = [new CodeableConcept(Interpretation, interpretation.Item1, interpretation.Item2)],
            ReferenceRange =
            [
                new Observation.ReferenceRangeComponent
                {
                    Low = new Quantity((decimal)test.ReferenceLow, test.Unit, CodeSystems.Ucum),
                    High = new Quantity((decimal)test.ReferenceHigh, test.Unit, CodeSystems.Ucum),
                },
            ],
        };
    }

    public static DiagnosticReport LabReport(PatientChart chart, Encounter encounter, CareUnit laboratory, IEnumerable<Observation> results, DateTimeOffset when) => new()
    {
        Meta = Profile(IpsProfiles.DiagnosticReportLab),
        Status = DiagnosticReport.DiagnosticReportStatus.Final,
        Category = [new CodeableConcept(V2DiagnosticService, "LAB", "Laboratory")],
        Code = Concept(new CatalogCode(CodeSystems.Loinc, "11502-2", "Laboratory report")),
        Subject = chart.PatientReference,
        Encounter = PatientChart.ReferenceTo(encounter),
        Effective = At(when),
        Issued = when.AddHours(4),
        Performer = [OrganizationReference(laboratory.HsaId, laboratory.Name)],
        Result = [.. results.Select(PatientChart.ReferenceTo)],
    };

    public static DiagnosticReport ImagingReport(PatientChart chart, Encounter encounter, CareUnit radiology, ImagingProcedure imaging, string conclusion, DateTimeOffset when) => new()
    {
        Meta = Profile(IpsProfiles.DiagnosticReportImaging),
        Status = DiagnosticReport.DiagnosticReportStatus.Final,
        Category = [new CodeableConcept(V2DiagnosticService, "RAD", "Radiology")],
        Code = Concept(imaging.Loinc),
        Subject = chart.PatientReference,
        Encounter = PatientChart.ReferenceTo(encounter),
        Effective = At(when),
        Issued = when.AddHours(6),
        Performer = [OrganizationReference(radiology.HsaId, radiology.Name)],
        Conclusion = conclusion,
        Text = Narratives.Generated($"{imaging.Loinc.Display} ({imaging.Modality}): {conclusion}"),
    };

    public static MedicationStatement MedicationStatement(PatientChart chart, MedicationDefinition medication, DateTimeOffset start, DateTimeOffset? end, ResourceReference? reason) => new()
    {
        Meta = Profile(IpsProfiles.MedicationStatement),
        Status = end is null ? Hl7.Fhir.Model.MedicationStatement.MedicationStatusCodes.Active : Hl7.Fhir.Model.MedicationStatement.MedicationStatusCodes.Completed,
        Medication = MedicationConcept(medication),
        Subject = chart.PatientReference,
        Effective = new Period(At(start), end is null ? null : At(end.Value)),
        DateAsserted = start.ToString("yyyy-MM-dd"),
        ReasonReference = reason is null ? [] : [reason],
        Dosage = [new Dosage { Text = medication.DosageText }],
    };

    public static MedicationRequest Prescription(PatientChart chart, CareUnit prescriber, MedicationDefinition medication, DateTimeOffset authored, bool active, int dispenses, ResourceReference? reason, Encounter? encounter) => new()
    {
        Meta = Profile(IpsProfiles.MedicationRequest),
        Status = active ? MedicationRequest.MedicationrequestStatus.Active : MedicationRequest.MedicationrequestStatus.Completed,
        Intent = MedicationRequest.MedicationRequestIntent.Order,
        Medication = MedicationConcept(medication),
        Subject = chart.PatientReference,
        Encounter = encounter is null ? null : PatientChart.ReferenceTo(encounter),
        AuthoredOn = At(authored).Value,
        Requester = OrganizationReference(prescriber.HsaId, prescriber.Name),
        ReasonReference = reason is null ? [] : [reason],
        DosageInstruction = [new Dosage { Text = medication.DosageText }],
        DispenseRequest = new MedicationRequest.DispenseRequestComponent
        {
            // A Swedish prescription is valid one year (HSLF-FS 2021:75), with its supply split over several dispensings.
            ValidityPeriod = new Period(At(authored), At(authored.AddYears(1))),
            NumberOfRepeatsAllowed = Math.Max(0, dispenses - 1),
            ExpectedSupplyDuration = new Duration { Value = medication.CourseDays, Unit = "days", System = CodeSystems.Ucum, Code = "d" },
        },
    };

    public static MedicationDispense Dispense(PatientChart chart, MedicationRequest request, MedicationDefinition medication, DateTimeOffset handedOver) => new()
    {
        Meta = Profile(IpsProfiles.MedicationDispense),
        Status = MedicationDispense.MedicationDispenseStatusCodes.Completed,
        Medication = MedicationConcept(medication),
        Subject = chart.PatientReference,
        AuthorizingPrescription = [PatientChart.ReferenceTo(request)],
        WhenHandedOver = At(handedOver).Value,
        DaysSupply = new Quantity(medication.CourseDays, "d", CodeSystems.Ucum),
        DosageInstruction = [new Dosage { Text = medication.DosageText }],
    };

    public static Immunization Immunization(PatientChart chart, CareUnit unit, VaccineDefinition vaccine, DateTimeOffset when, int? doseNumber) => new()
    {
        Meta = Profile(IpsProfiles.Immunization),
        Status = Hl7.Fhir.Model.Immunization.ImmunizationStatusCodes.Completed,
        VaccineCode = Concept(vaccine.Code),
        Patient = chart.PatientReference,
        Occurrence = At(when),
        Recorded = At(when).Value,
        PrimarySource = true,
        Performer = [new Immunization.PerformerComponent { Actor = OrganizationReference(unit.HsaId, unit.Name) }],
        ProtocolApplied =
        [
            new Immunization.ProtocolAppliedComponent
            {
                TargetDisease = [Concept(vaccine.TargetDisease)],
                DoseNumber = doseNumber is null ? new FhirString("seasonal") : new PositiveInt(doseNumber.Value),
            },
        ],
    };

    public static AllergyIntolerance Allergy(PatientChart chart, AllergyDefinition allergy, DateTimeOffset recorded, int onsetAge) => new()
    {
        Meta = Profile(IpsProfiles.AllergyIntolerance),
        ClinicalStatus = new CodeableConcept(AllergyClinical, "active"),
        VerificationStatus = new CodeableConcept(AllergyVerification, "confirmed"),
        Type = allergy.Type == "intolerance" ? AllergyIntolerance.AllergyIntoleranceType.Intolerance : AllergyIntolerance.AllergyIntoleranceType.Allergy,
        Category = [Enum.Parse<AllergyIntolerance.AllergyIntoleranceCategory>(allergy.Category, ignoreCase: true)],
        Criticality = allergy.Criticality switch
        {
            "high" => AllergyIntolerance.AllergyIntoleranceCriticality.High,
            "low" => AllergyIntolerance.AllergyIntoleranceCriticality.Low,
            _ => AllergyIntolerance.AllergyIntoleranceCriticality.UnableToAssess,
        },
        Code = Concept(allergy.Substance),
        Patient = chart.PatientReference,
        // An Age is positive (FHIR age-1): an onset in the first year of life is the range from birth to one year.
        Onset = onsetAge > 0
            ? new Age { Value = onsetAge, Unit = "years", System = CodeSystems.Ucum, Code = "a" }
            : new Hl7.Fhir.Model.Range
            {
                Low = new Quantity { Value = 0, Unit = "years", System = CodeSystems.Ucum, Code = "a" },
                High = new Quantity { Value = 1, Unit = "years", System = CodeSystems.Ucum, Code = "a" },
            },
        RecordedDate = At(recorded).Value,
        Reaction = [new AllergyIntolerance.ReactionComponent { Manifestation = [Concept(allergy.Reaction)] }],
    };

    public static Flag Alert(PatientChart chart, CareUnit unit, MedicalAlertDefinition alert, DateTimeOffset start) => new()
    {
        Meta = Profile(IpsProfiles.Flag),
        Status = Hl7.Fhir.Model.Flag.FlagStatus.Active,
        Category = [new CodeableConcept(FlagCategory, "clinical", "Clinical")],
        Code = new CodeableConcept { Coding = [Coding(alert.Code)], Text = alert.Text },
        Subject = chart.PatientReference,
        Period = new Period(At(start), null),
        Author = OrganizationReference(unit.HsaId, unit.Name),
    };

    public static Procedure Procedure(PatientChart chart, Encounter encounter, CareUnit unit, ProcedureDefinition procedure, DateTimeOffset when, ResourceReference? reason)
    {
        var code = Concept(procedure.Snomed);
        if (procedure.Kva is not null)
            code.Coding.Add(Coding(procedure.Kva));
        return new Procedure
        {
            Meta = Profile(IpsProfiles.Procedure),
            Status = EventStatus.Completed,
            Code = code,
            Subject = chart.PatientReference,
            Encounter = PatientChart.ReferenceTo(encounter),
            Performed = At(when),
            Performer = [new Procedure.PerformerComponent { Actor = OrganizationReference(unit.HsaId, unit.Name) }],
            ReasonReference = reason is null ? [] : [reason],
        };
    }

    public static Device Device(PatientChart chart, DeviceDefinition device, DateTimeOffset implanted) => new()
    {
        Meta = Profile(IpsProfiles.Device),
        Status = Hl7.Fhir.Model.Device.FHIRDeviceStatus.Active,
        Type = Concept(device.Type),
        DeviceName = [new Device.DeviceNameComponent { Name = device.Name, Type = DeviceNameType.UserFriendlyName }],
        Patient = chart.PatientReference,
        ManufactureDate = implanted.AddMonths(-6).ToString("yyyy-MM-dd"),
    };

    public static DeviceUseStatement DeviceUse(PatientChart chart, Device device, DateTimeOffset since, ResourceReference? reason) => new()
    {
        Meta = Profile(IpsProfiles.DeviceUseStatement),
        Status = Hl7.Fhir.Model.DeviceUseStatement.DeviceUseStatementStatus.Active,
        Subject = chart.PatientReference,
        Timing = new Period(At(since), null),
        Device = PatientChart.ReferenceTo(device),
        ReasonReference = reason is null ? [] : [reason],
    };

    /// <summary>A hospital discharge report (epikris) as a Composition, after the HL7 Europe HDR guide's sections.</summary>
    public static Composition DischargeReport(PatientChart chart, Encounter encounter, CareUnit unit, Condition diagnosis, IReadOnlyList<Resource> treatments, DateTimeOffset discharged, string course)
    {
        var composition = new Composition
        {
            Meta = Profile(IpsProfiles.CompositionDischarge),
            Status = CompositionStatus.Final,
            Type = Concept(new CatalogCode(CodeSystems.Loinc, "34105-7", "Hospital Discharge summary")),
            Subject = chart.PatientReference,
            Encounter = PatientChart.ReferenceTo(encounter),
            Date = At(discharged).Value,
            Author = [OrganizationReference(unit.HsaId, unit.Name)],
            Title = "Epikris",
            Custodian = OrganizationReference(chart.Provider.HsaId, chart.Provider.Name),
        };
        composition.Section.Add(Section("Hospital course", "8648-8", course, []));
        composition.Section.Add(Section("Discharge diagnosis", "11535-2", diagnosis.Code?.Text ?? "diagnos", [diagnosis]));
        if (treatments.Count > 0)
            composition.Section.Add(Section("Procedures and medication", "29549-3", string.Join("; ", treatments.Select(Describe)), treatments));
        return composition;
    }

    private static Composition.SectionComponent Section(string title, string loinc, string text, IEnumerable<Resource> entries) => new()
    {
        Title = title,
        Code = Concept(new CatalogCode(CodeSystems.Loinc, loinc, title)),
        Text = Narratives.Generated(text),
        Entry = [.. entries.Select(PatientChart.ReferenceTo)],
    };

    private static string Describe(Resource resource) => resource switch
    {
        Procedure p => p.Code?.Text ?? "åtgärd",
        MedicationRequest m => ((CodeableConcept)m.Medication).Text ?? "läkemedel",
        _ => resource.TypeName,
    };

    private static CodeableConcept MedicationConcept(MedicationDefinition medication) => new()
    {
        Coding = [Coding(medication.Atc)],
        Text = $"{medication.Name} {medication.Strength} {medication.DoseForm.ToLowerInvariant()}",
    };

    public static CodeableConcept Concept(CatalogCode code) => new() { Coding = [Coding(code)], Text = code.Display };

    private static Coding Coding(CatalogCode code) => new(code.System, code.Value, code.Display);

    private static Meta Profile(string profile) => new() { Profile = [profile] };

    /// <summary>FHIR dateTime in UTC with seconds, e.g. 2024-03-05T09:30:00Z: deterministic and sortable as text.</summary>
    public static FhirDateTime At(DateTimeOffset when) => new(when.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'"));

    public static FhirDateTime At(DateOnly day) => At(new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero));
}
