using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using OpenNdi.Core.Index;
using OpenNdi.Fhir;
using OpenNdi.Fhir.Merging;
using OpenNdi.Server.Tests;
using static OpenNdi.Server.Tests.ProviderAnswerPipeline;

namespace OpenNdi.Bench;

/// <summary>
/// Issue 13's figures: every published example Bundle in ../shared/fhir-examples fed as one provider's summary answer
/// through the service's own path (lenient reading, screening under the access policy, merging, assembly, accounting;
/// <see cref="ProviderAnswerPipeline"/>): resources in by type, what became of them, entries out per IPS section. Then
/// the cost per answer of lenient reading plus screening and bookkeeping against the strict parse the fetcher used
/// before, in the same run: the baseline is <see cref="FhirJson.TryParse"/> of the same body.
/// </summary>
internal static class AnswerFidelityBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var iterations = args.Length > 1 && args[0] == "--iterations" ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 200;
        var rows = new List<object>();
        Console.WriteLine("| example | entries in | released | withheld | merged | rejected | sections out (LOINC entries) | Bundle-uv-ips errors |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---|---|");
        var costs = new List<string>();
        foreach (var (name, json) in Examples())
        {
            if (Run(json) is not var (accounts, sections, gathered, released, document))
            {
                Console.WriteLine($"| {name} | — | not a Bundle with a Patient: rejected whole as a provider answer | | | | | |");
                continue;
            }
            int Count(Disposition d) => accounts.Count(a => a.Disposition == d);
            var profileErrors = OpenNdi.Testing.IpsValidation.Validator.Validate(document, IpsProfiles.Bundle).Errors.ToList();
            var profileText = profileErrors.Count == 0 ? "0" : $"{profileErrors.Count}: " + string.Join("; ", profileErrors.Select(e => e.Message.Split('"')[0].Trim()).GroupBy(m => m).Select(g => $"{g.Count()}× {g.Key}"));
            Console.WriteLine($"| {name} | {accounts.Count} | {Count(Disposition.Released)} | {Count(Disposition.Withheld)} | {Count(Disposition.Merged)} | {Count(Disposition.Rejected)} | {string.Join(", ", sections.Select(s => $"{s.Code} {s.Entries}"))} | {profileText} |");

            // The cost per answer, each stage against the strict parse of the same body in the same run.
            var spoilt = Spoilt(json);
            var strict = Time(iterations, () => FhirJson.TryParse(json, out _));
            var lenient = Time(iterations, () => LenientBundleReader.Read(json));
            var lenientSpoilt = Time(iterations, () => LenientBundleReader.Read(spoilt));
            var whole = Time(iterations, () => Run(json));
            var accounting = Time(iterations, () => gathered.Accounts(released));
            costs.Add($"| {name} | {strict:F0} | {lenient:F0} ({lenient / strict:F2}) | {lenientSpoilt:F0} ({lenientSpoilt / strict:F2}) | {whole:F0} ({whole / strict:F2}) | {accounting:F1} ({accounting / strict:P1}) |");
            rows.Add(new
            {
                example = name, entriesIn = accounts.Count, released = Count(Disposition.Released), withheld = Count(Disposition.Withheld), merged = Count(Disposition.Merged),
                rejected = Count(Disposition.Rejected), reasons = accounts.Where(a => a.Disposition != Disposition.Released).GroupBy(a => a.Reason.Split(':')[0]).ToDictionary(g => g.Key, g => g.Count()),
                sections = sections.Select(s => new { s.Code, s.Entries }), profileErrors = profileErrors.Select(e => e.ToString()),
                microseconds = new { strictParse = strict, lenientRead = lenient, lenientReadOneSpoilt = lenientSpoilt, readScreenMergeAssembleAccount = whole, accounting },
            });
        }
        Console.WriteLine();
        Console.WriteLine("| example | strict parse µs | lenient read µs (× strict) | lenient read, one resource spoilt µs (× strict) | read + screen + merge + assemble + account µs (× strict) | accounting alone µs (of strict) |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        costs.ForEach(Console.WriteLine);
        var file = $"bench/results/answer-fidelity-{DateTime.UtcNow:yyyyMMddTHHmmss}.json";
        Directory.CreateDirectory("bench/results");
        await File.WriteAllTextAsync(file, JsonSerializer.Serialize(new { iterations, examples = rows }, Measurement.ResultsJson));
        Console.WriteLine($"written {file}");
        return 0;
    }

    /// <summary>The same answer with one resource spoilt: an element R4 does not know added to the last entry's resource.</summary>
    private static string Spoilt(string json)
    {
        var root = JsonNode.Parse(json)!.AsObject();
        var last = root["entry"]!.AsArray().Last(e => e?["resource"] is JsonObject)!["resource"]!.AsObject();
        last["colour"] = "blue";
        return root.ToJsonString();
    }

    /// <summary>One example through the pipeline as a provider's summary: its accounts and the document's sections; null when it is not a Bundle with a Patient.</summary>
    private static (IReadOnlyList<ItemAccount> Accounts, IReadOnlyList<(string Code, int Entries)> Sections, Server.ProfessionalAccess.Gathered Gathered, IReadOnlyList<SourcedItem> Released, Bundle Document)? Run(string json)
    {
        if (LocalPatientId(json) is not { } patientId)
            return null;
        var lookup = Lookup(Settings());
        var gathered = Gather(lookup, Answer(json, ProviderSystem.Numbered(1), patientId, lookup, DataCategory.PatientSummary));
        if (gathered.Answers[0].Answer.Bundle is null)
            return null;
        var (document, released) = Summary(gathered);
        var sections = document.Entry[0].Resource is Composition composition
            ? composition.Section.Select(s => (Code: s.Code?.Coding.FirstOrDefault()?.Code ?? "?", Entries: s.Entry.Count)).ToList()
            : [];
        return (gathered.Accounts(released)[0], sections, gathered, released, document);
    }

    /// <summary>The id of the Bundle's Patient, from the JSON (the provider's local id an index reference would name).</summary>
    private static string? LocalPatientId(string json)
    {
        var root = JsonNode.Parse(json);
        if (root?["resourceType"]?.GetValue<string>() != "Bundle" || root["entry"] is not JsonArray entries)
            return null;
        return entries.Select(e => e?["resource"]).FirstOrDefault(r => r?["resourceType"]?.GetValue<string>() == "Patient")?["id"]?.GetValue<string>();
    }

    /// <summary>Mean microseconds per call over <paramref name="iterations"/>, after as many to warm up (tiered JIT settles).</summary>
    private static double Time(int iterations, Action action)
    {
        for (var i = 0; i < iterations; i++)
            action();
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < iterations; i++)
            action();
        return watch.Elapsed.TotalMicroseconds / iterations;
    }

    /// <summary>Every Bundle among the published examples, as JSON (the XML ones converted with Firely's XML parser).</summary>
    private static List<(string Name, string Json)> Examples()
    {
        var root = OpenNdi.Testing.PublishedExamples.Directory;
        var list = new List<(string, string)>();
        foreach (var path in Directory.GetFiles(root, "*.*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var name = Path.GetRelativePath(root, path);
            if (name.StartsWith("terminology", StringComparison.Ordinal))
                continue;
            if (path.EndsWith(".json", StringComparison.Ordinal))
            {
                var json = File.ReadAllText(path);
                if (JsonNode.Parse(json)?["resourceType"]?.GetValue<string>() == "Bundle")
                    list.Add((name, json));
            }
            else if (path.EndsWith(".xml", StringComparison.Ordinal))
            {
                var resource = new FhirXmlDeserializer().Deserialize<Resource>(File.ReadAllText(path));
                if (resource is Bundle)
                    list.Add((name, FhirJson.Serialize(resource)));
            }
        }
        return list;
    }
}
