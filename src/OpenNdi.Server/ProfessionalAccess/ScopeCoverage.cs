using System.Security.Claims;
using OpenNdi.Core.Identity;
using OpenNdi.Core.Index;
using OpenNdi.Core.Policy;
using OpenNdi.Fhir.Merging;
using OpenNdi.Server.Identity;

namespace OpenNdi.Server.ProfessionalAccess;

/// <summary>
/// Which clinical resource types the caller's token may read (SMART v2: <c>user/Condition.rs</c>, <c>patient/*.rs</c>, …),
/// for the answers that gather many types at once (<c>Patient/$summary</c>, a category read with what its items
/// reference). A type the scopes do not cover is neither fetched (a category none of whose types is covered is not
/// asked for) nor released, and the answer says which types it could not include, whatever the data, so the gap
/// tells nothing about the patient. Supporting resources (Patient, Organization, Medication, Device, Provenance)
/// travel with the items that reference them.
/// </summary>
internal sealed class ScopeCoverage
{
    private readonly ScopeContext _context;

    private ScopeCoverage(ScopeContext context, IReadOnlySet<string> notCovered) => (_context, NotCovered) = (context, notCovered);

    /// <summary>The clinical types the token does not cover.</summary>
    public IReadOnlySet<string> NotCovered { get; }

    public static ScopeCoverage Of(ClaimsPrincipal user, Actor actor)
    {
        // A professional abroad holds no SMART scopes: what crosses the border is the access policy's to decide
        // (AccessPolicy.CrossBorderCategories), so every type is asked for and each item decided.
        if (actor is CrossBorderProfessionalActor)
            return new ScopeCoverage(ScopeContext.User, new HashSet<string>(StringComparer.Ordinal));
        var context = Actors.ContextOf(actor);
        // The route's filter refused malformed scopes before this runs; an unparsable set covers nothing.
        var scopes = Actors.TryReadScopes(user, out var parsed, out _) ? parsed : null;
        return new ScopeCoverage(context, ProfessionalAccessEndpoints.ReadTypes
            .Where(type => scopes?.Grants(context, type, ScopePermissions.Read) != true).ToHashSet(StringComparer.Ordinal));
    }

    public bool Covers(string resourceType) => !NotCovered.Contains(resourceType);

    /// <summary>The categories worth asking providers for: those with at least one covered type.</summary>
    public IReadOnlyCollection<DataCategory> Fetchable(IReadOnlyCollection<DataCategory> categories) =>
        [.. categories.Where(category => TypesOf(category).Any(Covers))];

    /// <summary>The types of <paramref name="categories"/> the token does not cover, as the scope each one needs, in a stable order.</summary>
    public IReadOnlyList<string> NeededFor(IEnumerable<DataCategory> categories) =>
        [.. categories.SelectMany(TypesOf).Distinct().Where(type => !Covers(type)).Order(StringComparer.Ordinal)
            .Select(type => new SmartScope(_context, type, ScopePermissions.Read, []).ToString())];

    /// <summary>The clinical types an index category is read as; a provider's own patient summary holds any of them.</summary>
    private static IEnumerable<string> TypesOf(DataCategory category) => category == DataCategory.PatientSummary
        ? ProfessionalAccessEndpoints.ReadTypes
        : ProfessionalAccessEndpoints.ReadTypes.Where(type => ClinicalCategories.ReadAs(type).Contains(category));
}
