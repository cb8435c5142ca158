using OpenNdi.Core.Identity;
using System.Net;
using Hl7.Fhir.Model;
using OpenNdi.Core.Identifiers;
using OpenNdi.Core.Index;
using OpenNdi.Core.Policy;
using OpenNdi.Data.Audit;
using OpenNdi.Data.Index;
using OpenNdi.Data.Population;
using OpenNdi.Fhir;
using Task = System.Threading.Tasks.Task;

namespace OpenNdi.Server.Tests;

/// <summary>
/// The audit log through the server: what each flow writes (lookups with denials, emergency breaks and
/// representatives, consent changes, reads of the log), who may read which records, and that an access which cannot
/// be logged is not given.
/// </summary>
[Trait("Category", "Security")]
public sealed class AuditApiTests(TrustingServerFixture fixture) : IClassFixture<TrustingServerFixture>
{
    private static readonly OrganizationNumber RegionOrg = OrganizationNumber.Parse("232100-0016");
    private static readonly OrganizationNumber OwnOrg = OrganizationNumber.Parse("556012-5790");
    private static readonly HsaId Region = HsaId.Create(RegionOrg, "1000");
    private static readonly HsaId RegionLabUnit = HsaId.Create(RegionOrg, "15CQ");
    private static readonly HsaId Own = HsaId.Create(OwnOrg, "2000");
    private static readonly HsaId OwnUnit = HsaId.Create(OwnOrg, "V1");
    private const string ClinicianId = "SE2321000016-15CQ"; // the test issuer's subject

    private static int _next = 300;

    /// <summary>A patient of their own for each test, with a lab result at the region and a problem list at the clinician's own provider.</summary>
    private async Task<PersonalIdentityNumber> PatientWithEntriesAsync(PersonalIdentityNumber? patient = null)
    {
        var id = patient ?? PersonalIdentityNumber.Create(new DateOnly(1960, 1, 1).AddDays(Interlocked.Increment(ref _next)), 420, coordination: false);
        await new IndexStore(fixture.Server.Database.Database).PublishAsync(
        [
            new IndexEntry(new IndexEntryKey(id, DataCategory.Laboratory, RegionLabUnit, "ehr-1", "lab-1"), Region, new(2024, 1, 1), new(2025, 1, 1)),
            new IndexEntry(new IndexEntryKey(id, DataCategory.Problems, OwnUnit, "own-ehr", "problems"), Own, new(2023, 5, 1), new(2025, 6, 1)),
        ]);
        return id;
    }

    private string ClinicianToken(HsaId? provider = null) => fixture.Issuer.Token("user/DocumentReference.rs user/AuditEvent.rs", claims: new Dictionary<string, object>(IndexApiTests.ClinicianClaims)
    {
        ["subject_organization_id"] = (provider ?? Own).Value, ["subject_name"] = "Dr Åsa Öberg", ["subject_role"] = "läkare",
    });

    /// <summary>A colleague at the same provider (another HSA-id), or its log reviewer.</summary>
    private string ColleagueToken(string localPart, bool logReviewer = false)
    {
        var claims = new Dictionary<string, object>(IndexApiTests.ClinicianClaims)
        {
            ["sub"] = HsaId.Create(OwnOrg, localPart).Value, ["subject_organization_id"] = Own.Value, ["subject_name"] = "Eva Holm",
        };
        if (logReviewer)
            claims["ndi_roles"] = NdiRoles.LogReviewer;
        return fixture.Issuer.Token("user/DocumentReference.rs user/AuditEvent.rs", claims: claims);
    }

    private string PersonToken(PersonalIdentityNumber person, string? assurance = AssuranceLevels.Loa3) =>
        fixture.Issuer.PersonToken("patient/DocumentReference.rs patient/AuditEvent.rs patient/Consent.cruds", person, assurance);

    private string OperatorToken() => fixture.Issuer.Token("user/AuditEvent.rs", claims: new Dictionary<string, object> { ["ndi_actor"] = "operator" });

    private Task<HttpResponseMessage> LookupAsync(PersonalIdentityNumber patient, string token, bool careRelationship = true, string? emergency = null)
    {
        var headers = new Dictionary<string, string>();
        if (careRelationship)
            headers["Ndi-Care-Relationship"] = "declared";
        if (emergency is not null)
            headers["Ndi-Emergency-Reason"] = emergency;
        return fixture.Server.SendAsync(HttpMethod.Get, $"/fhir/DocumentReference?patient.identifier={patient.Value}", token, headers: headers);
    }

