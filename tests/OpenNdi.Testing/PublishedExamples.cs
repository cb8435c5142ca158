namespace OpenNdi.Testing;

/// <summary>
/// FHIR examples published by HL7, HL7 Europe and Synthea, read from ../shared/fhir-examples beside the repository
/// (never copied into it): data no one here wrote is the honest check that we read the standard.
/// </summary>
public static class PublishedExamples
{
    public static string Directory
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "shared", "fhir-examples");
                if (System.IO.Directory.Exists(candidate))
                    return candidate;
            }
            throw new InvalidOperationException("../shared/fhir-examples was not found above the test binaries; the published FHIR examples live beside the repository.");
        }
    }

    public static string Read(string relativePath) => File.ReadAllText(Path.Combine(Directory, relativePath));
}
