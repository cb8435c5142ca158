using OpenNdi.ContactPoint.Terminology;

namespace OpenNdi.ContactPoint.Tests.Terminology;

/// <summary>
/// The catalogue read from the published eHDSI value sets (MVC 8.1.0, package hl7.eu.terminology.ehdsi 0.2.0). The
/// expected numbers and displays were read from the files themselves (the concept lists of each compose.include).
/// </summary>
public sealed class MasterValueSetCatalogueTests
{
    private const string Atc = "http://www.whocc.no/atc";
    private const string Icd10 = "http://hl7.org/fhir/sid/icd-10";

    [Theory]
    [InlineData("eHDSIActiveIngredient", 6897)]
    [InlineData("eHDSIAllergenNoDrug", 470)]
    [InlineData("eHDSICountry", 249)]
    [InlineData("eHDSIDocumentCode", 6)]
    [InlineData("eHDSIDoseForm", 642)]
    [InlineData("eHDSIIllnessandDisorder", 14158)]
    [InlineData("eHDSIPackage", 79)]
    [InlineData("eHDSIReactionAllergy", 63)]
    [InlineData("eHDSIRouteofAdministration", 85)]
    [InlineData("eHDSISection", 18)]
    [InlineData("eHDSIUnit", 889)]
    [InlineData("eHDSIVaccine", 220)]   // 93 SNOMED CT and 127 ATC
    public void Load_WhenGivenThePublishedValueSets_CountsEachOnesConcepts(string name, int concepts)
    {
        var valueSet = Assert.Single(Mvc.Catalogue.ValueSets, v => v.Name == name);

        Assert.Equal(concepts, valueSet.ConceptCount);
        Assert.Equal($"http://terminology.ehdsi.eu/ValueSet/{name}", valueSet.Url);
        Assert.Equal("0.2.0", valueSet.Version);
    }

    [Fact]
    public void Load_WhenGivenThePublishedValueSets_HasTwelveAndCountsSharedCodesOnce()
    {
        Assert.Equal(12, Mvc.Catalogue.ValueSets.Count);
        // 23 776 concepts in all; the 127 ATC vaccine codes of eHDSIVaccine are in eHDSIActiveIngredient too.
        Assert.Equal(23776 - 127, Mvc.Catalogue.ConceptCount);
    }

    [Fact]
    public void Find_WhenAnAtcVaccineCodeIsInTwoValueSets_NamesBoth()
    {
        var concept = Mvc.Catalogue.Find(Atc, "J07AC");

        Assert.NotNull(concept);
        Assert.Equal("Anthrax vaccines", concept.Display);
        Assert.Equal(["eHDSIActiveIngredient", "eHDSIVaccine"], concept.ValueSets.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Find_WhenTheCountryIsAskedUnderTheIsoSystem_FindsItAlthoughTheFileNamesAWebPage()
    {
        var concept = Mvc.Catalogue.Find("urn:iso:std:iso:3166", "SE");

        Assert.NotNull(concept);
        Assert.Equal("SWEDEN", concept.Display);
        Assert.Equal("urn:iso:std:iso:3166", concept.System);
        Assert.Contains("urn:iso:std:iso:3166", Mvc.Catalogue.Systems);
        Assert.DoesNotContain("http://terminology.hl7.org/5.3.0/CodeSystem-ISO3166Part1.html", Mvc.Catalogue.Systems);
    }

    [Fact]
    public void Find_WhenACodingUsesTheFilesDefectiveCountrySystem_FindsTheSameConcept()
    {
        var concept = Mvc.Catalogue.Find("http://terminology.hl7.org/5.3.0/CodeSystem-ISO3166Part1.html", "DE");

        Assert.NotNull(concept);
        Assert.Equal("GERMANY", concept.Display);
    }

    [Theory]
    [InlineData("E11.9", "Type 2 diabetes mellitus; Without complications")]
    [InlineData("A00.0", "Cholera due to Vibrio cholerae 01, biovar cholerae")]
    [InlineData("A00", "Cholera")]
    public void Find_WhenAnIcd10CodeHasADot_FindsItAsWritten(string code, string display)
    {
        var concept = Mvc.Catalogue.Find(Icd10, code);

        Assert.NotNull(concept);
        Assert.Equal(display, concept.Display);
        Assert.Equal(["eHDSIIllnessandDisorder"], concept.ValueSets);
    }

    [Fact]
    public void Find_WhenAnIcd10CodeHasItsDotLeftOut_FindsNothing()
    {
        Assert.Null(Mvc.Catalogue.Find(Icd10, "E119"));
    }

    [Theory]
    [InlineData("urn:oid:2.16.840.1.113883.6.73", "N02BE01", "paracetamol")]
    [InlineData("urn:oid:2.16.840.1.113883.6.3", "I10", "Essential (primary) hypertension")]
    [InlineData("urn:oid:2.16.840.1.113883.6.96", "39579001", "Anaphylaxis")]
    [InlineData("urn:oid:2.16.840.1.113883.6.1", "60591-5", "Patient summary Document")]
    [InlineData("urn:oid:2.16.840.1.113883.6.8", "%", "percent")]
    [InlineData("urn:oid:0.4.0.127.0.16.1.1.2.1", "20053000", "Oral use")]
    [InlineData("urn:oid:1.0.3166.1.2.2", "FR", "FRANCE")]
    public void Find_WhenACodingNamesItsSystemByOid_FindsTheConcept(string system, string code, string display)
    {
        Assert.Equal(display, Mvc.Catalogue.Find(system, code)?.Display);
    }

    [Fact]
    public void Covers_WhenASystemHasNoValueSet_SaysSo()
    {
        Assert.True(Mvc.Catalogue.Covers("http://snomed.info/sct"));
        Assert.True(Mvc.Catalogue.Covers("http://standardterms.edqm.eu"));
        Assert.False(Mvc.Catalogue.Covers("urn:oid:1.2.208.176.2.1"));   // NPU
        Assert.False(Mvc.Catalogue.Covers(null));
    }

    [Fact]
    public void Load_WhenAFileIsNotAValueSet_ThrowsNamingTheFile()
    {
        var directory = Directory.CreateTempSubdirectory("openndi-mvc-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(directory, "ValueSet-eHDSINotOne-8.1.0.json"), """{"resourceType":"Patient","id":"p1"}""");

            var ex = Assert.Throws<InvalidDataException>(() => new MasterValueSetCatalogue(directory));

            Assert.Contains("ValueSet-eHDSINotOne-8.1.0.json", ex.Message);
            Assert.Contains("Patient", ex.Message);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void Load_WhenAFileIsNotFhirJson_ThrowsNamingTheFile()
    {
        var directory = Directory.CreateTempSubdirectory("openndi-mvc-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(directory, "ValueSet-broken.json"), "{ not json");

            var ex = Assert.Throws<InvalidDataException>(() => new MasterValueSetCatalogue(directory));

            Assert.Contains("ValueSet-broken.json", ex.Message);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void Load_WhenTheFolderHasNoValueSets_Throws()
    {
        var directory = Directory.CreateTempSubdirectory("openndi-mvc-").FullName;
        try
        {
            Assert.Throws<InvalidDataException>(() => new MasterValueSetCatalogue(directory));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
