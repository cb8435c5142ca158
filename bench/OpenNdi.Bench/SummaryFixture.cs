using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Hl7.Fhir.Model;
using OpenNdi.Core.Identifiers;
using OpenNdi.Core.Population;
using OpenNdi.Core.ServiceDirectory;
using OpenNdi.Data;
using OpenNdi.Data.Population;
using OpenNdi.Data.ServiceDirectory;
using OpenNdi.Data.Simulator;
using OpenNdi.Fhir;
using OpenNdi.Synthetic;
using OpenNdi.Synthetic.Providers;
using OpenNdi.Synthetic.Simulator;
using Address = OpenNdi.Core.Population.Address;
using Person = OpenNdi.Core.Population.Person;

namespace OpenNdi.Bench;

/// <summary>One provider's record of a bench patient: where it is, the provider's own patient id, and how many resources it holds.</summary>
internal sealed record BenchRecord(SimulatedProvider Provider, string LocalId, int Resources, int SummaryResources);

/// <summary>A person of the population register whose data is at exactly <c>Records.Count</c> simulated providers.</summary>
internal sealed record BenchPatient(PersonalIdentityNumber Id, IReadOnlyList<BenchRecord> Records)
{
    /// <summary>The family name and birth date the population register holds (what a contact point abroad identifies the patient with).</summary>
    public (string Family, DateOnly BirthDate) Register { get; init; }
}

/// <summary>
/// The data for <c>summary</c>: a small synthetic population (seeded by the real seeder into a fresh SQLite file), and
/// on top of it, for each provider count N asked for, a set of bench patients who each have a record at exactly N
/// providers. A record is a copy of a real seeded patient's record (the "template": every resource the template has at
/// its provider, 10–30 of them in the types the providers' summaries hold) with the patient's ids, identity and name
/// rewritten, and, when copied to another provider, that provider's HSA-ids in place of the template provider's. The
/// server itself then publishes the index entries for all of it at start, as it does for the seeded population
/// (<c>SimulatedIndexPublishing</c>), so every bench record gets exactly the entries a real record of that shape gets.
/// Every provider's directory endpoint is registered before the server starts, each on its own local port, so that
/// each provider is its own origin (its own connection pool), as separate provider systems are in production.
/// </summary>
internal static class SummaryFixture
{
    /// <summary>The resource types the simulator puts in a provider's <c>Patient/{id}/$summary</c> (as <c>SimulatorEndpoints.SummaryTypes</c>).</summary>
    public static readonly HashSet<string> SummaryTypes = new(StringComparer.Ordinal)
        { "AllergyIntolerance", "MedicationStatement", "MedicationRequest", "Condition", "Immunization", "Procedure", "DeviceUseStatement", "Device", "Observation", "Flag" };

    /// <summary>The summary sections the index's patient-summary entry stands for (<c>ProviderIndexPublication</c>).</summary>
    private static readonly HashSet<string> SummaryIndexTypes = new(StringComparer.Ordinal) { "Condition", "AllergyIntolerance", "MedicationStatement" };

    private static readonly string[] GivenFemale = ["Anna", "Eva", "Maria", "Karin", "Sara", "Lena", "Emma", "Ingrid", "Kerstin", "Linnea"];
    private static readonly string[] GivenMale = ["Erik", "Lars", "Karl", "Anders", "Johan", "Per", "Nils", "Mikael", "Oskar", "Gustav"];
    private static readonly string[] Families = ["Bänkström", "Mätare", "Lastberg", "Svarstid", "Percentil", "Parallell", "Fläktman", "Samlander"];

    private sealed record Template(SimulatedProvider Provider, string LocalId, string Identity, string DisplayName, IReadOnlyList<StoredResource> Rows, int SummaryResources);

    public sealed record Built(
        NdiDatabase Database,
        IReadOnlyList<SimulatedProvider> Providers,
        IReadOnlyDictionary<int, IReadOnlyList<BenchPatient>> PatientsByProviders,
        long PopulationPersons,
        long PopulationResources,
        int Templates,
        long BenchResources,
        TimeSpan SeedTime,
        TimeSpan Elapsed);

