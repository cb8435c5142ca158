using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using OpenNdi.ContactPoint.Terminology;
using OpenNdi.Fhir;

namespace OpenNdi.ContactPoint.Tests.Terminology;

/// <summary>
/// The mapper over documents published by HL7 (IPS) and HL7 Europe (EPS). Expected counts and codes were read from
/// the files: ips/bundle-minimal.json holds 22 codings (Quantity units are not codings), of which 7 are in the MVC
/// (60591-5 and the three section codes, ICD-10 N95.1, EDQM 20053000, ATC L02BG03), 8 are of FHIR-defined systems
/// (v3-ActClass, v3-RoleCode, v2-0360, condition-clinical, condition-ver-status, dose-rate-type,
/// allergyintolerance-clinical, allergyintolerance-verification) and 7 are not in the MVC (LOINC 75326-9 and LA6751-7,
/// SNOMED CT 198436008, 108774000 and 373270004, and two Dutch medicinal product codes).
/// </summary>
public sealed class DocumentCodeMapperTests
{
    private const string Loinc = "http://loinc.org";
    private const string Icd10 = "http://hl7.org/fhir/sid/icd-10";
    private const string Snomed = "http://snomed.info/sct";
    private const string Npu = "urn:oid:1.2.208.176.2.1";
    private const string ConditionId = "ad84b7a2-b4dd-474e-bef3-0779e6cb595f";

    private static DocumentCodeMapper Mapper() => new(Mvc.Catalogue, DisplayTranslations.Default);

    /// <summary>ips/bundle-minimal.json, read afresh so that each test changes its own copy.</summary>
    private static Bundle Minimal() => FhirJson.Parse<Bundle>(PublishedExamples.Read("ips/bundle-minimal.json"));

    private static Composition CompositionOf(Bundle bundle) => (Composition)bundle.Entry[0].Resource!;

    private static Condition ConditionOf(Bundle bundle) => bundle.Entry.Select(e => e.Resource).OfType<Condition>().Single();

    private static List<(string Lang, string Content)> Translations(Coding coding) =>
        [.. (coding.DisplayElement?.Extension ?? []).Where(e => e.Url == DocumentCodeMapper.TranslationExtension)
            .Select(e => (((Code)e.GetExtension("lang")!.Value).Value!, ((FhirString)e.GetExtension("content")!.Value).Value!))];

    private static int Flags(Resource resource) =>
        resource.Meta?.Tag.Count(t => t.System == DocumentCodeMapper.FlagSystem && t.Code == DocumentCodeMapper.UnmappedFlagCode) ?? 0;

    [Fact]
    public void Map_WhenGivenThePublishedMinimalIps_CountsEveryCodingOnce()
    {
        var report = Mapper().Map(Minimal(), "de-DE");

        Assert.Equal(22, report.Walked);
        Assert.Equal(7, report.Mapped);
        Assert.Equal(8, report.FhirDefined);
        Assert.Equal(7, report.Unmapped.Count);
        Assert.Equal(report.Walked, report.Mapped + report.FhirDefined + report.Unmapped.Count);
        Assert.Equal(0, report.DisplaysAdded);
        Assert.Equal("de", report.Language);
    }

    [Fact]
    public void Map_WhenAMappedCodeHasAGermanTranslation_AddsItAndKeepsTheOriginalDisplay()
    {
        var bundle = Minimal();

        var report = Mapper().Map(bundle, "de-DE");

        var composition = CompositionOf(bundle);
        var type = composition.Type.Coding[0];
        Assert.Equal("Patient summary Document", type.Display);
        Assert.Equal([("de", "Patientenkurzakte")], Translations(type));
        var problems = composition.Section[0].Code.Coding[0];
        Assert.Equal("Problem list Reported", problems.Display);   // as the example wrote it, not the MVC's "Problem list - Reported"
        Assert.Equal([("de", "Problemliste")], Translations(problems));
        // The document type and the three sections; N95.1, oral use and anastrozole have no row in our table.
        Assert.Equal(4, report.Translated);
    }

    [Fact]
    public void Map_WhenSwedishIsAsked_TranslatesIntoSwedishNotGerman()
    {
        var swedish = Minimal();
        var german = Minimal();

        Mapper().Map(swedish, "sv-SE");
        Mapper().Map(german, "de");

        Assert.Equal([("sv", "Aktuella hälsoproblem")], Translations(CompositionOf(swedish).Section[0].Code.Coding[0]));
        Assert.Equal([("de", "Problemliste")], Translations(CompositionOf(german).Section[0].Code.Coding[0]));
    }

    [Fact]
    public void Map_WhenNoTranslationExists_AddsNoExtension()
    {
        var bundle = Minimal();

        Mapper().Map(bundle, "fr-FR");

        var icd = ConditionOf(bundle).Code.Coding[1];
        Assert.Equal("N95.1", icd.Code);
        Assert.Equal("Menopausal and female climacteric states", icd.Display);
        Assert.Empty(Translations(icd));
        Assert.Equal(0, Flags(CompositionOf(bundle)));
    }

