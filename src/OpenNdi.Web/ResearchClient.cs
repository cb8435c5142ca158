namespace OpenNdi.Web;

/// <summary>
/// The research portal as an OAuth client of the national authorization server (public client with PKCE); the host
/// registers it. The dataset catalogue is public; an applicant logs in to apply for a data permit, follow the case, use
/// the permit's workspace and take checked results out (issue 18, EHDS art. 67–73).
/// </summary>
public static class ResearchClient
{
    public const string ClientId = "openndi-research-portal";
    public const string Path = "/portal/research";
    public const string CallbackPath = Path + "/callback";

    /// <summary>What an applicant's token carries (<see cref="Core.Identity.SecondaryUseScopes.ForApplicant"/>).</summary>
    public const string Scopes = Core.Identity.SecondaryUseScopes.ForApplicant;
}
