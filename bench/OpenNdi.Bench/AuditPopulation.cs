using System.Security.Cryptography;
using OpenNdi.Core.Audit;
using OpenNdi.Core.Index;

namespace OpenNdi.Bench;

/// <summary>
/// Synthetic audit records shaped like the national services' accesses, every field a pure function of the record's
/// number so that the append benchmark, the loader and the patient-view benchmark agree without sharing state.
/// </summary>
/// <remarks>
/// Patients: 1,000,000 (the index benchmark's personnummer). A quarter of the records concern 2,000 frequent patients
/// (multi-morbid, long admissions: their records are read and looked up far more often), the rest are spread evenly
/// over everyone, and 2 % name no patient (system events). Events: index lookups (60 %), document reads (25 %),
/// consent reads (8 %) and changes (2 %), denials (4 %) and emergency breaks (1 %), by professionals of the index
/// benchmark's 301 providers, with the entities BALP asks for. The canonical JSON is 600–900 bytes.
/// </remarks>
internal static class AuditPopulation
{
    public const int Patients = 1_000_000;
    public const int FrequentPatients = 2_000;
    public const int FrequentSpacing = Patients / FrequentPatients;

    private static readonly IndexPopulation.Provider[] Providers = [.. new IndexPopulation(Patients, 10).Providers];
    private static readonly string[] GivenNames = ["Anna", "Erik", "Maria", "Lars", "Karin", "Johan", "Eva", "Mikael", "Sara", "Anders", "Lena", "Per", "Emma", "Fredrik", "Kristina", "Ahmed", "Fatima", "Oskar", "Ingrid", "Nils"];
    private static readonly string[] FamilyNames = ["Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson", "Persson", "Svensson", "Gustafsson", "Pettersson", "Jonsson", "Lindberg", "Hassan", "Lindqvist", "Berg"];
    private static readonly string[] Roles = ["läkare", "sjuksköterska", "undersköterska", "fysioterapeut", "psykolog", "barnmorska"];
    private static readonly string[] WithheldBecause = ["care-unit block", "provider block", "no care relationship", "patient opted out of sharing"];

    /// <summary>The i-th frequent patient's number in the population (they are spread over all birth years).</summary>
    public static int FrequentPatient(int j) => j * FrequentSpacing;

    /// <summary>Record k's patient number, or -1 when it names none.</summary>
    public static int PatientOf(long k)
    {
        var h = IndexPopulation.Mix((ulong)k, 11);
        if (h % 100 < 2)
            return -1;
        var pick = IndexPopulation.Mix((ulong)k, 12);
        return (h >> 8) % 100 < 25 ? FrequentPatient((int)(pick % FrequentPatients)) : (int)(pick % Patients);
    }

    public static string PatientId(int i) => IndexPopulation.Patient(i).Value;

    /// <summary>Record k as the service would write it at <paramref name="recorded"/> (UTC).</summary>
    public static AuditRecord Record(long k, DateTimeOffset recorded)
    {
        var h = IndexPopulation.Mix((ulong)k, 13);
        var patientNumber = PatientOf(k);
        var patient = patientNumber < 0 ? null : PatientId(patientNumber);
        var provider = Providers[(int)(h % 1000 < 700 ? h % 21 : 21 + h % 280)];
        var unit = provider.CareUnits[(int)((h >> 10) % (ulong)provider.CareUnits.Length)];
        var person = (int)((h >> 16) % 4000);
        var who = new AuditAgent(AuditAgentKind.Professional, $"{provider.Id.Value[..^5]}-P{person:D5}",
            $"{GivenNames[person % GivenNames.Length]} {FamilyNames[person / GivenNames.Length % FamilyNames.Length]}",
            Roles[person % Roles.Length], provider.Id.Value, unit.Value, $"assignment-{unit.Value}-vard");
        var source = $"ndi-api-{1 + h % 3}.nationell.example.se 10.{(h >> 20) % 256}.{(h >> 28) % 256}.{(h >> 36) % 256} req {Convert.ToHexStringLower(SHA256.HashData(BitConverter.GetBytes(k)).AsSpan(0, 12))}";
        var kind = (h >> 40) % 100;
        var category = DataCategory.All[(int)((h >> 48) % (ulong)DataCategory.All.Count)];
        var query = new AuditEntity("query", $"DocumentReference?patient.identifier=urn:oid:1.2.752.129.2.1.3.1|{patient ?? "-"}", Detail: $"{3 + (h >> 52) % 40} entries returned");
        return kind switch
        {
            < 60 when patient is not null => new AuditRecord(recorded, "index-lookup", AuditAction.Execute, AuditOutcome.Success, who, patient, PurposeOfUse: "TREAT", Source: source,
                Entities: [query, new AuditEntity("index-entry", $"{category.Code}-{patientNumber:x}-{k % 7}", Providers[(int)((h >> 5) % 301)].Id.Value, category.Code, WithheldBecause[(int)(h % 4)] + ": withheld")]),
            < 85 when patient is not null => new AuditRecord(recorded, "document-read", AuditAction.Read, AuditOutcome.Success, who, patient, PurposeOfUse: "TREAT", Source: source,
                Entities: [new AuditEntity("document", $"https://fhir.p{provider.Index}.example.se/ehr/fhir/DocumentReference/{category.Code}-{patientNumber:x}-{k % 97}", provider.Id.Value, category.Code)]),
            < 93 when patient is not null => new AuditRecord(recorded, "consent-read", AuditAction.Read, AuditOutcome.Success, who, patient, PurposeOfUse: "TREAT", Source: source,
                Entities: [new AuditEntity("consent", $"Consent/{patientNumber:x}-blocks", Detail: $"{(h >> 8) % 4} blocks, opt-out {(h % 50 == 0 ? "yes" : "no")}")]),
            < 95 when patient is not null => new AuditRecord(recorded, "consent-change", AuditAction.Update, AuditOutcome.Success,
                new AuditAgent(AuditAgentKind.Person, patient), patient, OnBehalfOf: h % 3 == 0 ? who : null, PurposeOfUse: "PATADMIN", Source: source,
                Entities: [new AuditEntity("consent", $"Consent/{patientNumber:x}-blocks", unit.Value, category.Code, "block added for care unit")]),
            < 99 when patient is not null => new AuditRecord(recorded, "index-lookup", AuditAction.Execute, AuditOutcome.MinorFailure, who, patient, PurposeOfUse: "TREAT", Source: source,
                OutcomeText: "denied: no care relationship declared and no emergency", Entities: [query]),
            _ when patient is not null => new AuditRecord(recorded, "emergency-access", AuditAction.Execute, AuditOutcome.Success, who, patient, PurposeOfUse: "ETREAT", Source: source,
                EmergencyReason: "unconscious patient in the emergency department, no relatives reachable", Entities: [query]),
            _ => new AuditRecord(recorded, "directory-sync", AuditAction.Update, AuditOutcome.Success,
                new AuditAgent(AuditAgentKind.System, $"client-{provider.SourceSystem}", Provider: provider.Id.Value), Source: source,
                Entities: [new AuditEntity("endpoint", $"Endpoint/ep-{provider.Index}", provider.Id.Value, Detail: $"status active, {(h >> 8) % 5} endpoints refreshed from the national directory")]),
        };
    }
}
