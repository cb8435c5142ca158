using Hl7.Fhir.Model;
using OpenNdi.Core.Audit;
using OpenNdi.Core.Identifiers;
using OpenNdi.Core.Index;
using OpenNdi.Core.Policy;
using OpenNdi.Core.ServiceDirectory;
using OpenNdi.Data.Index;
using OpenNdi.Data.ServiceDirectory;
using OpenNdi.Fhir;
using OpenNdi.Server.Audit;

namespace OpenNdi.Server.PatientIndex;

/// <summary>
/// The access policy's decision on an index write (<see cref="AccessPolicy.MayPublishIndexEntry"/>), with the facts
/// it needs: which provider each care unit belongs to, from the service directory (an mCSD Organization
/// <c>partOf</c> its provider), and who holds an entry already, from the index store, which refuses a takeover in
/// the statement that writes.
/// </summary>
internal sealed class IndexWriteAccess(ICareServicesStore careServices)
{
    /// <summary>The first entry whose care unit the caller may not publish for, with the refusal; null when all may be published.</summary>
    public async Task<IResult?> RefuseCareUnitsAsync(AuditScope audit, IReadOnlyList<IndexEntry> entries, CancellationToken cancellationToken)
    {
        var decided = new Dictionary<HsaId, ChangeDecision>();
        foreach (var entry in entries)
        {
            var unit = entry.Key.CareUnit;
            if (!decided.TryGetValue(unit, out var decision))
            {
                var organization = await careServices.GetAsync<DirectoryOrganization>(unit.Value, cancellationToken);
                decided[unit] = decision = AccessPolicy.MayPublishIndexEntry(audit.Actor, unit, organization?.Provider, storedOwner: null);
            }
            if (!decision.Allowed)
                return Refuse(audit, entry, "NDI-PDI-016", decision);
        }
        return null;
    }

    /// <summary>The refusal of a publish that would have taken over another provider's entry (nothing was written).</summary>
    public static IResult RefuseTakeover(AuditScope audit, EntryOfAnotherProvider taken) =>
        Refuse(audit, taken.Entry, "NDI-PDI-011", AccessPolicy.MayPublishIndexEntry(audit.Actor, taken.Entry.Key.CareUnit, taken.Entry.Provider, taken.Owner));

    private static IResult Refuse(AuditScope audit, IndexEntry entry, string code, ChangeDecision decision)
    {
        audit.Record = AuditTrail.Refused(audit.Record with
        {
            Patient = entry.Key.Patient.Value,
            Entities = [new AuditEntity("index-entry", $"{entry.Key.SourceSystem}|{entry.Key.SourceReference}", entry.Provider.Value, entry.Key.Category.Code, $"care unit {entry.Key.CareUnit.Value}")],
        }, $"{code}: {decision.Reason}");
        return FhirResults.Error(403, code, OperationOutcome.IssueType.Forbidden, $"Nothing was published: {decision.Reason}.");
    }
}