    [Fact]
    public void Map_WhenTheLanguageIsEnglish_TranslatesNothing()
    {
        var bundle = Minimal();

        var report = Mapper().Map(bundle, "en-GB");

        Assert.Equal(7, report.Mapped);
        Assert.Equal(0, report.Translated);
        Assert.Empty(Translations(CompositionOf(bundle).Type.Coding[0]));
    }

    [Fact]
    public void Map_WhenAMappedCodingHasNoDisplay_GivesItTheCataloguesEnglishDisplayAndTheTranslation()
    {
        var bundle = Minimal();
        ConditionOf(bundle).Code.Coding.Add(new Coding(Icd10, "E11.9"));

        var report = Mapper().Map(bundle, "de-DE");

        var added = ConditionOf(bundle).Code.Coding[2];
        Assert.Equal("Type 2 diabetes mellitus; Without complications", added.Display);
        Assert.Equal([("de", "Diabetes mellitus, Typ 2, ohne Komplikationen")], Translations(added));
        Assert.Equal(1, report.DisplaysAdded);
        Assert.Equal(8, report.Mapped);
    }

    [Fact]
    public void Map_WhenACodingIsOfALocalSystem_KeepsItVerbatimAndFlagsIt()
    {
        var bundle = Minimal();
        ConditionOf(bundle).Code.Coding.Add(new Coding(Npu, "NPU27300", "B—Haemoglobin A1c(IFCC); subst.fr."));
        var before = (Coding)ConditionOf(bundle).Code.Coding[2].DeepCopy();

        var report = Mapper().Map(bundle, "de-DE");

        var condition = ConditionOf(bundle);
        Assert.Equal(3, condition.Code.Coding.Count);
        Assert.True(before.IsExactly(condition.Code.Coding[2]));
        var flagged = Assert.Single(report.Unmapped, u => u.System == Npu);
        Assert.Equal(new UnmappedCode("Condition", ConditionId, "Condition.code.coding[2]", Npu, "NPU27300", "B—Haemoglobin A1c(IFCC); subst.fr.", UnmappedReason.SystemNotInCatalogue), flagged);
        // Four codings of the Condition are flagged (category, severity, the SNOMED CT code, NPU); the resource is tagged once.
        Assert.Equal(4, report.Unmapped.Count(u => u.ResourceId == ConditionId));
        Assert.Equal(1, Flags(condition));
    }

    [Fact]
    public void Map_WhenACodeOfACoveredSystemIsNotInTheCatalogue_KeepsAndFlagsIt()
    {
        var bundle = Minimal();

        var report = Mapper().Map(bundle, "de-DE");

        var snomed = ConditionOf(bundle).Code.Coding[0];
        Assert.Equal((Snomed, "198436008", "Menopausal flushing (finding)"), (snomed.System, snomed.Code, snomed.Display));
        Assert.Equal([("nl-NL", "opvliegers")], Translations(snomed));   // the example's own translation, untouched
        Assert.Contains(new UnmappedCode("Condition", ConditionId, "Condition.code.coding[0]", Snomed, "198436008", "Menopausal flushing (finding)", UnmappedReason.CodeNotInCatalogue), report.Unmapped);
        Assert.Contains(report.Unmapped, u => u is { Path: "Condition.category[0].coding[0]", System: Loinc, Code: "75326-9", Reason: UnmappedReason.CodeNotInCatalogue });
    }

    [Fact]
    public void Map_WhenACodingHasNoSystem_FlagsItAsIncomplete()
    {
        var bundle = Minimal();
        ConditionOf(bundle).Code.Coding.Add(new Coding { Code = "flush", Display = "Hot flush" });

        var report = Mapper().Map(bundle, "de-DE");

        Assert.Contains(report.Unmapped, u => u is { Path: "Condition.code.coding[2]", System: null, Code: "flush", Reason: UnmappedReason.Incomplete });
        Assert.Equal("flush", ConditionOf(bundle).Code.Coding[2].Code);
    }

    [Fact]
    public void Map_WhenTheSummaryHasAnUnexpectedSection_KeepsTheSectionAndFlagsItsCode()
    {
        var bundle = Minimal();
        CompositionOf(bundle).Section.Add(new Composition.SectionComponent
        {
            Title = "Hospital course",
            Code = new CodeableConcept(Loinc, "8648-8", "Hospital course Narrative"),
            Text = new Narrative { Status = Narrative.NarrativeStatus.Generated, Div = "<div xmlns=\"http://www.w3.org/1999/xhtml\">Uneventful.</div>" },
        });

        var report = Mapper().Map(bundle, "fr-FR");

        var composition = CompositionOf(bundle);
        Assert.Equal(4, composition.Section.Count);
        Assert.Equal("8648-8", composition.Section[3].Code.Coding[0].Code);
        Assert.Contains(report.Unmapped, u => u is { ResourceType: "Composition", Path: "Composition.section[3].code.coding[0]", Code: "8648-8", Reason: UnmappedReason.CodeNotInCatalogue });
        Assert.Equal(1, Flags(composition));
        Assert.Equal([("fr", "Liste des problèmes")], Translations(composition.Section[0].Code.Coding[0]));
    }

