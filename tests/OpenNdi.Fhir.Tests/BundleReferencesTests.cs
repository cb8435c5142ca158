using Hl7.Fhir.Model;

namespace OpenNdi.Fhir.Tests;

/// <summary>FHIR R4 §2.36.4.1, resolving references in Bundles.</summary>
public class BundleReferencesTests
{
    private static Bundle Bundle(params (string FullUrl, Resource Resource)[] entries) =>
        new() { Entry = [.. entries.Select(e => new Bundle.EntryComponent { FullUrl = e.FullUrl, Resource = e.Resource })] };

    [Fact]
    public void IndexOf_WhenTheReferenceIsAUrn_MatchesTheFullUrlExactly()
    {
        var references = new BundleReferences(Bundle(("urn:uuid:a", new Patient()), ("urn:uuid:b", new Patient())));

        Assert.Equal(1, references.IndexOf("urn:uuid:b", "urn:uuid:a"));
        Assert.Null(references.IndexOf("urn:uuid:B", "urn:uuid:a"));
    }

    [Fact]
    public void IndexOf_WhenARelativeReferenceIsWrittenInARestfulEntry_ResolvesAgainstItsRoot()
    {
        var references = new BundleReferences(Bundle(("https://a.example/fhir/Condition/1", new Condition()), ("https://a.example/fhir/Patient/p", new Patient())));

        Assert.Equal(1, references.IndexOf("Patient/p", "https://a.example/fhir/Condition/1"));
        Assert.Null(references.IndexOf("Patient/p", "https://b.example/fhir/Condition/1"));
    }

    [Fact]
    public void IndexOf_WhenARelativeReferenceIsWrittenInAUrnEntry_ResolvesToNothing()
    {
        var references = new BundleReferences(Bundle(("urn:uuid:c", new Condition()), ("https://a.example/fhir/Patient/p", new Patient())));

        Assert.Null(references.IndexOf("Patient/p", "urn:uuid:c"));
    }

    [Fact]
    public void IndexOf_WhenTheReferenceIsVersionSpecific_MatchesMetaVersionId()
    {
        var references = new BundleReferences(Bundle(
            ("https://a.example/fhir/Patient/p", new Patient { Meta = new Meta { VersionId = "1" } }),
            ("https://a.example/fhir/Patient/p", new Patient { Meta = new Meta { VersionId = "2" } })));

        Assert.Equal(1, references.IndexOf("Patient/p/_history/2", "https://a.example/fhir/Patient/p"));
        Assert.Equal(0, references.IndexOf("https://a.example/fhir/Patient/p/_history/1", null));
        Assert.Null(references.IndexOf("Patient/p/_history/3", "https://a.example/fhir/Patient/p"));
    }

    [Theory]
    [InlineData("#contained")]
    [InlineData("")]
    [InlineData(null)]
    [InlineData("NoSuchType/p")]
    [InlineData("Patient/has space")]
    public void IndexOf_WhenTheReferenceNamesNoEntry_ReturnsNull(string? reference)
    {
        var references = new BundleReferences(Bundle(("https://a.example/fhir/Patient/p", new Patient())));

        Assert.Null(references.IndexOf(reference, "https://a.example/fhir/Patient/p"));
    }

    [Theory]
    [InlineData("https://a.example/fhir/Patient/p", "https://a.example/fhir/")]
    [InlineData("http://a.example:8080/base/r4/Observation/o.1-2", "http://a.example:8080/base/r4/")]
    [InlineData("urn:uuid:7685713c-e29e-4a75-8a90-45be7ba3be94", null)]
    [InlineData("https://a.example/fhir/NoSuchType/p", null)]
    [InlineData("Patient/p", null)]
    public void RestfulRoot_WhenGivenAFullUrl_ReturnsTheServiceRootOfRestfulOnes(string fullUrl, string? root)
    {
        Assert.Equal(root, BundleReferences.RestfulRoot(fullUrl));
    }
}
