using System.Net;
using Hl7.Fhir.Model;
using Microsoft.Extensions.DependencyInjection;
using OpenNdi.Core.Identifiers;
using OpenNdi.Core.Population;
using OpenNdi.Data.Population;
using OpenNdi.Fhir;
using OpenNdi.Server.Consent;
using Task = System.Threading.Tasks.Task;

namespace OpenNdi.Server.Tests;

/// <summary>
/// Whom a person represents (GET /fhir/RelatedPerson), and what that lets them open: a guardian's children under 13
/// only, never a child whose identity is protected; a proxy while it is in force; nobody else's list; and the
/// patient's record page follows the same rules (the national API decides for it).
/// </summary>
[Trait("Category", "Security")]
public sealed class RepresentationApiTests(TrustingServerFixture fixture) : IClassFixture<TrustingServerFixture>
{
    private static readonly DateOnly Today = DateOnly.FromDateTime(DateTime.UtcNow);
    private static int _next = 300;

    /// <summary>A person born <paramref name="yearsAgo"/> years (and a few days) ago, registered in the population, with a number no other test uses.</summary>
    private async Task<PersonalIdentityNumber> RegisterAsync(int yearsAgo, params PersonalIdentityNumber[] guardians)
    {
        var id = PersonalIdentityNumber.Create(Today.AddYears(-yearsAgo).AddDays(-3), Interlocked.Increment(ref _next), coordination: false);
        var person = new OpenNdi.Core.Population.Person(id, "Test", $"Person{_next}", id.Sex, new OpenNdi.Core.Population.Address("Storgatan 1", "111 22", "Stockholm", "0180", "01"));
        await Population.AddAsync([person], [.. guardians.Select(g => new Guardianship(id, g))]);
        return id;
    }

    private IPopulationStore Population => fixture.Server.Services.GetRequiredService<IPopulationStore>();

    private string Token(PersonalIdentityNumber person) => fixture.Issuer.PersonToken("patient/*.rs patient/Consent.cu", person);

