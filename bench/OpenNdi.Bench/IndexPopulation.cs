using OpenNdi.Core.Identifiers;
using OpenNdi.Core.Index;

namespace OpenNdi.Bench;

/// <summary>
/// A synthetic patient data index, every part a pure function of a patient's number so that the loader, the lookup
/// benchmark (which checks entry counts) and pgbench (which computes the same personnummer in its script) agree
/// without sharing state. Patients 0…N-1 map one-to-one to personnummer: birth year 1935 + i % 85, month and day
/// from the next mixed-radix digits (days 1–28, so every date exists), birth number from the rest.
/// </summary>
internal sealed class IndexPopulation
{
    public const string ProviderSystemPrefix = "ehr-";
    public static readonly DateOnly Today = new(2026, 11, 1);

    // Weights per category, in the order of DataCategory.All: laboratory, medications and problems dominate.
    private static readonly int[] CategoryWeights = [1, 1, 12, 8, 3, 5, 1, 1, 6, 6, 20, 4, 3];
    private static readonly int CategoryWeightSum = CategoryWeights.Sum();

    public IndexPopulation(int patients, int entriesPerPatient)
    {
        Patients = patients;
        EntriesPerPatient = entriesPerPatient;
        Providers = BuildProviders();
    }

    public int Patients { get; }

    public int EntriesPerPatient { get; }

    /// <summary>21 regions (each with 40 care units and a separate laboratory system) and 280 private providers (1–5 units).</summary>
    public IReadOnlyList<Provider> Providers { get; }

    public IEnumerable<Provider> Regions => Providers.Take(21);

    public sealed record Provider(int Index, HsaId Id, HsaId[] CareUnits, string SourceSystem, string? LabSystem);

    public sealed record Row(IndexEntry Entry, bool Retracted);

    /// <summary>The i-th patient's personnummer (see the class summary for the mapping; pgbench's script mirrors it).</summary>
    public static PersonalIdentityNumber Patient(int i)
    {
        var year = 1935 + i % 85;
        var month = 1 + i / 85 % 12;
        var day = 1 + i / 1020 % 28;
        var birthNumber = 1 + i / 28560;
        return PersonalIdentityNumber.Create(new DateOnly(year, month, day), birthNumber, coordination: false);
    }

    /// <summary>How many current (not retracted) entries a lookup of patient i returns: 1 … 2×mean-1, mean <see cref="EntriesPerPatient"/>.</summary>
    public int CurrentEntries(int i) => 1 + (int)(Mix((ulong)i, 1) % (ulong)(2 * EntriesPerPatient - 1));

    /// <summary>Every row of patient i, current ones first, then about one retracted row in twenty patients.</summary>
    public IEnumerable<Row> Rows(int i)
    {
        var patient = Patient(i);
        var current = CurrentEntries(i);
        var retracted = Mix((ulong)i, 2) % 20 == 0 ? 1 : 0;
        // Each patient sees their home region and, for some, one or two private providers.
        var home = Providers[(int)(Mix((ulong)i, 3) % 21)];
        var privates = (int)(Mix((ulong)i, 4) % 3);
        for (var k = 0; k < current + retracted; k++)
        {
            var h = Mix((ulong)i, 100 + (ulong)k);
            var provider = privates > 0 && h % 4 == 0 ? Providers[21 + (int)((h >> 8) % (ulong)privates + (ulong)(i % 270))] : home;
            var category = PickCategory((int)((h >> 16) % (ulong)CategoryWeightSum));
            var unit = provider.CareUnits[(int)((h >> 24) % (ulong)provider.CareUnits.Length)];
            var system = category == DataCategory.Laboratory && provider.LabSystem is { } lab ? lab : provider.SourceSystem;
            var latest = Today.AddDays(-(int)((h >> 32) % 3650));
            var first = category == DataCategory.Laboratory || category == DataCategory.ImagingReport ? latest : latest.AddDays(-(int)((h >> 44) % 2000));
            var key = new IndexEntryKey(patient, category, unit, system, $"{category.Code}-{i:x}-{k}");
            yield return new Row(new IndexEntry(key, provider.Id, first, latest), Retracted: k >= current);
        }
    }

    private static DataCategory PickCategory(int ticket)
    {
        for (var c = 0; c < CategoryWeights.Length; c++)
        {
            if ((ticket -= CategoryWeights[c]) < 0)
                return DataCategory.All[c];
        }
        return DataCategory.Laboratory;
    }

    private static List<Provider> BuildProviders()
    {
        var providers = new List<Provider>();
        for (var p = 0; p < 301; p++)
        {
            var region = p < 21;
            // Regions: 232100-00NN-style public-sector numbers; private providers: 5560NN-NNNN aktiebolag numbers.
            var org = region ? OrganizationNumber.Create($"2321000{p + 10:D2}") : OrganizationNumber.Create($"556{p:D6}");
            var units = region ? 40 : 1 + p % 5;
            var careUnits = Enumerable.Range(0, units).Select(u => HsaId.Create(org, $"E{u:D3}")).ToArray();
            providers.Add(new Provider(p, HsaId.Create(org, "1000"), careUnits, $"{ProviderSystemPrefix}{p}", region ? $"lab-{p}" : null));
        }
        return providers;
    }

    /// <summary>SplitMix64 of (patient, stream): deterministic, well spread, cheap.</summary>
    internal static ulong Mix(ulong i, ulong stream)
    {
        var z = i * 0x9E3779B97F4A7C15UL + stream * 0xBF58476D1CE4E5B9UL + 0x94D049BB133111EBUL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
