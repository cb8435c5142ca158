using OpenNdi.Core.Identifiers;
using OpenNdi.Core.ServiceDirectory;

namespace OpenNdi.Data.ServiceDirectory;

/// <summary>
/// An Organization search (IHE mCSD ITI-90): every given criterion must match. <see cref="Name"/> matches a
/// case- and accent-insensitive prefix of the name.
/// </summary>
public sealed record OrganizationQuery(HsaId? HsaId = null, OrganizationNumber? OrganizationNumber = null, HsaId? PartOf = null, string? Name = null);

/// <summary>
/// Storage of the directory's mCSD care services (<see cref="DirectoryOrganization"/>, <see cref="DirectoryLocation"/>,
/// <see cref="DirectoryHealthcareService"/>), every change kept as a version, like the endpoints.
/// </summary>
public interface ICareServicesStore
{
    /// <summary>Adds or replaces an entry and records the change; returns the new version (1 for a new entry).</summary>
    /// <exception cref="ArgumentException">The entry is not valid; nothing is stored.</exception>
    Task<int> SaveAsync<T>(T entry, string changedBy, CancellationToken cancellationToken = default)
        where T : class, IDirectoryEntry;

    /// <summary>Saves several entries in one transaction (all or none), e.g. a provider's care units at registration.</summary>
    Task SaveAllAsync<T>(IReadOnlyCollection<T> entries, string changedBy, CancellationToken cancellationToken = default)
        where T : class, IDirectoryEntry;

    Task<T?> GetAsync<T>(string id, CancellationToken cancellationToken = default)
        where T : class, IDirectoryEntry;

    /// <summary>The ids of every entry of the type, for registration that only adds what is missing.</summary>
    Task<IReadOnlySet<string>> IdsAsync<T>(CancellationToken cancellationToken = default)
        where T : class, IDirectoryEntry;

    /// <summary>
    /// Entries that belong to <paramref name="organization"/> (an Organization's partOf, a Location's
    /// managingOrganization, a HealthcareService's providedBy), or all when null; by id.
    /// </summary>
    Task<IReadOnlyList<T>> ListAsync<T>(HsaId? organization = null, CancellationToken cancellationToken = default)
        where T : class, IDirectoryEntry;

    Task<IReadOnlyList<DirectoryOrganization>> FindOrganizationsAsync(OrganizationQuery query, CancellationToken cancellationToken = default);

    /// <summary>Every version of an entry, oldest first.</summary>
    Task<IReadOnlyList<DirectoryChange<T>>> HistoryAsync<T>(string id, CancellationToken cancellationToken = default)
        where T : class, IDirectoryEntry;
}
