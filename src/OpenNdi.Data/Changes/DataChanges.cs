namespace OpenNdi.Data.Changes;

/// <summary>
/// The in-process end of cross-node cache invalidation: a cache subscribes to the tables its contents come from, and
/// is told when one of them changed — in this process or, on PostgreSQL, in any process on the same database
/// (<see cref="PostgresChangeListener"/> turns the database's notifications into <see cref="Raise"/>). A topic is a
/// table name, <c>schema.table</c> as the tables' triggers send it (e.g. <c>directory.endpoints</c>).
/// Subscribers must be quick and must not throw: they run on the listener's thread; a cache forgets or schedules a
/// reload, it does not query here.
/// </summary>
public sealed class DataChanges
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, List<Action>> _handlers = new(StringComparer.Ordinal);

    /// <summary>Calls <paramref name="handler"/> whenever <paramref name="topic"/> changes (or may have changed unseen); dispose to stop.</summary>
    public IDisposable Subscribe(string topic, Action handler)
    {
        lock (_gate)
        {
            if (!_handlers.TryGetValue(topic, out var list))
                _handlers[topic] = list = [];
            list.Add(handler);
        }
        return new Subscription(this, topic, handler);
    }

    /// <summary>The table <paramref name="topic"/> changed.</summary>
    public void Raise(string topic)
    {
        Action[] handlers;
        lock (_gate)
            handlers = _handlers.TryGetValue(topic, out var list) ? [.. list] : [];
        foreach (var handler in handlers)
            handler();
    }

    /// <summary>
    /// Anything may have changed unseen (the listener was not connected for a while, or has just connected): every
    /// subscriber forgets what it holds.
    /// </summary>
    public void RaiseAll()
    {
        Action[] handlers;
        lock (_gate)
            handlers = [.. _handlers.Values.SelectMany(l => l)];
        foreach (var handler in handlers)
            handler();
    }

    private void Unsubscribe(string topic, Action handler)
    {
        lock (_gate)
        {
            if (_handlers.TryGetValue(topic, out var list))
                list.Remove(handler);
        }
    }

    private sealed class Subscription(DataChanges owner, string topic, Action handler) : IDisposable
    {
        public void Dispose() => owner.Unsubscribe(topic, handler);
    }
}
