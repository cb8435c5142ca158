using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using OpenNdi.SecondaryUse.Domain;
using OpenNdi.SecondaryUse.Preparation;
using OpenNdi.SecondaryUse.Pseudonymisation;

namespace OpenNdi.Bench;

/// <summary>
/// <c>pseudonymisation</c> (issue 18, ADR 0011 §4): <see cref="Pseudonymiser.Pseudonym"/> against its floor, raw
/// <see cref="HMACSHA256.HashData(ReadOnlySpan{byte}, ReadOnlySpan{byte}, Span{byte})"/> over the same identity
/// numbers' UTF-8 bytes (encoded beforehand) under the same key into a stack span: what the pseudonym adds is the
/// UTF-8 encoding, the truncation, base32 and the string. One thread, the same ids (seeded) in the same order; the two
/// alternate within each round and swap order every round, so that drift on a shared machine falls on both. The goal
/// is a ratio pseudonyms/s ÷ raw HMAC/s of at least 50 %. Allocated bytes per id are read from the thread's counter.
/// Last, one k-anonymity enforcement over the same persons (birth date from the identity number, a random
/// municipality of 290 in 21 regions), from the most precise levels, where it climbs the most: the "well under 10 s
/// for a million persons" figure.
/// </summary>
internal static class PseudonymisationBenchmark
{
    private const string Permit = "bench-permit";

    private sealed record Round(int Number, double RawPerSecond, double PseudonymsPerSecond, double Ratio, double RawBytesPerId, double PseudonymBytesPerId);

    public static async Task<int> RunAsync(string[] args)
    {
        var count = BenchArgs.Int(args, "--ids", 1_000_000);
        var rounds = BenchArgs.Int(args, "--rounds", 5);
        var random = new Random(18);
        var ids = new string[count];
        var bytes = new byte[count][];
        for (var i = 0; i < count; i++)
        {
            var birth = new DateOnly(1930, 1, 1).AddDays(random.Next(0, 33_000));
            ids[i] = string.Create(CultureInfo.InvariantCulture, $"{birth:yyyyMMdd}{random.Next(0, 10_000):D4}");
            bytes[i] = Encoding.UTF8.GetBytes(ids[i]);
        }
        var master = new byte[PermitKeys.MinimumMasterKeyBytes];
        random.NextBytes(master);
        var pseudonymiser = new PermitKeys(master).For(Permit);
        // The permit's key, derived as PermitKeys derives it, so both sides hash under the same 32-byte key.
        var key = HKDF.DeriveKey(HashAlgorithmName.SHA256, master, 32, "openndi-sdu-pseudonym-v1"u8.ToArray(), Encoding.UTF8.GetBytes(Permit));
        Console.WriteLine($"# pseudonymisation: {count:N0} identity numbers, {rounds} rounds, one thread; {Environment.ProcessorCount} cores, .NET {Environment.Version}, load {Measurement.LoadAverage()}");

        // Warm-up (tiered compilation to its final code) on a slice, not measured.
        var warm = Math.Min(count, 50_000);
        for (var i = 0; i < 4; i++)
        {
            Raw(key, bytes.AsSpan(0, warm));
            Pseudonyms(pseudonymiser, ids.AsSpan(0, warm));
        }

        var results = new List<Round>();
        long checksum = 0;
        Console.WriteLine();
        Console.WriteLine("| round | raw HMAC ids/s | pseudonyms ids/s | pseudonyms / raw | bytes per id (raw / pseudonym) |");
        Console.WriteLine("|---:|---:|---:|---:|---:|");
        for (var round = 1; round <= rounds; round++)
        {
            (double Seconds, long Bytes, int Sink) raw, pseudonyms;
            if (round % 2 == 1)
            {
                raw = Measure(() => Raw(key, bytes));
                pseudonyms = Measure(() => Pseudonyms(pseudonymiser, ids));
            }
            else
            {
                pseudonyms = Measure(() => Pseudonyms(pseudonymiser, ids));
                raw = Measure(() => Raw(key, bytes));
            }
            checksum += raw.Sink + pseudonyms.Sink;
            var result = new Round(round, count / raw.Seconds, count / pseudonyms.Seconds, raw.Seconds / pseudonyms.Seconds, (double)raw.Bytes / count, (double)pseudonyms.Bytes / count);
            results.Add(result);
            Console.WriteLine($"| {round} | {result.RawPerSecond:N0} | {result.PseudonymsPerSecond:N0} | {result.Ratio:P1} | {result.RawBytesPerId:N1} / {result.PseudonymBytesPerId:N1} |");
        }
        var medianRatio = Median(results.Select(r => r.Ratio));
        var medianRaw = Median(results.Select(r => r.RawPerSecond));
        var medianPseudonyms = Median(results.Select(r => r.PseudonymsPerSecond));
        Console.WriteLine($"median: raw {medianRaw:N0} ids/s, pseudonyms {medianPseudonyms:N0} ids/s, ratio {medianRatio:P1} (goal ≥ 50 %: {(medianRatio >= 0.5 ? "met" : "missed")})");

        var kAnonymity = EnforceOnce(ids, random);

        Directory.CreateDirectory("bench/results");
        var file = $"bench/results/pseudonymisation-{DateTime.UtcNow:yyyyMMddTHHmmss}.json";
        await File.WriteAllTextAsync(file, JsonSerializer.Serialize(new
        {
            ids = count, rounds, cores = Environment.ProcessorCount, dotnet = Environment.Version.ToString(), load = Measurement.LoadAverage(),
            results, medianRawPerSecond = medianRaw, medianPseudonymsPerSecond = medianPseudonyms, medianRatio, goalRatio = 0.5, kAnonymity, checksum,
        }, Measurement.ResultsJson));
        Console.WriteLine($"\nRaw results: {file}");
        return 0;
    }

