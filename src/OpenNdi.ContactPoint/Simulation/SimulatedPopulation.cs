using OpenNdi.ContactPoint.Identification;
namespace OpenNdi.ContactPoint.Simulation;

/// <summary>
/// The simulated countries' populations, six people each, made from a seed with a generator of our own (SplitMix64:
/// the same seed gives the same people on every runtime; no shared unseeded generator, no wall clock). Names, birth dates
/// and identifier digits come from the seed; the clinical content is fixed, so the tests can name it:
/// <list type="bullet">
/// <item>patient 0 (<c>de-0</c>, <c>fr-0</c>) has the full summary: eHDSI MVC codes (ICD-10, ATC, SNOMED CT) with
/// displays in the country's language, a code of the peer's local code system, a section the IPS does not define;
/// and two dispensable prescriptions;</item>
/// <item>patient 1 has one dispensable prescription;</item>
/// <item>patients 4 and 5 are twins (same family name, same birth date) filed under one identifier, so that the
/// country's mask alone cannot tell them apart (ambiguous identification); a given name does.
/// Germany: the second twin's insurance record was given the first twin's KVNR (a duplicate, data-entry error).
/// France: minors used to be covered as <em>ayants droit</em> under a parent's NIR (before the INS), so both twins
/// are filed under their mother's NIR, patient 3's.</item>
/// </list>
/// </summary>
public static class SimulatedPopulation
{
    public const int DefaultSeed = 17;

    /// <summary>The eHDSI code systems (MVC 8.1.0, as in ../shared/fhir-examples/terminology-ehdsi).</summary>
    public const string Icd10 = "http://hl7.org/fhir/sid/icd-10";
    public const string Atc = "http://www.whocc.no/atc";
    public const string Snomed = "http://snomed.info/sct";
    public const string Edqm = "http://standardterms.edqm.eu";
    public const string Loinc = "http://loinc.org";

    public static IReadOnlyList<SimulatedPeerCountry> All(int seed = DefaultSeed) => [Germany(seed), France(seed)];

