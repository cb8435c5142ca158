using System.Net;
using Hl7.Fhir.Model;
using Microsoft.Extensions.DependencyInjection;
using OpenNdi.ContactPoint.Simulation;
using OpenNdi.Core.Audit;
using OpenNdi.Data.Audit;
using OpenNdi.Fhir;
using Task = System.Threading.Tasks.Task;

namespace OpenNdi.Server.Tests;

/// <summary>
/// Sweden as the country of treatment (issue 17): a Swedish clinician asks the simulated German and French contact
/// points for a visitor's summary through <c>POST /fhir/Patient/$cross-border-summary</c>; and every way it fails.
/// </summary>
[Trait("Category", "Security")]
public sealed class ContactPointVisitorTests : IAsyncLifetime
{
    private const string Kvnr = "http://fhir.de/sid/gkv/kvid-10";
    private const string Nir = "urn:oid:1.2.250.1.213.1.4.8";
    private readonly TestIssuer _issuer = new("https://idp.national.example");
    private NdiServer _server = null!;

    public async ValueTask InitializeAsync() => _server = await NdiServer.StartAsync("sqlite", new Dictionary<string, string>
    {
        ["Demo:Persons"] = "5",
        ["Demo:Providers"] = "2",
        ["Identity:TrustedIssuers:0:Issuer"] = _issuer.Issuer,
        ["Identity:TrustedIssuers:0:Jwks"] = _issuer.Jwks,
        ["ContactPoint:PeerTimeoutMs"] = "1500",
    });

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        _issuer.Dispose();
    }

    private SimulatedPeerBehaviour Peers => _server.Services.GetRequiredService<SimulatedPeerBehaviour>();

    private string Clinician(string purpose = "TREAT") => _issuer.Token("user/*.rs", claims: new Dictionary<string, object>(IndexApiTests.ClinicianClaims)
    {
        ["purpose_of_use"] = purpose, ["subject_name"] = "Dr. Sara Lind", ["subject_role"] = "läkare",
    });

    private static string Ask(string country, string system, string identifier, string? birthdate, string? family = null, string? given = null)
    {
        var parameters = new Parameters();
        parameters.Add("country", new Code(country));
        parameters.Add("identifier", new Identifier(system, identifier));
        if (birthdate is not null)
            parameters.Add("birthdate", new Date(birthdate));
        if (family is not null)
            parameters.Add("family", new FhirString(family));
        if (given is not null)
            parameters.Add("given", new FhirString(given));
        return FhirJson.Serialize(parameters);
    }

    private Task<HttpResponseMessage> PostAsync(string body, string? token = null, bool careRelationship = true) =>
        _server.SendAsync(HttpMethod.Post, "/fhir/Patient/$cross-border-summary", token ?? Clinician(), body,
            headers: careRelationship ? IndexApiTests.CareRelationship : null);

    private static async Task<T> ReadAsync<T>(HttpResponseMessage response, HttpStatusCode expected) where T : Resource
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{response.StatusCode}: {body}");
        return FhirJson.Parse<T>(body)!;
    }

    private static string Code(OperationOutcome outcome) => outcome.Issue[0].Details.Coding[0].Code!;

    private async Task<IReadOnlyList<AuditRecord>> AuditAsync(string @event)
    {
        var records = await _server.Services.GetRequiredService<AuditStore>().QueryAsync(new AuditQuery());
        return [.. records.Select(r => AuditJson.Read(System.Text.Encoding.UTF8.GetBytes(r.Json))).Where(r => r.Event == @event)];
    }

    [Fact]
    public async Task AGermanVisitorsSummary_ArrivesAsSent_MarkedForeign_WithSwedishDisplaysBesideTheGerman_AndTheUnknownKeptAndNamed()
    {
        var summary = await ReadAsync<Bundle>(await PostAsync(Ask("DE", Kvnr, "K111135419", "1988-04-18")), HttpStatusCode.OK);

        Assert.Equal(Bundle.BundleType.Document, summary.Type);
        Assert.Contains(summary.Meta.Tag, t => t.System == "urn:openndi:cross-border" && t.Code == "foreign");
        Assert.Equal("urn:ehdsi:ncp:DE", summary.Meta.Source);
        Assert.Equal("de-DE", summary.Language);
        var patient = summary.Entry.Select(e => e.Resource).OfType<Patient>().Single();
        Assert.Equal(("Koch", "K111135419"), (patient.Name[0].Family, patient.Identifier.Single(i => i.System == Kvnr).Value));
        // ICD-10 I10 is in the MVC and in our Swedish table: the German display stays, the Swedish one is added beside it.
        var hypertension = summary.Entry.Select(e => e.Resource).OfType<Condition>().SelectMany(c => c.Code.Coding).Single(c => c.Code == "I10");
        Assert.NotNull(hypertension.Display);
        var swedish = hypertension.DisplayElement.Extension.Single(e => e.Url == "http://hl7.org/fhir/StructureDefinition/translation");
        Assert.Equal("sv", ((Code)swedish.Extension.Single(e => e.Url == "lang").Value).Value);
        // The German practice's local code: kept exactly as sent, its resource flagged, and named in the outcome.
        var local = summary.Entry.Select(e => e.Resource).OfType<Condition>().Single(c => c.Code.Coding.Any(x => x.Code == "HA-LUMB-07"));
        Assert.Equal("https://sim-ncp.example.de/fhir/CodeSystem/hausarzt-diagnosen", local.Code.Coding[0].System);
        Assert.Contains(local.Meta.Tag, t => t.System == "urn:openndi:cross-border" && t.Code == "unmapped-code");
        var outcome = Assert.IsType<OperationOutcome>(summary.Entry[^1].Resource);
        Assert.Contains(outcome.Issue, i => i.Details.Coding[0].Code == "NDI-NCP-040" && i.Diagnostics.Contains("HA-LUMB-07", StringComparison.Ordinal));
        // The travel-history section is not a patient summary section: kept, shown, named.
        var composition = Assert.IsType<Composition>(summary.Entry[0].Resource);
        Assert.Contains(composition.Section, s => s.Code.Coding.Any(c => c.Code == "10182-4"));
        Assert.Contains(outcome.Issue, i => i.Details.Coding[0].Code == "NDI-NCP-041" && i.Diagnostics.Contains("10182-4", StringComparison.Ordinal));
        Assert.Contains(outcome.Issue, i => i.Details.Coding[0].Code == "NDI-NCP-039");

        var record = Assert.Single(await AuditAsync("ncp-visitor-summary"));
        Assert.Equal(($"DE:{Kvnr}|K111135419", AuditAgentKind.Professional, AuditOutcome.Success), (record.Patient, record.Who.Kind, record.Outcome));
        Assert.Contains(record.Entities, e => e.Kind == "ncp-foreign-summary" && e.Reference == "urn:ehdsi:ncp:DE" && e.Detail!.Contains("1 unexpected sections", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AFrenchVisitor_WithoutTheFamilyNameFrancesMaskNeeds_IsRefusedBeforeAnythingIsSent()
    {
        var outcome = await ReadAsync<OperationOutcome>(await PostAsync(Ask("FR", Nir, "275113326510367", "1975-11-16")), HttpStatusCode.BadRequest);

        Assert.Equal("NDI-NCP-032", Code(outcome));
        Assert.Contains("missing: family", outcome.Issue[0].Diagnostics, StringComparison.Ordinal);
        Assert.Equal(0, Peers.Requests("fr"));
        var withFamily = await ReadAsync<Bundle>(await PostAsync(Ask("FR", Nir, "275113326510367", "1975-11-16", family: "Moreau")), HttpStatusCode.OK);
        Assert.Equal("fr-FR", withFamily.Language);
    }

    [Fact]
    public async Task TwinsUnderOneNumber_AreAmbiguous_AndNeitherSummaryIsShown()
    {
        Assert.Equal("NDI-NCP-031", Code(await ReadAsync<OperationOutcome>(await PostAsync(Ask("DE", Kvnr, "S418097426", "1950-09-26")), HttpStatusCode.Conflict)));

        // The given name identifies one twin, but the NCPeH API lists documents by patient.identifier, which still names
        // both: the German contact point lists nothing rather than risk the other twin's summary, and so do we.
        Assert.Equal("NDI-NCP-030", Code(await ReadAsync<OperationOutcome>(await PostAsync(Ask("DE", Kvnr, "S418097426", "1950-09-26", given: "Jürgen")), HttpStatusCode.NotFound)));
    }

    [Fact]
    public async Task AnUnknownVisitor_IsNotFound()
    {
        var outcome = await ReadAsync<OperationOutcome>(await PostAsync(Ask("DE", Kvnr, "A123456780", "1970-01-01")), HttpStatusCode.NotFound);

        Assert.Equal("NDI-NCP-030", Code(outcome));
        Assert.Equal(AuditOutcome.MinorFailure, Assert.Single(await AuditAsync("ncp-visitor-summary")).Outcome);
    }

    [Fact]
    public async Task APeerThatIsDown_OrSilent_IsNamed_AndTheClinicianIsAnsweredInTime()
    {
        Peers.SetDown("de", true);
        Assert.Equal("NDI-NCP-036", Code(await ReadAsync<OperationOutcome>(await PostAsync(Ask("DE", Kvnr, "K111135419", "1988-04-18")), HttpStatusCode.BadGateway)));

        Peers.Reset("de");
        Peers.SetUnresponsive("de", true);
        var started = System.Diagnostics.Stopwatch.StartNew();
        Assert.Equal("NDI-NCP-035", Code(await ReadAsync<OperationOutcome>(await PostAsync(Ask("DE", Kvnr, "K111135419", "1988-04-18")), HttpStatusCode.GatewayTimeout)));
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(10), $"answered after {started.Elapsed}");
    }

    [Fact]
    public async Task OnlyAProfessional_ForTreatment_WithACareRelationship_AsksAbroad()
    {
        var body = Ask("DE", Kvnr, "K111135419", "1988-04-18");

        Assert.Equal("NDI-NCP-003", Code(await ReadAsync<OperationOutcome>(await PostAsync(body, careRelationship: false), HttpStatusCode.Forbidden)));
        Assert.Equal("NDI-NCP-003", Code(await ReadAsync<OperationOutcome>(await PostAsync(body, Clinician(purpose: "HPAYMT")), HttpStatusCode.Forbidden)));
        var person = _issuer.PersonToken("patient/*.rs", OpenNdi.Core.Identifiers.PersonalIdentityNumber.Create(new DateOnly(1980, 4, 2), 123, coordination: false));
        Assert.Equal(HttpStatusCode.Forbidden, (await PostAsync(body, person)).StatusCode);
        Assert.Equal(0, Peers.Requests("de"));
    }

    [Theory]
    [InlineData("""{"resourceType":"Parameters","parameter":[{"name":"country","valueCode":"XX"},{"name":"identifier","valueIdentifier":{"system":"a","value":"b"}}]}""")]
    [InlineData("""{"resourceType":"Parameters","parameter":[{"name":"country","valueCode":"DE"},{"name":"ssn","valueString":"b"}]}""")]
    [InlineData("""{"resourceType":"Patient"}""")]
    [InlineData("""not json""")]
    public async Task BadRequests_Get400_AndAskNobody(string body)
    {
        Assert.Equal(HttpStatusCode.BadRequest, (await PostAsync(body)).StatusCode);
        Assert.Equal(0, Peers.Requests("de") + Peers.Requests("fr"));
    }

    private string Pharmacist() => _issuer.Token("user/*.cruds", claims: new Dictionary<string, object>(IndexApiTests.ClinicianClaims)
    {
        ["subject_name"] = "Erik Ek", ["subject_role"] = "apotekare",
    });

    private string Dispense(string prescriptionSystem, string prescription)
    {
        var parameters = FhirJson.Parse<Parameters>(Ask("DE", Kvnr, "K111135419", "1988-04-18"))!;
        parameters.Add("prescription", new Identifier(prescriptionSystem, prescription));
        parameters.Parameter.Add(new Parameters.ParameterComponent
        {
            Name = "dispense",
            Resource = new MedicationDispense
            {
                Status = MedicationDispense.MedicationDispenseStatusCodes.Completed,
                Medication = new CodeableConcept("http://www.whocc.no/atc", "C09AA05", "ramipril"),
                WhenHandedOver = "2026-12-07T11:00:00+01:00",
                Performer = [new MedicationDispense.PerformerComponent { Actor = new ResourceReference { Display = "Apoteket Kronan, Malmö" } }],
            },
        });
        return FhirJson.Serialize(parameters);
    }

    [Fact]
    public async Task ASwedishPharmacy_DispensesAGermanVisitorsPrescription_Once()
    {
        var token = Pharmacist();
        using var listed = await _server.SendAsync(HttpMethod.Post, "/fhir/MedicationRequest/$cross-border-prescriptions", token, Ask("DE", Kvnr, "K111135419", "1988-04-18"), headers: IndexApiTests.CareRelationship);
        var prescriptions = await ReadAsync<Bundle>(listed, HttpStatusCode.OK);
        Assert.Contains(prescriptions.Meta.Tag, t => t.Code == "foreign");
        var requests = prescriptions.Entry.Select(e => e.Resource).OfType<MedicationRequest>().ToList();
        Assert.Equal(2, requests.Count); // ramipril and metformin, as the German contact point lists them for Anna Koch
        var first = requests[0].Identifier[0];

        using var dispensed = await _server.SendAsync(HttpMethod.Post, "/fhir/MedicationDispense/$cross-border-dispense", token, Dispense(first.System, first.Value), headers: IndexApiTests.CareRelationship);
        Assert.Equal(Bundle.BundleType.TransactionResponse, (await ReadAsync<Bundle>(dispensed, HttpStatusCode.OK)).Type);
        using var twice = await _server.SendAsync(HttpMethod.Post, "/fhir/MedicationDispense/$cross-border-dispense", token, Dispense(first.System, first.Value), headers: IndexApiTests.CareRelationship);
        var refused = await ReadAsync<OperationOutcome>(twice, HttpStatusCode.Conflict);
        Assert.Equal("NDI-NCP-037", Code(refused));
        Assert.Contains("NDI-NCP-020", refused.Issue[0].Diagnostics, StringComparison.Ordinal);

        using var after = await _server.SendAsync(HttpMethod.Post, "/fhir/MedicationRequest/$cross-border-prescriptions", token, Ask("DE", Kvnr, "K111135419", "1988-04-18"), headers: IndexApiTests.CareRelationship);
        Assert.Single((await ReadAsync<Bundle>(after, HttpStatusCode.OK)).Entry.Select(e => e.Resource).OfType<MedicationRequest>());
        var records = await AuditAsync("ncp-visitor-dispense");
        Assert.Equal([AuditOutcome.Success, AuditOutcome.MinorFailure], records.Select(r => r.Outcome).Order().ToArray());
        Assert.All(records, r => Assert.Equal($"DE:{Kvnr}|K111135419", r.Patient));
    }

    [Fact]
    public async Task ADispensationWithoutAPrescriptionOrACompletedDispense_Gets400_AndAsksNobody()
    {
        var body = FhirJson.Parse<Parameters>(Ask("DE", Kvnr, "K111135419", "1988-04-18"))!;

        using var response = await _server.SendAsync(HttpMethod.Post, "/fhir/MedicationDispense/$cross-border-dispense", Pharmacist(), FhirJson.Serialize(body), headers: IndexApiTests.CareRelationship);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(0, Peers.Requests("de"));
    }
}
