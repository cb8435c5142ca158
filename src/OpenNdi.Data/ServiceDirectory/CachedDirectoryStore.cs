using System.Collections.Concurrent;
using OpenNdi.Core.Identifiers;
using OpenNdi.Core.Index;
using OpenNdi.Core.ServiceDirectory;

namespace OpenNdi.Data.ServiceDirectory;

/// <summary>
/// An <see cref="IDirectoryStore"/> that keeps each provider's endpoints for a short time and resolves routes from
/// them in memory (<see cref="DirectoryEndpoint.Route"/>). Every index lookup resolves the routes of its entries,
/// usually several, while the directory changes a few times a day: without the cache a lookup costs one directory
/// query per route on top of the index query. Keyed by provider rather than by route, the cache holds a few hundred
/// small lists instead of every provider × system × category, and refreshing it costs one query per provider.
/// A save through this store forgets everything at once, so a change made through this process is seen by its next
/// lookup; a change made elsewhere (another replica) is seen within <c>timeToLive</c>.
/// </summary>
public sealed class CachedDirectoryStore(IDirectoryStore inner, TimeSpan timeToLive, TimeProvider time) : IDirectoryStore
{
    private readonly ConcurrentDictionary<string, Cached> _providers = new(StringComparer.Ordinal);
    private long _generation;

    private sealed record Cached(IReadOnlyList<DirectoryEndpoint> Endpoints, DateTimeOffset ExpiresAt);

    public async Task<DirectoryEndpoint?> ResolveAsync(HsaId provider, string sourceSystem, DataCategory category, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        if (!_providers.TryGetValue(provider.Value, out var cached) || cached.ExpiresAt <= now)
        {
            // A save between the read below and the write to the cache must not leave the pre-save list cached.
            var generation = Interlocked.Read(ref _generation);
            cached = new Cached(await inner.ListAsync(provider, cancellationToken), now + timeToLive);
            _providers[provider.Value] = cached;
            if (Interlocked.Read(ref _generation) != generation)
                _providers.TryRemove(provider.Value, out _);
        }
        return DirectoryEndpoint.Route(cached.Endpoints, sourceSystem, category);
    }

    public async Task<int> SaveAsync(DirectoryEndpoint endpoint, string changedBy, CancellationToken cancellationToken = default)
    {
        try
        {
            return await inner.SaveAsync(endpoint, changedBy, cancellationToken);
        }
        finally
        {
            Interlocked.Increment(ref _generation);
            _providers.Clear();
        }
    }

    public Task<DirectoryEndpoint?> GetAsync(string id, CancellationToken cancellationToken = default) => inner.GetAsync(id, cancellationToken);

    public Task<IReadOnlyList<DirectoryEndpoint>> ListAsync(HsaId? provider = null, CancellationToken cancellationToken = default) => inner.ListAsync(provider, cancellationToken);

    public Task<IReadOnlyList<DirectoryChange<DirectoryEndpoint>>> HistoryAsync(string id, CancellationToken cancellationToken = default) => inner.HistoryAsync(id, cancellationToken);
}
