namespace OpenNdi.Web;

/// <summary>
/// The patient's pages as an OAuth client of the national authorization server (public client with PKCE); the host
/// registers it. A patient reads only what the national APIs let a person read: their own, or a represented person's.
/// </summary>
public static class PatientClient
{
    public const string ClientId = "openndi-patient-portal";
    public const string Path = "/portal/patient";
    public const string CallbackPath = Path + "/callback";

    /// <summary>Reading the patient's own records and access log, making their choices (Consent), and adding their own data (Observation).</summary>
    public const string Scopes = "openid fhirUser patient/*.rs patient/Consent.cu patient/Observation.c patient/Task.c";
}
