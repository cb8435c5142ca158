using System.Net;
using Hl7.Fhir.Model;
using static OpenNdi.ContactPoint.Tests.Simulation.Simulation;

namespace OpenNdi.ContactPoint.Tests.Simulation;

public sealed class SimulatedIdentificationTests(SimulationCertificates certificates) : IClassFixture<SimulationCertificates>
{
    [Fact]
    public async System.Threading.Tasks.Task Identify_WhenGermanMaskMatches_ReturnsThatPatient()
    {
        await using var host = await SimulatedPeersHost.StartAsync(certificates);
        using var client = host.Sweden(SimulatedPeersHost.GermanyBase, $"{Kvnr}|K111135419");

        using var response = await client.GetAsync($"/sim-ncp/de/fhir/Patient?identifier={Kvnr}|K111135419&birthdate=eq1988-04-18", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var patient = Assert.IsType<Patient>(Assert.Single((await ReadAsync<Bundle>(response)).Entry).Resource);
        Assert.Equal("K111135419", patient.Identifier.Single(i => i.System == Kvnr).Value);
        Assert.Equal("Koch", patient.Name[0].Family);
        Assert.Equal(["Anna"], patient.Name[0].Given);
        Assert.Equal("1988-04-18", patient.BirthDate);
        Assert.Equal(AdministrativeGender.Female, patient.Gender);
    }

    [Fact]
    public async System.Threading.Tasks.Task Identify_WhenFrenchMaskMatchesByForm_ReturnsThatPatient_FamilyFolded()
    {
        await using var host = await SimulatedPeersHost.StartAsync(certificates);
        using var client = host.Sweden(SimulatedPeersHost.FranceBase, $"{Nir}|275113326510367");

        using var response = await client.PostAsync("/sim-ncp/fr/fhir/Patient/_search", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["identifier"] = $"{Nir}|275113326510367",
            ["birthdate"] = "1975-11-16",
            ["family"] = "MOREAU",
        }), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var patient = Assert.IsType<Patient>(Assert.Single((await ReadAsync<Bundle>(response)).Entry).Resource);
        Assert.Equal("Camille", patient.Name[0].Given.Single());
    }

