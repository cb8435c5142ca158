namespace OpenNdi.Web;

/// <summary>
/// The health data access body's case handling as an OAuth client of the national authorization server (public client
/// with PKCE); the host registers it. A case officer decides applications, revokes permits and releases or refuses
/// outputs (issue 18, EHDS art. 68, 73).
/// </summary>
public static class AccessBodyClient
{
    public const string ClientId = "openndi-hdab-portal";
    public const string Path = "/portal/hdab";
    public const string CallbackPath = Path + "/callback";

    /// <summary>What an officer's token carries (<see cref="Core.Identity.SecondaryUseScopes.ForOfficer"/>).</summary>
    public const string Scopes = Core.Identity.SecondaryUseScopes.ForOfficer;
}
