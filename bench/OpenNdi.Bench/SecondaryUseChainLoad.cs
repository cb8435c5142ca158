using System.Diagnostics;
using System.Globalization;
using Npgsql;
using OpenNdi.Core.Identifiers;
using OpenNdi.Core.Population;
using OpenNdi.Data;
using OpenNdi.Data.Consent;
using OpenNdi.Data.Population;
using OpenNdi.Data.Simulator;
using OpenNdi.SecondaryUse.Storage;
using OpenNdi.Synthetic.Geography;

namespace OpenNdi.Bench;

/// <summary>
/// The data <c>sdu-chain</c> prepares extracts from, loaded through the platform's own stores into a fresh database
/// (timed, but not part of the figure): N persons in the population register (<see cref="PopulationStore.AddAsync"/>,
/// binary COPY), one simulated provider whose EHR holds a Patient row per person and M Condition rows each
/// (<see cref="SimulatorStore.AddResourcesAsync"/>, binary COPY), and an active <c>optout-secondary</c> consent for a
/// share of the persons (<see cref="ConsentStore.SaveAsync"/>). Everything comes from one seeded <see cref="Random"/>:
/// unique, valid identity numbers (birth dates 1925–2024), municipalities weighted by their population (the 290 of
/// <see cref="SwedishGeography"/>), Condition dates 2000–2025 with one of 20 common ICD-10 codes. The chain reads no
/// resource JSON, so each resource's JSON is a minimal document. Ends with VACUUM ANALYZE, so that neither the
/// chain nor the baseline pays for setting hint bits on freshly loaded pages.
/// </summary>
internal static class SecondaryUseChainLoad
{
    public const string ProviderKey = "bench-region";

    public const string ProviderHsaId = "SE2321000016-B18A";

    private const int BatchPersons = 10_000;

    private static readonly string[] Icd10 =
    [
        "E11.9", "I10", "J45.9", "F32.9", "M54.5", "I48.9", "E78.0", "K21.9", "J44.9", "I25.1",
        "N39.0", "F41.1", "G43.9", "E03.9", "M17.9", "I50.9", "C50.9", "J06.9", "L40.0", "K58.9",
    ];

    private static readonly string[] GivenNames = ["Anna", "Erik", "Maria", "Lars", "Karin", "Anders", "Eva", "Johan", "Sara", "Per", "Lena", "Nils"];

    private static readonly string[] FamilyNames = ["Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson", "Persson", "Svensson", "Gustafsson"];

    /// <summary>What was loaded and how long each part took.</summary>
    public sealed record Loaded(int Persons, long Events, int Objecting, double Seconds, double RegisterAndRecordsSeconds, double ConsentsSeconds, double VacuumSeconds);