    private async Task<List<AuditEvent>> SearchAsync(string query, string token)
    {
        using var response = await fixture.Server.SendAsync(HttpMethod.Get, "/fhir/AuditEvent?" + query, token);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        return [.. FhirJson.Parse<Bundle>(body).Entry.Select(e => (AuditEvent)e.Resource)];
    }

    private static string? Code(AuditEvent e, string system = "https://openndi.se/fhir/CodeSystem/audit-event") => e.Subtype.FirstOrDefault(c => c.System == system)?.Code;

    private static async Task<string> ErrorCodeAsync(HttpResponseMessage response) =>
        FhirJson.Parse<OperationOutcome>(await response.Content.ReadAsStringAsync()).Issue.Single().Details.Coding.Single().Code ?? "";

    private async Task PostBlockAsync(PersonalIdentityNumber patient, HsaId unit)
    {
        var consent = $$$$"""
            {"resourceType":"Consent","status":"active",
             "scope":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/consentscope","code":"patient-privacy"}]},
             "category":[{"coding":[{"system":"urn:openndi:consent-kind","code":"block"}]}],
             "patient":{"identifier":{"system":"urn:oid:1.2.752.129.2.1.3.1","value":"{{{{patient.Value}}}}"}},
             "provision":{"type":"deny","actor":[{"role":{"coding":[{"system":"urn:openndi:consent-block-target","code":"care-unit"}]},
               "reference":{"identifier":{"system":"urn:oid:1.2.752.29.4.19","value":"{{{{unit.Value}}}}"}}}]}}
            """;
        using var response = await fixture.Server.SendAsync(HttpMethod.Post, "/fhir/Consent", PersonToken(patient), consent);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Fact]
    public async Task APatient_SeesWhoLookedThemUp_WithNameProviderUnitAndPurpose_InBalpShape()
    {
        var patient = await PatientWithEntriesAsync();
        (await LookupAsync(patient, ClinicianToken())).EnsureSuccessStatusCode();

        var events = await SearchAsync($"patient.identifier={patient.Value}", PersonToken(patient));

        var lookup = Assert.Single(events, e => Code(e) == "index-lookup");
        var who = lookup.Agent.Single(a => a.Requestor == true);
        Assert.Equal((ClinicianId, "Dr Åsa Öberg"), (who.Who.Identifier.Value, who.Who.Display));
        Assert.Equal(OwnUnit.Value, who.Location.Identifier.Value);
        Assert.Contains(lookup.Agent, a => a.Type.Coding[0].Code == "PROV" && a.Who.Identifier.Value == Own.Value);
        Assert.Equal("TREAT", lookup.PurposeOfEvent.Single().Coding[0].Code);
        Assert.Equal("https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit.PatientQuery", lookup.Meta.Profile.Single());
        Assert.Equal(AuditEvent.AuditEventOutcome.N0, lookup.Outcome);
        Assert.Equal(patient.Value, lookup.Entity.Single(e => e.Role?.Code == "1").What.Identifier.Value);
        Assert.Contains(lookup.Entity, e => e.Description == "released 1: care-relationship" && e.Detail.Any(d => d.Value is FhirString { Value: var p } && p == Region.Value));
    }

