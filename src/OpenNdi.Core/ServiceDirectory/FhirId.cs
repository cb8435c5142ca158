namespace OpenNdi.Core.ServiceDirectory;

/// <summary>The FHIR R4 id datatype (<c>[A-Za-z0-9\-\.]{1,64}</c>), which every directory entry's id must be.</summary>
public static class FhirId
{
    /// <summary>Null when <paramref name="id"/> is a FHIR id; otherwise why not.</summary>
    public static string? Validate(string? id) =>
        string.IsNullOrWhiteSpace(id) || id.Length > 64 || !id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.')
            ? "id must be 1 to 64 characters of letters, digits, '-' and '.' (a FHIR id)"
            : null;
}
