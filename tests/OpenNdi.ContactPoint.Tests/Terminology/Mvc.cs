using OpenNdi.ContactPoint.Terminology;

namespace OpenNdi.ContactPoint.Tests.Terminology;

/// <summary>The eHDSI value sets published by HL7 Europe, in ../shared/fhir-examples/terminology-ehdsi, loaded once per test process (about 2.5 MB of JSON).</summary>
internal static class Mvc
{
    private static readonly Lazy<MasterValueSetCatalogue> Shared = new(() => new MasterValueSetCatalogue(Directory), LazyThreadSafetyMode.ExecutionAndPublication);

    public static string Directory => Path.Combine(PublishedExamples.Directory, "terminology-ehdsi");

    public static MasterValueSetCatalogue Catalogue => Shared.Value;
}
