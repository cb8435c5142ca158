using System.Collections.Concurrent;
using OpenNdi.Core.Identifiers;
using OpenNdi.Core.ServiceDirectory;
using OpenNdi.Data.ServiceDirectory;

namespace OpenNdi.Server.ProfessionalAccess;

/// <summary>
/// Provider names from the directory (mCSD Organization), for answers a clinician reads ("Region Uppsala", not an
/// HSA-id). Cached for a few minutes: names change rarely, and a summary must not wait on the directory per provider.
/// </summary>
internal sealed class ProviderNames(IServiceProvider services, TimeProvider time)
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(5);
    private readonly ConcurrentDictionary<HsaId, (string? Name, DateTimeOffset Until)> _cache = new();

    public async Task<IReadOnlyDictionary<HsaId, string?>> NamesAsync(IEnumerable<HsaId> providers, CancellationToken cancellationToken)
    {
        var names = new Dictionary<HsaId, string?>();
        var store = services.GetService<ICareServicesStore>();
        foreach (var provider in providers)
        {
            if (!_cache.TryGetValue(provider, out var cached) || cached.Until < time.GetUtcNow())
            {
                var organization = store is null ? null : await store.GetAsync<DirectoryOrganization>(provider.Value, cancellationToken);
                cached = (organization?.Name, time.GetUtcNow() + Lifetime);
                _cache[provider] = cached;
            }
            names[provider] = cached.Name;
        }
        return names;
    }
}
