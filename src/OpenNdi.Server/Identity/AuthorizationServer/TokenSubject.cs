using OpenNdi.Core.Identity;

namespace OpenNdi.Server.Identity.AuthorizationServer;

/// <summary>
/// Whom a token is issued for: the kind of actor, the <c>sub</c>, and the claims that describe them (care unit,
/// assignment, purpose for a professional; identity number and assurance level for a patient).
/// </summary>
public sealed record TokenSubject(ActorKind Actor, string Subject, IReadOnlyDictionary<string, string> Claims)
{
    /// <summary>The patient in context for <c>launch/patient</c>: the person logged in, when a patient.</summary>
    public string? PatientContext => Actor == ActorKind.Patient && Claims.TryGetValue(NdiClaims.PersonId, out var id) ? id : null;
}

/// <summary>Someone who can log in on the login page.</summary>
public sealed record LoginUser(string Id, string Name, string Description, TokenSubject Subject);

/// <summary>The people the login page offers. Production logins come from national identity providers instead.</summary>
public interface ILoginUsers
{
    IReadOnlyList<LoginUser> Users { get; }
}