    [Fact]
    public void Map_WhenRunTwice_AddsNoTranslationOrFlagTwice()
    {
        var bundle = Minimal();

        var first = Mapper().Map(bundle, "de-DE");
        var second = Mapper().Map(bundle, "de-DE");

        Assert.Equal(4, first.Translated);
        Assert.Equal(0, second.Translated);
        Assert.Equal(first.Walked, second.Walked);   // our own tag is not walked
        Assert.Single(Translations(CompositionOf(bundle).Type.Coding[0]));
        Assert.Equal(1, Flags(ConditionOf(bundle)));
    }

    [Fact]
    public void Map_AfterMappingAndFlagging_ThePublishedIpsDocumentIsStillValid()
    {
        var bundle = Minimal();
        ConditionOf(bundle).Code.Coding.Add(new Coding(Npu, "NPU27300", "B—Haemoglobin A1c(IFCC); subst.fr."));
        Assert.True(IpsValidation.Validator.Validate(bundle, IpsProfiles.Bundle).IsValid);

        var report = Mapper().Map(bundle, "de-DE");

        Assert.NotEmpty(report.Unmapped);
        Assert.Equal(1, Flags(ConditionOf(bundle)));
        var result = IpsValidation.Validator.Validate(bundle, IpsProfiles.Bundle);
        Assert.Empty(result.Errors);
        // Also once the entries declare their IPS profiles, so that the flagged Condition is checked against Condition-uv-ips.
        var condition = ConditionOf(bundle);
        Assert.Empty(IpsValidation.Validator.Validate(condition, IpsProfiles.Condition).Errors);
        Assert.Empty(IpsValidation.Validator.Validate(CompositionOf(bundle), IpsProfiles.Composition).Errors);
    }

    [Theory]
    [InlineData("ips/IPS-bundle-01.xml")]
    [InlineData("ips/IPS-bundle-with-immunization.xml")]
    [InlineData("ips/bundle-no-info-required-sections.json")]
    [InlineData("eu-eps/Bundle-Instance-Bundle-2df32f90-6f95-434e-9c29-4b9b0968f9e8.json")]
    [InlineData("eu-eps/Bundle-Instance-Bundle-7de01d96-ea1a-4c4d-a810-95b6f7d95682.json")]
    public void Map_WhenGivenAPublishedDocument_CountsAddUp(string file)
    {
        var bundle = Read(file);

        var report = Mapper().Map(bundle, "fr-FR");

        Assert.True(report.Walked > 0);
        Assert.Equal(report.Walked, report.Mapped + report.FhirDefined + report.Unmapped.Count);
        Assert.True(report.Mapped > 0);
    }

    [Fact]
    public void Map_WhenAForeignSummaryHasUnknownCodes_FlagsThemWithTheirReasons()
    {
        // eu-eps 2df32f90: entry[2] is JSON null (read leniently and set aside); the influenza vaccine's SNOMED CT and ATC codes
        // are in eHDSIVaccine, the COVID-19 vaccine's ATC J07BX03 is not, and CVX (http://hl7.org/fhir/sid/cvx) is a US code system.
        var bundle = Read("eu-eps/Bundle-Instance-Bundle-2df32f90-6f95-434e-9c29-4b9b0968f9e8.json");

        var report = Mapper().Map(bundle, "de-DE");

        Assert.Contains(report.Unmapped, u => u is { ResourceType: "Immunization", System: "http://www.whocc.no/atc", Code: "J07BX03", Reason: UnmappedReason.CodeNotInCatalogue });
        Assert.Contains(report.Unmapped, u => u is { ResourceType: "Immunization", System: "http://hl7.org/fhir/sid/cvx", Code: "207", Reason: UnmappedReason.SystemNotInCatalogue });
        var influenza = bundle.Entry.Select(e => e.Resource).OfType<Immunization>().First(i => i.VaccineCode.Coding.Any(c => c.Code == "J07BB02"));
        var atc = influenza.VaccineCode.Coding.Single(c => c.Code == "J07BB02");
        Assert.Equal("Influenza, inactivated, split virus", atc.Display);
        Assert.Equal([("de", "Influenza, inaktiviert, Spaltvirus oder Oberflächenantigen")], Translations(atc));
        Assert.DoesNotContain(report.Unmapped, u => u.Code is "1181000221105" or "J07BB02");
    }

    private static Bundle Read(string file)
    {
        var text = PublishedExamples.Read(file);
        if (file.EndsWith(".xml", StringComparison.Ordinal))
            return (Bundle)new FhirXmlDeserializer().DeserializeResource(text);
        var (bundle, _, error) = LenientBundleReader.Read(text);
        return bundle ?? throw new InvalidOperationException($"{file}: {error}");
    }
}
