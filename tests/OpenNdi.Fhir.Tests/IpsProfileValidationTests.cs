using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using OpenNdi.Fhir.Validation;

namespace OpenNdi.Fhir.Tests;

/// <summary>
/// The IPS profiles themselves, checked by the Firely validator over the published package (one validator for the
/// whole test process: <see cref="IpsValidation"/>). The published examples are the reference: HL7 wrote them to
/// conform, so each error on them would be ours.
/// </summary>
public class IpsProfileValidationTests
{
    private const string MedicationSummary = "10160-0";   // LOINC "History of Medication use Narrative", IPS sectionMedications
    private const string Ips = "http://hl7.org/fhir/uv/ips/StructureDefinition/";

    private static IpsProfileValidator Validator => IpsValidation.Validator;

    /// <summary>The IPS profile of each resource type the examples hold whose profile is not a choice (Observation has several).</summary>
    private static readonly Dictionary<string, string> ProfileOfType = new(StringComparer.Ordinal)
    {
        ["Patient"] = IpsProfiles.Patient,
        ["Practitioner"] = Ips + "Practitioner-uv-ips",
        ["PractitionerRole"] = Ips + "PractitionerRole-uv-ips",
        ["Organization"] = IpsProfiles.Organization,
        ["Condition"] = IpsProfiles.Condition,
        ["MedicationStatement"] = IpsProfiles.MedicationStatement,
        ["Medication"] = Ips + "Medication-uv-ips",
        ["AllergyIntolerance"] = IpsProfiles.AllergyIntolerance,
        ["Immunization"] = IpsProfiles.Immunization,
    };

    /// <summary>Every document Bundle under ips/ of the published examples, so that an example added there is checked too.</summary>
    public static TheoryData<string> PublishedDocuments()
    {
        var directory = Path.Combine(PublishedExamples.Directory, "ips");
        var files = Directory.GetFiles(directory).Select(Path.GetFileName).Order(StringComparer.Ordinal)
            .Where(file => Parse(file!) is Bundle { Type: Bundle.BundleType.Document });
        return [.. files!];
    }

    /// <summary>A published IPS example, read afresh for each test so that each test changes its own copy.</summary>
    private static Resource? Parse(string file)
    {
        var text = PublishedExamples.Read("ips/" + file);
        return file.EndsWith(".xml", StringComparison.Ordinal) ? new FhirXmlDeserializer().DeserializeResource(text)
            : file.EndsWith(".json", StringComparison.Ordinal) ? FhirJson.Parse(text)
            : null;
    }

    private static Bundle Example(string file) => (Bundle)Parse(file)!;

    private static Composition CompositionOf(Bundle bundle) => (Composition)bundle.Entry[0].Resource!;

    private static T Entry<T>(Bundle bundle) where T : Resource => bundle.Entry.Select(e => e.Resource).OfType<T>().First();

    private static int Index<T>(Bundle bundle) where T : Resource => bundle.Entry.FindIndex(e => e.Resource is T);

    [Theory]
    [MemberData(nameof(PublishedDocuments))]
    public void Validate_WhenGivenAPublishedIpsDocument_ReportsNoErrors(string file)
    {
        var result = Validator.Validate(Example(file), IpsProfiles.Bundle);

        Assert.Empty(result.Errors);
        Assert.True(result.IsValid);
    }

    [Theory]
    [MemberData(nameof(PublishedDocuments))]
    public void Validate_WhenThePublishedDocumentsEntriesDeclareTheirIpsProfiles_ReportsNoErrors(string file)
    {
        // Bundle-uv-ips slices its entries by profile, openly: an entry that does not conform to its IPS profile
        // simply matches no slice, and nothing is said. Declared in meta.profile, the profile is checked.
        var bundle = Example(file);
        var declared = 0;
        foreach (var entry in bundle.Entry.Skip(1))
        {
            if (ProfileOfType.TryGetValue(entry.Resource!.TypeName, out var profile))
            {
                entry.Resource.Meta = new Meta { Profile = [profile] };
                declared++;
            }
        }
        Assert.True(declared >= 3);

        var result = Validator.Validate(bundle, IpsProfiles.Bundle);

        Assert.Empty(result.Errors);
    }

