using System.Collections.Frozen;
using System.Text.Json;
using OpenNdi.Data.Changes;
using OpenNdi.Data.Simulator;
using OpenNdi.Synthetic.Providers;

namespace OpenNdi.Synthetic.Simulator;

/// <summary>
/// The simulated providers and their current behaviour, held in memory so that the fault injection on every
/// request costs no database round trip. Changes are written to the store first, then applied here.
/// Several processes may serve the same simulated providers from one database (replicas behind a load balancer), and
/// a behaviour set through one must hold on all: the providers table announces every change (<see cref="DataChanges"/>,
/// PostgreSQL notifications) and each process then reloads at once. Without notifications (SQLite, or while the
/// listener is disconnected) a process reloads when its copy is older than <see cref="MaxAge"/> (30 s by default), on the first request
/// after that, so another process's change holds here within <see cref="MaxAge"/> plus one reload.
/// </summary>
public sealed class SimulatorRegistry : IDisposable
{
    /// <summary>How old the copy may get before a request triggers a reload, unless the host says otherwise: the bound when no notification arrives.</summary>
    public static readonly TimeSpan DefaultMaxAge = TimeSpan.FromSeconds(30);

    private readonly ISimulatorStore _store;

    /// <summary>This registry's bound on staleness without notifications (<see cref="DefaultMaxAge"/> unless given).</summary>
    public TimeSpan MaxAge { get; }

    private readonly TimeProvider _time;
    private readonly IDisposable? _subscription;
    // Loads and local changes take turns, so a reload that read the table before a change cannot undo it here.
    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile Snapshot _snapshot = new(FrozenDictionary<string, Entry>.Empty, null);
    private int _reloading;
    private int _stale;

    private sealed record Entry(SimulatedProvider Provider, ProviderBehaviour Behaviour);

    /// <summary>Every provider as last loaded; <c>LoadedAt</c> null until the first load.</summary>
    private sealed record Snapshot(FrozenDictionary<string, Entry> Providers, DateTimeOffset? LoadedAt);

    public SimulatorRegistry(ISimulatorStore store, TimeProvider? time = null, DataChanges? changes = null, TimeSpan? maxAge = null)
    {
        _store = store;
        MaxAge = maxAge ?? DefaultMaxAge;
        _time = time ?? TimeProvider.System;
        _subscription = changes?.Subscribe(ChangeTopics.SimulatorProviders, ReloadSoon);
    }

    /// <summary>(Re)loads every provider from the store; requests meanwhile see the previous copy whole, never a partial one.</summary>
    public async Task LoadAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var loadedAt = _time.GetUtcNow();
            var stored = await _store.ListProvidersAsync(cancellationToken);
            var providers = new Dictionary<string, Entry>(StringComparer.Ordinal);
            foreach (var row in stored)
            {
                var provider = JsonSerializer.Deserialize<SimulatedProvider>(row.DefinitionJson, SimulatorJson.Options)!;
                var behaviour = JsonSerializer.Deserialize<ProviderBehaviour>(row.BehaviourJson, SimulatorJson.Options)!;
                providers[row.Key] = new Entry(provider, behaviour);
            }
            _snapshot = new Snapshot(providers.ToFrozenDictionary(StringComparer.Ordinal), loadedAt);
        }
        finally
        {
            _gate.Release();
        }
    }

    public IReadOnlyList<SimulatedProvider> Providers => [.. Current().Providers.Values.Select(p => p.Provider).OrderBy(p => p.Key, StringComparer.Ordinal)];

    public bool TryGet(string key, out SimulatedProvider provider, out ProviderBehaviour behaviour)
    {
        if (Current().Providers.TryGetValue(key, out var entry))
        {
            (provider, behaviour) = (entry.Provider, entry.Behaviour);
            return true;
        }
        provider = null!;
        behaviour = null!;
        return false;
    }

    /// <summary>Stores and applies a new behaviour; false when the provider is unknown.</summary>
    public async Task<bool> SetBehaviourAsync(string key, ProviderBehaviour behaviour, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var snapshot = _snapshot;
            if (!snapshot.Providers.TryGetValue(key, out var entry))
                return false;
            if (!await _store.UpdateBehaviourAsync(key, JsonSerializer.Serialize(behaviour, SimulatorJson.Options), cancellationToken))
                return false;
            var providers = new Dictionary<string, Entry>(snapshot.Providers, StringComparer.Ordinal) { [key] = entry with { Behaviour = behaviour } };
            _snapshot = snapshot with { Providers = providers.ToFrozenDictionary(StringComparer.Ordinal) };
            return true;
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _subscription?.Dispose();

    /// <summary>The copy to answer from; one older than <see cref="MaxAge"/> is still used, and a reload is started for the next request.</summary>
    private Snapshot Current()
    {
        var snapshot = _snapshot;
        if (snapshot.LoadedAt is { } loadedAt && _time.GetUtcNow() - loadedAt >= MaxAge)
            ReloadSoon();
        return snapshot;
    }

    /// <summary>
    /// Starts a reload unless one runs; one that runs when another change is announced loads again when done (it may
    /// have read the table before that change committed). A failed reload keeps the previous copy; the next request
    /// after <see cref="MaxAge"/>, or the listener's next reconnection, tries again.
    /// </summary>
    private void ReloadSoon()
    {
        if (_snapshot.LoadedAt is null)
            return; // not loaded yet: the host's own first load is under way or to come
        Volatile.Write(ref _stale, 1);
        if (Interlocked.CompareExchange(ref _reloading, 1, 0) != 0)
            return;
        _ = Task.Run(async () =>
        {
            try
            {
                while (Interlocked.Exchange(ref _stale, 0) == 1)
                    await LoadAsync();
            }
            catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException or TimeoutException or IOException)
            {
                // The database is away: keep answering from the previous copy (see the summary for when it retries).
            }
            finally
            {
                Volatile.Write(ref _reloading, 0);
            }
            // A change announced between the loop's last check and the line above found a reload running: load for it.
            if (Volatile.Read(ref _stale) == 1)
                ReloadSoon();
        });
    }
}
