using OpenNdi.Core.Audit;
using OpenNdi.Core.Identifiers;

namespace OpenNdi.Cli;

/// <summary>
/// Synthetic audit records for load tests: index lookups by professionals at a few providers, for many different
/// patients. Every identifier is well formed (HSA-ids and personnummer with valid check digits) so the records look
/// like the server's own, but none names a real person.
/// </summary>
internal static class SyntheticAuditRecords
{
    private static readonly HsaId[] Providers = [.. new[] { "232100001", "232100002", "232100013", "232100025" }
        .Select(digits => HsaId.Create(OrganizationNumber.Create(digits), "1000"))];

    private static readonly DateOnly OldestBirthDate = new(1930, 1, 1);

    /// <summary>The <paramref name="n"/>th lookup: professional, care unit and patient all vary with n.</summary>
    public static AuditRecord IndexLookup(long n, DateTimeOffset recorded)
    {
        var provider = Providers[n % Providers.Length];
        var organization = provider.OrganizationNumber;
        // 997 and 30,011 are prime, so patients cycle through many birth dates and numbers before repeating.
        var patient = PersonalIdentityNumber.Create(OldestBirthDate.AddDays((int)(n % 30_011)), (int)(n % 997) + 1, coordination: false).Value;
        var professional = new AuditAgent(AuditAgentKind.Professional, HsaId.Create(organization, $"P{n % 500}").Value,
            Provider: provider.Value, CareUnit: HsaId.Create(organization, $"E{n % 20}").Value, Assignment: $"SJF-{n % 500}");
        return new AuditRecord(recorded, "index-lookup", AuditAction.Execute, AuditOutcome.Success, professional,
            Patient: patient, PurposeOfUse: "TREAT", Source: "ndi audit append-load",
            Entities: [new AuditEntity("query", Reference: $"DocumentReference?patient.identifier={patient}")]);
    }
}
