using OpenNdi.Data;
using OpenNdi.Data.Changes;

namespace OpenNdi.Server.Platform;

/// <summary>
/// Cross-replica cache invalidation (docs/architecture.md, "Stateless replicas"): the in-process
/// <see cref="DataChanges"/> every cache subscribes to, and on PostgreSQL the listener that feeds it the database's
/// change notifications, started before the server takes requests.
/// </summary>
internal static class ChangeNotifications
{
    public static IServiceCollection AddChangeNotifications(this IServiceCollection services)
    {
        services.AddSingleton<DataChanges>();
        services.AddHostedService<ChangeListenerService>();
        return services;
    }
}

/// <summary>
/// Runs <see cref="PostgresChangeListener"/> for the life of the host. Start-up waits until its first LISTEN is in
/// place (up to <see cref="StartWait"/>), so a replica that reports ready also hears every change from then on; if the
/// database does not answer in time the host starts anyway and the caches' lifetimes bound staleness until it does.
/// </summary>
internal sealed class ChangeListenerService(NdiDatabase database, DataChanges changes, TimeProvider time, ILogger<ChangeListenerService> logger) : IHostedService, IAsyncDisposable
{
    // Never disposed: a host may stop it after disposing it (a test host disposed twice), and a source without timers holds nothing to free.
    private static readonly TimeSpan StartWait = TimeSpan.FromSeconds(10);
    private readonly CancellationTokenSource _stopping = new();
    private Task _running = Task.CompletedTask;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (database.Backend != StorageBackend.PostgreSql)
            return;
        var listener = new PostgresChangeListener(database, changes, time);
        listener.StateChanged += failure =>
        {
            if (failure is null)
                logger.LogInformation("Listening for data changes on channel {Channel}", PostgresChangeListener.Channel);
            else
                logger.LogWarning(failure, "Change notifications lost; caches fall back to their lifetimes until the listener reconnects");
        };
        var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _running = Task.Run(() => listener.RunAsync(() => listening.TrySetResult(), _stopping.Token), CancellationToken.None);
        try
        {
            await listening.Task.WaitAsync(StartWait, time, cancellationToken);
        }
        catch (TimeoutException)
        {
            logger.LogWarning("Not yet listening for data changes after {Seconds} s; starting anyway", StartWait.TotalSeconds);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        await _running.WaitAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync() => await _stopping.CancelAsync();
}