    [Fact]
    public async System.Threading.Tasks.Task Identify_WhenTheBirthDateIsWrong_IsNotFound()
    {
        await using var host = await SimulatedPeersHost.StartAsync(certificates);
        using var client = host.Sweden(SimulatedPeersHost.GermanyBase, $"{Kvnr}|K111135419");

        using var response = await client.GetAsync($"/sim-ncp/de/fhir/Patient?identifier={Kvnr}|K111135419&birthdate=1988-04-19", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var bundle = await ReadAsync<Bundle>(response);
        Assert.Equal(0, bundle.Total);
        var outcome = Assert.IsType<OperationOutcome>(Assert.Single(bundle.Entry).Resource);
        Assert.Equal("NDI-NCP-010", outcome.Issue[0].Details.Coding[0].Code);
        Assert.Equal(OperationOutcome.IssueType.NotFound, outcome.Issue[0].Code);
    }

    [Fact]
    public async System.Threading.Tasks.Task Identify_WhenNobodyHasTheIdentifier_IsNotFound()
    {
        await using var host = await SimulatedPeersHost.StartAsync(certificates);
        using var client = host.Sweden(SimulatedPeersHost.GermanyBase, $"{Kvnr}|A123456780");

        using var response = await client.GetAsync($"/sim-ncp/de/fhir/Patient?identifier={Kvnr}|A123456780&birthdate=1988-04-18", Ct);

        var outcome = Assert.IsType<OperationOutcome>(Assert.Single((await ReadAsync<Bundle>(response)).Entry).Resource);
        Assert.Equal("NDI-NCP-010", outcome.Issue[0].Details.Coding[0].Code);
    }

    [Fact]
    public async System.Threading.Tasks.Task Identify_WhenFrenchFamilyNameIsWrong_IsNotFound()
    {
        await using var host = await SimulatedPeersHost.StartAsync(certificates);
        using var client = host.Sweden(SimulatedPeersHost.FranceBase, $"{Nir}|275113326510367");

        using var response = await client.GetAsync($"/sim-ncp/fr/fhir/Patient?identifier={Nir}|275113326510367&birthdate=1975-11-16&family=Martin", Ct);

        var outcome = Assert.IsType<OperationOutcome>(Assert.Single((await ReadAsync<Bundle>(response)).Entry).Resource);
        Assert.Equal("NDI-NCP-010", outcome.Issue[0].Details.Coding[0].Code);
    }

    [Fact]
    public async System.Threading.Tasks.Task Identify_WhenGermanTwinsShareTheKvnr_IsAmbiguous_UntilTheGivenNameIsAdded()
    {
        await using var host = await SimulatedPeersHost.StartAsync(certificates);
        using var client = host.Sweden(SimulatedPeersHost.GermanyBase, $"{Kvnr}|S418097426");

        using var ambiguous = await client.GetAsync($"/sim-ncp/de/fhir/Patient?identifier={Kvnr}|S418097426&birthdate=1950-09-26", Ct);
        using var resolved = await client.GetAsync($"/sim-ncp/de/fhir/Patient?identifier={Kvnr}|S418097426&birthdate=1950-09-26&given=Jurgen", Ct);

        var outcome = Assert.IsType<OperationOutcome>(Assert.Single((await ReadAsync<Bundle>(ambiguous)).Entry).Resource);
        Assert.Equal("NDI-NCP-011", outcome.Issue[0].Details.Coding[0].Code);
        Assert.Equal(OperationOutcome.IssueType.MultipleMatches, outcome.Issue[0].Code);
        var patient = Assert.IsType<Patient>(Assert.Single((await ReadAsync<Bundle>(resolved)).Entry).Resource);
        Assert.Equal("Jürgen", patient.Name[0].Given.Single());
    }

    [Fact]
    public async System.Threading.Tasks.Task Identify_WhenFrenchTwinsAreFiledUnderTheirMothersNir_IsAmbiguous_ButTheMotherIsFound()
    {
        await using var host = await SimulatedPeersHost.StartAsync(certificates);
        using var client = host.Sweden(SimulatedPeersHost.FranceBase, $"{Nir}|281073101946786");

        using var twins = await client.GetAsync($"/sim-ncp/fr/fhir/Patient?identifier={Nir}|281073101946786&birthdate=2014-11-20&family=Robert", Ct);
        using var mother = await client.GetAsync($"/sim-ncp/fr/fhir/Patient?identifier={Nir}|281073101946786&birthdate=1981-07-28&family=Robert", Ct);

        var outcome = Assert.IsType<OperationOutcome>(Assert.Single((await ReadAsync<Bundle>(twins)).Entry).Resource);
        Assert.Equal("NDI-NCP-011", outcome.Issue[0].Details.Coding[0].Code);
        var patient = Assert.IsType<Patient>(Assert.Single((await ReadAsync<Bundle>(mother)).Entry).Resource);
        Assert.Equal("Manon", patient.Name[0].Given.Single());
    }

    [Theory]
    [InlineData("de", Kvnr, "K111135419", "identifier=http://fhir.de/sid/gkv/kvid-10|K111135419", "birthdate")]
    [InlineData("fr", Nir, "275113326510367", "identifier=urn:oid:1.2.250.1.213.1.4.8|275113326510367&birthdate=1975-11-16", "family")]
    [InlineData("de", Kvnr, "K111135419", "birthdate=1988-04-18&family=Koch", "identifier")]
    public async System.Threading.Tasks.Task Identify_WhenAMaskTraitIsMissing_Is400Required(string country, string system, string value, string query, string missing)
    {
        await using var host = await SimulatedPeersHost.StartAsync(certificates);
        using var client = host.Sweden($"http://localhost/sim-ncp/{country}/fhir", $"{system}|{value}");

        using var response = await client.GetAsync($"/sim-ncp/{country}/fhir/Patient?{query}", Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var issue = (await ReadAsync<OperationOutcome>(response)).Issue.Single();
        Assert.Equal("NDI-NCP-012", issue.Details.Coding[0].Code);
        Assert.Equal(OperationOutcome.IssueType.Required, issue.Code);
        Assert.Equal([missing], issue.Expression);
    }

    [Fact]
    public async System.Threading.Tasks.Task Identify_WhenTheKvnrCheckDigitIsWrong_Is400()
    {
        await using var host = await SimulatedPeersHost.StartAsync(certificates);
        using var client = host.Sweden(SimulatedPeersHost.GermanyBase, $"{Kvnr}|K111135418");

        using var response = await client.GetAsync($"/sim-ncp/de/fhir/Patient?identifier={Kvnr}|K111135418&birthdate=1988-04-18", Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("NDI-NCP-012", await ErrorCodeAsync(response));
    }

    [Fact]
    public async System.Threading.Tasks.Task Identify_WhenTheAssertionIsForAnotherPatient_Is401()
    {
        await using var host = await SimulatedPeersHost.StartAsync(certificates);
        using var client = host.Sweden(SimulatedPeersHost.GermanyBase, $"{Kvnr}|F645190852");

        using var response = await client.GetAsync($"/sim-ncp/de/fhir/Patient?identifier={Kvnr}|K111135419&birthdate=1988-04-18", Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("NDI-NCP-002", await ErrorCodeAsync(response));
    }
}
