namespace OpenNdi.Synthetic.Providers;

/// <summary>Who runs a provider: one of the 21 regions, a municipality, or a private company.</summary>
public enum ProviderKind
{
    Region,
    Municipality,
    Private,
}

/// <summary>What a care unit does, which decides what kind of contacts it has with patients.</summary>
public enum CareUnitKind
{
    PrimaryCare,
    ChildHealth,
    Emergency,
    Medicine,
    Surgery,
    Orthopaedics,
    Cardiology,
    Maternity,
    Radiology,
    Laboratory,
    MunicipalCare,
    SchoolHealth,
}

/// <summary>A care unit (vårdenhet) of a provider, with its HSA-id and the municipality it is in.</summary>
public sealed record CareUnit(string HsaId, string Name, CareUnitKind Kind, string MunicipalityCode);

/// <summary>
/// A care provider (vårdgivare) whose EHR the simulator runs: its key (used in URLs), HSA-id, organisation number,
/// name, kind, home region (and municipality for municipal providers) and care units.
/// </summary>
public sealed record SimulatedProvider(
    string Key,
    string HsaId,
    string OrganizationNumber,
    string Name,
    ProviderKind Kind,
    string RegionCode,
    string? MunicipalityCode,
    IReadOnlyList<CareUnit> CareUnits)
{
    public CareUnit? Unit(CareUnitKind kind) => CareUnits.FirstOrDefault(u => u.Kind == kind);

    public IEnumerable<CareUnit> Units(CareUnitKind kind) => CareUnits.Where(u => u.Kind == kind);
}
