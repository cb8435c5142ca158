using System.Collections.Concurrent;
using OpenNdi.Core.Identifiers;
using OpenNdi.Data.Changes;
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
/// lookup. A change made elsewhere (another replica, the CLI) is announced by the endpoints table's trigger and, given
/// <c>changes</c>, forgets everything too when its notification arrives (milliseconds on PostgreSQL); without
/// notifications (SQLite, or the listener disconnected) it is seen within <c>timeToLive</c>.
/// </summary>
public sealed class CachedDirectoryStore : IDirectoryStore, IDisposable
{
    private readonly ConcurrentDictionary<string, Cached> _providers = new(StringComparer.Ordinal);
    private readonly IDirectoryStore _inner;
    private readonly TimeSpan _timeToLive;
    private readonly TimeProvider _time;
    private readonly IDisposable? _subscription;
    private long _generation;

    public CachedDirectoryStore(IDirectoryStore inner, TimeSpan timeToLive, TimeProvider time, DataChanges? changes = null)
    {
        _inner = inner;
        _timeToLive = timeToLive;
        _time = time;
        _subscription = changes?.Subscribe(ChangeTopics.DirectoryEndpoints, Forget);
    }

    private sealed record Cached(IReadOnlyList<DirectoryEndpoint> Endpoints, DateTimeOffset ExpiresAt);

    public async Task<DirectoryEndpoint?> ResolveAsync(HsaId provider, string sourceSystem, DataCategory category, CancellationToken cancellationToken = default)
    {
        var now = _time.GetUtcNow();
        if (!_providers.TryGetValue(provider.Value, out var cached) || cached.ExpiresAt <= now)
        {
            // A save between the read below and the write to the cache must not leave the pre-save list cached.
            var generation = Interlocked.Read(ref _generation);
            cached = new Cached(await _inner.ListAsync(provider, cancellationToken), now + _timeToLive);
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
            return await _inner.SaveAsync(endpoint, changedBy, cancellationToken);
        }
        finally
        {
            Forget();
        }
    }

    /// <summary>Drops every cached route; a lookup running now does not put back what it read before.</summary>
    private void Forget()
    {
        Interlocked.Increment(ref _generation);
        _providers.Clear();
    }

    public void Dispose() => _subscription?.Dispose();

    public Task<DirectoryEndpoint?> GetAsync(string id, CancellationToken cancellationToken = default) => _inner.GetAsync(id, cancellationToken);

    public Task<IReadOnlyList<DirectoryEndpoint>> ListAsync(HsaId? provider = null, CancellationToken cancellationToken = default) => _inner.ListAsync(provider, cancellationToken);

    public Task<IReadOnlyList<DirectoryChange<DirectoryEndpoint>>> HistoryAsync(string id, CancellationToken cancellationToken = default) => _inner.HistoryAsync(id, cancellationToken);
}