    /// <param name="providerPort">The local port each provider's endpoint is registered at.</param>
    public static async Task<Built> BuildAsync(string databasePath, int persons, int providers, IReadOnlyList<int> providerCounts, int patientsPerCount,
        Func<SimulatedProvider, int> providerPort)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        foreach (var file in new[] { databasePath, databasePath + "-wal", databasePath + "-shm" })
            File.Delete(file);
        var database = new NdiDatabase(StorageOptions.Sqlite(databasePath));
        await MigrationRunner.ApplyAsync(database, DataModules.AllMigrations);
        var seeded = await new PopulationSeeder(database).SeedAsync(new SeedOptions(persons, providers, 1, SeedOptions.DefaultReferenceDate));
        var seedTime = clock.Elapsed;

        var simulator = new SimulatorStore(database);
        var all = (await simulator.ListProvidersAsync())
            .Select(p => JsonSerializer.Deserialize<SimulatedProvider>(p.DefinitionJson, SimulatorJson.Options)!)
            .OrderBy(p => p.Key, StringComparer.Ordinal).ToList();
        if (providerCounts.Max() > all.Count)
            throw new ArgumentException($"{providerCounts.Max()} providers per patient asked for, but the population has {all.Count} providers");

        var templates = new List<Template>();
        foreach (var provider in all)
            templates.AddRange(await TemplatesAsync(simulator, provider));
        if (templates.Count == 0)
            throw new InvalidOperationException("no seeded patient record has 10–30 summary resources: seed more persons");
        // Interleave providers, so consecutive copies come from different templates and providers.
        templates = [.. templates.OrderBy(t => Hash($"{t.Provider.Key}|{t.LocalId}"), StringComparer.Ordinal)];

        var population = new PopulationStore(database);
        var addresses = (await population.ListAsync(0, 100)).Select(p => p.Address).ToList();
        var benchPersons = new List<Person>();
        var next = 0;
        var patients = new Dictionary<int, IReadOnlyList<BenchPatient>>();
        var resources = new List<StoredResource>();
        long benchResources = 0;
        var copies = 0;
        foreach (var count in providerCounts.Distinct().Order())
        {
            var set = new List<BenchPatient>();
            for (var b = 0; b < patientsPerCount; b++)
            {
                Person person;
                do
                {
                    person = NewPerson(next++, addresses);
                }
                while (await population.FindAsync(person.Id) is not null);
                benchPersons.Add(person);
                // Each patient's providers start at a different place in the list, so the load spreads over all of them.
                var start = (b * 7 + count) % all.Count;
                var records = new List<BenchRecord>();
                for (var j = 0; j < count; j++)
                {
                    var provider = all[(start + j) % all.Count];
                    var template = templates[copies++ % templates.Count];
                    var localId = Hash($"{person.Id.Value}|{provider.Key}")[..16];
                    resources.AddRange(Copy(template, provider, localId, person));
                    records.Add(new BenchRecord(provider, localId, template.Rows.Count, template.SummaryResources));
                    benchResources += template.Rows.Count;
                }
                set.Add(new BenchPatient(person.Id, records) { Register = (person.FamilyName, person.BirthDate) });
                if (resources.Count >= 10_000)
                {
                    await simulator.AddResourcesAsync(resources);
                    resources.Clear();
                }
            }
            patients[count] = set;
        }
        await simulator.AddResourcesAsync(resources);
        await population.AddAsync(benchPersons, []);