    [Fact]
    public async Task ADeniedLookup_IsLoggedAsAMinorFailure_WithTheReason()
    {
        var patient = await PatientWithEntriesAsync();
        (await LookupAsync(patient, ClinicianToken(), careRelationship: false)).EnsureSuccessStatusCode();
        using (var noScope = await fixture.Server.SendAsync(HttpMethod.Get, $"/fhir/DocumentReference?patient.identifier={patient.Value}",
            fixture.Issuer.Token("patient/DocumentReference.rs", claims: IndexApiTests.ClinicianClaims)))
            Assert.Equal(HttpStatusCode.Forbidden, noScope.StatusCode);

        var events = await SearchAsync($"patient.identifier={patient.Value}", PersonToken(patient));

        // The lookup the policy denied, and the one refused for its scope before the handler: both in the patient's own log.
        Assert.Contains(events, e => Code(e) == "index-lookup" && e.Entity.Any(x => x.Description == "withheld 1: no-care-relationship"));
        Assert.Contains(events, e => Code(e) == "access-refused" && e.Outcome == AuditEvent.AuditEventOutcome.N4 && e.OutcomeDesc.StartsWith("insufficient scope", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AnEmergencyBreak_IsLabelled_AndListedForTheProvidersFollowUp_NotForOtherProviders()
    {
        var patient = await PatientWithEntriesAsync();
        await PostBlockAsync(patient, RegionLabUnit);
        (await LookupAsync(patient, ClinicianToken(), emergency: "cardiac arrest, no relatives reachable")).EnsureSuccessStatusCode();
        (await LookupAsync(patient, ClinicianToken())).EnsureSuccessStatusCode(); // blocked, no break: not on the list

        var seenByPatient = (await SearchAsync($"patient.identifier={patient.Value}", PersonToken(patient))).Where(e => Code(e) == "index-lookup").ToList();
        var followUp = await SearchAsync("emergency=true", ColleagueToken("LOG1", logReviewer: true));
        var supervisor = await SearchAsync($"emergency=true&agent-provider={Own.Value}", OperatorToken());
        var otherProvider = await SearchAsync("emergency=true", fixture.Issuer.Token("user/AuditEvent.rs", claims: new Dictionary<string, object>(IndexApiTests.ClinicianClaims)
        {
            ["subject_organization_id"] = Region.Value, ["ndi_roles"] = NdiRoles.LogReviewer,
        }));
        using var otherAsks = await fixture.Server.SendAsync(HttpMethod.Get, $"/fhir/AuditEvent?emergency=true&agent-provider={Own.Value}", ClinicianToken(Region));

        var broken = Assert.Single(seenByPatient, e => e.Meta.Security.Any(s => s.Code == "BTG"));
        Assert.Equal("ETREAT", broken.PurposeOfEvent.Single().Coding[0].Code);
        Assert.Equal("cardiac arrest, no relatives reachable", broken.Entity.Single(x => x.Name == "emergency-reason").Description);
        Assert.Contains(broken.Entity, x => x.Description == "released 1: emergency-break");
        Assert.Contains(followUp, e => e.Id == broken.Id);
        Assert.Contains(supervisor, e => e.Id == broken.Id);
        Assert.DoesNotContain(otherProvider, e => e.Id == broken.Id);
        Assert.Equal(HttpStatusCode.Forbidden, otherAsks.StatusCode);
        Assert.Equal("NDI-AUD-004", await ErrorCodeAsync(otherAsks));
        Assert.All(followUp, e => Assert.Contains(e.Meta.Security, s => s.Code == "BTG"));
    }

    [Fact]
    public async Task AGuardiansLookup_ShowsBothIdentities_AndTheGuardianReadsTheChildsLog_ButNoOneElses()
    {
        var (child, guardian) = await ChildAndGuardianAsync();
        await PatientWithEntriesAsync(child);
        (await LookupAsync(child, PersonToken(guardian), careRelationship: false)).EnsureSuccessStatusCode();
        var stranger = await PatientWithEntriesAsync();

        var events = await SearchAsync($"patient.identifier={child.Value}", PersonToken(guardian));
        using var strangersLog = await fixture.Server.SendAsync(HttpMethod.Get, $"/fhir/AuditEvent?patient.identifier={stranger.Value}", PersonToken(guardian));
        using var noPatient = await fixture.Server.SendAsync(HttpMethod.Get, "/fhir/AuditEvent", PersonToken(guardian));

        var lookup = Assert.Single(events, e => Code(e) == "index-lookup");
        var requestor = lookup.Agent.Single(a => a.Requestor == true);
        Assert.Equal(guardian.Value, requestor.Who.Identifier.Value);
        Assert.Contains(requestor.Role, r => r.Coding.Any(c => c.Code == "AGNT"));
        Assert.Equal(child.Value, lookup.Agent.Single(a => a.Type.Coding[0].Code == "PAT").Who.Identifier.Value);
        Assert.Equal(HttpStatusCode.Forbidden, strangersLog.StatusCode);
        Assert.Equal("NDI-AUD-003", await ErrorCodeAsync(strangersLog));
        Assert.Equal(HttpStatusCode.BadRequest, noPatient.StatusCode);
        Assert.Equal("NDI-AUD-002", await ErrorCodeAsync(noPatient));
    }

    [Fact]
    public async Task SettingsChanges_AreLogged_WithTheRepresentedPatient()
    {
        var (child, guardian) = await ChildAndGuardianAsync();
        var block = $$$"""
            {"resourceType":"Consent","status":"active",
             "scope":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/consentscope","code":"patient-privacy"}]},
             "category":[{"coding":[{"system":"urn:openndi:consent-kind","code":"optout-primary"}]}],
             "patient":{"identifier":{"system":"urn:oid:1.2.752.129.2.1.3.1","value":"{{{child.Value}}}"}},
             "provision":{"type":"deny"}}
            """;
        using (var response = await fixture.Server.SendAsync(HttpMethod.Post, "/fhir/Consent", PersonToken(guardian), block))
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);

        var events = await SearchAsync($"patient.identifier={child.Value}", PersonToken(guardian));
        var byGuardian = Assert.Single(events, e => Code(e) == "consent-change" && e.Agent.Single(a => a.Requestor == true).Who.Identifier.Value == guardian.Value);
        Assert.Equal(child.Value, byGuardian.Agent.Single(a => a.Type.Coding[0].Code == "PAT").Who.Identifier.Value);
        Assert.Equal(AuditEvent.AuditEventAction.C, byGuardian.Action);
        Assert.Contains(byGuardian.Entity, e => e.Name == "consent" && e.What.Display.StartsWith("Consent/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ReadingTheLog_IsLoggedToo_AndOneRecordIsReadableOnlyByThoseWhoMay()
    {
        var patient = await PatientWithEntriesAsync();
        (await LookupAsync(patient, ClinicianToken())).EnsureSuccessStatusCode();
        var first = await SearchAsync($"patient.identifier={patient.Value}", PersonToken(patient));
        var lookup = first.Single(e => Code(e) == "index-lookup");

        using var own = await fixture.Server.SendAsync(HttpMethod.Get, $"/fhir/AuditEvent/{lookup.Id}", PersonToken(patient));
        using var other = await fixture.Server.SendAsync(HttpMethod.Get, $"/fhir/AuditEvent/{lookup.Id}", PersonToken(await PatientWithEntriesAsync()));
        using var nonsense = await fixture.Server.SendAsync(HttpMethod.Get, "/fhir/AuditEvent/not-an-id", PersonToken(patient));
        var second = await SearchAsync($"patient.identifier={patient.Value}", PersonToken(patient));

        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        Assert.Equal(lookup.Id, FhirJson.Parse<AuditEvent>(await own.Content.ReadAsStringAsync()).Id);
        Assert.Equal((HttpStatusCode.NotFound, HttpStatusCode.NotFound), (other.StatusCode, nonsense.StatusCode));
        Assert.Contains(second, e => Code(e) == "audit-query" && e.Agent.Single(a => a.Requestor == true).Who.Identifier.Value == patient.Value);
        Assert.Equal(Enumerable.Range(0, second.Count).Select(_ => true), second.Zip(second.Skip(1)).Select(p => p.First.Recorded >= p.Second.Recorded).Prepend(true));
    }

    [Fact]
    public async Task AProfessional_ReadsOnlyTheirOwnAccesses_WhileTheLogReviewerReadsTheWholeProvidersLog()
    {
        var patient = await PatientWithEntriesAsync();
        (await LookupAsync(patient, ClinicianToken())).EnsureSuccessStatusCode();
        (await LookupAsync(patient, ColleagueToken("DOC9"))).EnsureSuccessStatusCode();
        var colleague = HsaId.Create(OwnOrg, "DOC9").Value;

        var reviewed = (await SearchAsync($"patient.identifier={patient.Value}", ColleagueToken("LOG1", logReviewer: true))).Where(e => Code(e) == "index-lookup").ToList();
        var ownOnly = (await SearchAsync($"patient.identifier={patient.Value}", ClinicianToken())).Where(e => Code(e) == "index-lookup").ToList();
        using var asksForColleague = await fixture.Server.SendAsync(HttpMethod.Get, $"/fhir/AuditEvent?agent.identifier={colleague}", ClinicianToken());
        var colleaguesRecord = reviewed.Single(e => e.Agent.Single(a => a.Requestor == true).Who.Identifier.Value == colleague);
        using var readsColleaguesRecord = await fixture.Server.SendAsync(HttpMethod.Get, $"/fhir/AuditEvent/{colleaguesRecord.Id}", ClinicianToken());
        using var reviewerReadsIt = await fixture.Server.SendAsync(HttpMethod.Get, $"/fhir/AuditEvent/{colleaguesRecord.Id}", ColleagueToken("LOG1", logReviewer: true));

        Assert.Equal([ClinicianId, colleague], reviewed.Select(e => e.Agent.Single(a => a.Requestor == true).Who.Identifier.Value).Order(StringComparer.Ordinal));
        Assert.Equal([ClinicianId], ownOnly.Select(e => e.Agent.Single(a => a.Requestor == true).Who.Identifier.Value));
        Assert.Equal(HttpStatusCode.Forbidden, asksForColleague.StatusCode);
        Assert.Equal("NDI-AUD-006", await ErrorCodeAsync(asksForColleague));
        Assert.Equal(HttpStatusCode.NotFound, readsColleaguesRecord.StatusCode);
        Assert.Equal(HttpStatusCode.OK, reviewerReadsIt.StatusCode);
    }

    [Theory]
    [InlineData(AssuranceLevels.Loa2)]
    [InlineData("http://id.elegnamnden.se/loa/1.0/loa5")]
    [InlineData(null)]
    public async Task APersonLoggedInBelowLevel3_ReadsAndChangesNothing_AndTheRefusalIsLogged(string? assurance)
    {
        var patient = await PatientWithEntriesAsync();
        var weak = PersonToken(patient, assurance);
        const string optOut = """
            {"resourceType":"Consent","status":"active",
             "scope":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/consentscope","code":"patient-privacy"}]},
             "category":[{"coding":[{"system":"urn:openndi:consent-kind","code":"optout-primary"}]}],
             "patient":{"identifier":{"system":"urn:oid:1.2.752.129.2.1.3.1","value":"PATIENT"}},
             "provision":{"type":"deny"}}
            """;

        var answers = new List<HttpResponseMessage>
        {
            await LookupAsync(patient, weak, careRelationship: false),
            await fixture.Server.SendAsync(HttpMethod.Get, $"/fhir/AuditEvent?patient.identifier={patient.Value}", weak),
            await fixture.Server.SendAsync(HttpMethod.Get, $"/fhir/Consent?patient={patient.Value}", weak),
            await fixture.Server.SendAsync(HttpMethod.Post, "/fhir/Consent", weak, optOut.Replace("PATIENT", patient.Value, StringComparison.Ordinal)),
        };
        var strong = await SearchAsync($"patient.identifier={patient.Value}", PersonToken(patient, AssuranceLevels.EidasHigh));
        using var consents = await fixture.Server.SendAsync(HttpMethod.Get, $"/fhir/Consent?patient={patient.Value}", PersonToken(patient, AssuranceLevels.Loa4));

        foreach (var answer in answers)
        {
            Assert.Equal(HttpStatusCode.Forbidden, answer.StatusCode);
            Assert.Equal("NDI-IAM-006", await ErrorCodeAsync(answer));
            answer.Dispose();
        }
        // The three refused reads name the patient in their query, so they are in the patient's own log; the refused
        // POST was turned away before its body was read, and is logged with its request only.
        Assert.Equal(3, strong.Count(e => Code(e) == "access-refused" && e.OutcomeDesc == "login below the assurance level health data needs"));
        Assert.Equal(HttpStatusCode.OK, consents.StatusCode);
        Assert.DoesNotContain(FhirJson.Parse<Bundle>(await consents.Content.ReadAsStringAsync()).Entry, e => e.Resource is Hl7.Fhir.Model.Consent);
    }

    [Fact]
    public async Task Export_StreamsEveryMatchingRecord_AsNdjson_AndPagesLinkOn()
    {
        var patient = await PatientWithEntriesAsync();
        for (var i = 0; i < 3; i++)
            (await LookupAsync(patient, ClinicianToken())).EnsureSuccessStatusCode();

        using var export = await fixture.Server.SendAsync(HttpMethod.Get, $"/fhir/AuditEvent/$export?patient.identifier={patient.Value}", PersonToken(patient));
        var lines = (await export.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        using var page = await fixture.Server.SendAsync(HttpMethod.Get, $"/fhir/AuditEvent?patient.identifier={patient.Value}&_count=2", PersonToken(patient));
        var bundle = FhirJson.Parse<Bundle>(await page.Content.ReadAsStringAsync());
        var next = bundle.Link.Single(l => l.Relation == "next").Url;
        using var nextPage = await fixture.Server.SendAsync(HttpMethod.Get, next[next.IndexOf("/fhir/", StringComparison.Ordinal)..], PersonToken(patient));
        var rest = FhirJson.Parse<Bundle>(await nextPage.Content.ReadAsStringAsync());

        Assert.Equal("application/fhir+ndjson", export.Content.Headers.ContentType?.MediaType);
        Assert.Equal(3, lines.Select(FhirJson.Parse).OfType<AuditEvent>().Count(e => Code(e) == "index-lookup"));
        Assert.Equal(2, bundle.Entry.Count);
        Assert.Empty(bundle.Entry.Select(e => e.Resource.Id).Intersect(rest.Entry.Select(e => e.Resource.Id)));
        Assert.True(rest.Entry.Count >= 2);
    }

    [Fact]
    public async Task ARequestRefusedForItsScopesBeforeTheHandler_IsLoggedToo()
    {
        var patient = await PatientWithEntriesAsync();
        using (var refused = await fixture.Server.SendAsync(HttpMethod.Get, $"/fhir/DocumentReference?patient.identifier={patient.Value}",
            fixture.Issuer.Token("user/Patient.rs", claims: IndexApiTests.ClinicianClaims)))
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);

        var events = await SearchAsync($"agent.identifier={ClinicianId}&_count=1000", OperatorToken());

        var record = Assert.Single(events, e => Code(e) == "access-refused" && e.Entity.Any(x => x.What?.Display?.Contains(patient.Value, StringComparison.Ordinal) == true));
        Assert.Equal(AuditEvent.AuditEventOutcome.N4, record.Outcome);
        Assert.StartsWith("insufficient scope", record.OutcomeDesc, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AProfessionalWithAPatientScope_IsRefused()
    {
        var token = fixture.Issuer.Token("patient/AuditEvent.rs", claims: IndexApiTests.ClinicianClaims);

        using var response = await fixture.Server.SendAsync(HttpMethod.Get, "/fhir/AuditEvent?emergency=true", token);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("NDI-IAM-003", await ErrorCodeAsync(response));
    }

    [Theory]
    [InlineData("_count=0")]
    [InlineData("date=2026-11-01")]
    [InlineData("emergency=maybe")]
    [InlineData("agent-provider=nonsense")]
    [InlineData("patient.identifier=191212121213")]
    [InlineData("subject=x")]
    [InlineData("_cursor=bm90LWEtY3Vyc29y")]
    public async Task BadParameters_AreRefusedWithAnOutcome(string query)
    {
        using var response = await fixture.Server.SendAsync(HttpMethod.Get, "/fhir/AuditEvent?" + query, OperatorToken());

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("NDI-AUD-001", await ErrorCodeAsync(response));
    }

    [Fact]
    public async Task AfterAllThat_TheChainVerifies()
    {
        var patient = await PatientWithEntriesAsync();
        (await LookupAsync(patient, ClinicianToken(), emergency: "stroke, patient aphasic")).EnsureSuccessStatusCode();

        var results = await AuditVerification.VerifyAsync(new AuditStore(fixture.Server.Database.Database));

        Assert.NotEmpty(results);
        Assert.All(results, r => Assert.True(r.Intact, r.Break?.ToString()));
    }

    private async Task<(PersonalIdentityNumber Child, PersonalIdentityNumber Guardian)> ChildAndGuardianAsync()
    {
        var population = new PopulationStore(fixture.Server.Database.Database);
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        foreach (var person in await population.ListAsync(0, NdiServer.Persons))
        {
            if (Representatives.AgeOn(person.BirthDate, today) < 12 && (await population.GuardiansOfAsync(person.Id)) is [var first, ..])
                return (person.Id, first);
        }
        throw new InvalidOperationException("the test population has no young child with a guardian");
    }
}

/// <summary>An access that cannot be logged is not given.</summary>
public sealed class AuditUnavailableTests
{
    [Fact]
    public async Task WhenTheLogCannotStore_TheLookupIsRefusedWith503_AndReturnsNoEntries()
    {
        using var issuer = new TestIssuer("https://idp.national.example");
        await using var server = await NdiServer.StartTrustingAsync("sqlite", issuer);
        var patient = PersonalIdentityNumber.Parse("191212121212");
        await new IndexStore(server.Database.Database).PublishAsync(
            [new IndexEntry(new IndexEntryKey(patient, DataCategory.Laboratory, HsaId.Parse("SE5560125790-V1"), "ehr", "lab"), HsaId.Parse("SE5560125790-2000"), new(2024, 1, 1), new(2024, 1, 1))]);
        await using (var connection = await server.Database.Database.OpenConnectionAsync())
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "ALTER TABLE audit_events RENAME TO audit_events_gone";
            await command.ExecuteNonQueryAsync();
        }

        using var response = await server.SendAsync(HttpMethod.Get, $"/fhir/DocumentReference?patient.identifier={patient.Value}",
            issuer.Token("user/DocumentReference.rs", claims: IndexApiTests.ClinicianClaims), headers: IndexApiTests.CareRelationship);
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("NDI-AUD-010", body);
        Assert.DoesNotContain("DocumentReference\"", body);
    }
}