    /// <summary>The baseline: the HMAC of each id's bytes into a stack span, nothing encoded, nothing allocated.</summary>
    private static int Raw(byte[] key, ReadOnlySpan<byte[]> ids)
    {
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        var sink = 0;
        foreach (var id in ids)
        {
            HMACSHA256.HashData(key, id, mac);
            sink ^= mac[0];
        }
        return sink;
    }

    private static int Pseudonyms(Pseudonymiser pseudonymiser, ReadOnlySpan<string> ids)
    {
        var sink = 0;
        foreach (var id in ids)
            sink ^= pseudonymiser.Pseudonym(id)[0];
        return sink;
    }

    private static (double Seconds, long Bytes, int Sink) Measure(Func<int> run)
    {
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var clock = Stopwatch.StartNew();
        var sink = run();
        clock.Stop();
        return (clock.Elapsed.TotalSeconds, GC.GetAllocatedBytesForCurrentThread() - allocated, sink);
    }

    /// <summary>One k-anonymity enforcement (k = 5) over the ids as persons, from Date and Municipality.</summary>
    private static object EnforceOnce(string[] ids, Random random)
    {
        var persons = new QuasiIdentifiers[ids.Length];
        for (var i = 0; i < ids.Length; i++)
        {
            var municipality = random.Next(0, 290);
            // The identity number's eleventh digit is odd for men, even for women.
            persons[i] = new QuasiIdentifiers(DateOnly.ParseExact(ids[i].AsSpan(0, 8), "yyyyMMdd", CultureInfo.InvariantCulture), 1 + (ids[i][10] - '0') % 2, municipality, municipality / 14);
        }
        var permit = new Generalisation(BirthDetail.Date, PlaceDetail.Municipality, EventDateDetail.Day);
        var clock = Stopwatch.StartNew();
        var result = new KAnonymity(5).Enforce(persons, permit);
        clock.Stop();
        Console.WriteLine($"k-anonymity (k = 5) over {persons.Length:N0} persons from {permit.Birth}/{permit.Place}: {clock.Elapsed.TotalSeconds:N2} s; applied {result.Applied.Birth}/{result.Applied.Place}, "
            + $"{result.Suppressed.Count:N0} suppressed, {result.EquivalenceClasses:N0} classes, smallest {result.SmallestClass}");
        return new
        {
            persons = persons.Length, k = 5, from = $"{permit.Birth}/{permit.Place}", seconds = clock.Elapsed.TotalSeconds, applied = $"{result.Applied.Birth}/{result.Applied.Place}",
            suppressed = result.Suppressed.Count, result.EquivalenceClasses, result.SmallestClass,
        };
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? 0 : sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
