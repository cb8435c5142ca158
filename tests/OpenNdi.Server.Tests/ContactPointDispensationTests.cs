using System.Net;
using System.Security.Cryptography.X509Certificates;
using Hl7.Fhir.Model;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using OpenNdi.ContactPoint.Demo;
using OpenNdi.ContactPoint.Domain;
using OpenNdi.ContactPoint.Trust;
using OpenNdi.Core.Audit;
using OpenNdi.Core.Identifiers;
using OpenNdi.Data.Audit;
using OpenNdi.Data.Population;
using OpenNdi.Fhir;
using Task = System.Threading.Tasks.Task;

namespace OpenNdi.Server.Tests;

/// <summary>
/// ePrescription and eDispensation across borders, Sweden as the country of affiliation (issue 17): a pharmacy in
/// Germany or France lists a Swedish patient's dispensable prescriptions, retrieves one, reports its dispensation,
/// which Swedish professionals and the patient then see; and a prescription is never dispensed twice across borders.
/// </summary>
[Trait("Category", "Security")]
public abstract class ContactPointDispensationTests(string backend) : IAsyncLifetime
{
    private const string Personnummer = PersonalIdentityNumber.PersonnummerSystem;
    private readonly TestIssuer _issuer = new("https://idp.national.example");
    private NdiServer _server = null!;
    private DemoEuCertificates _eu = null!;
    private PersonalIdentityNumber _patient;
    private int _active;

    public async ValueTask InitializeAsync()
    {
        _server = await NdiServer.StartAsync(backend, new Dictionary<string, string>
        {
            ["Demo:Persons"] = "40",
            ["Demo:Providers"] = "3",
            ["Identity:TrustedIssuers:0:Issuer"] = _issuer.Issuer,
            ["Identity:TrustedIssuers:0:Jwks"] = _issuer.Jwks,
        });
        _eu = _server.Services.GetRequiredService<DemoEuCertificates>();
        var registry = _server.Services.GetRequiredService<OpenNdi.Synthetic.Simulator.SimulatorRegistry>();
        foreach (var provider in registry.Providers)
            await registry.SetBehaviourAsync(provider.Key, new OpenNdi.Synthetic.Simulator.ProviderBehaviour());
        (_patient, _active) = await PatientWithActivePrescriptionsAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        _issuer.Dispose();
    }

    /// <summary>The expected list comes from the national API as a Swedish clinician reads it: active prescriptions within their validity.</summary>
    private async Task<(PersonalIdentityNumber, int)> PatientWithActivePrescriptionsAsync()
    {
        var clinician = _issuer.Token("user/*.rs", claims: IndexApiTests.ClinicianClaims);
        foreach (var person in await _server.Services.GetRequiredService<IPopulationStore>().ListAsync(0, 40))
        {
            if (person.Id.IsCoordinationNumber)
                continue;
            using var response = await _server.SendAsync(HttpMethod.Get, $"/fhir/MedicationRequest?patient.identifier={Personnummer}|{person.Id.Value}", clinician, headers: IndexApiTests.CareRelationship);
            var bundle = FhirJson.Parse<Bundle>(await response.Content.ReadAsStringAsync())!;
            var now = DateTimeOffset.UtcNow;
            var active = bundle.Entry.Select(e => e.Resource).OfType<MedicationRequest>().Count(r => r.Status == MedicationRequest.MedicationrequestStatus.Active
                && (r.DispenseRequest?.ValidityPeriod?.EndElement?.ToDateTimeOffset(TimeSpan.Zero) is not { } end || end >= now));
            if (active >= 2)
                return (person.Id, active);
        }
        throw new InvalidOperationException("the demo population has a patient with two active prescriptions");
    }

    private HttpClient Pharmacy(X509Certificate2 tls, X509Certificate2 signing, string peer)
    {
        var client = new HttpClient(_server.Server.CreateHandler(context => context.Connection.ClientCertificate = tls)) { BaseAddress = new Uri("http://localhost") };
        var assertion = CrossBorderAssertion.Issue(new CrossBorderAssertionContent(peer, "http://localhost/ncp/fhir", "apotheke-17", "Jana Weber", "2262", "Pharmacists",
            "Apotheke am Markt", null, CrossBorderPurpose.Treatment, "urn:oid:1.2.276.0.76.3.1.91", $"{Personnummer}|{_patient.Value}", TimeSpan.FromMinutes(30)), signing, TimeProvider.System);
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", assertion);
        return client;
    }

    private HttpClient Germany() => Pharmacy(_eu.Germany, _eu.GermanySigning, DemoEuTrust.GermanyId);

    private HttpClient France() => Pharmacy(_eu.France, _eu.FranceSigning, DemoEuTrust.FranceId);

