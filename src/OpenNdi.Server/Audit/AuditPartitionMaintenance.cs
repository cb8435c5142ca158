using OpenNdi.Data;
using OpenNdi.Data.Audit;

namespace OpenNdi.Server.Audit;

/// <summary>
/// Keeps the audit log's coming months created on PostgreSQL (<see cref="AuditTimePartitions"/>): once at start-up,
/// after the migrations (hosted services start in order, and storage is added first), then once a day. A month that
/// is missing costs nothing but order: its records land in the default partition, so a failure here is logged, not
/// fatal. Archiving old months is an operator's task (docs/scale-out.md), never done by the server.
/// </summary>
internal sealed class AuditPartitionMaintenance(NdiDatabase database, TimeProvider time, ILogger<AuditPartitionMaintenance> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromDays(1);

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await EnsureAsync(cancellationToken);
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
            await EnsureAsync(stoppingToken);
    }

    private async Task EnsureAsync(CancellationToken cancellationToken)
    {
        if (database.Backend != StorageBackend.PostgreSql)
            return;
        try
        {
            var created = await AuditTimePartitions.EnsureMonthsAsync(database, time.GetUtcNow(), cancellationToken: cancellationToken);
            if (created.Count > 0)
                logger.LogInformation("Audit log: created month partitions {Partitions}", string.Join(", ", created));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogError(e, "Audit log: could not create the coming months' partitions; records of a missing month go to audit.events_default");
        }
    }
}
