namespace OpenNdi.Testing;

/// <summary>
/// FHIR examples published by HL7, HL7 Europe and Synthea, read from ../shared/fhir-examples beside the repository
/// (never copied into it): data no one here wrote is the honest check that we read the standard.
/// </summary>
public static class PublishedExamples
{
    public static string Directory => SharedFolder.Find("fhir-examples");

    public static string Read(string relativePath) => File.ReadAllText(Path.Combine(Directory, relativePath));
}