    private static async Task<T> ReadAsync<T>(HttpResponseMessage response, HttpStatusCode expected = HttpStatusCode.OK) where T : Resource
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{response.StatusCode}: {body}");
        return FhirJson.Parse<T>(body)!;
    }

    private async Task<IReadOnlyList<DocumentReference>> ListAsync(HttpClient client) =>
        [.. (await ReadAsync<Bundle>(await client.GetAsync($"/ncp/fhir/DocumentReference?patient.identifier={Personnummer}|{_patient.Value}&type=http://loinc.org|57833-6")))
            .Entry.Select(e => e.Resource).OfType<DocumentReference>()];

    private string Report(string prescription, string dispensation) => FhirJson.Serialize(new Bundle
    {
        Type = Bundle.BundleType.Transaction,
        Entry =
        [
            new Bundle.EntryComponent
            {
                FullUrl = "urn:uuid:9b0b1c2e-0000-4000-8000-000000000001",
                Resource = new DocumentReference
                {
                    MasterIdentifier = new Identifier("urn:ietf:rfc:3986", dispensation),
                    Status = DocumentReferenceStatus.Current,
                    Type = new CodeableConcept("http://loinc.org", "60593-1"),
                    Subject = new ResourceReference { Identifier = new Identifier(Personnummer, _patient.Value) },
                    Context = new DocumentReference.ContextComponent { Related = [new ResourceReference { Identifier = new Identifier("urn:ietf:rfc:3986", prescription) }] },
                    Content = [new DocumentReference.ContentComponent { Attachment = new Attachment { ContentType = "application/fhir+json", Url = "urn:uuid:9b0b1c2e-0000-4000-8000-000000000002" } }],
                },
                Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.POST, Url = "DocumentReference" },
            },
            new Bundle.EntryComponent
            {
                FullUrl = "urn:uuid:9b0b1c2e-0000-4000-8000-000000000002",
                Resource = new Bundle
                {
                    Type = Bundle.BundleType.Collection,
                    Entry =
                    [
                        new Bundle.EntryComponent
                        {
                            Resource = new MedicationDispense
                            {
                                Status = MedicationDispense.MedicationDispenseStatusCodes.Completed,
                                Medication = new CodeableConcept { Text = "as prescribed" },
                                WhenHandedOver = "2026-12-07T10:00:00Z",
                                Performer = [new MedicationDispense.PerformerComponent { Actor = new ResourceReference { Display = "Apotheke am Markt, Lübeck" } }],
                            },
                        },
                    ],
                },
                Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.POST, Url = "Bundle" },
            },
        ],
    });

    private static StringContent Fhir(string json) => new(json, System.Text.Encoding.UTF8, "application/fhir+json");

    private static string Code(OperationOutcome outcome) => outcome.Issue[0].Details.Coding[0].Code!;

    [Fact]
    public async Task APharmacyAbroad_ListsRetrievesAndDispenses_OnceOnly_AndSwedenSeesIt()
    {
        using var germany = Germany();
        var listed = await ListAsync(germany);
        Assert.Equal(_active, listed.Count);
        var first = listed[0];
        var prescription = await ReadAsync<Bundle>(await germany.GetAsync(first.Content[0].Attachment.Url));
        var request = Assert.Single(prescription.Entry.Select(e => e.Resource).OfType<MedicationRequest>());
        Assert.Equal(first.MasterIdentifier.Value, request.Identifier.Single().Value);
        Assert.DoesNotContain("/sim/", first.MasterIdentifier.Value, StringComparison.Ordinal); // the provider's address stays home

        var accepted = await ReadAsync<Bundle>(await germany.PostAsync("/ncp/fhir", Fhir(Report(first.MasterIdentifier.Value, "urn:uuid:d1d1d1d1-0000-4000-8000-000000000001"))));
        Assert.Equal(Bundle.BundleType.TransactionResponse, accepted.Type);
        Assert.All(accepted.Entry, e => Assert.Equal("201 Created", e.Response.Status));

        // The same report again: the same answer, nothing changes. Another dispensation, from Germany or France: refused.
        var again = await ReadAsync<Bundle>(await germany.PostAsync("/ncp/fhir", Fhir(Report(first.MasterIdentifier.Value, "urn:uuid:d1d1d1d1-0000-4000-8000-000000000001"))));
        Assert.Equal(FhirJson.Serialize(accepted), FhirJson.Serialize(again));
        Assert.Equal("NDI-NCP-020", Code(await ReadAsync<OperationOutcome>(await germany.PostAsync("/ncp/fhir", Fhir(Report(first.MasterIdentifier.Value, "urn:uuid:d1d1d1d1-0000-4000-8000-000000000002"))), HttpStatusCode.Conflict)));
        using var france = France();
        Assert.Equal("NDI-NCP-020", Code(await ReadAsync<OperationOutcome>(await france.PostAsync("/ncp/fhir", Fhir(Report(first.MasterIdentifier.Value, "urn:uuid:f1f1f1f1-0000-4000-8000-000000000001"))), HttpStatusCode.Conflict)));
        Assert.Equal(_active - 1, (await ListAsync(germany)).Count);
        Assert.Equal("NDI-NCP-021", Code(await ReadAsync<OperationOutcome>(await germany.GetAsync(first.Content[0].Attachment.Url), HttpStatusCode.Gone)));

        // A Swedish clinician and the patient see the dispensation abroad, pointing at the prescription, naming the pharmacy.
        var clinician = _issuer.Token("user/*.rs", claims: IndexApiTests.ClinicianClaims);
        var patientToken = _issuer.PersonToken("patient/*.rs", _patient);
        foreach (var token in (string[])[clinician, patientToken])
        {
            using var response = await _server.SendAsync(HttpMethod.Get, $"/fhir/MedicationDispense?patient.identifier={Personnummer}|{_patient.Value}", token, headers: IndexApiTests.CareRelationship);
            var dispenses = (await ReadAsync<Bundle>(response)).Entry.Select(e => e.Resource).OfType<MedicationDispense>()
                .Where(d => d.Meta?.Tag.Any(t => t.Code == "dispensed-abroad") == true).ToList();
            var abroad = Assert.Single(dispenses);
            Assert.Equal("Apotheke am Markt, Lübeck (DE, MyHealth@EU)", abroad.Performer[0].Actor.Display);
        }
        // The patient's own record page lists it, marked as dispensed in another EU country.
        using var page = await _server.SendAsync(HttpMethod.Get, $"/web/patient/record?patient={_patient.Value}", patientToken);
        var html = System.Net.WebUtility.HtmlDecode(await page.Content.ReadAsStringAsync());
        Assert.True(page.StatusCode == HttpStatusCode.OK, html);
        Assert.Contains("Uthämtat på apotek i annat EU-land", html, StringComparison.Ordinal);
        Assert.Contains("Apotheke am Markt, Lübeck (DE, MyHealth@EU)", html, StringComparison.Ordinal);
        var records = await _server.Services.GetRequiredService<AuditStore>().QueryAsync(new AuditQuery(Patient: _patient.Value));
        var provided = records.Select(r => AuditJson.Read(System.Text.Encoding.UTF8.GetBytes(r.Json))).Where(r => r.Event == "ncp-provide").ToList();
        // Four reports, each in the log with the pharmacy abroad: two accepted (the first, and the same again), two refused.
        Assert.Equal(4, provided.Count);
        Assert.Equal(2, provided.Count(r => r.Outcome == AuditOutcome.Success));
        Assert.Equal(2, provided.Count(r => r.Outcome == AuditOutcome.MinorFailure && r.OutcomeText!.StartsWith("NDI-NCP-020", StringComparison.Ordinal)));
        Assert.All(provided, r => Assert.Equal(AuditAgentKind.ForeignProfessional, r.Who.Kind));
    }

    [Fact]
    public async Task TwoCountries_DispensingOnePrescription_AtOnce_OneWins()
    {
        using var germany = Germany();
        using var france = France();
        var prescription = (await ListAsync(germany))[0].MasterIdentifier.Value;

        var answers = await Task.WhenAll(
            germany.PostAsync("/ncp/fhir", Fhir(Report(prescription, "urn:uuid:aaaaaaaa-0000-4000-8000-000000000001"))),
            france.PostAsync("/ncp/fhir", Fhir(Report(prescription, "urn:uuid:bbbbbbbb-0000-4000-8000-000000000001"))));

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.Conflict], answers.Select(a => a.StatusCode).Order().ToArray());
    }

    [Theory]
    [InlineData("urn:uuid:00000000-0000-4000-8000-00000000dead", "NDI-NCP-021", HttpStatusCode.Conflict)]
    public async Task AnUnknownPrescription_IsNotDispensable(string prescription, string code, HttpStatusCode status)
    {
        using var germany = Germany();

        Assert.Equal(code, Code(await ReadAsync<OperationOutcome>(await germany.PostAsync("/ncp/fhir", Fhir(Report(prescription, "urn:uuid:cccccccc-0000-4000-8000-000000000001"))), status)));
    }

    [Fact]
    public async Task AMalformedReport_Gets400_AndRecordsNothing()
    {
        using var germany = Germany();
        var before = (await ListAsync(germany)).Count;

        Assert.Equal("NDI-NCP-012", Code(await ReadAsync<OperationOutcome>(await germany.PostAsync("/ncp/fhir", Fhir("""{"resourceType":"Bundle","type":"collection"}""")), HttpStatusCode.BadRequest)));
        Assert.Equal("NDI-NCP-012", Code(await ReadAsync<OperationOutcome>(await germany.PostAsync("/ncp/fhir", Fhir("not json")), HttpStatusCode.BadRequest)));
        Assert.Equal(before, (await ListAsync(germany)).Count);
    }
}

public sealed class ContactPointDispensationSqliteTests() : ContactPointDispensationTests("sqlite");

public sealed class ContactPointDispensationPostgresTests() : ContactPointDispensationTests("postgres");
