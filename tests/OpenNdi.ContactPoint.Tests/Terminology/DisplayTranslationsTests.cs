using OpenNdi.ContactPoint.Terminology;

namespace OpenNdi.ContactPoint.Tests.Terminology;

public sealed class DisplayTranslationsTests
{
    [Fact]
    public void Default_WhenLoaded_HasSwedishGermanAndFrench()
    {
        Assert.Equal(["de", "fr", "sv"], DisplayTranslations.Default.Languages);
        Assert.Equal(159 * 3, DisplayTranslations.Default.Count);
    }

    [Theory]
    [InlineData("sv-SE", "Essentiell hypertoni")]
    [InlineData("de-DE", "Essentielle (primäre) Hypertonie")]
    [InlineData("de-AT", "Essentielle (primäre) Hypertonie")]
    [InlineData("fr-FR", "Hypertension essentielle (primitive)")]
    [InlineData("FR", "Hypertension essentielle (primitive)")]
    public void Find_WhenAskedInARegionalTag_MatchesOnThePrimaryLanguage(string language, string display)
    {
        Assert.Equal(display, DisplayTranslations.Default.Find("http://hl7.org/fhir/sid/icd-10", "I10", language));
    }

    [Fact]
    public void Find_WhenTheLanguageIsNotInTheTable_ReturnsNull()
    {
        Assert.Null(DisplayTranslations.Default.Find("http://hl7.org/fhir/sid/icd-10", "I10", "en-GB"));
        Assert.Null(DisplayTranslations.Default.Find("http://hl7.org/fhir/sid/icd-10", "I10", "it"));
    }

    [Fact]
    public void Default_EveryRowIsACodeOfTheCatalogue()
    {
        // The table translates MVC displays only: a row for a code the MVC does not hold would translate nothing we send.
        using var stream = typeof(DisplayTranslations).Assembly.GetManifestResourceStream(DisplayTranslations.ResourceName)!;
        using var reader = new StreamReader(stream);
        var rows = reader.ReadToEnd().Split('\n').Where(l => l.Length > 0 && !l.StartsWith('#')).Select(l => l.Split('\t')).ToList();

        Assert.NotEmpty(rows);
        Assert.All(rows, row => Assert.NotNull(Mvc.Catalogue.Find(row[0], row[1])));
    }

    [Fact]
    public void Parse_WhenARowHasThreeFields_ThrowsWithTheLine()
    {
        var ex = Assert.Throws<InvalidDataException>(() => DisplayTranslations.Parse(new StringReader("# header\nhttp://loinc.org\t60591-5\tde\n"), "test.tsv"));

        Assert.Contains("test.tsv line 2", ex.Message);
    }

    [Fact]
    public void Parse_WhenARowComesTwice_Throws()
    {
        var text = "http://loinc.org\t60591-5\tde\tPatientenkurzakte\nhttp://loinc.org\t60591-5\tde-DE\tKurzakte\n";

        Assert.Throws<InvalidDataException>(() => DisplayTranslations.Parse(new StringReader(text), "test.tsv"));
    }
}