    public static SimulatedPeerCountry Germany(int seed = DefaultSeed)
    {
        var random = new SplitMix64((ulong)seed * 1_000_003 + 49);
        string[] female = ["Anna", "Lena", "Katharina", "Sabine", "Ursula", "Jana"];
        string[] male = ["Lukas", "Jonas", "Matthias", "Stefan", "Klaus", "Jürgen"];
        string[] families = ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schäfer", "Koch"];
        var local = "https://sim-ncp.example.de/fhir/CodeSystem/hausarzt-diagnosen";
        (SimulatedCoding Problem, SimulatedCoding Medication, string Dosage)[] pool =
        [
            (new(Icd10, "J45.9", "Asthma bronchiale, nicht näher bezeichnet"), new(Atc, "R03AC02", "Salbutamol"), "Bei Bedarf 1–2 Hübe"),
            (new(Icd10, "E03.9", "Hypothyreose, nicht näher bezeichnet"), new(Atc, "H03AA01", "Levothyroxin-Natrium"), "75 µg morgens nüchtern"),
            (new(Icd10, "K21.9", "Gastroösophageale Refluxkrankheit ohne Ösophagitis"), new(Atc, "A02BC01", "Omeprazol"), "20 mg 1-0-0"),
            (new(Icd10, "J30.1", "Allergische Rhinopathie durch Pollen"), new(Atc, "R06AE07", "Cetirizin"), "10 mg 0-0-1"),
            (new(Icd10, "G43.9", "Migräne, nicht näher bezeichnet"), new(Atc, "M01AE01", "Ibuprofen"), "400 mg bei Bedarf, höchstens 3× täglich"),
        ];
        var noAllergy = new SimulatedAllergy(new(NoKnown.System, NoKnown.Allergies, "Keine bekannten Allergien"), null, false);

        var people = Generate(random, female, male, families, minYear: 1948, maxYear: 2004);
        var patients = new List<SimulatedPatient>();
        for (var i = 0; i < 6; i++)
        {
            var (given, family, birth, gender) = people[i];
            if (i == 5)
                (family, birth) = (people[4].Family, people[4].BirthDate); // twins of patient 4
            var identifier = i == 5 ? patients[4].Identifier : Kvnr(random, family);
            var (problem, medication, dosage) = pool[random.Next(pool.Length)];
            var onset = birth.AddYears(20 + random.Next(15));
            patients.Add(i switch
            {
                0 => new SimulatedPatient($"de-{i}", identifier, given, family, birth, gender,
                    [
                        new(new(Icd10, "I10", "Essentielle (primäre) Hypertonie"), new DateOnly(2015, 3, 12)),
                        new(new(Icd10, "E11.9", "Diabetes mellitus, Typ 2: Ohne Komplikationen"), new DateOnly(2019, 9, 2)),
                        new(new(local, "HA-LUMB-07", "Rezidivierende Lumboischialgie (hausärztliche Dauerdiagnose)"), new DateOnly(2021, 1, 20)),
                    ],
                    [new(new(Snomed, "762952008", "Erdnuss"), new(Snomed, "39579001", "Anaphylaxie"), true)],
                    [new(new(Atc, "C09AA05", "Ramipril"), "5 mg 1-0-0"), new(new(Atc, "A10BA02", "Metformin"), "1000 mg 1-0-1")],
                    [new(new(Loinc, "10182-4", "Reiseanamnese"), "Reiseanamnese",
                        "Aufenthalt in Kenia im Oktober 2026; Malariaprophylaxe mit Atovaquon/Proguanil.")],
                    // The E-Rezept's id form (gematik: 160.nnn.nnn.nnn.nnn.nn); its check digits are not computed here.
                    [
                        new("160.000.017.000.001.84", new(Atc, "C09AA05", "Ramipril"), new(Edqm, "10219000", "Tablette"), "5 mg", 100, "5 mg 1-0-0"),
                        new("160.000.017.000.002.81", new(Atc, "A10BA02", "Metformin"), new(Edqm, "10221000", "Filmtablette"), "1000 mg", 180, "1000 mg 1-0-1"),
                    ]),
                1 => Ordinary($"de-{i}", identifier, given, family, birth, gender, problem, onset, medication, dosage, noAllergy,
                    [new("160.000.017.000.003.78", medication, new(Edqm, "10219000", "Tablette"), "Standarddosis", 50, dosage)]),
                _ => Ordinary($"de-{i}", identifier, given, family, birth, gender, problem, onset, medication, dosage, noAllergy, []),
            });
        }
        return new SimulatedPeerCountry("DE", "urn:ehdsi:ncp:DE", "Deutschland", "de-DE", SimulatedIdentifiers.KvnrSystem,
            [SimulatedTrait.Identifier, SimulatedTrait.BirthDate],
            "https://sim-ncp.example.de/fhir/NamingSystem/e-rezept-id", local,
            "Hausarztpraxis am Markt, Freiburg", "Katrin", "Hoffmann", patients);
    }