        var directory = new DirectoryStore(database);
        foreach (var provider in all)
        {
            await directory.SaveAsync(new DirectoryEndpoint($"sim-{provider.Key}", HsaId.Parse(provider.HsaId), ProviderIndexPublication.SourceSystem(provider), null,
                new Uri($"http://127.0.0.1:{providerPort(provider)}/sim/{provider.Key}/fhir"), DirectoryEndpoint.FhirRest, "4.0.1", EndpointStatus.Active), "openndi#bench");
        }
        return new Built(database, all, patients, seeded.PersonsDone, seeded.ResourcesDone, templates.Count, benchResources, seedTime, clock.Elapsed);
    }

    /// <summary>The provider's patients whose record has 10–30 resources of the summary's types, some of them summary sections.</summary>
    private static async Task<List<Template>> TemplatesAsync(ISimulatorStore simulator, SimulatedProvider provider)
    {
        var found = new List<Template>();
        var rows = new List<StoredResource>();
        void Consider()
        {
            var patient = rows.FirstOrDefault(r => r.ResourceType == "Patient");
            var summary = rows.Count(r => SummaryTypes.Contains(r.ResourceType));
            if (patient?.Identifier is null || summary is < 10 or > 30 || !rows.Any(r => SummaryIndexTypes.Contains(r.ResourceType) && r.Date is { Length: >= 10 }))
                return;
            var parsed = FhirJson.Parse<Patient>(patient.Json);
            var name = parsed.Name.FirstOrDefault();
            found.Add(new Template(provider, patient.Id, patient.Identifier, $"{string.Join(' ', name?.Given ?? [])} {name?.Family}", [.. rows], summary));
        }
        await foreach (var row in simulator.StreamResourcesAsync(provider.Key))
        {
            if (row.PatientId is null)
                continue;
            if (rows.Count > 0 && rows[0].PatientId != row.PatientId)
            {
                Consider();
                rows.Clear();
            }
            rows.Add(row);
        }
        if (rows.Count > 0)
            Consider();
        return found;
    }

    /// <summary>
    /// The template's record as the bench person's record at <paramref name="target"/>: every id and reference carries the
    /// template's local patient id as prefix, so replacing it renames the whole record consistently; the Patient gets the
    /// bench person's identity; the template provider's HSA-ids and names become the target's (care unit k → unit k mod n).
    /// </summary>
    private static IEnumerable<StoredResource> Copy(Template template, SimulatedProvider target, string localId, Person person)
    {
        var replacements = new List<(string From, string To)>
        {
            (template.LocalId, localId),
            (template.Identity, person.Id.Value),
            ($"\"display\":\"{template.DisplayName}\"", $"\"display\":\"{person.FullName}\""),
        };
        if (template.Provider.Key != target.Key)
        {
            replacements.Add((template.Provider.HsaId, target.HsaId));
            replacements.Add(($"\"display\":\"{template.Provider.Name}\"", $"\"display\":\"{target.Name}\""));
            for (var k = 0; k < template.Provider.CareUnits.Count; k++)
            {
                var (from, to) = (template.Provider.CareUnits[k], target.CareUnits[k % target.CareUnits.Count]);
                replacements.Add((from.HsaId, to.HsaId));
                replacements.Add(($"\"display\":\"{from.Name}\"", $"\"display\":\"{to.Name}\""));
            }
        }
        foreach (var row in template.Rows)
        {
            var json = row.Json;
            foreach (var (from, to) in replacements)
                json = json.Replace(from, to, StringComparison.Ordinal);
            if (row.ResourceType == "Patient")
            {
                var patient = FhirJson.Parse<Patient>(json);
                patient.Identifier = [new Identifier(person.Id.IdentifierSystem, person.Id.Value)];
                patient.Name = [new HumanName { Use = HumanName.NameUse.Official, Family = person.FamilyName, Given = [person.GivenName] }];
                patient.Gender = person.Sex == Sex.Female ? AdministrativeGender.Female : AdministrativeGender.Male;
                patient.BirthDate = person.BirthDate.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
                json = FhirJson.Serialize(patient);
            }
            yield return row with
            {
                ProviderKey = target.Key,
                Id = row.Id.Replace(template.LocalId, localId, StringComparison.Ordinal),
                PatientId = localId,
                Identifier = row.ResourceType == "Patient" ? person.Id.Value : row.Identifier,
                Json = json,
            };
        }
    }

    /// <summary>A valid personnummer (birth numbers 990–998, rarely used by the seeder; collisions are skipped by the caller) and a name.</summary>
    private static Person NewPerson(int i, IReadOnlyList<Address> addresses)
    {
        var id = PersonalIdentityNumber.Create(new DateOnly(1940 + i % 60, 1 + i / 60 % 12, 1 + i / 720 % 28), 990 + i % 9, coordination: false);
        var sex = id.BirthNumber % 2 == 1 ? Sex.Male : Sex.Female;
        var given = sex == Sex.Male ? GivenMale[i % GivenMale.Length] : GivenFemale[i % GivenFemale.Length];
        return new Person(id, given, Families[i / 10 % Families.Length], sex, addresses[i % addresses.Count]);
    }

    private static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
