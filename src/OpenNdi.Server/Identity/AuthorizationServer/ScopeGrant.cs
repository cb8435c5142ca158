using OpenNdi.Core.Identity;

namespace OpenNdi.Server.Identity.AuthorizationServer;

/// <summary>
/// Decides which of the requested scopes a token gets: each resource scope must suit the actor (professionals get
/// <c>user/</c>, patients <c>patient/</c>, systems <c>system/</c>, operators <c>user/</c> on the directory and the audit log only, and the directory administration scope; professionals only read the directory) and
/// lie within what the client is registered for. Scopes that do not are left out, as OAuth allows; a request
/// left with no resource scope, or with a malformed one, is refused with the reason.
/// </summary>
public static class ScopeGrant
{
    /// <summary>What operators administer: the directory, and the audit log they follow up for the supervisor; never patient data.</summary>
    /// <summary>The resource types of the service addressing directory.</summary>
    private static readonly HashSet<string> DirectoryResources = new(StringComparer.Ordinal) { "Endpoint", "Organization", "Location", "HealthcareService" };

    private static bool ReadsOnly(SmartScope scope) => (scope.Permissions & ~(ScopePermissions.Read | ScopePermissions.Search)) == 0;

    /// <summary>The secondary-use chain's resources (issue 18): applications, permits and outputs.</summary>
    private static readonly HashSet<string> SecondaryUseResources = new(StringComparer.Ordinal) { SecondaryUseScopes.Application, SecondaryUseScopes.Permit, SecondaryUseScopes.Output, SecondaryUseScopes.Dataset };

    private static readonly HashSet<string> OperatorResources = new(StringComparer.Ordinal) { "Endpoint", "Organization", "Location", "HealthcareService", "AuditEvent" };

    public static (string? Granted, string? Error) Decide(string? requested, ActorKind actor, OAuthClient client)
    {
        if (string.IsNullOrWhiteSpace(requested))
            return (null, "scope is required");
        if (!ScopeSet.TryParse(requested, out var scopes, out var error))
            return (null, error);

        var granted = new List<string>();
        foreach (var other in scopes.OtherScopes)
        {
            var allowed = other switch
            {
                "openid" or "fhirUser" or "offline_access" or "online_access" => actor != ActorKind.System,
                "launch/patient" => actor == ActorKind.Patient,
                // The EHR launch: a professional whose EHR launched the app with a launch context.
                "launch" => actor == ActorKind.Professional,
                EhrLaunchScopes.CreateLaunch => actor == ActorKind.System && client.AllowedScopes.OtherScopes.Contains(other, StringComparer.Ordinal),
                DirectoryScopes.Administration => actor == ActorKind.Operator && client.AllowedScopes.OtherScopes.Contains(other, StringComparer.Ordinal),
                _ => false,
            };
            if (allowed)
                granted.Add(other);
        }
        var resourceScopes = 0;
        foreach (var scope in scopes.ResourceScopes)
        {
            if (SuitsActor(scope, actor) && client.AllowedScopes.Grants(scope.Context, scope.ResourceType, scope.Permissions))
            {
                granted.Add(scope.ToString());
                resourceScopes++;
            }
        }
        // An EHR that only starts launches needs no resource scope.
        if (resourceScopes == 0 && actor == ActorKind.System && granted.Contains(EhrLaunchScopes.CreateLaunch))
            return (string.Join(' ', granted), null);
        return resourceScopes == 0
            ? (null, $"none of the requested resource scopes may be granted to a {actor.ToString().ToLowerInvariant()} through client {client.ClientId}")
            : (string.Join(' ', granted.Distinct(StringComparer.Ordinal)), null);
    }

    private static bool SuitsActor(SmartScope scope, ActorKind actor) => actor switch
    {
        // Professionals read the directory, never write it: it decides where every summary fetch goes.
        ActorKind.Professional => scope.Context == ScopeContext.User && (!DirectoryResources.Contains(scope.ResourceType) && !scope.IsWildcard || ReadsOnly(scope)),
        ActorKind.Patient => scope.Context == ScopeContext.Patient,
        ActorKind.System => scope.Context == ScopeContext.System,
        ActorKind.Operator => scope.Context == ScopeContext.User && OperatorResources.Contains(scope.ResourceType),
        // Applicants and the body's officers reach the secondary-use resources only, never patient data.
        ActorKind.Applicant or ActorKind.AccessBodyOfficer => scope.Context == ScopeContext.User && SecondaryUseResources.Contains(scope.ResourceType),
        _ => false,
    };
}
