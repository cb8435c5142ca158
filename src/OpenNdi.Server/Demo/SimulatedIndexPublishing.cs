using System.Diagnostics;
using System.Text;
using OpenNdi.Core.Audit;
using OpenNdi.Core.Identifiers;
using OpenNdi.Data.Index;
using OpenNdi.Data.Simulator;
using OpenNdi.Server.Audit;
using OpenNdi.Server.PatientIndex;
using OpenNdi.Synthetic.Providers;
using OpenNdi.Synthetic.Simulator;

namespace OpenNdi.Server.Demo;

/// <summary>
/// The simulated providers keep the patient data index current the way a real EHR does: each sends its entries as
/// NDJSON DocumentReferences in bulk batches, read and validated by the bulk endpoint's own code
/// (<see cref="PublishEndpoints.ReadBulk"/>) with the provider as publisher. A provider that already has entries
/// is left alone, so a restart publishes nothing twice (and publishing twice would change nothing anyway). Each batch
/// is audited as the bulk endpoint audits a real system's batch (when the audit module runs in this process).
/// </summary>
internal sealed class SimulatedIndexPublishing(ISimulatorStore simulator, IIndexStore index, ILogger<SimulatedIndexPublishing> logger, AuditTrail? audit = null)
{
    /// <summary>Lines per bulk body: about 10 MiB, well inside the endpoint's 64 MiB limit.</summary>
    private const int BatchLines = 10_000;

    public async Task<long> PublishAsync(IReadOnlyList<SimulatedProvider> providers, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        long published = 0;
        foreach (var provider in providers)
        {
            var hsaId = HsaId.Parse(provider.HsaId);
            if (await index.CountAsync(hsaId, cancellationToken) > 0)
                continue;
            var batch = new StringBuilder();
            var lines = 0;
            await foreach (var line in ProviderIndexPublication.DocumentsAsync(provider, simulator.StreamResourcesAsync(provider.Key, cancellationToken)))
            {
                batch.Append(line).Append('\n');
                if (++lines == BatchLines)
                {
                    published += await SendAsync(provider, hsaId, batch, cancellationToken);
                    lines = 0;
                }
            }
            if (lines > 0)
                published += await SendAsync(provider, hsaId, batch, cancellationToken);
        }
        if (published > 0)
        {
            logger.LogInformation("Simulated providers published {Entries} index entries in {Seconds:F1} s ({Rate:F0} entries/s)",
                published, clock.Elapsed.TotalSeconds, published / Math.Max(clock.Elapsed.TotalSeconds, 0.001));
        }
        return published;
    }

    private async Task<int> SendAsync(SimulatedProvider provider, HsaId hsaId, StringBuilder batch, CancellationToken cancellationToken)
    {
        var (entries, problem) = PublishEndpoints.ReadBulk(batch.ToString(), hsaId);
        batch.Clear();
        if (entries is null)
            throw new InvalidOperationException($"Simulated provider {provider.Key} published an index batch the index refused: {problem!.Message}");
        await index.PublishAsync(entries, cancellationToken);
        if (audit is not null)
        {
            var system = new AuditAgent(AuditAgentKind.System, ProviderIndexPublication.SourceSystem(provider), provider.Name, Provider: hsaId.Value);
            await audit.RecordAsync(new AuditRecord(audit.Now, AuditEventCodes.IndexPublish, AuditAction.Create, AuditOutcome.Success, system, Source: "seed",
                Entities: [new AuditEntity("index-entries", Provider: hsaId.Value, Detail: $"{entries.Count} entries for {entries.Select(e => e.Key.Patient).Distinct().Count()} patients")]), cancellationToken);
        }
        return entries.Count;
    }
}
