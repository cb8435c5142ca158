using System.Net;
using System.Text.RegularExpressions;
using Hl7.Fhir.Model;
using OpenNdi.Fhir;
using static OpenNdi.ContactPoint.Tests.Simulation.Simulation;

namespace OpenNdi.ContactPoint.Tests.Simulation;

public sealed class SimulatedDocumentTests(SimulationCertificates certificates) : IClassFixture<SimulationCertificates>
{
    [Fact]
    public async System.Threading.Tasks.Task Summary_WhenGermanysPatientZero_IsInGermanWithALocalCodeAndATravelSection()
    {
        await using var host = await SimulatedPeersHost.StartAsync(certificates);
        using var client = host.Sweden(SimulatedPeersHost.GermanyBase, $"{Kvnr}|K111135419");

        var document = await SummaryAsync(client, "de", Kvnr, "K111135419");

        Assert.Equal(Bundle.BundleType.Document, document.Type);
        Assert.Equal("de-DE", document.Language);
        var composition = Assert.IsType<Composition>(document.Entry[0].Resource);
        Assert.Equal("de-DE", composition.Language);
        Assert.Equal("60591-5", composition.Type.Coding[0].Code);
        Assert.Equal(["11450-4", "48765-2", "10160-0", "10182-4"], composition.Section.Select(s => s.Code.Coding[0].Code));
        Assert.Equal("Reiseanamnese", composition.Section[3].Title);
        var conditions = document.Entry.Select(e => e.Resource).OfType<Condition>().Select(c => c.Code.Coding[0]).ToList();
        Assert.Equal(
            ["http://hl7.org/fhir/sid/icd-10|I10|Essentielle (primäre) Hypertonie", "http://hl7.org/fhir/sid/icd-10|E11.9|Diabetes mellitus, Typ 2: Ohne Komplikationen",
             "https://sim-ncp.example.de/fhir/CodeSystem/hausarzt-diagnosen|HA-LUMB-07|Rezidivierende Lumboischialgie (hausärztliche Dauerdiagnose)"],
            conditions.Select(c => $"{c.System}|{c.Code}|{c.Display}"));
        var allergy = Assert.Single(document.Entry.Select(e => e.Resource).OfType<AllergyIntolerance>());
        Assert.Equal("762952008|Erdnuss", $"{allergy.Code.Coding[0].Code}|{allergy.Code.Coding[0].Display}");
        Assert.Equal("Anaphylaxie", allergy.Reaction[0].Manifestation[0].Coding[0].Display);
        Assert.Equal(["http://www.whocc.no/atc|C09AA05|Ramipril", "http://www.whocc.no/atc|A10BA02|Metformin"],
            document.Entry.Select(e => e.Resource).OfType<Medication>().Select(m => $"{m.Code.Coding[0].System}|{m.Code.Coding[0].Code}|{m.Code.Coding[0].Display}"));
        AssertEveryEntryReferenced(document);
    }

    [Fact]
    public async System.Threading.Tasks.Task Summary_WhenFrancesPatientZero_IsInFrenchWithALocalMedicationAndALocalSection()
    {
        await using var host = await SimulatedPeersHost.StartAsync(certificates);
        using var client = host.Sweden(SimulatedPeersHost.FranceBase, $"{Nir}|275113326510367");

        var document = await SummaryAsync(client, "fr", Nir, "275113326510367");

        Assert.Equal("fr-FR", document.Language);
        var composition = Assert.IsType<Composition>(document.Entry[0].Resource);
        Assert.Equal("https://sim-ncp.example.fr/fhir/CodeSystem/rubriques-dmp|AIDANTS",
            $"{composition.Section[3].Code.Coding[0].System}|{composition.Section[3].Code.Coding[0].Code}");
        Assert.Equal(["J45.9|Asthme, sans précision", "E03.9|Hypothyroïdie, sans précision"],
            document.Entry.Select(e => e.Resource).OfType<Condition>().Select(c => $"{c.Code.Coding[0].Code}|{c.Code.Coding[0].Display}"));
        Assert.Contains("https://sim-ncp.example.fr/fhir/CodeSystem/preparations-officinales|PO-2291",
            document.Entry.Select(e => e.Resource).OfType<Medication>().Select(m => $"{m.Code.Coding[0].System}|{m.Code.Coding[0].Code}"));
        Assert.Equal("Pollen de graminées", Assert.Single(document.Entry.Select(e => e.Resource).OfType<AllergyIntolerance>()).Code.Coding[0].Display);
        AssertEveryEntryReferenced(document);
    }

    [Fact]
    public async System.Threading.Tasks.Task Summary_WhenAnOrdinaryPatient_HasTheThreeIpsSectionsOnly()
    {
        await using var host = await SimulatedPeersHost.StartAsync(certificates);
        using var client = host.Sweden(SimulatedPeersHost.GermanyBase, $"{Kvnr}|B981921358");

        var document = await SummaryAsync(client, "de", Kvnr, "B981921358");

        var composition = Assert.IsType<Composition>(document.Entry[0].Resource);
        Assert.Equal(["11450-4", "48765-2", "10160-0"], composition.Section.Select(s => s.Code.Coding[0].Code));
        Assert.Equal("G43.9", Assert.Single(document.Entry.Select(e => e.Resource).OfType<Condition>()).Code.Coding[0].Code);
        AssertEveryEntryReferenced(document);
    }

