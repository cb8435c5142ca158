using System.Diagnostics;
using System.Text.Json;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using OpenNdi.Core.Index;
using OpenNdi.Data;
using OpenNdi.Data.Simulator;
using OpenNdi.Fhir;
using OpenNdi.Synthetic.Providers;
using OpenNdi.Synthetic.Simulator;
using static OpenNdi.Server.Tests.ProviderAnswerPipeline;

namespace OpenNdi.Bench;

/// <summary>
/// <c>summary-stages</c>: where the access service's processor time per summary goes, stage by stage, without HTTP:
/// N provider answers made as the simulated EHRs make them (their <c>Patient/{id}/$summary</c>, from a database
/// <c>summary</c> left behind, <c>--data</c>), each read, screened, merged, assembled, checked, written and accounted
/// for by the service's own code (<see cref="OpenNdi.Server.Tests.ProviderAnswerPipeline"/>), single-threaded.
/// </summary>
internal static class SummaryStages
{
    public static async Task<int> RunAsync(string[] args)
    {
        var database = BenchArgs.Get(args, "--data") ?? Path.Combine(Path.GetTempPath(), "ndi-bench-summary", "openndi.db");
        var count = BenchArgs.Int(args, "--providers", 10);
        var iterations = BenchArgs.Int(args, "--iterations", 300);
        var answers = await AnswersAsync(new NdiDatabase(StorageOptions.Sqlite(database)), count);
        Console.WriteLine($"# summary-stages: {answers.Count} provider answers of {answers.Average(a => a.Json.Length) / 1024:N1} KiB on average, {iterations} iterations after as many to warm up");

        // --parsers: what reading one answer costs with each reader, the same answers in the same run.
        if (args.Contains("--parsers"))
        {
            var unvalidated = new FhirJsonDeserializer(new DeserializerSettings { Validator = null });
            var nothing = new FhirJsonDeserializer(new DeserializerSettings { Validator = new NoFindingsValidator() });
            var utf8 = answers.Select(a => System.Text.Encoding.UTF8.GetBytes(a.Json)).ToList();
            foreach (var (name, parse) in new (string, Action<int>)[]
            {
                ("Firely, as FhirJson.Parse (validating)", k => FhirJson.Parse(answers[k].Json)),
                ("Firely without validation (Validator = null)", k => unvalidated.Deserialize<Resource>(answers[k].Json)),
                ("Firely with a validator that finds nothing", k => nothing.Deserialize<Resource>(answers[k].Json)),
                ("Firely, as FhirJson.Parse from the bytes (validating)", k => FhirJson.Parse(utf8[k])),
                ("LenientBundleReader.Read (the service's read, from the bytes)", k => LenientBundleReader.Read(utf8[k])),
                ("JsonDocument", k => JsonDocument.Parse(utf8[k]).Dispose()),
                ("Utf8JsonReader, one pass", k => { var reader = new Utf8JsonReader(utf8[k]); while (reader.Read()) { } }),
            })
            {
                for (var i = 0; i < iterations; i++)
                    parse(i % answers.Count);
                var watch = Stopwatch.StartNew();
                for (var i = 0; i < iterations; i++)
                    parse(i % answers.Count);
                Console.WriteLine($"{name}: {watch.Elapsed.TotalMilliseconds / iterations:N3} ms per answer");
            }
        }
        var validator = new FhirDocumentValidator(new FhirDocumentValidatorOptions { RequireProvenance = true, ValidateElementsOf = _ => false });
        var stages = new[] { "decide", "read", "screen + merge", "assemble", "check", "write", "account" };
        var ticks = new long[stages.Length];
        var bytes = 0L;
        var firelyWrite = 0L;
        for (var i = 0; i < 2 * iterations; i++)
        {
            var measured = i >= iterations;
            var at = Stopwatch.GetTimestamp();
            void Lap(int stage)
            {
                var now = Stopwatch.GetTimestamp();
                if (measured)
                    ticks[stage] += now - at;
                at = now;
            }
            var lookup = Lookup(Settings());
            Lap(0);
            var read = answers.Select((a, n) => Answer(a.Json, a.System, a.LocalId, lookup, DataCategory.PatientSummary)).ToArray();
            Lap(1);
            var gathered = Gather(lookup, read);
            Lap(2);
            var (document, released) = Summary(gathered);
            Lap(3);
            var result = validator.Validate(document);
            Lap(4);
            var written = BundleJson.SerializeToUtf8(document);
            Lap(5);
            var before = Stopwatch.GetTimestamp();
            _ = FhirJson.SerializeToUtf8(document);
            if (measured)
                firelyWrite += Stopwatch.GetTimestamp() - before;
            at = Stopwatch.GetTimestamp();
            if (i == 0)
                Console.WriteLine($"entries written from the providers' bytes: {document.Entry.Count(e => e.Resource is not null && RawResourceJson.Of(e.Resource) is not null)} of {document.Entry.Count}");
            _ = gathered.Accounts(released);
            Lap(6);
            if (i == 0 && result.Errors.Any())
                Console.WriteLine($"document errors: {string.Join("; ", result.Errors.Take(3))}");
            bytes = written.Length;
        }
        var total = ticks.Sum();
        Console.WriteLine($"| stage | ms per summary | ms per provider answer | share |");
        Console.WriteLine("|---|---:|---:|---:|");
        for (var s = 0; s < stages.Length; s++)
        {
            var ms = ticks[s] * 1000.0 / Stopwatch.Frequency / iterations;
            Console.WriteLine($"| {stages[s]} | {ms:N3} | {ms / answers.Count:N3} | {(double)ticks[s] / total:P0} |");
        }
        var all = total * 1000.0 / Stopwatch.Frequency / iterations;
        Console.WriteLine($"| all | {all:N3} | {all / answers.Count:N3} | 100 % |");
        Console.WriteLine($"document: {bytes / 1024.0:N1} KiB; Firely's serialisation of the same document (the write before issue 16, not in the total): {firelyWrite * 1000.0 / Stopwatch.Frequency / iterations:N3} ms");
        return 0;
    }

