using OpenNdi.Core.Identifiers;
using OpenNdi.Synthetic.Geography;

namespace OpenNdi.Synthetic.Providers;

/// <summary>
/// Builds the care providers of a synthetic Sweden: regions first (largest first; they run hospitals and most
/// primary care), then municipalities (home health care and school health), then private providers (primary care
/// centres and specialist clinics in a home region). Names are real for regions and municipalities and invented
/// for private companies; HSA-ids and organisation numbers are synthetic but well-formed (Luhn-valid).
/// </summary>
public static class ProviderCatalog
{
    private static readonly string[] PrivateNames =
    [
        "Vårdvågen", "Kustläkarna", "Husläkargruppen", "Cityhälsan", "Läkarhuset Linden", "Familjeläkarna Nord",
        "Norrskenets Vård", "Sjöstadens Läkare", "Hälsoteamet", "Ortopedspecialisterna", "Vårdkedjan", "Bergslagens Läkare",
        "Mälardalens Vårdcentraler", "Skärgårdsdoktorn", "Hjärtmottagningen Syd", "Åsens Hälsocentral",
    ];

    public static IReadOnlyList<SimulatedProvider> Build(int count, ulong seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var regionCount = Math.Clamp((int)Math.Round(count * 0.45), 1, SwedishGeography.Regions.Count);
        var municipalityCount = Math.Min((int)Math.Round(count * 0.25), SwedishGeography.Municipalities.Count);
        municipalityCount = Math.Min(municipalityCount, count - regionCount);
        var privateCount = count - regionCount - municipalityCount;

        var municipalitiesByRegion = SwedishGeography.Municipalities.ToLookup(m => m.RegionCode);
        var regions = SwedishGeography.Regions
            .OrderByDescending(r => municipalitiesByRegion[r.Code].Sum(m => m.Population))
            .ThenBy(r => r.Code, StringComparer.Ordinal)
            .Take(regionCount)
            .ToList();
        var regionCodes = regions.Select(r => r.Code).ToHashSet();

        var providers = new List<SimulatedProvider>(count);
        var ids = new HsaIdFactory(seed);
        foreach (var region in regions)
            providers.Add(BuildRegion(region, municipalitiesByRegion[region.Code].OrderByDescending(m => m.Population).ToList(), ids));

        // Municipal providers: the largest municipalities in regions we have first, so their residents' data meets.
        var municipalities = SwedishGeography.Municipalities
            .OrderByDescending(m => regionCodes.Contains(m.RegionCode))
            .ThenByDescending(m => m.Population)
            .Take(municipalityCount);
        foreach (var municipality in municipalities)
            providers.Add(BuildMunicipality(municipality, ids));

        for (var i = 0; i < privateCount; i++)
        {
            // Round-robin from the largest region: private care concentrates where people live.
            var region = regions[i % regions.Count];
            providers.Add(BuildPrivate(i, region, municipalitiesByRegion[region.Code].OrderByDescending(m => m.Population).ToList(), ids));
        }
        return providers;
    }

    private static SimulatedProvider BuildRegion(Region region, List<Municipality> municipalities, HsaIdFactory ids)
    {
        var organization = OrganizationNumber.Create($"232100{region.Code}0"[..9]);
        var main = municipalities[0];
        var hospital = $"{main.MainLocality} sjukhus";
        var units = new List<(string Name, CareUnitKind Kind, string Municipality)>
        {
            ($"Akutmottagningen, {hospital}", CareUnitKind.Emergency, main.Code),
            ($"Medicinkliniken, {hospital}", CareUnitKind.Medicine, main.Code),
            ($"Kirurgkliniken, {hospital}", CareUnitKind.Surgery, main.Code),
            ($"Ortopedkliniken, {hospital}", CareUnitKind.Orthopaedics, main.Code),
            ($"Kardiologkliniken, {hospital}", CareUnitKind.Cardiology, main.Code),
            ($"Kvinnokliniken, {hospital}", CareUnitKind.Maternity, main.Code),
            ($"Röntgenkliniken, {hospital}", CareUnitKind.Radiology, main.Code),
            ($"Klinisk kemi, {hospital}", CareUnitKind.Laboratory, main.Code),
        };
        foreach (var municipality in municipalities.Take(4))
        {
            units.Add(($"{municipality.MainLocality} vårdcentral", CareUnitKind.PrimaryCare, municipality.Code));
            units.Add(($"Barnavårdscentralen {municipality.MainLocality}", CareUnitKind.ChildHealth, municipality.Code));
        }
        return Provider(Slug(region.Name), region.Name, ProviderKind.Region, organization, region.Code, null, units, ids);
    }

