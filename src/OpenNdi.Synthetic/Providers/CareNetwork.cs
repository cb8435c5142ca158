using OpenNdi.Core.Population;

namespace OpenNdi.Synthetic.Providers;

/// <summary>The care units one person turns to: their primary care, their region's hospital, municipal care, and elsewhere.</summary>
public sealed record PersonalCare(
    SimulatedProvider PrimaryCareProvider,
    CareUnit PrimaryCare,
    SimulatedProvider Hospital,
    SimulatedProvider? Municipality,
    IReadOnlyList<SimulatedProvider> OtherRegions,
    IReadOnlyList<SimulatedProvider> PrivateSpecialists);

/// <summary>
/// Decides where a person gets care, the way it works in Sweden: the home region runs hospitals and most
/// primary care; about 40 % are listed at a private primary care centre in their region (vårdval); municipalities
/// run home health care and school health; acute care away from home lands in another region.
/// A region that has no simulated provider is served by one that has (a care agreement between regions).
/// </summary>
public sealed class CareNetwork
{
    private const double PrivatePrimaryCareShare = 0.4;

    private readonly IReadOnlyList<SimulatedProvider> _regions;
    private readonly Dictionary<string, SimulatedProvider> _regionByCode;
    private readonly ILookup<string, SimulatedProvider> _privateByRegion;
    private readonly Dictionary<string, SimulatedProvider> _municipalityByCode;
    private readonly IReadOnlyList<SimulatedProvider> _specialists;
    private readonly Dictionary<SimulatedProvider, IReadOnlyList<SimulatedProvider>> _otherRegions;

    public CareNetwork(IReadOnlyList<SimulatedProvider> providers)
    {
        Providers = providers;
        _regions = [.. providers.Where(p => p.Kind == ProviderKind.Region)];
        if (_regions.Count == 0)
            throw new ArgumentException("At least one region provider is needed: regions run the hospitals.", nameof(providers));
        _regionByCode = _regions.ToDictionary(p => p.RegionCode);
        _privateByRegion = providers.Where(p => p.Kind == ProviderKind.Private && p.Unit(CareUnitKind.PrimaryCare) is not null).ToLookup(p => p.RegionCode);
        _municipalityByCode = providers.Where(p => p.Kind == ProviderKind.Municipality).ToDictionary(p => p.MunicipalityCode!);
        _specialists = [.. providers.Where(p => p.Kind == ProviderKind.Private && p.Unit(CareUnitKind.Orthopaedics) is not null)];
        _otherRegions = _regions.ToDictionary(r => r, r => (IReadOnlyList<SimulatedProvider>)[.. _regions.Where(o => o != r)]);
    }

    public IReadOnlyList<SimulatedProvider> Providers { get; }

    public PersonalCare For(Person person, DeterministicRandom random)
    {
        var hospital = _regionByCode.TryGetValue(person.Address.RegionCode, out var home)
            ? home
            : _regions[(int)(uint)StableHash(person.Address.RegionCode) % _regions.Count];

        var privates = _privateByRegion[hospital.RegionCode].ToList();
        SimulatedProvider primaryProvider = hospital;
        if (privates.Count > 0 && random.Chance(PrivatePrimaryCareShare))
            primaryProvider = random.Pick(privates);
        var primaryUnits = primaryProvider.Units(CareUnitKind.PrimaryCare).ToList();
        var nearest = primaryUnits.FirstOrDefault(u => u.MunicipalityCode == person.Address.MunicipalityCode);
        var primaryCare = nearest ?? random.Pick(primaryUnits);

        _municipalityByCode.TryGetValue(person.Address.MunicipalityCode, out var municipality);
        return new PersonalCare(primaryProvider, primaryCare, hospital, municipality,
            _otherRegions[hospital], [.. _specialists.Where(s => s.RegionCode == hospital.RegionCode)]);
    }

    private static int StableHash(string text)
    {
        var hash = 17;
        foreach (var c in text)
            hash = hash * 31 + c;
        return hash & int.MaxValue;
    }
}