    [Fact]
    public void Validate_WhenAnIpsChoiceElementThatAllowsDataAbsentReasonHoldsAPeriod_AcceptsItAndStillChecksIt()
    {
        // MedicationStatement-uv-ips lists the common children (id, extension:data-absent-reason) of effective[x];
        // Firely 3.6.0 on its own would reject the Period's start as an unknown child (see IpsProfileValidator).
        var statement = Entry<MedicationStatement>(Example("bundle-minimal.json"));
        Assert.IsType<Period>(statement.Effective);
        Assert.Empty(Validator.Validate(statement, IpsProfiles.MedicationStatement).Issues);

        statement.Effective = new FhirDateTime { Extension = [new Extension("http://hl7.org/fhir/StructureDefinition/data-absent-reason", new Code("unknown"))] };
        Assert.Empty(Validator.Validate(statement, IpsProfiles.MedicationStatement).Errors);

        statement.Effective = new Period { Start = "2020-03-01", End = "2020-02-01" };
        var error = Assert.Single(Validator.Validate(statement, IpsProfiles.MedicationStatement).Errors);
        Assert.Equal("MedicationStatement.effective[0]", error.Location);
        Assert.Contains("per-1", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(PublishedDocuments))]
    public void Validate_WhenTheMedicationSectionIsRemoved_ReportsTheMissingSection(string file)
    {
        var bundle = Example(file);
        var removed = CompositionOf(bundle).Section.RemoveAll(s => s.Code?.Coding.Any(c => c.System == "http://loinc.org" && c.Code == MedicationSummary) == true);
        Assert.Equal(1, removed);

        var result = Validator.Validate(bundle, IpsProfiles.Bundle);

        Assert.False(result.IsValid);
        // What the Bundle profile says (its required slice entry:composition is not matched), and why (the
        // Composition, validated on its own against Composition-uv-ips, lacks the required slice sectionMedications).
        Assert.Contains(result.Errors, i => i.Location == "Bundle" && i.Message.Contains("'entry:composition'", StringComparison.Ordinal));
        Assert.Contains(result.Errors, i => i.Location == "Bundle.entry[0].resource[0]" && i.Message.Contains("sectionMedications", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_WhenAResourceClaimsAnIpsProfileIpsDoesNotDefine_ReportsIt()
    {
        // IPS 1.1's laboratory result name, which IPS 2.0 no longer defines: a claim in the IPS namespace is always checked.
        var observation = new Observation
        {
            Meta = new Meta { Profile = [Ips + "Observation-results-laboratory-uv-ips"] },
            Status = ObservationStatus.Final,
            Code = new CodeableConcept("http://loinc.org", "2345-7"),
        };

        Assert.Contains(Validator.Validate(observation).Errors, e => e.Message.Contains("Observation-results-laboratory-uv-ips", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_WhenAResourceClaimsAProfileOfAGuideNotPackagedHere_ChecksTheRestWithoutIt()
    {
        // An HL7 Europe claim cannot be checked offline; the resource is still checked against its base definition.
        var allergy = new AllergyIntolerance
        {
            Meta = new Meta { Profile = ["http://hl7.eu/fhir/eps/StructureDefinition/allergyIntolerance-eu-eps"] },
            Patient = new ResourceReference("Patient/p1"),
            Code = new CodeableConcept("http://snomed.info/sct", "91936005"),
            VerificationStatus = new CodeableConcept("http://terminology.hl7.org/CodeSystem/allergyintolerance-verification", "confirmed"),
        };

        var errors = Validator.Validate(allergy).Errors.ToList();

        Assert.DoesNotContain(errors, e => e.Message.Contains("allergyIntolerance-eu-eps", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Message.Contains("ait-1", StringComparison.Ordinal)); // no clinical status: a core rule, still checked
    }

    [Fact]
    public void Validate_WhenTheBundleDeclaresNoProfile_ValidatesItAgainstBundleUvIps()
    {
        var bundle = Example("bundle-minimal.json");
        Assert.Empty(bundle.Meta?.Profile ?? []);
        CompositionOf(bundle).Section.RemoveAll(s => s.Code.Coding[0].Code == MedicationSummary);

        var result = Validator.Validate(bundle);

        Assert.Equal(IpsProfiles.Bundle, result.Profile);
        Assert.False(result.IsValid);
    }

    [Fact]
    public void Validate_WhenTheResourceDeclaresAProfile_ValidatesItAgainstThatProfile()
    {
        var medicationStatement = Entry<MedicationStatement>(Example("bundle-minimal.json"));
        medicationStatement.Meta = new Meta { Profile = [IpsProfiles.MedicationStatement] };
        medicationStatement.Effective = null;   // 1..1 in MedicationStatement-uv-ips, 0..1 in R4

        var result = Validator.Validate(medicationStatement);

        Assert.Equal(IpsProfiles.MedicationStatement, result.Profile);
        var error = Assert.Single(result.Errors);
        Assert.Equal(("1028", "MedicationStatement"), (error.Code, error.Location));
        Assert.Contains("'effective'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_WhenThePatientBreaksPatientUvIps_SaysWhatThePatientLacks()
    {
        var bundle = Example("bundle-minimal.json");
        Entry<Patient>(bundle).BirthDate = null;   // 1..1 in Patient-uv-ips

        var result = Validator.Validate(bundle, IpsProfiles.Bundle);

        Assert.Contains(result.Errors, i => i.Location == "Bundle" && i.Message.Contains("'entry:patient'", StringComparison.Ordinal));
        Assert.Contains(result.Errors, i => i.Location == $"Bundle.entry[{Index<Patient>(bundle)}].resource[0]" && i.Message.Contains("'birthDate'", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_WhenACodeIsOutsideARequiredCoreBinding_ReportsItAsAnError()
    {
        var bundle = Example("bundle-minimal.json");
        Entry<AllergyIntolerance>(bundle).ClinicalStatus = new CodeableConcept("http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical", "forgotten");

        var result = Validator.Validate(bundle, IpsProfiles.Bundle);

        Assert.Contains(result.Errors, i => i.Code == "6007" && i.Location == $"Bundle.entry[{Index<AllergyIntolerance>(bundle)}].resource[0].clinicalStatus[0]");
    }

    [Fact]
    public void Validate_WhenACodeIsOutsideAnIpsValueSetThatListsItsCodes_ReportsItAsAnError()
    {
        // Observation-pregnancy-outcome-uv-ips binds code (required) to a value set that lists its LOINC codes, so the
        // check needs no LOINC: a code not in the list is wrong, whatever LOINC says about it.
        var outcome = new Observation
        {
            Status = ObservationStatus.Final,
            Code = new CodeableConcept("http://loinc.org", "11636-8"),   // [#] Births.live
            Subject = new ResourceReference("Patient/p1"),
            Effective = new FhirDateTime("2020-01-01"),
            Value = new Integer(1),
        };
        const string Profile = "http://hl7.org/fhir/uv/ips/StructureDefinition/Observation-pregnancy-outcome-uv-ips";
        Assert.True(Validator.Validate(outcome, Profile).IsValid);

        outcome.Code = new CodeableConcept("http://loinc.org", "8867-4");   // heart rate
        var error = Assert.Single(Validator.Validate(outcome, Profile).Errors);

        Assert.Equal(("6007", "Observation.code[0]"), (error.Code, error.Location));
    }

    [Fact]
    public void Validate_WhenABindingNeedsTerminologyThatIsNotHere_ReportsNoError()
    {
        // ImagingStudy-uv-ips binds modality to a DICOM value set that no package here defines, and procedureCode to
        // an IPS value set that is a LOINC filter (LOINC itself is not here): neither can be decided offline.
        var study = new ImagingStudy
        {
            Status = ImagingStudy.ImagingStudyStatus.Available,
            Subject = new ResourceReference("Patient/p1"),
            Modality = [new Coding("http://dicom.nema.org/resources/ontology/DCM", "CT")],
            ProcedureCode = [new CodeableConcept("http://loinc.org", "24627-2")],   // Chest CT
        };

        var result = Validator.Validate(study, "http://hl7.org/fhir/uv/ips/StructureDefinition/ImagingStudy-uv-ips");

        Assert.Empty(result.Errors);
    }

    [Fact]
    public void Validate_WhenAnExtensionIsUnknown_WarnsWithoutFailing()
    {
        var bundle = Example("bundle-minimal.json");
        Entry<Condition>(bundle).Extension.Add(new Extension("http://example.org/fhir/StructureDefinition/not-published", new FhirString("x")));

        var result = Validator.Validate(bundle, IpsProfiles.Bundle);

        Assert.True(result.IsValid);
        var warning = Assert.Single(result.Issues);
        Assert.Equal((OperationOutcome.IssueSeverity.Warning, "4009", $"Bundle.entry[{Index<Condition>(bundle)}].resource[0].extension[0]"), (warning.Severity, warning.Code, warning.Location));
    }

    [Fact]
    public void Validate_WhenCalledFromSeveralThreads_GivesEachTheSameAnswer()
    {
        var results = Enumerable.Range(0, 8).AsParallel().WithDegreeOfParallelism(4)
            .Select(i =>
            {
                var bundle = Example("IPS-bundle-01.xml");
                if (i % 2 == 1)
                    CompositionOf(bundle).Section.RemoveAll(s => s.Code.Coding[0].Code == MedicationSummary);
                return (i, Validator.Validate(bundle, IpsProfiles.Bundle).IsValid);
            })
            .ToList();

        Assert.All(results, r => Assert.Equal(r.i % 2 == 0, r.IsValid));
    }
}
