namespace OpenNdi.Synthetic.Geography;

/// <summary>A Swedish region (län/region) with its official two-digit county code (länskod).</summary>
public sealed record Region(string Code, string Name);

/// <summary>
/// A Swedish municipality (kommun) with its official four-digit code (kommunkod, the first two digits are the
/// county code), its name, an approximate population (used only to weight where synthetic persons live) and
/// the three-digit postal-code prefix of its main locality.
/// </summary>
public sealed record Municipality(string Code, string Name, int Population, string PostalPrefix, string MainLocality)
{
    public string RegionCode => Code[..2];
}
