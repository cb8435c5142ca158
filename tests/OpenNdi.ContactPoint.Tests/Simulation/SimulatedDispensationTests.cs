using System.Net;
using System.Text;
using Hl7.Fhir.Model;
using OpenNdi.Fhir;
using static OpenNdi.ContactPoint.Tests.Simulation.Simulation;

namespace OpenNdi.ContactPoint.Tests.Simulation;

public sealed class SimulatedDispensationTests(SimulationCertificates certificates) : IClassFixture<SimulationCertificates>
{
    private const string Prescriptions = "https://sim-ncp.example.de/fhir/NamingSystem/e-rezept-id";

    [Fact]
    public async System.Threading.Tasks.Task Dispense_WhenFirst_IsAccepted_AndThePrescriptionIsNoLongerListed()
    {
        await using var host = await SimulatedPeersHost.StartAsync(certificates);
        using var client = Pharmacist(host);

        using var response = await PostAsync(client, "SE-DISP-1", "160.000.017.000.001.84");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = await ReadAsync<Bundle>(response);
        Assert.Equal(Bundle.BundleType.TransactionResponse, answer.Type);
        Assert.Equal(["201 Created", "201 Created"], answer.Entry.Select(e => e.Response.Status));
        using var listed = await client.GetAsync($"/sim-ncp/de/fhir/DocumentReference?patient.identifier={Kvnr}|K111135419&type=http://loinc.org|57833-6", Ct);
        Assert.Equal(["160.000.017.000.002.81"], (await ReadAsync<Bundle>(listed)).Entry.Select(e => ((DocumentReference)e.Resource).MasterIdentifier.Value));
    }

    [Fact]
    public async System.Threading.Tasks.Task Dispense_WhenAnotherDispensationFollows_Is409AlreadyDispensed()
    {
        await using var host = await SimulatedPeersHost.StartAsync(certificates);
        using var client = Pharmacist(host);
        using var first = await PostAsync(client, "SE-DISP-1", "160.000.017.000.001.84");

        using var second = await PostAsync(client, "SE-DISP-2", "160.000.017.000.001.84");

        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        var issue = (await ReadAsync<OperationOutcome>(second)).Issue.Single();
        Assert.Equal("NDI-NCP-020", issue.Details.Coding[0].Code);
        Assert.Equal(OperationOutcome.IssueType.Conflict, issue.Code);
    }

    [Fact]
    public async System.Threading.Tasks.Task Dispense_WhenTheSameDispensationIsSentAgain_AnswersAsTheFirstTime()
    {
        await using var host = await SimulatedPeersHost.StartAsync(certificates);
        using var client = Pharmacist(host);
        using var first = await PostAsync(client, "SE-DISP-1", "160.000.017.000.001.84");
        var firstBody = await first.Content.ReadAsStringAsync(Ct);
        host.Clock.Advance(TimeSpan.FromMinutes(1));

        using var again = await PostAsync(client, "SE-DISP-1", "160.000.017.000.001.84");

        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(firstBody, await again.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async System.Threading.Tasks.Task Dispense_WhenThePrescriptionIsUnknown_Is409NotDispensable()
    {
        await using var host = await SimulatedPeersHost.StartAsync(certificates);
        using var client = Pharmacist(host);

        using var response = await PostAsync(client, "SE-DISP-1", "160.000.017.000.999.99");

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        var issue = (await ReadAsync<OperationOutcome>(response)).Issue.Single();
        Assert.Equal("NDI-NCP-021", issue.Details.Coding[0].Code);
        Assert.Equal(OperationOutcome.IssueType.BusinessRule, issue.Code);
    }

    [Fact]
    public async System.Threading.Tasks.Task Dispense_WhenThePrescriptionIsAnotherPatients_Is409NotDispensable()
    {
        await using var host = await SimulatedPeersHost.StartAsync(certificates);
        using var client = Pharmacist(host);

        using var response = await PostAsync(client, "SE-DISP-1", "160.000.017.000.003.78");

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("NDI-NCP-021", await ErrorCodeAsync(response));
    }

    [Fact]
    public async System.Threading.Tasks.Task Dispense_WhenTenDispensationsOfOnePrescriptionRace_OnlyOneSucceeds()
    {
        await using var host = await SimulatedPeersHost.StartAsync(certificates);
        using var client = Pharmacist(host);

        var responses = await System.Threading.Tasks.Task.WhenAll(Enumerable.Range(1, 10).Select(i => PostAsync(client, $"SE-RACE-{i}", "160.000.017.000.002.81")));

        Assert.Equal(1, responses.Count(r => r.StatusCode == HttpStatusCode.OK));
        Assert.Equal(9, responses.Count(r => r.StatusCode == HttpStatusCode.Conflict));
        foreach (var response in responses)
            response.Dispose();
    }

    [Fact]
    public async System.Threading.Tasks.Task Dispense_WhenTheBodyIsNotATransaction_Is400()
    {
        await using var host = await SimulatedPeersHost.StartAsync(certificates);
        using var client = Pharmacist(host);

        using var response = await client.PostAsync("/sim-ncp/de/fhir", new StringContent(FhirJson.Serialize(new Bundle { Type = Bundle.BundleType.Collection }), Encoding.UTF8, "application/fhir+json"), Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("NDI-NCP-012", await ErrorCodeAsync(response));
    }

    private static HttpClient Pharmacist(SimulatedPeersHost host) => host.Sweden(SimulatedPeersHost.GermanyBase, $"{Kvnr}|K111135419", roleCode: "2262");

    /// <summary>A dispensation report as ADR 0010 §1 describes it, built by hand.</summary>
    private static Task<HttpResponseMessage> PostAsync(HttpClient client, string dispensationId, string prescriptionId)
    {
        const string content = "urn:uuid:2b1f3a50-8c1e-4c55-9d51-6c8f0e3d7a11";
        var transaction = new Bundle
        {
            Type = Bundle.BundleType.Transaction,
            Entry =
            [
                new Bundle.EntryComponent
                {
                    FullUrl = "urn:uuid:7c0c4d0e-4a7b-4e63-8f0e-0f5b0e9c2d31",
                    Resource = new DocumentReference
                    {
                        MasterIdentifier = new Identifier("urn:openndi:se:dispensation", dispensationId),
                        Status = DocumentReferenceStatus.Current,
                        Type = new CodeableConcept("http://loinc.org", "60593-1"),
                        Subject = new ResourceReference { Identifier = new Identifier(Kvnr, "K111135419") },
                        Context = new DocumentReference.ContextComponent { Related = [new ResourceReference { Identifier = new Identifier(Prescriptions, prescriptionId) }] },
                        Content = [new DocumentReference.ContentComponent { Attachment = new Attachment { ContentType = "application/fhir+json", Url = content } }],
                    },
                    Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.POST, Url = "DocumentReference" },
                },
                new Bundle.EntryComponent
                {
                    FullUrl = content,
                    Resource = new Bundle
                    {
                        Type = Bundle.BundleType.Collection,
                        Entry = [new Bundle.EntryComponent { Resource = new MedicationDispense { Status = MedicationDispense.MedicationDispenseStatusCodes.Completed, Medication = new CodeableConcept("http://www.whocc.no/atc", "C09AA05") } }],
                    },
                    Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.POST, Url = "Bundle" },
                },
            ],
        };
        return client.PostAsync("/sim-ncp/de/fhir", new StringContent(FhirJson.Serialize(transaction), Encoding.UTF8, "application/fhir+json"), Ct);
    }
}
