using Hl7.Fhir.Model;
using OpenNdi.Core.Identifiers;
using OpenNdi.Synthetic.Clinical;
using OpenNdi.Synthetic.Population;
using OpenNdi.Synthetic.Providers;
using Person = OpenNdi.Core.Population.Person;
using DeviceDefinition = OpenNdi.Synthetic.Clinical.DeviceDefinition;

namespace OpenNdi.Synthetic.History;

/// <summary>
/// Generates one person's clinical history over the last <see cref="SeedOptions.HistoryYears"/> years, spread over
/// the providers they turn to: long-term conditions with follow-ups, monitoring labs, medication and procedures;
/// acute episodes (some of them admissions with a discharge report, some away from home); allergies, alerts and
/// vaccinations. Rates come from <see cref="ClinicalCatalog"/> and rise with age, so the old and the chronically
/// ill have many more contacts than the young and healthy, as in real life.
/// </summary>
internal sealed class HistoryGenerator(SeedOptions options, CareNetwork network)
{
    /// <summary>
    /// The national medication list (Läkemedelsförteckningen) keeps prescriptions and dispensings for 15 months
    /// (lag 2018:1212); only that window is generated for ePrescriptions and eDispensations.
    /// </summary>
    private const int MedicationListMonths = 15;

    /// <summary>Share of acute episodes that happen away from the home region (holidays, work).</summary>
    private const double AwayFromHomeShare = 0.05;

    private readonly SeedOptions _options = options;
    private readonly CareNetwork _network = network;
    private readonly DateTimeOffset _end = new(options.ReferenceDate.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);

    public IReadOnlyList<PatientChart> Generate(SyntheticPerson person)
    {
        var random = DeterministicRandom.For(_options.Seed, (ulong)person.Index, 0xC11);
        var care = _network.For(person.Person, random);
        var context = new PersonHistory(this, person, care, random);
        context.Build();
        return context.Charts;
    }