    /// <summary>One answer per provider, as the simulator writes it, about the pipeline's patient (identity swapped in).</summary>
    internal static async Task<List<(string Json, ProviderSystem System, string LocalId)>> AnswersAsync(NdiDatabase database, int count)
    {
        var store = new SimulatorStore(database);
        var providers = (await store.ListProvidersAsync()).Select(p => JsonSerializer.Deserialize<SimulatedProvider>(p.DefinitionJson, SimulatorJson.Options)!).ToList();
        var answers = new List<(string, ProviderSystem, string)>();
        foreach (var provider in providers)
        {
            var rows = new List<StoredResource>();
            await foreach (var row in store.StreamResourcesAsync(provider.Key))
            {
                if (row.PatientId is null)
                    continue;
                if (rows.Count > 0 && rows[0].PatientId != row.PatientId)
                {
                    if (rows.Count(r => SummaryFixture.SummaryTypes.Contains(r.ResourceType)) >= 15 && rows.Any(r => r.ResourceType == "Patient"))
                        break;
                    rows.Clear();
                }
                rows.Add(row);
            }
            if (!rows.Any(r => r.ResourceType == "Patient"))
                continue;
            var system = ProviderSystem.Numbered(answers.Count + 1);
            var patient = FhirJson.Parse<Hl7.Fhir.Model.Patient>(rows.First(r => r.ResourceType == "Patient").Json);
            patient.Identifier = [new Identifier(OpenNdi.Server.Tests.ProviderAnswerPipeline.Patient.IdentifierSystem, OpenNdi.Server.Tests.ProviderAnswerPipeline.Patient.Value)];
            var resources = rows.Where(r => SummaryFixture.SummaryTypes.Contains(r.ResourceType)).Select(r => FhirJson.Parse(r.Json)).ToList();
            var summary = PatientSummaryBuilder.Build(patient, resources, system.Base, new ResourceReference($"Organization/{provider.HsaId}", provider.Name),
                $"{provider.Key}-{patient.Id}-summary", DateTimeOffset.UtcNow);
            answers.Add((FhirJson.Serialize(summary), system, patient.Id!));
            if (answers.Count == count)
                break;
        }
        return answers;
    }
}

/// <summary>A validator that finds nothing: what Firely's validating read costs beyond its validator's own checks.</summary>
internal sealed class NoFindingsValidator : Hl7.Fhir.Validation.IPocoValidator
{
    public IReadOnlyCollection<Hl7.Fhir.Validation.CodedValidationException> ValidateProperty(string name, object? value, Hl7.Fhir.Introspection.PropertyMapping? mapping, Hl7.Fhir.Validation.PocoValidationContext context) => [];
    public IReadOnlyCollection<Hl7.Fhir.Validation.CodedValidationException> ValidateObject(Base instance, Hl7.Fhir.Introspection.ClassMapping mapping, Hl7.Fhir.Validation.PocoValidationContext context) => [];
}
