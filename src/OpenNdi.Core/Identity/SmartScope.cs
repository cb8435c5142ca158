namespace OpenNdi.Core.Identity;

/// <summary>Whose data a SMART scope is about (SMART App Launch 2.0, "Scopes for requesting clinical data").</summary>
public enum ScopeContext
{
    /// <summary><c>patient/</c>: the patient in context (a patient, or a representative acting for one).</summary>
    Patient,

    /// <summary><c>user/</c>: whatever the authenticated user may see (a professional).</summary>
    User,

    /// <summary><c>system/</c>: a backend system without a user (SMART Backend Services).</summary>
    System,
}

/// <summary>SMART v2 permissions, in the order the specification requires them to be written: c r u d s.</summary>
[Flags]
public enum ScopePermissions
{
    None = 0,
    Create = 1,
    Read = 2,
    Update = 4,
    Delete = 8,
    Search = 16,
    All = Create | Read | Update | Delete | Search,
}

/// <summary>
/// One SMART resource scope, v2 (<c>patient/Observation.rs?category=…|laboratory</c>) or v1 (<c>user/*.read</c>,
/// which means <c>.rs</c>; <c>.write</c> means <c>.cud</c>; <c>.*</c> means <c>.cruds</c>). Parsed once at the edge;
/// a malformed scope is an error naming what is wrong, never silently widened.
/// </summary>
public sealed record SmartScope(ScopeContext Context, string ResourceType, ScopePermissions Permissions, IReadOnlyList<KeyValuePair<string, string>> Parameters)
{
    private const string Order = "cruds";

    public bool IsWildcard => ResourceType == "*";

    /// <summary>True when this scope grants all of <paramref name="needed"/> on <paramref name="resourceType"/> in <paramref name="context"/> (parameters not considered).</summary>
    public bool Grants(ScopeContext context, string resourceType, ScopePermissions needed) =>
        Context == context && (IsWildcard || ResourceType == resourceType) && (Permissions & needed) == needed;

    public static bool TryParse(string? text, out SmartScope scope, out string? error)
    {
        scope = null!;
        error = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "scope is empty";
            return false;
        }
        var slash = text.IndexOf('/');
        if (slash < 0)
        {
            error = $"'{text}' is not a resource scope (context/Resource.permissions)";
            return false;
        }
        ScopeContext context;
        switch (text[..slash])
        {
            case "patient": context = ScopeContext.Patient; break;
            case "user": context = ScopeContext.User; break;
            case "system": context = ScopeContext.System; break;
            default:
                error = $"scope '{text}': context must be patient, user or system";
                return false;
        }
        var rest = text[(slash + 1)..];
        var query = rest.IndexOf('?');
        var parameters = new List<KeyValuePair<string, string>>();
        if (query >= 0)
        {
            foreach (var pair in rest[(query + 1)..].Split('&'))
            {
                var equals = pair.IndexOf('=');
                if (equals <= 0 || equals == pair.Length - 1)
                {
                    error = $"scope '{text}': parameter '{pair}' must be name=value";
                    return false;
                }
                parameters.Add(new(Uri.UnescapeDataString(pair[..equals]), Uri.UnescapeDataString(pair[(equals + 1)..])));
            }
            rest = rest[..query];
        }
        var dot = rest.LastIndexOf('.');
        if (dot <= 0)
        {
            error = $"scope '{text}': expected Resource.permissions after the context";
            return false;
        }
        var resource = rest[..dot];
        if (resource != "*" && !(char.IsAsciiLetterUpper(resource[0]) && resource.All(char.IsAsciiLetter)))
        {
            error = $"scope '{text}': '{resource}' is not a FHIR resource type or *";
            return false;
        }
        if (!TryPermissions(rest[(dot + 1)..], out var permissions))
        {
            error = $"scope '{text}': permissions must be some of c, r, u, d, s in that order (or read, write, *)";
            return false;
        }
        scope = new SmartScope(context, resource, permissions, parameters);
        return true;
    }

    private static bool TryPermissions(string text, out ScopePermissions permissions)
    {
        permissions = text switch
        {
            "read" => ScopePermissions.Read | ScopePermissions.Search,
            "write" => ScopePermissions.Create | ScopePermissions.Update | ScopePermissions.Delete,
            "*" => ScopePermissions.All,
            _ => ScopePermissions.None,
        };
        if (permissions != ScopePermissions.None)
            return true;
        var position = -1;
        foreach (var c in text)
        {
            var next = Order.IndexOf(c, position + 1);
            if (next < 0)
                return false; // unknown letter, repeated letter, or out of order
            position = next;
            permissions |= (ScopePermissions)(1 << next);
        }
        return permissions != ScopePermissions.None;
    }

    public override string ToString()
    {
        var letters = new string([.. Order.Where((_, i) => Permissions.HasFlag((ScopePermissions)(1 << i)))]);
        var context = Context.ToString().ToLowerInvariant();
        var query = Parameters.Count == 0 ? "" : "?" + string.Join('&', Parameters.Select(p => $"{Uri.EscapeDataString(p.Key)}={Uri.EscapeDataString(p.Value)}"));
        return $"{context}/{ResourceType}.{letters}{query}";
    }
}

/// <summary>
/// The scopes of one token (the space-separated <c>scope</c> claim): its resource scopes parsed, and its other
/// scopes (openid, fhirUser, launch/patient, offline_access, …) kept as they are.
/// </summary>
public sealed record ScopeSet(IReadOnlyList<SmartScope> ResourceScopes, IReadOnlyList<string> OtherScopes)
{
    private static readonly HashSet<string> KnownOther = new(StringComparer.Ordinal)
    {
        "openid", "fhirUser", "profile", "launch", "launch/patient", "launch/encounter", "offline_access", "online_access",
        DirectoryScopes.Administration, EhrLaunchScopes.CreateLaunch,
    };

    /// <summary>Parses a scope claim; an unknown or malformed scope makes the whole set an error, naming it.</summary>
    public static bool TryParse(string? scopeClaim, out ScopeSet scopes, out string? error)
    {
        var resource = new List<SmartScope>();
        var other = new List<string>();
        error = null;
        foreach (var item in (scopeClaim ?? string.Empty).Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (KnownOther.Contains(item))
            {
                other.Add(item);
                continue;
            }
            if (!SmartScope.TryParse(item, out var scope, out error))
            {
                scopes = new ScopeSet([], []);
                return false;
            }
            resource.Add(scope);
        }
        scopes = new ScopeSet(resource, other);
        return true;
    }

    /// <summary>True when some scope grants all of <paramref name="needed"/> on the resource type in the context.</summary>
    public bool Grants(ScopeContext context, string resourceType, ScopePermissions needed) =>
        ResourceScopes.Any(s => s.Grants(context, resourceType, needed));
}

/// <summary>Scopes of OpenNdi's own, beside SMART's.</summary>
public static class DirectoryScopes
{
    /// <summary>
    /// Administers the service addressing directory: lets an operator change any provider's entries (with the
    /// <c>user/</c> write scopes of the resource types). Granted only to operators, only through clients registered for it.
    /// </summary>
    public const string Administration = "ndi/directory.admin";
}

/// <summary>Scopes of the EHR launch (SMART App Launch 2.2 §2.0.4), beside SMART's own <c>launch</c>.</summary>
public static class EhrLaunchScopes
{
    /// <summary>
    /// Lets an EHR system register a launch context (who is logged in there, the open patient, the care relationship it
    /// attests) for an app it launches. Granted only to backend services registered for it, and only for their own provider.
    /// </summary>
    public const string CreateLaunch = "ndi/launch";
}
