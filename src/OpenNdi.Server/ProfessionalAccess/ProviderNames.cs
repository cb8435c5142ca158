using System.Collections.Concurrent;
using OpenNdi.Core.Identifiers;
using OpenNdi.Core.ServiceDirectory;
using OpenNdi.Data.Changes;
using OpenNdi.Data.ServiceDirectory;

namespace OpenNdi.Server.ProfessionalAccess;

/// <summary>
/// Provider names from the directory (mCSD Organization), for answers a clinician reads ("Region Uppsala", not an
/// HSA-id). Cached for a few minutes: names change rarely, and a summary must not wait on the directory per provider.
/// A change to the directory's organizations, on any replica, empties the cache when its notification arrives
/// (<see cref="DataChanges"/>); without notifications a renamed provider shows its new name within the lifetime.
/// </summary>
internal sealed class ProviderNames : IDisposable
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(5);
    private readonly ConcurrentDictionary<HsaId, (string? Name, DateTimeOffset Until)> _cache = new();
    private readonly IServiceProvider _services;
    private readonly TimeProvider _time;
    private readonly IDisposable? _subscription;

    public ProviderNames(IServiceProvider services, TimeProvider time, DataChanges? changes = null)
    {
        _services = services;
        _time = time;
        _subscription = changes?.Subscribe(ChangeTopics.DirectoryEntries, _cache.Clear);
    }

    public void Dispose() => _subscription?.Dispose();

    public async Task<IReadOnlyDictionary<HsaId, string?>> NamesAsync(IEnumerable<HsaId> providers, CancellationToken cancellationToken)
    {
        var names = new Dictionary<HsaId, string?>();
        var store = _services.GetService<ICareServicesStore>();
        foreach (var provider in providers)
        {
            if (!_cache.TryGetValue(provider, out var cached) || cached.Until < _time.GetUtcNow())
            {
                var organization = store is null ? null : await store.GetAsync<DirectoryOrganization>(provider.Value, cancellationToken);
                cached = (organization?.Name, _time.GetUtcNow() + Lifetime);
                _cache[provider] = cached;
            }
            names[provider] = cached.Name;
        }
        return names;
    }
}
