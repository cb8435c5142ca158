using OpenNdi.Core.ServiceDirectory;
using OpenNdi.Core.Identifiers;
using OpenNdi.Core.Index;

namespace OpenNdi.Data.ServiceDirectory;

/// <summary>Storage of the national service addressing directory's endpoints, with every change kept.</summary>
public interface IDirectoryStore
{
    /// <summary>Adds or replaces an endpoint and records the change; returns the new version (1 for a new endpoint).</summary>
    Task<int> SaveAsync(DirectoryEndpoint endpoint, string changedBy, CancellationToken cancellationToken = default);

    Task<DirectoryEndpoint?> GetAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>
    /// The active endpoint that answers for a provider system's category: a category-specific endpoint if there is
    /// one, else the system's general one; null when nothing active is registered.
    /// </summary>
    Task<DirectoryEndpoint?> ResolveAsync(HsaId provider, string sourceSystem, DataCategory category, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<DirectoryEndpoint>> ListAsync(HsaId? provider = null, CancellationToken cancellationToken = default);

    /// <summary>Every version of an endpoint, oldest first.</summary>
    Task<IReadOnlyList<DirectoryChange<DirectoryEndpoint>>> HistoryAsync(string id, CancellationToken cancellationToken = default);
}
