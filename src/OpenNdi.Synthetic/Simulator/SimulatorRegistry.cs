using System.Collections.Concurrent;
using System.Text.Json;
using OpenNdi.Data.Simulator;
using OpenNdi.Synthetic.Providers;

namespace OpenNdi.Synthetic.Simulator;

/// <summary>
/// The simulated providers and their current behaviour, held in memory so that the fault injection on every
/// request costs no database round trip. Changes are written to the store first, then applied here.
/// </summary>
public sealed class SimulatorRegistry(ISimulatorStore store)
{
    private readonly ConcurrentDictionary<string, (SimulatedProvider Provider, ProviderBehaviour Behaviour)> _providers = new(StringComparer.Ordinal);

    /// <summary>(Re)loads every provider from the store.</summary>
    public async Task LoadAsync(CancellationToken cancellationToken = default)
    {
        var stored = await store.ListProvidersAsync(cancellationToken);
        _providers.Clear();
        foreach (var row in stored)
        {
            var provider = JsonSerializer.Deserialize<SimulatedProvider>(row.DefinitionJson, SimulatorJson.Options)!;
            var behaviour = JsonSerializer.Deserialize<ProviderBehaviour>(row.BehaviourJson, SimulatorJson.Options)!;
            _providers[row.Key] = (provider, behaviour);
        }
    }

    public IReadOnlyList<SimulatedProvider> Providers => [.. _providers.Values.Select(p => p.Provider).OrderBy(p => p.Key, StringComparer.Ordinal)];

    public bool TryGet(string key, out SimulatedProvider provider, out ProviderBehaviour behaviour)
    {
        if (_providers.TryGetValue(key, out var entry))
        {
            (provider, behaviour) = entry;
            return true;
        }
        provider = null!;
        behaviour = null!;
        return false;
    }

    /// <summary>Stores and applies a new behaviour; false when the provider is unknown.</summary>
    public async Task<bool> SetBehaviourAsync(string key, ProviderBehaviour behaviour, CancellationToken cancellationToken = default)
    {
        if (!_providers.TryGetValue(key, out var entry))
            return false;
        if (!await store.UpdateBehaviourAsync(key, JsonSerializer.Serialize(behaviour, SimulatorJson.Options), cancellationToken))
            return false;
        _providers[key] = (entry.Provider, behaviour);
        return true;
    }
}