    private async Task<(HttpStatusCode Status, Bundle? Bundle, string Body)> RepresentedAsync(PersonalIdentityNumber asking, PersonalIdentityNumber about)
    {
        using var response = await fixture.Server.SendAsync(HttpMethod.Get, $"/fhir/RelatedPerson?identifier={about.Value}", Token(asking));
        var body = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, response.IsSuccessStatusCode ? FhirJson.Parse<Bundle>(body) : null, body);
    }

    private static IEnumerable<string?> Patients(Bundle bundle) => bundle.Entry.Select(e => ((RelatedPerson)e.Resource).Patient.Identifier.Value);

    private async Task<HttpStatusCode> ReadConsentsAsync(PersonalIdentityNumber asking, PersonalIdentityNumber patient)
    {
        using var response = await fixture.Server.SendAsync(HttpMethod.Get, $"/fhir/Consent?patient={patient.Value}", Token(asking));
        return response.StatusCode;
    }

    [Fact]
    public async Task Guardian_SeesChildrenUnder13_NotFrom13_NeverAProtectedChild_AndOpensExactlyThose()
    {
        var guardian = await RegisterAsync(40);
        var young = await RegisterAsync(5, guardian);
        var teenager = await RegisterAsync(14, guardian);
        var hidden = await RegisterAsync(8, guardian);
        await Population.SetProtectedAsync(hidden, true, DateTimeOffset.UtcNow);

        var (status, bundle, _) = await RepresentedAsync(guardian, guardian);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal([young.Value], Patients(bundle!));
        var related = (RelatedPerson)bundle!.Entry[0].Resource;
        Assert.Equal("GUARD", related.Relationship[0].Coding[0].Code);
        Assert.Equal(guardian.Value, related.Identifier[0].Value);
        Assert.DoesNotContain(hidden.Value, FhirJson.Serialize(bundle));
        Assert.Equal(HttpStatusCode.OK, await ReadConsentsAsync(guardian, young));
        Assert.Equal(HttpStatusCode.Forbidden, await ReadConsentsAsync(guardian, teenager));
        Assert.Equal(HttpStatusCode.Forbidden, await ReadConsentsAsync(guardian, hidden));

        // The protection lifted: the child is the guardian's to see again.
        await Population.SetProtectedAsync(hidden, false, DateTimeOffset.UtcNow);
        Assert.Equal(HttpStatusCode.OK, await ReadConsentsAsync(guardian, hidden));
    }

    [Fact]
    public async Task Proxy_IsListedWhileInForce_NotBeforeItStarts_NorAfterItIsRevoked()
    {
        var patient = await RegisterAsync(50);
        var proxy = await RegisterAsync(30);
        var later = await RegisterAsync(31);
        await ConsentRequests.PostAsync(fixture.Server, fixture.Issuer, patient, "proxy", Proxy(proxy, Today.AddDays(-1)));
        await ConsentRequests.PostAsync(fixture.Server, fixture.Issuer, patient, "proxy", Proxy(later, Today.AddDays(10)));

        var (_, listed, _) = await RepresentedAsync(proxy, proxy);
        Assert.Equal([patient.Value], Patients(listed!));
        Assert.Equal("HPOWATT", ((RelatedPerson)listed!.Entry[0].Resource).Relationship[0].Coding[0].Code);
        Assert.Equal("view", ((RelatedPerson)listed.Entry[0].Resource).GetExtensionValue<Code>(RepresentationEndpoints.ScopeExtension).Value);
        Assert.Empty(Patients((await RepresentedAsync(later, later)).Bundle!));   // not yet in force
        Assert.Equal(HttpStatusCode.Forbidden, await ReadConsentsAsync(later, patient));

        // Revoked by the patient: gone from the list, and nothing opens.
        using var search = await fixture.Server.SendAsync(HttpMethod.Get, $"/fhir/Consent?patient={patient.Value}", Token(patient));
        var grant = FhirJson.Parse<Bundle>(await search.Content.ReadAsStringAsync()).Entry.Select(e => (Hl7.Fhir.Model.Consent)e.Resource)
            .Single(c => c.Provision.Actor.Any(a => a.Reference.Identifier.Value == proxy.Value));
        grant.Status = Hl7.Fhir.Model.Consent.ConsentState.Inactive;
        using var revoked = await fixture.Server.SendAsync(HttpMethod.Put, $"/fhir/Consent/{grant.Id}", Token(patient), FhirJson.Serialize(grant));
        Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);
        Assert.Empty(Patients((await RepresentedAsync(proxy, proxy)).Bundle!));
        Assert.Equal(HttpStatusCode.Forbidden, await ReadConsentsAsync(proxy, patient));
        using var record = await fixture.Server.SendAsync(HttpMethod.Get, $"/web/patient/record?patient={patient.Value}", Token(proxy));
        Assert.Equal(HttpStatusCode.Forbidden, record.StatusCode);
    }

    [Fact]
    public async Task Person_AsksOnlyWhomTheyThemselvesRepresent()
    {
        var guardian = await RegisterAsync(41);
        await RegisterAsync(4, guardian);
        var stranger = await RegisterAsync(42);

        var (status, _, body) = await RepresentedAsync(stranger, guardian);

        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains("NDI-REP-003", body, StringComparison.Ordinal);
        Assert.DoesNotContain("Person", body, StringComparison.Ordinal); // no name of anyone
    }

    [Fact]
    public async Task RecordPage_OfAnotherPatient_IsRefusedAndNamesNobody_AndNothingIsKeptByTheBrowser()
    {
        var patient = await RegisterAsync(35);
        var other = await RegisterAsync(36);

        using var own = await fixture.Server.SendAsync(HttpMethod.Get, $"/web/patient/record?patient={patient.Value}", Token(patient));
        using var theirs = await fixture.Server.SendAsync(HttpMethod.Get, $"/web/patient/record?patient={other.Value}", Token(patient));
        using var anonymous = await fixture.Server.SendAsync(HttpMethod.Get, $"/web/patient/record?patient={patient.Value}", token: null);

        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        Assert.Contains("class=\"record\"", await own.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal("no-store", own.Headers.CacheControl?.ToString());
        Assert.Equal(HttpStatusCode.Forbidden, theirs.StatusCode);
        var refused = await theirs.Content.ReadAsStringAsync();
        Assert.DoesNotContain("class=\"record\"", refused, StringComparison.Ordinal);
        Assert.DoesNotContain(other.Value, refused, StringComparison.Ordinal);
        Assert.DoesNotContain("Test Person", refused, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    [Fact]
    public async Task ResearchContactOptOut_IsOneSettingPerPatient_AndReachesThePolicysFacts()
    {
        var patient = await RegisterAsync(60);
        const string consent = """
            {"resourceType":"Consent","status":"active",
             "scope":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/consentscope","code":"research"}]},
             "category":[{"coding":[{"system":"urn:openndi:consent-kind","code":"optout-research-contact"}]}],
             "patient":{"identifier":{"system":"urn:oid:1.2.752.129.2.1.3.1","value":"PNR"}},
             "provision":{"type":"deny"}}
            """;
        using var first = await fixture.Server.SendAsync(HttpMethod.Post, "/fhir/Consent", Token(patient), consent.Replace("PNR", patient.Value, StringComparison.Ordinal));
        using var again = await fixture.Server.SendAsync(HttpMethod.Post, "/fhir/Consent", Token(patient), consent.Replace("PNR", patient.Value, StringComparison.Ordinal));
        using var wrongScope = await fixture.Server.SendAsync(HttpMethod.Post, "/fhir/Consent", Token(patient),
            consent.Replace("PNR", patient.Value, StringComparison.Ordinal).Replace("\"research\"", "\"patient-privacy\"", StringComparison.Ordinal));

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);   // the same setting, updated
        Assert.Equal(HttpStatusCode.BadRequest, wrongScope.StatusCode);
        var facts = await fixture.Server.Services.GetRequiredService<PatientPrivacyReader>().ReadAsync(patient, TestContext.Current.CancellationToken);
        Assert.True(facts.ResearchContactOptOut);
        Assert.False(facts.SecondaryUseOptOut);
        Assert.False(facts.PrimaryUseOptOut);
    }

    private static string Proxy(PersonalIdentityNumber representative, DateOnly start) => $$$$"""
        {"type":"permit","period":{"start":"{{{{start:yyyy-MM-dd}}}}"},
         "actor":[{"role":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v3-RoleCode","code":"HPOWATT"}]},"reference":{"identifier":{"system":"urn:oid:1.2.752.129.2.1.3.1","value":"{{{{representative.Value}}}}"}}}],
         "action":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/consentaction","code":"access"}]}]}
        """;
}
