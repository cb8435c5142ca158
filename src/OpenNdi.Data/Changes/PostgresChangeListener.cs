using Npgsql;

namespace OpenNdi.Data.Changes;

/// <summary>
/// Keeps one connection listening on <see cref="Channel"/>, where the triggers of the cached tables send their table's
/// name on every committed change (<see cref="ChangeTriggers"/>), and passes each to <see cref="DataChanges.Raise"/>.
/// PostgreSQL delivers a notification to every listening session once its transaction commits, so a change made on
/// one replica reaches the others' caches within milliseconds. Whenever the listener (re)connects it first tells every
/// cache to forget (<see cref="DataChanges.RaiseAll"/>): what changed while nobody listened is unknown. While it is
/// disconnected the caches' own lifetimes bound how stale they can be; it retries every 1 s, backing off to 15 s.
/// </summary>
public sealed class PostgresChangeListener(NdiDatabase database, DataChanges changes, TimeProvider time)
{
    /// <summary>The one notification channel; the payload is the changed table, <c>schema.table</c>.</summary>
    public const string Channel = "ndi_changes";

    private static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan LastRetry = TimeSpan.FromSeconds(15);

    /// <summary>Whether a LISTEN is in place now.</summary>
    public bool Listening { get; private set; }

    /// <summary>For the host's log: a connection established (null) or lost (the exception).</summary>
    public event Action<Exception?>? StateChanged;

    /// <summary>Listens until <paramref name="cancellationToken"/> ends; <paramref name="listening"/> is called each time a LISTEN is in place.</summary>
    public async Task RunAsync(Action? listening, CancellationToken cancellationToken)
    {
        var retry = FirstRetry;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await database.OpenListeningConnectionAsync(cancellationToken);
                connection.Notification += (_, e) => changes.Raise(e.Payload);
                await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection))
                    await listen.ExecuteNonQueryAsync(cancellationToken);
                Listening = true;
                changes.RaiseAll();
                retry = FirstRetry;
                StateChanged?.Invoke(null);
                listening?.Invoke();
                while (true)
                    await connection.WaitAsync(cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // Whatever broke the connection (the server restarted, the network, a failover, a subscriber that
                // threw), the listener must not end: a dead listener would leave every cache on its lifetime for good.
                Listening = false;
                StateChanged?.Invoke(e);
            }
            try
            {
                await Task.Delay(retry, time, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            retry = TimeSpan.FromTicks(Math.Min(retry.Ticks * 2, LastRetry.Ticks));
        }
        Listening = false;
    }
}
