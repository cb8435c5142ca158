using System.Net;
using System.Security.Cryptography.X509Certificates;
using Hl7.Fhir.Model;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using OpenNdi.ContactPoint.Demo;
using OpenNdi.ContactPoint.Domain;
using OpenNdi.ContactPoint.Trust;
using OpenNdi.Core.Audit;
using OpenNdi.Core.Identifiers;
using OpenNdi.Core.Index;
using OpenNdi.Data.Audit;
using OpenNdi.Data.Index;
using OpenNdi.Data.Population;
using OpenNdi.Fhir;
using OpenNdi.Fhir.Validation;
using OpenNdi.Testing;
using Task = System.Threading.Tasks.Task;

namespace OpenNdi.Server.Tests;

/// <summary>
/// Sweden as the country of affiliation (issue 17, ADR 0010): a doctor in Germany, through the German contact point,
/// identifies a Swedish patient, lists the summary and retrieves it; and every way that is refused.
/// </summary>
[Trait("Category", "Security")]
public abstract class ContactPointOutboundTests(string backend) : IAsyncLifetime
{
    private const string Personnummer = PersonalIdentityNumber.PersonnummerSystem;
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private readonly TestIssuer _issuer = new("https://idp.national.example");
    private NdiServer _server = null!;
    private DemoEuCertificates _eu = null!;
    private OpenNdi.Core.Population.Person _patient = null!;

    public async ValueTask InitializeAsync()
    {
        _server = await NdiServer.StartAsync(backend, new Dictionary<string, string>
        {
            ["Demo:Persons"] = "30",
            ["Demo:Providers"] = "3",
            ["Identity:TrustedIssuers:0:Issuer"] = _issuer.Issuer,
            ["Identity:TrustedIssuers:0:Jwks"] = _issuer.Jwks,
        }, services => services.AddSingleton<TimeProvider>(_clock));
        _eu = _server.Services.GetRequiredService<DemoEuCertificates>();
        // Faultless providers without latency: the simulated EHRs wait on the test's clock, which stands still.
        var registry = _server.Services.GetRequiredService<OpenNdi.Synthetic.Simulator.SimulatorRegistry>();
        foreach (var provider in registry.Providers)
            await registry.SetBehaviourAsync(provider.Key, new OpenNdi.Synthetic.Simulator.ProviderBehaviour());
        _patient = await PatientWithDataAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        _issuer.Dispose();
    }

    private async Task<OpenNdi.Core.Population.Person> PatientWithDataAsync()
    {
        var index = _server.Services.GetRequiredService<IIndexStore>();
        foreach (var person in await _server.Services.GetRequiredService<IPopulationStore>().ListAsync(0, 30))
        {
            var entries = await index.LookupAsync(new IndexQuery(person.Id, null, null, null));
            if (!person.Id.IsCoordinationNumber && entries.Select(e => e.Provider).Distinct().Count() >= 2)
                return person;
        }
        throw new InvalidOperationException("the demo population has a patient with data at two providers");
    }

    private string Assertion(X509Certificate2? signing = null, string issuer = DemoEuTrust.GermanyId, string? personId = null, CrossBorderPurpose purpose = CrossBorderPurpose.Treatment) =>
        CrossBorderAssertion.Issue(new CrossBorderAssertionContent(issuer, "http://localhost/ncp/fhir", "de-arzt-4711", "Dr. Anna Schmidt", "221", "Medical doctors",
            "Klinikum Lübeck", "urn:oid:1.2.276.0.76.4.8", purpose, "urn:oid:1.2.276.0.76.3.1.91", personId ?? $"{Personnummer}|{_patient.Id.Value}", TimeSpan.FromMinutes(30)),
            signing ?? _eu.GermanySigning, _clock);

    /// <summary>A client whose TLS connection presents <paramref name="certificate"/> (the test server sets it on each request, as Kestrel would after the handshake).</summary>
    private HttpClient Peer(X509Certificate2? certificate, string? assertion = "default")
    {
        var client = new HttpClient(_server.Server.CreateHandler(context => context.Connection.ClientCertificate = certificate)) { BaseAddress = new Uri("http://localhost") };
        if (assertion is not null)
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", assertion == "default" ? Assertion() : assertion);
        return client;
    }

    private static FormUrlEncodedContent Traits(params (string Name, string Value)[] traits) => new(traits.Select(t => new KeyValuePair<string, string>(t.Name, t.Value)));