    public static SimulatedPeerCountry France(int seed = DefaultSeed)
    {
        var random = new SplitMix64((ulong)seed * 1_000_003 + 82);
        string[] female = ["Camille", "Léa", "Chloé", "Manon", "Élodie", "Sophie"];
        string[] male = ["Lucas", "Hugo", "Théo", "Julien", "Mathieu", "Antoine"];
        string[] families = ["Martin", "Bernard", "Dubois", "Lefèvre", "Robert", "Richard", "Petit", "Durand", "Moreau", "Girard"];
        var local = "https://sim-ncp.example.fr/fhir/CodeSystem/preparations-officinales";
        (SimulatedCoding Problem, SimulatedCoding Medication, string Dosage)[] pool =
        [
            (new(Icd10, "J45.9", "Asthme, sans précision"), new(Atc, "R03AC02", "salbutamol"), "1 à 2 bouffées si besoin"),
            (new(Icd10, "E03.9", "Hypothyroïdie, sans précision"), new(Atc, "H03AA01", "lévothyroxine sodique"), "75 µg le matin à jeun"),
            (new(Icd10, "K21.9", "Reflux gastro-œsophagien sans œsophagite"), new(Atc, "A02BC01", "oméprazole"), "20 mg le matin"),
            (new(Icd10, "J30.1", "Rhinite allergique due au pollen"), new(Atc, "R06AE07", "cétirizine"), "10 mg le soir"),
            (new(Icd10, "G43.9", "Migraine, sans précision"), new(Atc, "N02BE01", "paracétamol"), "1 g si besoin, au plus 3 g par jour"),
        ];
        var noAllergy = new SimulatedAllergy(new(NoKnown.System, NoKnown.Allergies, "Pas d'allergie connue"), null, false);

        var people = Generate(random, female, male, families, minYear: 1950, maxYear: 1995);
        // The twins (4, 5) are minors, born the same day, and bear their mother's (patient 3's) family name.
        people[3] = people[3] with { Gender = SimulatedGender.Female, Given = female[3], BirthDate = new DateOnly(1978 + random.Next(10), 1 + random.Next(12), 1 + random.Next(28)) };
        var twins = new DateOnly(2014, 1 + random.Next(12), 1 + random.Next(28));
        people[4] = people[4] with { Family = people[3].Family, BirthDate = twins };
        people[5] = people[5] with { Family = people[3].Family, BirthDate = twins };
        var patients = new List<SimulatedPatient>();
        for (var i = 0; i < 6; i++)
        {
            var (given, family, birth, gender) = people[i];
            var identifier = i >= 4 ? patients[3].Identifier : Nir(random, birth, gender);
            var (problem, medication, dosage) = pool[random.Next(pool.Length)];
            var onset = birth.AddYears(5 + random.Next(15));
            patients.Add(i switch
            {
                0 => new SimulatedPatient($"fr-{i}", identifier, given, family, birth, gender,
                    [
                        new(new(Icd10, "J45.9", "Asthme, sans précision"), new DateOnly(2009, 4, 6)),
                        new(new(Icd10, "E03.9", "Hypothyroïdie, sans précision"), new DateOnly(2017, 11, 14)),
                    ],
                    [new(new(Snomed, "256277009", "Pollen de graminées"), new(Snomed, "70076002", "Rhinite"), false)],
                    [
                        new(new(Atc, "R03AC02", "salbutamol"), "100 µg, 1 à 2 bouffées si besoin"),
                        new(new(Atc, "H03AA01", "lévothyroxine sodique"), "75 µg le matin à jeun"),
                        new(new(local, "PO-2291", "Crème émolliente préparée en officine (cold cream)"), "Application locale deux fois par jour"),
                    ],
                    [new(new("https://sim-ncp.example.fr/fhir/CodeSystem/rubriques-dmp", "AIDANTS", "Aidants et entourage"), "Aidants et entourage",
                        "Vit seule ; sa sœur, joignable au domicile, est l'aidante principale.")],
                    [
                        new("FR-EP-2026-000171", new(Atc, "R03AC02", "salbutamol"), new(Edqm, "11107000", "Suspension pour inhalation en flacon pressurisé"), "100 µg/dose", 1, "1 à 2 bouffées si besoin"),
                        new("FR-EP-2026-000172", new(Atc, "H03AA01", "lévothyroxine sodique"), new(Edqm, "10219000", "Comprimé"), "75 µg", 90, "1 comprimé le matin à jeun"),
                    ]),
                1 => Ordinary($"fr-{i}", identifier, given, family, birth, gender, problem, onset, medication, dosage, noAllergy,
                    [new("FR-EP-2026-000173", medication, new(Edqm, "10219000", "Comprimé"), "dose usuelle", 30, dosage)]),
                _ => Ordinary($"fr-{i}", identifier, given, family, birth, gender, problem, onset, medication, dosage, noAllergy, []),
            });
        }
        return new SimulatedPeerCountry("FR", "urn:ehdsi:ncp:FR", "France", "fr-FR", SimulatedIdentifiers.NirSystem,
            [SimulatedTrait.Identifier, SimulatedTrait.BirthDate, SimulatedTrait.Family],
            "https://sim-ncp.example.fr/fhir/NamingSystem/ordonnance-numerique", local,
            "Cabinet médical des Tilleuls, Lyon", "Nathalie", "Roussel", patients);
    }