    public static async Task<Loaded> LoadAsync(NdiDatabase ndi, int persons, int eventsPerPerson, double objectingPercent, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        await MigrationRunner.ApplyAsync(ndi, DataModules.AllMigrations.Concat(SecondaryUseStore.Migrations), cancellationToken);
        var population = new PopulationStore(ndi);
        var simulator = new SimulatorStore(ndi);
        await simulator.SaveProvidersAsync([new StoredProvider(ProviderKey, ProviderHsaId, "Region Bench", "{}", "{}")], cancellationToken);

        var random = new Random(18);
        var municipalities = SwedishGeography.Municipalities;
        var cumulative = new long[municipalities.Count];
        long total = 0;
        for (var i = 0; i < municipalities.Count; i++)
            cumulative[i] = total += municipalities[i].Population;
        var taken = new HashSet<int>(persons);
        var objecting = new List<PersonalIdentityNumber>();
        var first = new DateOnly(1925, 1, 1).DayNumber;
        var days = new DateOnly(2024, 12, 31).DayNumber - first + 1;
        var eventFirst = new DateOnly(2000, 1, 1).DayNumber;
        var eventDays = new DateOnly(2025, 12, 31).DayNumber - eventFirst + 1;
        long events = 0;
        Task? writing = null;
        for (var start = 0; start < persons; start += BatchPersons)
        {
            var count = Math.Min(BatchPersons, persons - start);
            var batch = new List<Person>(count);
            var resources = new List<StoredResource>(count * (1 + eventsPerPerson));
            for (var n = start; n < start + count; n++)
            {
                // A birth date and birth number not drawn before: one identity number per person.
                int day, birthNumber;
                do
                {
                    day = random.Next(days);
                    birthNumber = random.Next(1, 1000);
                }
                while (!taken.Add(day * 1000 + birthNumber));
                var id = PersonalIdentityNumber.Create(DateOnly.FromDayNumber(first + day), birthNumber, false);
                var municipality = municipalities[Weighted(cumulative, random.NextInt64(total))];
                batch.Add(new Person(id, GivenNames[random.Next(GivenNames.Length)], FamilyNames[random.Next(FamilyNames.Length)], id.Sex,
                    new Address($"Storgatan {random.Next(1, 120)}", $"{municipality.PostalPrefix} {random.Next(100):D2}", municipality.MainLocality, municipality.Code, municipality.RegionCode)));
                var patient = string.Create(CultureInfo.InvariantCulture, $"p{n}");
                resources.Add(new StoredResource(ProviderKey, "Patient", patient, patient, id.Value, null, null, $$"""{"resourceType":"Patient","id":"{{patient}}"}"""));
                for (var e = 0; e < eventsPerPerson; e++)
                {
                    var condition = string.Create(CultureInfo.InvariantCulture, $"c{n}-{e}");
                    var date = DateOnly.FromDayNumber(eventFirst + random.Next(eventDays)).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
                    resources.Add(new StoredResource(ProviderKey, "Condition", condition, patient, null, date, "http://hl7.org/fhir/sid/icd-10|" + Icd10[random.Next(Icd10.Length)],
                        $$"""{"resourceType":"Condition","id":"{{condition}}"}"""));
                }
                if (random.NextDouble() * 100 < objectingPercent)
                    objecting.Add(id);
            }
            events += (long)count * eventsPerPerson;
            // The register and the records go in on two connections at once, while the next batch is generated.
            if (writing is not null)
                await writing;
            writing = Task.WhenAll(population.AddAsync(batch, [], cancellationToken), simulator.AddResourcesAsync(resources, cancellationToken));
            if ((start / BatchPersons) % 20 == 19)
                Console.WriteLine($"  loaded {start + count:N0} persons, {events:N0} events ({clock.Elapsed.TotalSeconds:N0} s)");
        }
        if (writing is not null)
            await writing;
        var registerAndRecords = clock.Elapsed.TotalSeconds;

        var consents = new ConsentStore(ndi);
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, 4).Select(async _ =>
        {
            for (var i = Interlocked.Increment(ref next); i < objecting.Count; i = Interlocked.Increment(ref next))
            {
                var person = objecting[i];
                var json = $$$"""{"resourceType":"Consent","status":"active","scope":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/consentscope","code":"research"}]},"patient":{"identifier":{"system":"{{{PersonalIdentityNumber.PersonnummerSystem}}}","value":"{{{person.Value}}}"}},"provision":{"type":"deny"}}""";
                // Four writers at once: a serializable conflict between them (PostgreSQL's predicate locks) is tried again.
                while (await consents.TrySaveAsync($"sdu-optout-{i}", person, "optout-secondary", true, json, person.Value, null, cancellationToken) is null)
                {
                }
            }
        }));
        var consentsDone = clock.Elapsed.TotalSeconds;

        await using (var connection = (NpgsqlConnection)await ndi.OpenConnectionAsync(cancellationToken))
        await using (var vacuum = new NpgsqlCommand("VACUUM (ANALYZE)", connection) { CommandTimeout = 0 })
            await vacuum.ExecuteNonQueryAsync(cancellationToken);
        return new Loaded(persons, events, objecting.Count, clock.Elapsed.TotalSeconds, registerAndRecords, consentsDone - registerAndRecords, clock.Elapsed.TotalSeconds - consentsDone);
    }

    /// <summary>The first index whose running total exceeds <paramref name="draw"/>: a draw weighted by population.</summary>
    private static int Weighted(long[] cumulative, long draw)
    {
        var at = Array.BinarySearch(cumulative, draw);
        return at >= 0 ? at + 1 : ~at;
    }
}
