using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenNdi.Core.Policy;
using OpenNdi.SecondaryUse.Cases;
using OpenNdi.SecondaryUse.Ports;
using OpenNdi.SecondaryUse.Storage;

namespace OpenNdi.SecondaryUse.Catalog;

/// <summary>
/// The national dataset catalogue as the body keeps it: each holder's description with figures computed from the data
/// (<see cref="CatalogFigures"/>: objecting persons never counted) when it is published and at each yearly check.
/// Datasets the holders describe that are not yet in the catalogue are published at start.
/// </summary>
public sealed class DatasetCatalog(SecondaryUseStore store, IHolderData holders, CatalogFigures figures, CatalogPublisher publisher, TimeProvider time)
{
    public CatalogPublisher Publisher => publisher;

    public Task<IReadOnlyList<CatalogEntry>> EntriesAsync(CancellationToken cancellationToken) => store.CatalogAsync(cancellationToken);

    /// <summary>Publishes the holders' datasets the catalogue does not have yet; answers how many.</summary>
    public async Task<int> PublishNewAsync(CancellationToken cancellationToken)
    {
        var known = (await store.CatalogAsync(cancellationToken)).Select(e => e.Dataset.Id).ToHashSet(StringComparer.Ordinal);
        var added = (await holders.DatasetsAsync(cancellationToken)).Where(d => !known.Contains(d.Id)).ToList();
        if (added.Count == 0)
            return 0;
        var now = time.GetUtcNow();
        var computed = await figures.ComputeAsync(added, DateOnly.FromDateTime(now.UtcDateTime), cancellationToken);
        await store.SaveCatalogAsync([.. added.Select(d => new CatalogEntry(d, computed[d.Id], now, now, CatalogEntry.ReviewDueAfter(now)))], cancellationToken);
        return added.Count;
    }

    /// <summary>
    /// The yearly check of one description, by its holder's system or by an officer: the holder's current description
    /// is taken, the figures are computed again, and the next check is due a year on.
    /// </summary>
    public async Task<CaseResult<CatalogEntry>> ReviewAsync(Actor actor, string id, CancellationToken cancellationToken)
    {
        var entry = (await store.CatalogAsync(cancellationToken)).FirstOrDefault(e => e.Dataset.Id == id);
        if (entry is null)
            return CaseResult<CatalogEntry>.NotFound($"the catalogue has no dataset {id}");
        if (AccessPolicy.MayDescribeDataset(actor, entry.Dataset.Holder) is { Allowed: false, Reason: var why })
            return CaseResult<CatalogEntry>.Forbidden(why!);
        var described = (await holders.DatasetsAsync(cancellationToken)).FirstOrDefault(d => d.Id == id) ?? entry.Dataset;
        var now = time.GetUtcNow();
        var computed = await figures.ComputeAsync([described], DateOnly.FromDateTime(now.UtcDateTime), cancellationToken);
        var reviewed = entry with { Dataset = described, Figures = computed[id], LastChecked = now, ReviewDue = CatalogEntry.ReviewDueAfter(now) };
        await store.SaveCatalogAsync([reviewed], cancellationToken);
        return CaseResult<CatalogEntry>.Ok(reviewed);
    }
}

/// <summary>
/// Publishes the holders' new datasets: once the host has started (after every start-up task, the demo's seeding of
/// its providers included), and every minute after on the host's clock, so that a holder that describes a dataset
/// later is in the catalogue within a minute. A round with nothing new reads only the holders' list.
/// </summary>
public sealed class CatalogPublishing(DatasetCatalog catalog, IHostApplicationLifetime lifetime, TimeProvider time, ILogger<CatalogPublishing> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        using (stoppingToken.Register(() => started.TrySetCanceled(stoppingToken)))
            await started.Task;
        using var timer = new PeriodicTimer(Interval, time);
        do
        {
            try
            {
                if (await catalog.PublishNewAsync(stoppingToken) is var added and > 0)
                    logger.LogInformation("Dataset catalogue: {Added} new datasets published, figures computed from the data", added);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                logger.LogError(exception, "Publishing the dataset catalogue failed; trying again in {Interval}", Interval);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