    private static SimulatedProvider BuildMunicipality(Municipality municipality, HsaIdFactory ids)
    {
        var organization = OrganizationNumber.Create($"212{municipality.Code}00");
        var name = $"{municipality.Name} kommun";
        List<(string, CareUnitKind, string)> units =
        [
            ($"Hemsjukvården {municipality.Name}", CareUnitKind.MunicipalCare, municipality.Code),
            ($"Elevhälsan {municipality.Name}", CareUnitKind.SchoolHealth, municipality.Code),
        ];
        return Provider(Slug(name), name, ProviderKind.Municipality, organization, municipality.RegionCode, municipality.Code, units, ids);
    }

    private static SimulatedProvider BuildPrivate(int index, Region region, List<Municipality> municipalities, HsaIdFactory ids)
    {
        var baseName = PrivateNames[index % PrivateNames.Length];
        var name = index < PrivateNames.Length ? $"{baseName} AB" : $"{baseName} {index / PrivateNames.Length + 1} AB";
        var organization = OrganizationNumber.Create($"559{(DeterministicRandom.Hash(ids.Seed, (ulong)index, 0x0B6) % 1_000_000):D6}");
        var units = new List<(string, CareUnitKind, string)>();
        foreach (var municipality in municipalities.Skip(index % 2).Take(2))
            units.Add(($"{baseName} vårdcentral {municipality.MainLocality}", CareUnitKind.PrimaryCare, municipality.Code));
        if (units.Count == 0)
            units.Add(($"{baseName} vårdcentral {municipalities[0].MainLocality}", CareUnitKind.PrimaryCare, municipalities[0].Code));
        if (index % 3 == 2)
            units.Add(($"{baseName} specialistmottagning", CareUnitKind.Orthopaedics, municipalities[0].Code));
        return Provider(Slug(name), name, ProviderKind.Private, organization, region.Code, null, units, ids);
    }

    private static SimulatedProvider Provider(string key, string name, ProviderKind kind, OrganizationNumber organization,
        string regionCode, string? municipalityCode, List<(string Name, CareUnitKind Kind, string Municipality)> units, HsaIdFactory ids) =>
        new(key, ids.Next(organization).Value, organization.Value, name, kind, regionCode, municipalityCode,
            [.. units.Select(u => new CareUnit(ids.Next(organization).Value, u.Name, u.Kind, u.Municipality))]);

    /// <summary>A URL-safe key: lower case ASCII, Swedish letters folded (å, ä → a; ö → o), spaces to dashes.</summary>
    internal static string Slug(string name)
    {
        var chars = name.ToLowerInvariant()
            .Replace('å', 'a').Replace('ä', 'a').Replace('ö', 'o').Replace('é', 'e').Replace('ü', 'u')
            .Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-')
            .ToArray();
        return string.Join('-', new string(chars).Split('-', StringSplitOptions.RemoveEmptyEntries));
    }

    /// <summary>Hands out HSA-ids whose local part looks like the national directory's (four or five base-36 characters), never twice.</summary>
    private sealed class HsaIdFactory(ulong seed)
    {
        private const string Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
        private readonly HashSet<string> _issued = [];
        private ulong _counter;

        public ulong Seed => seed;

        public HsaId Next(OrganizationNumber organization)
        {
            while (true)
            {
                var hash = DeterministicRandom.Hash(seed, ++_counter, 0x45A);
                var local = new string([.. Enumerable.Range(0, 4).Select(i => Alphabet[(int)((hash >> (i * 6)) % 36)])]);
                var id = HsaId.Create(organization, local);
                if (_issued.Add(id.Value))
                    return id;
            }
        }
    }
}
