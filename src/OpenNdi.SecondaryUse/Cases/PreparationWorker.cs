using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenNdi.SecondaryUse.Domain;
using OpenNdi.SecondaryUse.Ports;
using OpenNdi.SecondaryUse.Preparation;
using OpenNdi.SecondaryUse.Pseudonymisation;
using OpenNdi.SecondaryUse.Storage;
using OpenNdi.SecondaryUse.Workspaces;

namespace OpenNdi.SecondaryUse.Cases;

/// <summary>The permits whose extracts are to be prepared, in the order approved.</summary>
public sealed class PreparationQueue
{
    private readonly Channel<string> _permits = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, TaskCompletionSource> _done = new(StringComparer.Ordinal);

    public void Enqueue(string permit)
    {
        _done.AddOrUpdate(permit, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously),
            (_, previous) => previous.Task.IsCompleted ? new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) : previous);
        _permits.Writer.TryWrite(permit);
    }

    /// <summary>Completes when the permit's latest queued preparation has run (ready, failed or skipped): for callers that wait on it, such as tests.</summary>
    public Task WhenPreparedAsync(string permit) => _done.GetOrAdd(permit, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    internal void Done(string permit)
    {
        if (_done.TryGetValue(permit, out var done))
            done.TrySetResult();
    }

    internal ChannelReader<string> Reader => _permits.Reader;
}

/// <summary>
/// Prepares each approved permit's extract, one at a time, in the background: opens the permit's workspace, runs the
/// chain (objections dropped first, pseudonyms under the permit's key, minimisation and generalisation, k-anonymity)
/// into it, and records who was included for the patients' transparency list. Each run is recorded in the audit log
/// as the body's own step, done or failed. At start it takes up the permits left pending or running by a stop.
/// </summary>
public sealed class PreparationWorker(PreparationQueue queue, SecondaryUseStore store, IHolderData holders, IPopulationRegister register,
    ISecondaryUseObjections objections, IWorkspaces workspaces, PermitKeys keys, ISecondaryUseAudit audit, SecondaryUseSettings settings,
    TimeProvider time, ILogger<PreparationWorker> logger) : BackgroundService
{
    public const string PrepareEvent = "sdu-extract-prepare";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        foreach (var unfinished in (await store.PermitsAsync(null, stoppingToken)).Where(p => p.State == PermitState.Active && p.Preparation is PreparationState.Pending or PreparationState.Running))
            queue.Enqueue(unfinished.Id);
        await foreach (var permit in queue.Reader.ReadAllAsync(stoppingToken))
        {
            try
            {
                await PrepareAsync(permit, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception)
            {
                logger.LogError(exception, "Preparing the extract of permit {Permit} failed", permit);
            }
            finally
            {
                queue.Done(permit);
            }
        }
    }

    /// <summary>Prepares one permit's extract now (the worker's step; tests and the benchmark call it directly).</summary>
    public async Task<PreparationReport?> PrepareAsync(string permitId, CancellationToken cancellationToken)
    {
        if (await store.PermitAsync(permitId, cancellationToken) is not { } permit || !permit.InForce(time.GetUtcNow()))
            return null;
        var running = permit with { Preparation = PreparationState.Running };
        await store.UpdatePermitAsync(running, PermitState.Active, cancellationToken);
        try
        {
            var datasets = (await holders.DatasetsAsync(cancellationToken)).Where(d => permit.Content.Datasets.Contains(d.Id, StringComparer.Ordinal)).ToList();
            var specification = new ExtractSpecification(permit.Id, datasets, permit.Content.Variables, permit.Content.PeriodFrom, permit.Content.PeriodTo,
                permit.Content.Form, permit.Content.Generalisation, settings.K);
            await workspaces.OpenAsync(permit.Id, permit.ValidUntil, cancellationToken);
            await store.ClearPersonsAsync(permit.Id, cancellationToken);
            PreparationReport report;
            await using (var writer = await workspaces.WriteExtractAsync(permit.Id, cancellationToken))
                report = await new ExtractPreparation(register, holders, objections, time).PrepareAsync(specification, keys.For(permit.Id), writer, store, null, cancellationToken);
            var ready = running with { Preparation = PreparationState.Ready, PreparationReportJson = JsonSerializer.Serialize(report, SecondaryUseStore.Json) };
            if (!await store.UpdatePermitAsync(ready, PermitState.Active, cancellationToken))
            {
                // Revoked or expired while it ran: nothing it wrote may stay.
                await workspaces.CloseAsync(permit.Id, cancellationToken);
                await store.ClearPersonsAsync(permit.Id, cancellationToken);
                await audit.RecordStepAsync(PrepareEvent, permit.Id, "the permit ended while its extract was prepared: the workspace is closed", failed: true, CancellationToken.None);
                return null;
            }
            await audit.RecordStepAsync(PrepareEvent, permit.Id,
                $"extract ready: {report.Persons} persons, {report.Events} events, {report.PersonsSuppressed} suppressed, k={report.K}, smallest class {report.SmallestClass}", failed: false, CancellationToken.None);
            return report;
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // The persons recorded in batches belong to an extract that was rolled back: the transparency list names only extracts that exist.
            await store.ClearPersonsAsync(permit.Id, CancellationToken.None);
            await store.UpdatePermitAsync(running with { Preparation = PreparationState.Failed }, PermitState.Active, CancellationToken.None);
            await audit.RecordStepAsync(PrepareEvent, permit.Id, $"preparing the extract failed ({exception.GetType().Name})", failed: true, CancellationToken.None);
            throw;
        }
    }
}

/// <summary>
/// Closes permits at their end: marks them expired, closes the workspace (the role may no longer log in, the schema
/// is dropped) and records it. Runs every minute on the host's clock; a permit past its end is treated as expired by
/// every request even before this has run.
/// </summary>
public sealed class PermitExpiry(SecondaryUseStore store, IWorkspaces workspaces, ISecondaryUseAudit audit, TimeProvider time, ILogger<PermitExpiry> logger) : BackgroundService
{
    public const string ExpireEvent = "sdu-permit-expire";

    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        do
        {
            try
            {
                await ExpireDueAsync(stoppingToken);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                logger.LogError(exception, "Closing expired permits failed; trying again in {Interval}", Interval);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>Expires every active permit past its end; answers how many.</summary>
    public async Task<int> ExpireDueAsync(CancellationToken cancellationToken)
    {
        var closed = 0;
        foreach (var permit in await store.ActivePermitsEndedAsync(time.GetUtcNow(), cancellationToken))
        {
            // Closed first: should closing fail, the permit is still active past its end and the next round tries again
            // (every request already treats it as expired).
            await workspaces.CloseAsync(permit.Id, cancellationToken);
            if (!await store.UpdatePermitAsync(permit with { State = PermitState.Expired }, PermitState.Active, cancellationToken))
                continue;
            await audit.RecordStepAsync(ExpireEvent, permit.Id, $"permit expired at {permit.ValidUntil:O}: workspace closed", failed: false, CancellationToken.None);
            closed++;
        }
        return closed;
    }
}