    [Fact]
    public async System.Threading.Tasks.Task FindPrescriptions_WhenGermanysPatientZero_ListsBothWithTheirIds_AndOneRetrieves()
    {
        await using var host = await SimulatedPeersHost.StartAsync(certificates);
        using var client = host.Sweden(SimulatedPeersHost.GermanyBase, $"{Kvnr}|K111135419", roleCode: "2262");

        var references = await FindAsync(client, "de", Kvnr, "K111135419", "57833-6");

        Assert.Equal(["160.000.017.000.001.84", "160.000.017.000.002.81"], references.Select(r => r.MasterIdentifier.Value));
        Assert.All(references, r => Assert.Equal("https://sim-ncp.example.de/fhir/NamingSystem/e-rezept-id", r.MasterIdentifier.System));
        using var retrieved = await client.GetAsync(references[0].Content[0].Attachment.Url, Ct);
        var prescription = await ReadAsync<Bundle>(retrieved);
        Assert.Equal(Bundle.BundleType.Collection, prescription.Type);
        var request = Assert.IsType<MedicationRequest>(prescription.Entry[0].Resource);
        Assert.Equal(MedicationRequest.MedicationrequestStatus.Active, request.Status);
        Assert.Equal("160.000.017.000.001.84", request.Identifier[0].Value);
        var medication = Assert.IsType<Medication>(prescription.Entry[1].Resource);
        Assert.Equal("C09AA05", medication.Code.Coding[0].Code);
        Assert.Equal("K111135419", Assert.Single(prescription.Entry.Select(e => e.Resource).OfType<Patient>()).Identifier[0].Value);
    }

    [Fact]
    public async System.Threading.Tasks.Task FindPrescriptions_WhenThePatientHasNone_IsEmpty()
    {
        await using var host = await SimulatedPeersHost.StartAsync(certificates);
        using var client = host.Sweden(SimulatedPeersHost.FranceBase, $"{Nir}|263033310120114");

        Assert.Empty(await FindAsync(client, "fr", Nir, "263033310120114", "57833-6"));
    }

    [Fact]
    public async System.Threading.Tasks.Task FindSummary_WhenTheIdentifierNamesTheTwins_IsEmpty()
    {
        await using var host = await SimulatedPeersHost.StartAsync(certificates);
        using var client = host.Sweden(SimulatedPeersHost.GermanyBase, $"{Kvnr}|S418097426");

        Assert.Empty(await FindAsync(client, "de", Kvnr, "S418097426", "60591-5"));
    }

    [Fact]
    public async System.Threading.Tasks.Task Retrieve_WhenTheIdIsUnknown_Is404()
    {
        await using var host = await SimulatedPeersHost.StartAsync(certificates);
        using var client = host.Sweden(SimulatedPeersHost.GermanyBase, $"{Kvnr}|K111135419");

        using var response = await client.GetAsync($"/sim-ncp/de/fhir/Bundle/{Guid.NewGuid()}", Ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("NDI-NCP-013", await ErrorCodeAsync(response));
    }

    [Fact]
    public async System.Threading.Tasks.Task Retrieve_WhenTheAssertionNamesAnotherPatient_Is401()
    {
        await using var host = await SimulatedPeersHost.StartAsync(certificates);
        using var owner = host.Sweden(SimulatedPeersHost.GermanyBase, $"{Kvnr}|K111135419");
        var url = (await FindAsync(owner, "de", Kvnr, "K111135419", "60591-5")).Single().Content[0].Attachment.Url;
        using var other = host.Sweden(SimulatedPeersHost.GermanyBase, $"{Kvnr}|F645190852");

        using var response = await other.GetAsync(url, Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("NDI-NCP-002", await ErrorCodeAsync(response));
    }

    private static async Task<List<DocumentReference>> FindAsync(HttpClient client, string country, string system, string value, string type)
    {
        using var response = await client.GetAsync($"/sim-ncp/{country}/fhir/DocumentReference?patient.identifier={system}|{value}&type=http://loinc.org|{type}", Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return [.. (await ReadAsync<Bundle>(response)).Entry.Select(e => Assert.IsType<DocumentReference>(e.Resource))];
    }

    private static async Task<Bundle> SummaryAsync(HttpClient client, string country, string system, string value)
    {
        var reference = Assert.Single(await FindAsync(client, country, system, value, "60591-5"));
        var url = reference.Content[0].Attachment.Url;
        Assert.StartsWith($"http://localhost/sim-ncp/{country}/fhir/Bundle/", url);
        Assert.DoesNotContain(value, url);
        Assert.Equal($"{system}|{value}", $"{reference.Subject.Identifier.System}|{reference.Subject.Identifier.Value}");
        using var response = await client.GetAsync(url, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await ReadAsync<Bundle>(response);
    }

    /// <summary>Every entry but the Composition is pointed at by a reference somewhere in the document, and every reference resolves.</summary>
    private static void AssertEveryEntryReferenced(Bundle document)
    {
        var json = FhirJson.Serialize(document);
        var references = Regex.Matches(json, "\"reference\":\"(urn:uuid:[^\"]+)\"").Select(m => m.Groups[1].Value).ToHashSet();
        var fullUrls = document.Entry.Select(e => e.FullUrl).ToList();
        Assert.All(fullUrls.Skip(1), url => Assert.Contains(url, references));
        Assert.All(references, reference => Assert.Contains(reference, fullUrls));
    }
}
