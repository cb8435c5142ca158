using OpenNdi.ContactPoint.Simulation;

namespace OpenNdi.ContactPoint.Tests.Simulation;

public sealed class SimulatedPopulationTests
{
    [Fact]
    public void KvnrCheckDigit_WhenTheCommonTestNumber_IsZero()
    {
        // A123456780 is the KVNR commonly used as a test number; its check digit is 0.
        Assert.Equal(0, SimulatedIdentifiers.KvnrCheckDigit('A', "12345678"));
        Assert.True(SimulatedIdentifiers.IsKvnr("A123456780"));
        Assert.False(SimulatedIdentifiers.IsKvnr("A123456781"));
        Assert.False(SimulatedIdentifiers.IsKvnr("a123456780"));
        Assert.False(SimulatedIdentifiers.IsKvnr("A12345678"));
    }

    [Fact]
    public void NirKey_WhenInseesExample_Is80()
    {
        // 2 69 05 49 588 157 80: the NIR of the usual example (97 - 2690549588157 mod 97 = 80).
        Assert.Equal(80, SimulatedIdentifiers.NirKey("2690549588157"));
        Assert.True(SimulatedIdentifiers.IsNir("269054958815780"));
        Assert.False(SimulatedIdentifiers.IsNir("269054958815781"));
        Assert.False(SimulatedIdentifiers.IsNir("26905495881578"));
    }

    [Fact]
    public void Germany_WhenTheDefaultSeed_IsTheDocumentedPopulation()
    {
        var germany = SimulatedPopulation.Germany();

        Assert.Equal("de-DE", germany.Language);
        Assert.Equal("http://fhir.de/sid/gkv/kvid-10", germany.IdentifierSystem);
        Assert.Equal([SimulatedTrait.Identifier, SimulatedTrait.BirthDate], germany.Mask);
        Assert.Equal(
            [
                "de-0 K111135419 Anna Koch 1988-04-18 Female",
                "de-1 F645190852 Lena Fischer 1979-06-12 Female",
                "de-2 B981921358 Matthias Becker 1974-03-12 Male",
                "de-3 S567438623 Stefan Schneider 1960-06-16 Male",
                "de-4 S418097426 Ursula Schmidt 1950-09-26 Female",
                "de-5 S418097426 Jürgen Schmidt 1950-09-26 Male",
            ],
            germany.Patients.Select(Line));
        Assert.All(germany.Patients, p => Assert.True(germany.IsWellFormedIdentifier(p.Identifier)));
    }

    [Fact]
    public void France_WhenTheDefaultSeed_IsTheDocumentedPopulation()
    {
        var france = SimulatedPopulation.France();

        Assert.Equal("fr-FR", france.Language);
        Assert.Equal("urn:oid:1.2.250.1.213.1.4.8", france.IdentifierSystem);
        Assert.Equal([SimulatedTrait.Identifier, SimulatedTrait.BirthDate, SimulatedTrait.Family], france.Mask);
        Assert.Equal(
            [
                "fr-0 275113326510367 Camille Moreau 1975-11-16 Female",
                "fr-1 193073118691507 Hugo Petit 1993-07-19 Male",
                "fr-2 263033310120114 Chloé Girard 1963-03-28 Female",
                "fr-3 281073101946786 Manon Robert 1981-07-28 Female",
                "fr-4 281073101946786 Mathieu Robert 2014-11-20 Male",
                "fr-5 281073101946786 Antoine Robert 2014-11-20 Male",
            ],
            france.Patients.Select(Line));
        Assert.All(france.Patients, p => Assert.True(france.IsWellFormedIdentifier(p.Identifier)));
    }

    [Fact]
    public void Population_WhenMadeTwiceFromOneSeed_IsTheSame_AndAnotherSeedDiffers()
    {
        Assert.Equal(SimulatedPopulation.Germany(5).Patients.Select(Line), SimulatedPopulation.Germany(5).Patients.Select(Line));
        Assert.NotEqual(SimulatedPopulation.France(5).Patients.Select(Line), SimulatedPopulation.France(6).Patients.Select(Line));
    }

    [Fact]
    public void Prescriptions_WhenListed_ArePatientZerosTwoAndPatientOnesOne()
    {
        Assert.Equal(["160.000.017.000.001.84", "160.000.017.000.002.81"], SimulatedPopulation.Germany().Patients[0].Prescriptions.Select(r => r.Id));
        Assert.Equal(["160.000.017.000.003.78"], SimulatedPopulation.Germany().Patients[1].Prescriptions.Select(r => r.Id));
        Assert.Equal(["FR-EP-2026-000171", "FR-EP-2026-000172"], SimulatedPopulation.France().Patients[0].Prescriptions.Select(r => r.Id));
        Assert.Equal(["FR-EP-2026-000173"], SimulatedPopulation.France().Patients[1].Prescriptions.Select(r => r.Id));
        Assert.All(SimulatedPopulation.All().SelectMany(c => c.Patients.Skip(2)), p => Assert.Empty(p.Prescriptions));
    }

    private static string Line(SimulatedPatient p) => $"{p.Key} {p.Identifier} {p.Given} {p.Family} {p.BirthDate:yyyy-MM-dd} {p.Gender}";
}
