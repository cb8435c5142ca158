namespace OpenNdi.Core.ServiceDirectory;

/// <summary>
/// The kinds of care unit (vårdenhet) the directory knows, as a small code system of our own: the national
/// catalogue's own classification (HSA verksamhetskod) is licensed and far finer than routing needs, and FHIR's
/// example value sets (organization-type, service-category) do not tell a child health centre from school health.
/// The code is the care unit Organization's <c>type</c> and its HealthcareService's <c>category</c> and <c>type</c>.
/// </summary>
public static class CareUnitKinds
{
    public const string System = "urn:openndi:directory:care-unit-kind";

    /// <summary>Code → display (Swedish name, as clinicians and the HSA catalogue say it).</summary>
    public static IReadOnlyDictionary<string, string> Displays { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["primary-care"] = "Vårdcentral (primary care)",
        ["child-health"] = "Barnavårdscentral (child health)",
        ["emergency"] = "Akutmottagning (emergency)",
        ["medicine"] = "Medicinklinik (internal medicine)",
        ["surgery"] = "Kirurgklinik (surgery)",
        ["orthopaedics"] = "Ortopedklinik (orthopaedics)",
        ["cardiology"] = "Kardiologklinik (cardiology)",
        ["maternity"] = "Kvinnoklinik (obstetrics and gynaecology)",
        ["radiology"] = "Röntgenklinik (radiology)",
        ["laboratory"] = "Klinisk kemi (laboratory)",
        ["municipal-care"] = "Hemsjukvård (municipal home health care)",
        ["school-health"] = "Elevhälsa (school health)",
    };

    public static bool IsKnown(string? code) => code is not null && Displays.ContainsKey(code);
}