    private FormUrlEncodedContent SwedishMask(string? family = null, string? birthdate = null) => Traits(
        ("identifier", $"{Personnummer}|{_patient.Id.Value}"), ("birthdate", "eq" + (birthdate ?? _patient.BirthDate.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture))),
        ("family", family ?? _patient.FamilyName));

    private static async Task<T> ReadAsync<T>(HttpResponseMessage response, HttpStatusCode expected = HttpStatusCode.OK) where T : Resource
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{response.StatusCode}: {body}");
        return FhirJson.Parse<T>(body)!;
    }

    private static string Code(OperationOutcome outcome) => outcome.Issue[0].Details.Coding[0].Code!;

    private async Task<IReadOnlyList<AuditRecord>> AuditAsync(string? patient = null)
    {
        var records = await _server.Services.GetRequiredService<AuditStore>().QueryAsync(new AuditQuery(Patient: patient));
        return [.. records.Select(r => AuditJson.Read(System.Text.Encoding.UTF8.GetBytes(r.Json)))];
    }

    private async Task<string> DocumentUrlAsync(HttpClient client)
    {
        var found = await ReadAsync<Bundle>(await client.GetAsync($"/ncp/fhir/DocumentReference?patient.identifier={Personnummer}|{_patient.Id.Value}&type=http://loinc.org|60591-5"));
        return Assert.IsType<DocumentReference>(Assert.Single(found.Entry).Resource).Content[0].Attachment.Url!;
    }

    [Fact]
    public async Task AGermanDoctor_IdentifiesThePatient_ListsTheSummary_AndRetrievesIt_MappedAndAudited()
    {
        using var client = Peer(_eu.Germany);
        client.DefaultRequestHeaders.AcceptLanguage.ParseAdd("de-DE");

        var identified = await ReadAsync<Bundle>(await client.PostAsync("/ncp/fhir/Patient/_search", SwedishMask(family: _patient.FamilyName.ToUpperInvariant())));
        var patient = Assert.IsType<Patient>(Assert.Single(identified.Entry).Resource);
        Assert.Equal((Personnummer, _patient.Id.Value), (patient.Identifier[0].System, patient.Identifier[0].Value));
        Assert.Equal(_patient.GivenName, Assert.Single(patient.Name[0].Given));

        var url = await DocumentUrlAsync(client);
        Assert.DoesNotContain(_patient.Id.Value, url, StringComparison.Ordinal); // the handle is sealed: no identity in the URL
        var summary = await ReadAsync<Bundle>(await client.GetAsync(url));

        Assert.Equal(Bundle.BundleType.Document, summary.Type);
        Assert.Equal("sv-SE", summary.Language);
        var composition = Assert.IsType<Composition>(summary.Entry[0].Resource);
        // LOINC 60591-5 is in the eHDSI MVC and in our German table: the original English display is kept beside it.
        var type = composition.Type.Coding.Single(c => c.Code == "60591-5");
        Assert.Equal("Patient summary Document", type.Display);
        var translation = type.DisplayElement.Extension.Single(e => e.Url == "http://hl7.org/fhir/StructureDefinition/translation");
        Assert.Equal("de", ((Code)translation.Extension.Single(e => e.Url == "lang").Value).Value);
        Assert.Contains(summary.Entry, e => e.Resource is Condition or MedicationStatement or AllergyIntolerance);
        var validation = IpsValidation.Validator.Validate(summary, IpsProfiles.Bundle);
        Assert.True(validation.IsValid, string.Join(Environment.NewLine, validation.Errors.Take(10).Select(e => $"{e.Location}: {e.Message}")));

        var records = await AuditAsync(_patient.Id.Value);
        foreach (var @event in (string[])["ncp-identify", "ncp-find", "ncp-retrieve"])
        {
            var record = Assert.Single(records, r => r.Event == @event);
            Assert.Equal((AuditAgentKind.ForeignProfessional, "de-arzt-4711", DemoEuTrust.GermanyId), (record.Who.Kind, record.Who.Id, record.Who.Provider));
            Assert.Equal("TREAT", record.PurposeOfUse);
            Assert.Equal(AuditOutcome.Success, record.Outcome);
        }
        var retrieval = Assert.Single(records, r => r.Event == "ncp-retrieve");
        Assert.Contains(retrieval.Entities, e => e.Kind == "provider-fetch");
        Assert.Contains(retrieval.Entities, e => e.Kind == "ncp-code-mapping" && e.Detail!.StartsWith("for DE in de:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Identification_ByGet_FoldsCaseAndDiacritics_OfTheFamilyName()
    {
        using var client = Peer(_eu.Germany);
        // As typed abroad from a passport: lower case, with a hyphen and accents the register's spelling lacks (or the reverse).
        var folded = string.Concat(_patient.FamilyName.ToLowerInvariant().Select(c => c switch { 'a' => 'á', 'o' => 'ö', 'e' => 'é', 'å' => 'a', 'ä' => 'a', 'ö' => 'o', _ => c })) + "-";
        Assert.NotEqual(_patient.FamilyName.ToUpperInvariant(), folded.ToUpperInvariant());

        var identified = await ReadAsync<Bundle>(await client.GetAsync(
            $"/ncp/fhir/Patient?identifier={Personnummer}|{_patient.Id.Value}&birthdate={_patient.BirthDate:yyyy-MM-dd}&family={Uri.EscapeDataString(folded)}"));

        Assert.IsType<Patient>(Assert.Single(identified.Entry).Resource);
    }

    [Fact]
    public async Task AWrongBirthDate_AnOptedOutPatient_AndAProtectedIdentity_GetTheSameAnswerAsNobody_TheLogKeepsWhy()
    {
        using var client = Peer(_eu.Germany);
        async Task<string> NotFoundAsync(HttpContent traits)
        {
            var bundle = await ReadAsync<Bundle>(await client.PostAsync("/ncp/fhir/Patient/_search", traits));
            var outcome = Assert.IsType<OperationOutcome>(Assert.Single(bundle.Entry).Resource);
            Assert.Equal(Bundle.SearchEntryMode.Outcome, bundle.Entry[0].Search.Mode);
            return $"{bundle.Total}|{Code(outcome)}|{outcome.Issue[0].Diagnostics}|{outcome.Issue[0].Severity}";
        }

        var wrongDate = await NotFoundAsync(SwedishMask(birthdate: "1901-01-01"));
        var population = _server.Services.GetRequiredService<IPopulationStore>();
        await population.SetProtectedAsync(_patient.Id, true, _clock.GetUtcNow());
        var protectedIdentity = await NotFoundAsync(SwedishMask());
        await population.SetProtectedAsync(_patient.Id, false, _clock.GetUtcNow());
        await ConsentRequests.PostAsync(_server, _issuer, _patient.Id, "optout-primary", """{"type":"deny"}""");
        var optedOut = await NotFoundAsync(SwedishMask());

        Assert.Equal("0|NDI-NCP-010|No patient matches the identifier and demographics sent.|Information", wrongDate);
        Assert.Equal(wrongDate, protectedIdentity);
        Assert.Equal(wrongDate, optedOut);
        var reasons = (await AuditAsync(_patient.Id.Value)).Where(r => r.Event == "ncp-identify").Select(r => (r.Outcome, r.OutcomeText)).ToList();
        Assert.Contains((AuditOutcome.MinorFailure, "not identified: the demographics sent differ from the register's (birth date)"), reasons);
        Assert.Contains((AuditOutcome.MinorFailure, "not identified: the patient has opted out of sharing (no share with this professional)"), reasons);
        Assert.Contains((AuditOutcome.MinorFailure, "not identified: protected identity: never identified across borders"), reasons);
        // Nor is anything listed for them.
        var listed = await ReadAsync<Bundle>(await client.GetAsync($"/ncp/fhir/DocumentReference?patient.identifier={Personnummer}|{_patient.Id.Value}&type=http://loinc.org|60591-5"));
        Assert.Empty(listed.Entry);
    }

    [Fact]
    public async Task TwoIdentifiers_NamingTwoPersonsTheTraitsDescribe_AreAmbiguous_AndNeitherIsNamed()
    {
        // A second person registered with the same birth date and family name (say, a samordningsnummer given to the
        // same human before the personnummer, kept as another record).
        var population = _server.Services.GetRequiredService<IPopulationStore>();
        var twin = Enumerable.Range(1, 999).Select(n => PersonalIdentityNumber.Create(_patient.BirthDate, n, coordination: true)).First(id => id != _patient.Id);
        await population.AddAsync([_patient with { Id = twin, GivenName = "Kim" }], []);
        using var client = Peer(_eu.Germany);
        var body = await (await client.PostAsync("/ncp/fhir/Patient/_search", Traits(
            ("identifier", $"{Personnummer}|{_patient.Id.Value}"), ("identifier", $"{PersonalIdentityNumber.SamordningsnummerSystem}|{twin.Value}"),
            ("birthdate", _patient.BirthDate.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)), ("family", _patient.FamilyName)))).Content.ReadAsStringAsync();

        var outcome = Assert.IsType<OperationOutcome>(Assert.Single(FhirJson.Parse<Bundle>(body)!.Entry).Resource);
        Assert.Equal(("NDI-NCP-011", OperationOutcome.IssueType.MultipleMatches), (Code(outcome), outcome.Issue[0].Code));
        Assert.DoesNotContain("Kim", body, StringComparison.Ordinal);
        Assert.DoesNotContain(_patient.GivenName, body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ASecondIdentifier_OfSomeoneTheTraitsDoNotDescribe_TellsNothingOfThem()
    {
        var other = (await _server.Services.GetRequiredService<IPopulationStore>().ListAsync(0, 30))
            .First(p => p.Id != _patient.Id && !p.Id.IsCoordinationNumber && (p.BirthDate != _patient.BirthDate || p.FamilyName != _patient.FamilyName));
        using var client = Peer(_eu.Germany);

        var body = await (await client.PostAsync("/ncp/fhir/Patient/_search", Traits(
            ("identifier", $"{Personnummer}|{_patient.Id.Value}"), ("identifier", $"{Personnummer}|{other.Id.Value}"),
            ("birthdate", _patient.BirthDate.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)), ("family", _patient.FamilyName)))).Content.ReadAsStringAsync();

        var patient = Assert.IsType<Patient>(Assert.Single(FhirJson.Parse<Bundle>(body)!.Entry).Resource);
        Assert.Equal(_patient.Id.Value, patient.Identifier[0].Value);
        Assert.DoesNotContain(other.Id.Value, body, StringComparison.Ordinal);
    }

    public static TheoryData<string, string> BrokenMasks => new()
    {
        { "family=Andersson&birthdate=1980-01-01", "NDI-NCP-012" },                                   // demographics alone
        { $"identifier={PersonalIdentityNumber.PersonnummerSystem}|198001011234&family=Andersson", "NDI-NCP-012" }, // no birth date
        { $"identifier={PersonalIdentityNumber.PersonnummerSystem}|8001011234&birthdate=1980-01-01&family=A", "NDI-NCP-012" }, // ten digits
        { "identifier=urn:oid:1.2.276.0.76.4.8|A123456780&birthdate=1980-01-01&family=A", "NDI-NCP-012" }, // another country's number
        { "identifier=x&birthdate=1980-01-01&family=A", "NDI-NCP-012" },
        { "name:contains=And", "NDI-NCP-012" },
    };

    [Theory]
    [MemberData(nameof(BrokenMasks))]
    public async Task TraitsThatBreakSwedensMask_Get400_WithAnOutcome(string query, string code)
    {
        using var client = Peer(_eu.Germany);

        var outcome = await ReadAsync<OperationOutcome>(await client.GetAsync("/ncp/fhir/Patient?" + query), HttpStatusCode.BadRequest);

        Assert.Equal(code, Code(outcome));
    }

    [Fact]
    public async Task ASearchForAnotherPatient_ThanTheAssertionsTreatmentRelationship_IsRefused_BeforeTheRegisterIsAsked()
    {
        using var client = Peer(_eu.Germany, Assertion(personId: $"{Personnummer}|191212121212"));

        var outcome = await ReadAsync<OperationOutcome>(await client.PostAsync("/ncp/fhir/Patient/_search", SwedishMask()), HttpStatusCode.Unauthorized);

        Assert.Equal("NDI-NCP-002", Code(outcome));
    }

    public static TheoryData<string> UntrustedPeers => ["none", "other-ca", "other-key", "revoked", "sweden-itself"];

    [Theory]
    [MemberData(nameof(UntrustedPeers))]
    public async Task AnUnknownOrRevokedPeer_IsRefused_AndTheRefusalIsAudited(string which)
    {
        var certificate = which switch
        {
            "other-ca" => _eu.GermanyOtherAuthority,
            "other-key" => _eu.GermanyOtherKey,
            "revoked" => _eu.GermanyRevoked,
            "sweden-itself" => _eu.Sweden,
            _ => null,
        };
        using var client = Peer(certificate);

        var outcome = await ReadAsync<OperationOutcome>(await client.PostAsync("/ncp/fhir/Patient/_search", SwedishMask()), HttpStatusCode.Forbidden);

        Assert.Equal("NDI-NCP-001", Code(outcome));
        Assert.Equal("The client certificate is not that of a trusted contact point.", outcome.Issue[0].Diagnostics);
        var refusal = Assert.Single(await AuditAsync(), r => r.Event == "access-refused");
        Assert.StartsWith("not authenticated: NDI-NCP-001: peer-untrusted:", refusal.OutcomeText, StringComparison.Ordinal);
        Assert.Equal(AuditOutcome.MinorFailure, refusal.Outcome);
    }

    [Fact]
    public async Task AnAssertionSignedByFrance_OnGermanysConnection_IsRefused()
    {
        using var client = Peer(_eu.Germany, Assertion(signing: _eu.FranceSigning, issuer: DemoEuTrust.FranceId));

        var outcome = await ReadAsync<OperationOutcome>(await client.PostAsync("/ncp/fhir/Patient/_search", SwedishMask()), HttpStatusCode.Forbidden);

        Assert.Equal("NDI-NCP-005", Code(outcome));
    }

    [Fact]
    public async Task NoAssertion_OrANationalToken_IsRefused()
    {
        using var bare = Peer(_eu.Germany, assertion: null);
        using var national = Peer(_eu.Germany, _issuer.Token("user/*.rs", claims: IndexApiTests.ClinicianClaims));

        Assert.Equal("NDI-NCP-002", Code(await ReadAsync<OperationOutcome>(await bare.PostAsync("/ncp/fhir/Patient/_search", SwedishMask()), HttpStatusCode.Unauthorized)));
        Assert.Equal("NDI-NCP-002", Code(await ReadAsync<OperationOutcome>(await national.PostAsync("/ncp/fhir/Patient/_search", SwedishMask()), HttpStatusCode.Unauthorized)));
    }

    [Fact]
    public async Task ACountryCodeHeader_ThatDisagreesWithTheTrustList_IsRefused()
    {
        using var client = Peer(_eu.Germany);
        client.DefaultRequestHeaders.Add("CountryCode", "SE");

        Assert.Equal("NDI-NCP-004", Code(await ReadAsync<OperationOutcome>(await client.PostAsync("/ncp/fhir/Patient/_search", SwedishMask()), HttpStatusCode.Forbidden)));
    }

    [Fact]
    public async Task ABlockForCrossBorderOnly_WithholdsTheProvider_Abroad_EvenInAnEmergency()
    {
        var index = _server.Services.GetRequiredService<IIndexStore>();
        var blocked = (await index.LookupAsync(new IndexQuery(_patient.Id, null, null, null))).Select(e => e.Provider).Distinct().OrderBy(p => p.Value, StringComparer.Ordinal).First();
        await ConsentRequests.PostAsync(_server, _issuer, _patient.Id, "block", ConsentRequests.ProviderBlock(blocked), reach: "cross-border");
        using var client = Peer(_eu.Germany, Assertion(purpose: CrossBorderPurpose.Emergency));
        client.DefaultRequestHeaders.Add("Ndi-Emergency-Reason", "unconscious after a fall");

        var summary = await ReadAsync<Bundle>(await client.GetAsync(await DocumentUrlAsync(client)));

        var sources = summary.Entry.Select(e => e.Resource).OfType<Provenance>().Select(p => (p.Agent[0].OnBehalfOf ?? p.Agent[0].Who).Identifier.Value).ToHashSet();
        Assert.DoesNotContain(blocked.Value, sources);
        var retrieval = Assert.Single(await AuditAsync(_patient.Id.Value), r => r.Event == "ncp-retrieve");
        Assert.Null(retrieval.EmergencyReason);
        Assert.Contains(retrieval.Entities, e => e.Kind == "index-entries" && e.Provider == blocked.Value && e.Detail == "withheld 1: blocked");
        Assert.DoesNotContain(retrieval.Entities, e => e.Kind == "provider-fetch" && e.Provider == blocked.Value);
    }

    [Fact]
    public async Task AHandle_IsGoodForItsPeerOnly_AndFor15Minutes()
    {
        using var germany = Peer(_eu.Germany);
        var url = await DocumentUrlAsync(germany);
        using var france = Peer(_eu.France, Assertion(signing: _eu.FranceSigning, issuer: DemoEuTrust.FranceId));

        Assert.Equal("NDI-NCP-013", Code(await ReadAsync<OperationOutcome>(await france.GetAsync(url), HttpStatusCode.NotFound)));
        Assert.Equal("NDI-NCP-013", Code(await ReadAsync<OperationOutcome>(await germany.GetAsync(url + "x"), HttpStatusCode.NotFound)));
        _clock.Advance(TimeSpan.FromMinutes(15));
        Assert.Equal("NDI-NCP-013", Code(await ReadAsync<OperationOutcome>(await germany.GetAsync(url), HttpStatusCode.Gone)));
    }
}

public sealed class ContactPointOutboundSqliteTests() : ContactPointOutboundTests("sqlite");

public sealed class ContactPointOutboundPostgresTests() : ContactPointOutboundTests("postgres");