    private static SimulatedPatient Ordinary(string key, string identifier, string given, string family, DateOnly birth, SimulatedGender gender,
        SimulatedCoding problem, DateOnly onset, SimulatedCoding medication, string dosage, SimulatedAllergy noAllergy, IReadOnlyList<SimulatedPrescription> prescriptions) =>
        new(key, identifier, given, family, birth, gender, [new(problem, onset)], [noAllergy], [new(medication, dosage)], [], prescriptions);

    private static List<(string Given, string Family, DateOnly BirthDate, SimulatedGender Gender)> Generate(
        SplitMix64 random, string[] female, string[] male, string[] families, int minYear, int maxYear)
    {
        var people = new List<(string, string, DateOnly, SimulatedGender)>();
        var usedFamilies = new HashSet<string>();
        for (var i = 0; i < 6; i++)
        {
            var gender = random.Next(2) == 0 ? SimulatedGender.Female : SimulatedGender.Male;
            var names = gender == SimulatedGender.Female ? female : male;
            string family;
            do
                family = families[random.Next(families.Length)];
            while (!usedFamilies.Add(family));
            var birth = new DateOnly(minYear + random.Next(maxYear - minYear + 1), 1 + random.Next(12), 1 + random.Next(28));
            people.Add((names[i], family, birth, gender));
        }
        return people;
    }

    /// <summary>A KVNR whose letter is the family name's initial (as the insurers assign it), eight digits from the seed, and its check digit.</summary>
    private static string Kvnr(SplitMix64 random, string family)
    {
        var initial = NameFolding.Fold(family)[0];
        var digits = string.Concat(Enumerable.Range(0, 8).Select(_ => (char)('0' + random.Next(10))));
        return $"{initial}{digits}{SimulatedIdentifiers.KvnrCheckDigit(initial, digits)}";
    }

    /// <summary>A NIR (sex, year and month of birth, département, commune, order number) with its key; Corsica not drawn.</summary>
    private static string Nir(SplitMix64 random, DateOnly birth, SimulatedGender gender)
    {
        string[] departements = ["75", "69", "13", "33", "31", "59", "67", "44"];
        var number = $"{(gender == SimulatedGender.Male ? 1 : 2)}{birth.Year % 100:00}{birth.Month:00}{departements[random.Next(departements.Length)]}{1 + random.Next(400):000}{1 + random.Next(999):000}";
        return $"{number}{SimulatedIdentifiers.NirKey(number):00}";
    }

    /// <summary>IPS absent and unknown data (http://hl7.org/fhir/uv/ips/CodeSystem/absent-unknown-uv-ips).</summary>
    internal static class NoKnown
    {
        public const string System = "http://hl7.org/fhir/uv/ips/CodeSystem/absent-unknown-uv-ips";
        public const string Allergies = "no-known-allergies";
    }

    /// <summary>SplitMix64 (Steele, Lea, Flood 2014): small, fast, and the same sequence everywhere for a seed.</summary>
    private sealed class SplitMix64(ulong seed)
    {
        private ulong _state = seed;

        public int Next(int bound)
        {
            var z = _state += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            z ^= z >> 31;
            return (int)(z % (ulong)bound);
        }
    }
}
