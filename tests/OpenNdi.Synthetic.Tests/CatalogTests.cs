using OpenNdi.Synthetic.Clinical;
using OpenNdi.Synthetic.Geography;

namespace OpenNdi.Synthetic.Tests;

public class CatalogTests
{
    [Fact]
    public void Geography_HasAll21RegionsAnd290MunicipalitiesWithUniqueOfficialCodes()
    {
        Assert.Equal(21, SwedishGeography.Regions.Count);
        Assert.Equal(290, SwedishGeography.Municipalities.Count);
        Assert.Equal(290, SwedishGeography.Municipalities.Select(m => m.Code).Distinct().Count());
        var regions = SwedishGeography.Regions.Select(r => r.Code).ToHashSet();
        Assert.All(SwedishGeography.Municipalities, m =>
        {
            Assert.Matches(@"^\d{4}$", m.Code);
            Assert.Contains(m.RegionCode, regions);
            Assert.Matches(@"^\d{3}$", m.PostalPrefix);
            Assert.True(m.Population > 0);
        });
        Assert.Contains(SwedishGeography.Municipalities, m => m.Code == "0180" && m.Name == "Stockholm");
        Assert.Contains(SwedishGeography.Municipalities, m => m.Code == "1480" && m.Name == "Göteborg");
        Assert.Contains(SwedishGeography.Municipalities, m => m.Code == "1280" && m.Name == "Malmö");
        Assert.InRange(SwedishGeography.Municipalities.Sum(m => (long)m.Population), 10_000_000, 11_000_000);
    }

    [Fact]
    public void Catalog_EveryReferencedKey_Exists()
    {
        foreach (var c in ClinicalCatalog.ChronicConditions)
        {
            AssertReferencesExist(c.Key, c.MedicationKeys, c.LabKeys, c.AbnormalLabKeys, c.ImagingKey, c.ProcedureKey);
            Assert.Contains(c.Setting, new[] { "primary", "specialist", "municipal" });
        }
        foreach (var c in ClinicalCatalog.AcuteConditions)
            AssertReferencesExist(c.Key, c.MedicationKeys, c.LabKeys, c.AbnormalLabKeys, c.ImagingKey, c.ProcedureKey);
        Assert.All(ClinicalCatalog.Procedures.Values, p => Assert.True(p.DeviceKey is null || ClinicalCatalog.Devices.ContainsKey(p.DeviceKey), $"{p.Key}: device"));
    }

    private static void AssertReferencesExist(string key, IReadOnlyList<string> medications, IReadOnlyList<string> labs, IReadOnlyList<string> abnormalLabs, string? imaging, string? procedure)
    {
        Assert.All(medications, k => Assert.True(ClinicalCatalog.Medications.ContainsKey(k), $"{key}: medication {k}"));
        Assert.All(labs, k => Assert.True(ClinicalCatalog.LabTests.ContainsKey(k), $"{key}: lab {k}"));
        Assert.All(abnormalLabs, k => Assert.Contains(k, labs));
        Assert.True(imaging is null || ClinicalCatalog.Imaging.ContainsKey(imaging), $"{key}: imaging {imaging}");
        Assert.True(procedure is null || ClinicalCatalog.Procedures.ContainsKey(procedure), $"{key}: procedure {procedure}");
    }

    [Fact]
    public void Catalog_Codes_UseTheirSystemsFormats()
    {
        Assert.All(ClinicalCatalog.ChronicConditions.Select(c => c.Icd10).Concat(ClinicalCatalog.AcuteConditions.Select(c => c.Icd10)),
            c => Assert.Matches(@"^[A-Z]\d{2}(\.\d{1,2})?$", c.Value));
        Assert.All(ClinicalCatalog.Medications.Values, m => Assert.Matches(@"^[A-Z]\d{2}[A-Z]{2}\d{2}$", m.Atc.Value));
        Assert.All(ClinicalCatalog.LabTests.Values, t => Assert.Matches(@"^\d{1,6}-\d$", t.Loinc.Value));
        Assert.All(ClinicalCatalog.LabTests.Values, t => Assert.True(t.ReferenceLow < t.ReferenceHigh && t.AbnormalLow < t.AbnormalHigh, t.Key));
        Assert.All(ClinicalCatalog.Procedures.Values.Select(p => p.Snomed).Concat(ClinicalCatalog.Devices.Values.Select(d => d.Type)),
            c => Assert.Matches(@"^\d{6,18}$", c.Value));
    }
}
