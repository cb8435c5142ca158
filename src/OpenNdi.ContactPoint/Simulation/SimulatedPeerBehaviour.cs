namespace OpenNdi.ContactPoint.Simulation;

/// <summary>
/// Faults the tests and the demo put into a simulated peer, per country (<c>DE</c>, <c>FR</c>, any case): a latency
/// before every answer (waited on the host's <see cref="TimeProvider"/>, so a test moves a fake clock instead of
/// sleeping), a "down" switch (every request answers 503), and "unresponsive" (no answer until the caller gives up:
/// slow past any timeout). <see cref="WhenHeldAsync"/> tells a test when requests are being held, so it can move the
/// clock or cancel without racing the server.
/// </summary>
public sealed class SimulatedPeerBehaviour(TimeProvider time)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, State> _states = new(StringComparer.Ordinal);

    public void SetLatency(string country, TimeSpan latency)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(latency, TimeSpan.Zero);
        lock (_lock)
            StateOf(country).Latency = latency;
    }

    public void SetDown(string country, bool down)
    {
        lock (_lock)
            StateOf(country).Down = down;
    }

    public void SetUnresponsive(string country, bool unresponsive)
    {
        lock (_lock)
            StateOf(country).Unresponsive = unresponsive;
    }

    /// <summary>Back to a healthy, prompt peer (the request count stays).</summary>
    public void Reset(string country)
    {
        lock (_lock)
        {
            var state = StateOf(country);
            (state.Latency, state.Down, state.Unresponsive) = (TimeSpan.Zero, false, false);
        }
    }

    /// <summary>How many requests reached the peer (before any check), e.g. to show that nothing was sent.</summary>
    public int Requests(string country)
    {
        lock (_lock)
            return StateOf(country).Requests;
    }

    /// <summary>Completes when at least <paramref name="count"/> requests to <paramref name="country"/> are being held (latency or unresponsive).</summary>
    public Task WhenHeldAsync(string country, int count = 1, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            var state = StateOf(country);
            if (state.Held >= count)
                return Task.CompletedTask;
            var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            state.Waiters.Add((count, waiter));
            return waiter.Task.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Applies the faults to one request; false when the peer is down (the caller answers 503).</summary>
    internal async Task<bool> ApplyAsync(string country, CancellationToken requestAborted)
    {
        Task delay;
        lock (_lock)
        {
            var state = StateOf(country);
            state.Requests++;
            if (state.Down)
                return false;
            if (state.Latency <= TimeSpan.Zero && !state.Unresponsive)
                return true;
            // The timer exists before anyone hears the request is held: a test that then moves the clock moves it.
            delay = Task.Delay(state.Unresponsive ? Timeout.InfiniteTimeSpan : state.Latency, time, requestAborted);
            state.Held++;
            foreach (var waiter in state.Waiters.Where(w => w.Count <= state.Held).ToList())
            {
                state.Waiters.Remove(waiter);
                waiter.Done.TrySetResult();
            }
        }
        try
        {
            await delay;
        }
        finally
        {
            lock (_lock)
                StateOf(country).Held--;
        }
        return true;
    }

    private State StateOf(string country)
    {
        var key = country.ToUpperInvariant();
        if (!_states.TryGetValue(key, out var state))
            _states[key] = state = new State();
        return state;
    }

    private sealed class State
    {
        public TimeSpan Latency { get; set; }

        public bool Down { get; set; }

        public bool Unresponsive { get; set; }

        public int Requests { get; set; }

        public int Held { get; set; }

        public List<(int Count, TaskCompletionSource Done)> Waiters { get; } = [];
    }
}
