using System.Collections.Concurrent;
using System.Data.Common;
using OpenNdi.Data;

namespace OpenNdi.Replica.Tests;

/// <summary>
/// What the test was answered, kept to hold against the audit log: per answer, the node that served it (the proxy's
/// header), the event it should have logged and the patient. An access is only answered after its record committed
/// (NationalApiFilter stores it before the result is executed; AuditWriter completes the caller after the commit), so
/// every answer here must have its record in the partition of the node that gave it.
/// </summary>
public sealed class AuditLedger
{
    private readonly ConcurrentBag<(string Node, string Event, string Patient)> _answers = [];

    public void Answered(HttpResponseMessage response, string @event, string patient)
    {
        var node = response.Headers.TryGetValues(ReplicaProxy.NodeHeader, out var values) ? values.Single() : throw new InvalidOperationException("the answer does not name its node");
        _answers.Add((node, @event, patient));
    }

    /// <summary>Answers per node.</summary>
    public IReadOnlyDictionary<string, int> PerNode => _answers.GroupBy(a => a.Node).ToDictionary(g => g.Key, g => g.Count());

    /// <summary>
    /// Per node: answers given, records of those (partition, event, patient) in the log, and the answers without one
    /// (a record per answer: a patient asked twice on one node needs two records).
    /// </summary>
    public async Task<IReadOnlyList<(string Node, int Answers, long Records, IReadOnlyList<string> Missing)>> CheckAsync(NdiDatabase database)
    {
        var stored = new Dictionary<(string Partition, string Event, string Patient), long>();
        await using (var connection = await database.OpenConnectionAsync())
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT partition, event, patient, count(*) FROM audit.events WHERE patient IS NOT NULL GROUP BY partition, event, patient";
            await using DbDataReader reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
                stored[(reader.GetString(0), reader.GetString(1), reader.GetString(2))] = reader.GetInt64(3);
        }
        var result = new List<(string, int, long, IReadOnlyList<string>)>();
        foreach (var node in _answers.GroupBy(a => a.Node).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var missing = new List<string>();
            long records = 0;
            foreach (var asked in node.GroupBy(a => (a.Event, a.Patient)))
            {
                var found = stored.GetValueOrDefault((ReplicaCluster.Partition(node.Key), asked.Key.Event, asked.Key.Patient));
                records += Math.Min(found, asked.Count());
                if (found < asked.Count())
                    missing.Add($"{asked.Key.Event} {asked.Key.Patient}: {asked.Count()} answered, {found} recorded");
            }
            result.Add((node.Key, node.Count(), records, missing));
        }
        return result;
    }
}