    /// <summary>The mutable state of one person's generation: their charts per provider and their timeline.</summary>
    private sealed class PersonHistory(HistoryGenerator owner, SyntheticPerson subject, PersonalCare care, DeterministicRandom random)
    {
        private readonly Dictionary<string, PatientChart> _charts = [];
        private readonly DateTimeOffset _birth = new(subject.Person.BirthDate.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        private readonly DateTimeOffset _end = owner._end;
        private DateTimeOffset WindowStart => Max(_birth.AddDays(1), _end.AddYears(-owner._options.HistoryYears));
        private DateTimeOffset MedicationListStart => _end.AddMonths(-MedicationListMonths);
        private readonly List<MedicationDefinition> _chronicMedications = [];
        private readonly List<DeviceDefinition> _devices = [];

        public IReadOnlyList<PatientChart> Charts => [.. _charts.Values];

        private int AgeAt(DateTimeOffset when) => BirthCalendar.AgeOn(subject.Person.BirthDate, DateOnly.FromDateTime(when.UtcDateTime));

        public void Build()
        {
            foreach (var condition in ClinicalCatalog.ChronicConditions)
                ChronicCondition(condition);
            for (var year = WindowStart; year < _end; year = year.AddYears(1))
            {
                var age = AgeAt(year);
                foreach (var condition in ClinicalCatalog.AcuteConditions)
                {
                    if (condition.Key.StartsWith("delivery", StringComparison.Ordinal) && subject.Person.Sex != Sex.Female)
                        continue;
                    var episodes = random.Poisson(condition.Incidence.For(age));
                    for (var i = 0; i < episodes; i++)
                        AcuteEpisode(condition, Between(year, Min(year.AddYears(1), _end)));
                }
            }
            HomeHealthCare();
            Allergies();
            Alerts();
            Vaccinations();
        }

        /// <summary>
        /// Municipal home health care (hemsjukvård, HSL 12 kap.): about a third of those over 80, and a few younger
        /// old people, get regular nurse visits at home, recorded in the municipality's own EHR.
        /// </summary>
        private void HomeHealthCare()
        {
            if (care.Municipality?.Unit(CareUnitKind.MunicipalCare) is not { } home)
                return;
            var age = subject.AgeOn(owner._options.ReferenceDate);
            if (!random.Chance(age >= 80 ? 0.35 : age >= 65 ? 0.05 : 0))
                return;
            var chart = ChartAt(care.Municipality);
            var since = Max(WindowStart, _end.AddYears(-random.Next(1, 4)));
            for (var visit = since.AddDays(random.Next(1, 30)); visit < _end; visit = visit.AddDays(random.Next(20, 45)))
            {
                var when = WorkingHours(visit);
                chart.Add(FhirFactory.Encounter(chart, home, when, when.AddMinutes(30), "HH", null));
            }
        }

        private PatientChart ChartAt(SimulatedProvider provider)
        {
            if (!_charts.TryGetValue(provider.Key, out var chart))
            {
                var key = DeterministicRandom.Hash(owner._options.Seed, (ulong)subject.Index, StableKey(provider.Key));
                chart = new PatientChart(provider, subject.Person, key);
                _charts.Add(provider.Key, chart);
            }
            return chart;
        }

        private void ChronicCondition(ChronicCondition condition)
        {
            var age = subject.AgeOn(owner._options.ReferenceDate);
            var factor = subject.Person.Sex == Sex.Female ? condition.FemaleFactor : 2 - condition.FemaleFactor;
            if (!random.Chance(condition.Prevalence.For(age) * factor))
                return;
            // Onset up to 15 years back, but not in the first year of life.
            var yearsBack = random.NextDouble() * Math.Min(15, Math.Max(0.5, age - 1));
            var onset = _end.AddDays(-yearsBack * 365.25);
            var (provider, unit) = UnitFor(condition.Setting);
            var chart = ChartAt(provider);

            var firstContact = Max(onset, WindowStart);
            var diagnosis = chart.Add(FhirFactory.Encounter(chart, unit, WorkingHours(firstContact), WorkingHours(firstContact).AddMinutes(30), "AMB", condition.Icd10));
            var problem = chart.Add(FhirFactory.Condition(chart, diagnosis, condition.Icd10, condition.Snomed, onset, null, firstContact));
            var reason = PatientChart.ReferenceTo(problem);
            if (onset >= WindowStart && condition.ImagingKey is not null)
                Imaging(chart, diagnosis, ClinicalCatalog.Imaging[condition.ImagingKey], abnormal: random.Chance(0.6), firstContact);

            var medications = ChooseMedications(condition.MedicationKeys);
            foreach (var medication in medications)
                Medication(chart, unit, medication, onset, chronic: true, reason, diagnosis);

            for (var year = firstContact; year < _end; year = year.AddYears(1))
            {
                var visits = random.Poisson(condition.ContactsPerYear * Math.Min(1, (_end - year).TotalDays / 365.25));
                for (var v = 0; v < visits; v++)
                {
                    var when = WorkingHours(Between(year, Min(year.AddYears(1), _end)));
                    var encounter = chart.Add(FhirFactory.Encounter(chart, unit, when, when.AddMinutes(30), unit.Kind == CareUnitKind.MunicipalCare ? "HH" : "AMB", condition.Icd10));
                    Labs(chart, encounter, condition.LabKeys, condition.AbnormalLabKeys, abnormalShare: 0.6, when, maxTests: 3);
                }
            }

            if (condition.ProcedureKey is not null && random.Chance(condition.ProcedureShare))
            {
                var when = WorkingHours(Min(_end.AddDays(-1), onset.AddDays(random.Next(30, 730))));
                if (when >= WindowStart)
                    ProcedureEpisode(ClinicalCatalog.Procedures[condition.ProcedureKey], care.Hospital, when, condition.Icd10);
            }
        }

        private void AcuteEpisode(AcuteCondition condition, DateTimeOffset when)
        {
            var injury = condition.Icd10.Value[0] is 'S' or 'T';
            var away = random.Chance(AwayFromHomeShare) && care.OtherRegions.Count > 0;
            var hospital = away ? random.Pick(care.OtherRegions) : care.Hospital;
            SimulatedProvider provider;
            CareUnit unit;
            if (condition.Inpatient || injury || away)
            {
                provider = hospital;
                unit = InpatientUnit(hospital, condition);
            }
            else
            {
                provider = care.PrimaryCareProvider;
                unit = care.PrimaryCare;
            }

            var chart = ChartAt(provider);
            var start = Min(condition.Inpatient || injury ? when.AddHours(random.Next(0, 24)) : WorkingHours(when), _end.AddHours(-1));
            var end = condition.Inpatient ? start.AddDays(Math.Max(1, condition.DurationDays + random.Next(-1, 3))) : start.AddHours(injury ? 4 : 0.5);
            var encounterClass = condition.Inpatient ? "IMP" : injury ? "EMER" : "AMB";
            var encounter = chart.Add(FhirFactory.Encounter(chart, unit, start, end < _end ? end : null, encounterClass, condition.Icd10));
            var abatement = start.AddDays(Math.Max(1, condition.DurationDays + random.Next(0, 14)));
            var problem = chart.Add(FhirFactory.Condition(chart, encounter, condition.Icd10, condition.Snomed, start, abatement < _end ? abatement : null, start));
            var reason = PatientChart.ReferenceTo(problem);

            Labs(chart, encounter, condition.LabKeys, condition.AbnormalLabKeys, abnormalShare: 0.7, start, maxTests: 4);
            if (condition.ImagingKey is not null)
                Imaging(chart, encounter, ClinicalCatalog.Imaging[condition.ImagingKey], abnormal: random.Chance(0.7), start);

            var treatments = new List<Resource>();
            if (condition.ProcedureKey is not null)
                treatments.AddRange(Procedure(chart, encounter, unit, ClinicalCatalog.Procedures[condition.ProcedureKey], start.AddHours(random.Next(2, 30)), reason));
            foreach (var medication in ChooseMedications(condition.MedicationKeys))
                treatments.AddRange(Medication(chart, unit, medication, condition.Inpatient ? end : start, chronic: false, reason, encounter));

            // A patient still admitted on the reference date has no discharge report yet.
            if (condition.Inpatient && end < _end)
            {
                var course = $"Inkom {start:yyyy-MM-dd} med {condition.Icd10.Display.ToLowerInvariant()}. Vårdtid {(end - start).Days} dygn. Utskriven i förbättrat skick.";
                chart.Add(FhirFactory.DischargeReport(chart, encounter, unit, problem, treatments, end, course));
            }
        }

        /// <summary>A planned procedure (e.g. hip replacement for osteoarthritis): an admission with the procedure and any implant.</summary>
        // The indication lives in the referring provider's chart; the hospital records its own diagnosis.
        private void ProcedureEpisode(ProcedureDefinition procedure, SimulatedProvider hospital, DateTimeOffset when, Clinical.Code reasonCode)
        {
            var chart = ChartAt(hospital);
            var unit = hospital.Unit(procedure.DeviceKey is { } d && d.Contains("pacemaker", StringComparison.Ordinal) || procedure.Key.Contains("pci", StringComparison.Ordinal)
                ? CareUnitKind.Cardiology : CareUnitKind.Orthopaedics) ?? hospital.CareUnits[0];
            var discharged = when.AddDays(2);
            var encounter = chart.Add(FhirFactory.Encounter(chart, unit, when, discharged < _end ? discharged : null, "IMP", reasonCode));
            var performed = Procedure(chart, encounter, unit, procedure, when.AddHours(3), null);
            var diagnosis = chart.Add(FhirFactory.Condition(chart, encounter, reasonCode, null, when, null, when));
            if (discharged < _end)
            {
                chart.Add(FhirFactory.DischargeReport(chart, encounter, unit, diagnosis, performed, discharged,
                    $"Planerad operation {when:yyyy-MM-dd}: {procedure.Snomed.Display}. Okomplicerat förlopp."));
            }
        }

        private List<Resource> Procedure(PatientChart chart, Encounter encounter, CareUnit unit, ProcedureDefinition procedure, DateTimeOffset when, ResourceReference? reason)
        {
            when = Min(when, _end.AddMinutes(-1));
            var resources = new List<Resource> { chart.Add(FhirFactory.Procedure(chart, encounter, unit, procedure, when, reason)) };
            if (procedure.DeviceKey is not null)
            {
                var definition = ClinicalCatalog.Devices[procedure.DeviceKey];
                var device = chart.Add(FhirFactory.Device(chart, definition, when));
                chart.Add(FhirFactory.DeviceUse(chart, device, when, reason));
                _devices.Add(definition);
                resources.Add(device);
            }
            return resources;
        }

        private List<Resource> Medication(PatientChart chart, CareUnit unit, MedicationDefinition medication, DateTimeOffset start, bool chronic, ResourceReference reason, Encounter? encounter)
        {
            var created = new List<Resource>();
            if (chronic)
            {
                _chronicMedications.Add(medication);
                created.Add(chart.Add(FhirFactory.MedicationStatement(chart, medication, start, null, reason)));
                // One prescription a year; only the ones still on the national medication list are generated.
                for (var authored = start; authored < _end; authored = authored.AddYears(1))
                {
                    if (authored.AddYears(1) < MedicationListStart)
                        continue;
                    var when = WorkingHours(authored);
                    var supplies = Math.Max(1, 365 / Math.Max(1, medication.CourseDays));
                    var request = chart.Add(FhirFactory.Prescription(chart, unit, medication, when, active: when.AddYears(1) > _end, supplies, reason, null));
                    created.Add(request);
                    for (var k = 0; k < supplies; k++)
                    {
                        var handedOver = when.AddDays(k * medication.CourseDays + random.Next(0, 5));
                        if (handedOver >= _end)
                            break;
                        if (handedOver >= MedicationListStart)
                            chart.Add(FhirFactory.Dispense(chart, request, medication, handedOver));
                    }
                }
                return created;
            }

            var prescribed = Min(start, _end.AddMinutes(-1));
            var course = chart.Add(FhirFactory.Prescription(chart, unit, medication, prescribed, active: prescribed.AddDays(medication.CourseDays) > _end, 1, reason, encounter));
            created.Add(course);
            if (prescribed.AddDays(medication.CourseDays) < _end)
                chart.Add(FhirFactory.MedicationStatement(chart, medication, prescribed, prescribed.AddDays(medication.CourseDays), reason));
            var dispensed = prescribed.AddHours(random.Next(1, 48));
            if (dispensed >= MedicationListStart && dispensed < _end)
                chart.Add(FhirFactory.Dispense(chart, course, medication, dispensed));
            return created;
        }

        private void Labs(PatientChart chart, Encounter encounter, IReadOnlyList<string> keys, IReadOnlyList<string> abnormalKeys, double abnormalShare, DateTimeOffset when, int maxTests)
        {
            if (keys.Count == 0)
                return;
            var laboratory = LaboratoryFor(chart.Provider);
            var count = Math.Min(keys.Count, random.Next(1, maxTests + 1));
            var start = random.Next(keys.Count);
            var results = new List<Observation>(count);
            for (var i = 0; i < count; i++)
            {
                var test = ClinicalCatalog.LabTests[keys[(start + i) % keys.Count]];
                var abnormal = abnormalKeys.Contains(test.Key) && random.Chance(abnormalShare);
                var value = abnormal
                    ? test.AbnormalLow + random.NextDouble() * (test.AbnormalHigh - test.AbnormalLow)
                    : test.ReferenceLow + (0.1 + 0.8 * random.NextDouble()) * (test.ReferenceHigh - test.ReferenceLow);
                results.Add(chart.Add(FhirFactory.LabResult(chart, encounter, laboratory, test, value, when)));
            }
            chart.Add(FhirFactory.LabReport(chart, encounter, laboratory, results, when));
        }

        private void Imaging(PatientChart chart, Encounter encounter, ImagingProcedure imaging, bool abnormal, DateTimeOffset when)
        {
            var radiology = chart.Provider.Unit(CareUnitKind.Radiology) ?? care.Hospital.Unit(CareUnitKind.Radiology) ?? care.Hospital.CareUnits[0];
            var conclusions = abnormal && imaging.AbnormalConclusions.Count > 0 ? imaging.AbnormalConclusions : imaging.NormalConclusions;
            chart.Add(FhirFactory.ImagingReport(chart, encounter, radiology, imaging, random.Pick(conclusions), when.AddHours(1)));
        }

        private void Allergies()
        {
            var age = subject.AgeOn(owner._options.ReferenceDate);
            foreach (var allergy in ClinicalCatalog.Allergies)
            {
                if (!random.Chance(allergy.Prevalence.For(age)))
                    continue;
                var chart = ChartAt(care.PrimaryCareProvider);
                var onsetAge = random.Next(0, Math.Max(1, Math.Min(age, 30)) + 1);
                chart.Add(FhirFactory.Allergy(chart, allergy, WorkingHours(Between(WindowStart, _end)), onsetAge));
            }
        }

        private void Alerts()
        {
            var age = subject.AgeOn(owner._options.ReferenceDate);
            var anticoagulated = _chronicMedications.Any(m => m.Atc.Value.StartsWith("B01AA", StringComparison.Ordinal) || m.Atc.Value.StartsWith("B01AF", StringComparison.Ordinal) || m.Atc.Value.StartsWith("B01AE", StringComparison.Ordinal));
            var pacemaker = _devices.Any(d => d.Key.Contains("pacemaker", StringComparison.Ordinal));
            foreach (var alert in ClinicalCatalog.MedicalAlerts)
            {
                var derived = (alert.Key.Contains("anticoag", StringComparison.Ordinal) && anticoagulated)
                    || (alert.Key.Contains("pacemaker", StringComparison.Ordinal) && pacemaker);
                if (!derived && !random.Chance(alert.Prevalence.For(age)))
                    continue;
                var chart = ChartAt(care.PrimaryCareProvider);
                chart.Add(FhirFactory.Alert(chart, care.PrimaryCare, alert, WorkingHours(Between(WindowStart, _end))));
            }
        }

        private void Vaccinations()
        {
            // The national vaccination register holds the child programme; older doses than 20 years are not generated.
            var since = Max(_birth, _end.AddYears(-20));
            foreach (var vaccine in ClinicalCatalog.Vaccines)
            {
                if (!random.Chance(vaccine.Coverage))
                    continue;
                var dose = 0;
                foreach (var months in vaccine.ScheduleMonths)
                {
                    dose++;
                    var when = WorkingHours(_birth.AddMonths(months).AddDays(random.Next(0, 28)));
                    if (when < since || when >= _end)
                        continue;
                    var (provider, unit) = VaccinationUnit(months);
                    var chart = ChartAt(provider);
                    chart.Add(FhirFactory.Immunization(chart, unit, vaccine, when, dose));
                }
                if (vaccine.SeasonalFromAge is { } fromAge)
                {
                    for (var season = _end.AddYears(-Math.Min(5, owner._options.HistoryYears)); season < _end; season = season.AddYears(1))
                    {
                        var autumn = new DateTimeOffset(season.Year, 10, 15, 0, 0, 0, TimeSpan.Zero).AddDays(random.Next(0, 45));
                        if (autumn >= _end || AgeAt(autumn) < fromAge || !random.Chance(0.85))
                            continue;
                        var chart = ChartAt(care.PrimaryCareProvider);
                        chart.Add(FhirFactory.Immunization(chart, care.PrimaryCare, vaccine, WorkingHours(autumn), null));
                    }
                }
            }
        }

        private (SimulatedProvider, CareUnit) VaccinationUnit(int ageMonths)
        {
            // Child health centres (BVC) vaccinate under six; school health from then on, where the municipality is connected.
            if (ageMonths >= 72 && care.Municipality?.Unit(CareUnitKind.SchoolHealth) is { } school)
                return (care.Municipality, school);
            if (care.Hospital.Units(CareUnitKind.ChildHealth).FirstOrDefault(u => u.MunicipalityCode == subject.Person.Address.MunicipalityCode) is { } local)
                return (care.Hospital, local);
            return (care.Hospital, care.Hospital.Unit(CareUnitKind.ChildHealth) ?? care.PrimaryCare);
        }

        private (SimulatedProvider, CareUnit) UnitFor(string setting)
        {
            if (setting == "municipal" && care.Municipality?.Unit(CareUnitKind.MunicipalCare) is { } home)
                return (care.Municipality, home);
            if (setting == "specialist")
            {
                if (care.PrivateSpecialists.Count > 0 && random.Chance(0.3))
                {
                    var specialist = random.Pick(care.PrivateSpecialists);
                    return (specialist, specialist.Unit(CareUnitKind.Orthopaedics)!);
                }
                return (care.Hospital, care.Hospital.Unit(CareUnitKind.Medicine) ?? care.Hospital.CareUnits[0]);
            }
            return (care.PrimaryCareProvider, care.PrimaryCare);
        }

        private static CareUnit InpatientUnit(SimulatedProvider hospital, AcuteCondition condition)
        {
            var kind = condition.Key.StartsWith("delivery", StringComparison.Ordinal) ? CareUnitKind.Maternity
                : condition.Icd10.Value[0] is 'S' or 'T' ? (condition.Inpatient ? CareUnitKind.Orthopaedics : CareUnitKind.Emergency)
                : condition.ProcedureKey is not null ? CareUnitKind.Surgery
                : condition.Icd10.Value.StartsWith("I2", StringComparison.Ordinal) ? CareUnitKind.Cardiology
                : condition.Inpatient ? CareUnitKind.Medicine
                : CareUnitKind.Emergency;
            return hospital.Unit(kind) ?? hospital.CareUnits[0];
        }

        private CareUnit LaboratoryFor(SimulatedProvider provider) =>
            provider.Unit(CareUnitKind.Laboratory) ?? care.Hospital.Unit(CareUnitKind.Laboratory) ?? provider.CareUnits[0];

        private List<MedicationDefinition> ChooseMedications(IReadOnlyList<string> keys)
        {
            if (keys.Count == 0)
                return [];
            var count = keys.Count > 1 && random.Chance(0.35) ? 2 : 1;
            var start = random.Next(keys.Count);
            return [.. Enumerable.Range(0, count).Select(i => ClinicalCatalog.Medications[keys[(start + i) % keys.Count]])];
        }

        private DateTimeOffset Between(DateTimeOffset from, DateTimeOffset to) =>
            to <= from ? from : from.AddSeconds(random.NextDouble() * (to - from).TotalSeconds);

        /// <summary>The same day, at a time between 08:00 and 16:00 on the quarter hour.</summary>
        private DateTimeOffset WorkingHours(DateTimeOffset day) =>
            new DateTimeOffset(day.Year, day.Month, day.Day, 0, 0, 0, TimeSpan.Zero).AddMinutes(8 * 60 + 15 * random.Next(0, 32));

        private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

        private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

        private static ulong StableKey(string text)
        {
            ulong hash = 1469598103934665603;
            foreach (var c in text)
                hash = (hash ^ c) * 1099511628211;
            return hash;
        }
    }
}
