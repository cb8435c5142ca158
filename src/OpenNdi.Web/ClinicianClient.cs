namespace OpenNdi.Web;

/// <summary>
/// The clinician view as an OAuth client of the national authorization server (SMART App Launch, public client with
/// PKCE); the host registers it. The page's script uses the same values.
/// </summary>
public static class ClinicianClient
{
    public const string ClientId = "openndi-clinician-portal";
    public const string Path = "/portal/clinician";
    public const string CallbackPath = Path + "/callback";
    public const string LaunchPath = Path + "/launch";

    /// <summary>Read access to patient data for the clinician, and the directory for care unit names.</summary>
    public const string Scopes = "openid fhirUser user/*.rs";
}
