using System.Net;
using Hl7.Fhir.Model;
using Microsoft.Extensions.DependencyInjection;
using OpenNdi.Core.Identifiers;
using OpenNdi.Core.Policy;
using OpenNdi.Data.Population;
using OpenNdi.Fhir;
using OpenNdi.Server.Consent;
using Task = System.Threading.Tasks.Task;

namespace OpenNdi.Server.Tests;

/// <summary>The patient's management of opt-out, blocks and proxies as FHIR Consent: who may, what is kept, what is refused.</summary>
[Trait("Category", "Security")]
public sealed class ConsentApiTests(TrustingServerFixture fixture) : IClassFixture<TrustingServerFixture>
{
    private const string Scope = "patient/Consent.cruds";
    private static readonly OrganizationNumber OtherOrg = OrganizationNumber.Parse("556012-5790");
    private static readonly string OtherUnit = HsaId.Create(OtherOrg, "V1").Value;

    /// <summary>One server; each test uses its own patients (identity numbers nobody else uses), so tests do not meet.</summary>

    private static int _next = 100;

    private static PersonalIdentityNumber NewPerson() => PersonalIdentityNumber.Create(new DateOnly(1970, 1, 1).AddDays(Interlocked.Increment(ref _next)), 420, coordination: false);

    private string PersonToken(PersonalIdentityNumber person, string scope = Scope) =>
        fixture.Issuer.PersonToken(scope, person);

    private static string Consent(PersonalIdentityNumber patient, string kind, string provision, string status = "active") => $$$"""
        {"resourceType":"Consent","status":"{{{status}}}",
         "scope":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/consentscope","code":"{{{(kind == "optout-secondary" ? "research" : "patient-privacy")}}}"}]},
         "category":[{"coding":[{"system":"urn:openndi:consent-kind","code":"{{{kind}}}"}]}],
         "patient":{"identifier":{"system":"urn:oid:1.2.752.129.2.1.3.1","value":"{{{patient.Value}}}"}},
         "provision":{{{provision}}}}
        """;

    private static string OptOut(PersonalIdentityNumber patient, string status = "active") => Consent(patient, "optout-primary", """{"type":"deny"}""", status);

    private static string UnitBlock(PersonalIdentityNumber patient, string status = "active") => Consent(patient, "block",
        "{\"type\":\"deny\",\"actor\":[{\"role\":{\"coding\":[{\"system\":\"urn:openndi:consent-block-target\",\"code\":\"care-unit\"}]},"
        + $"\"reference\":{{\"identifier\":{{\"system\":\"urn:oid:1.2.752.29.4.19\",\"value\":\"{OtherUnit}\"}}}}}}]}}", status);

    private static string ProxyGrant(PersonalIdentityNumber patient, PersonalIdentityNumber representative, bool manage, string start = "2026-01-01")
    {
        const string action = "{\"coding\":[{\"system\":\"http://terminology.hl7.org/CodeSystem/consentaction\",\"code\":\"ACTION\"}]}";
        var actions = manage ? $"{action.Replace("ACTION", "access", StringComparison.Ordinal)},{action.Replace("ACTION", "correct", StringComparison.Ordinal)}" : action.Replace("ACTION", "access", StringComparison.Ordinal);
        var actor = "{\"role\":{\"coding\":[{\"system\":\"http://terminology.hl7.org/CodeSystem/v3-RoleCode\",\"code\":\"HPOWATT\"}]},"
            + $"\"reference\":{{\"identifier\":{{\"system\":\"urn:oid:1.2.752.129.2.1.3.1\",\"value\":\"{representative.Value}\"}}}}}}";
        return Consent(patient, "proxy", $"{{\"type\":\"permit\",\"period\":{{\"start\":\"{start}\"}},\"actor\":[{actor}],\"action\":[{actions}]}}");
    }

    private Task<HttpResponseMessage> PostAsync(string token, string body) => fixture.Server.SendAsync(HttpMethod.Post, "/fhir/Consent", token, body);

    private async Task<Bundle> ListAsync(PersonalIdentityNumber patient)
    {
        using var response = await fixture.Server.SendAsync(HttpMethod.Get, $"/fhir/Consent?patient={patient.Value}", PersonToken(patient));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return FhirJson.Parse<Bundle>(await response.Content.ReadAsStringAsync());
    }

    private static async Task<string> CodeAsync(HttpResponseMessage response) =>
        FhirJson.Parse<OperationOutcome>(await response.Content.ReadAsStringAsync()).Issue.Single().Details.Coding.Single().Code!;

    private Task<PatientPrivacy> PrivacyAsync(PersonalIdentityNumber patient) =>
        fixture.Server.Services.GetRequiredService<PatientPrivacyReader>().ReadAsync(patient, TestContext.Current.CancellationToken);

    [Fact]
    public async Task OptOut_IsOneSettingPerPatient_WithEveryVersionKept_AndTheFactsFollowIt()
    {
        var patient = NewPerson();
        var token = PersonToken(patient);

        using var created = await PostAsync(token, OptOut(patient));
        var optedOut = (await PrivacyAsync(patient)).PrimaryUseOptOut;
        using var withdrawn = await PostAsync(token, OptOut(patient, "inactive"));
        var afterWithdrawal = (await PrivacyAsync(patient)).PrimaryUseOptOut;
        var list = await ListAsync(patient);
        var id = list.Entry.Single().Resource.Id;
        using var history = await fixture.Server.SendAsync(HttpMethod.Get, $"/fhir/Consent/{id}/_history", token);
        var versions = FhirJson.Parse<Bundle>(await history.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.True(optedOut);
        Assert.Equal(HttpStatusCode.OK, withdrawn.StatusCode);
        Assert.False(afterWithdrawal);
        Assert.Equal("2", list.Entry.Single().Resource.Meta.VersionId);
        Assert.Equal(["2", "1"], versions.Entry.Select(e => e.Resource.Meta.VersionId));
        Assert.Equal("patient-privacy", ((Hl7.Fhir.Model.Consent)list.Entry[0].Resource).Scope.Coding[0].Code);
    }

    [Fact]
    public async Task Block_IsRecorded_AndRevokedWithPut()
    {
        var patient = NewPerson();
        var token = PersonToken(patient);

        using var created = await PostAsync(token, UnitBlock(patient));
        var blocks = (await PrivacyAsync(patient)).Blocks;
        var id = FhirJson.Parse<Hl7.Fhir.Model.Consent>(await created.Content.ReadAsStringAsync()).Id;
        using var revoked = await fixture.Server.SendAsync(HttpMethod.Put, $"/fhir/Consent/{id}", token, UnitBlock(patient, "inactive"));

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal((BlockScope.CareUnit, OtherUnit), (blocks.Single().Scope, blocks.Single().CareUnit?.Value));
        Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);
        Assert.Empty((await PrivacyAsync(patient)).Blocks);
    }

    [Fact]
    public async Task ManageProxy_MayChangeSettings_ViewProxy_MayOnlyRead_Stranger_Neither()
    {
        var patient = NewPerson();
        var manager = NewPerson();
        var viewer = NewPerson();
        var stranger = NewPerson();
        using var grant1 = await PostAsync(PersonToken(patient), ProxyGrant(patient, manager, manage: true));
        using var grant2 = await PostAsync(PersonToken(patient), ProxyGrant(patient, viewer, manage: false));

        using var byManager = await PostAsync(PersonToken(manager), UnitBlock(patient));
        using var byViewer = await PostAsync(PersonToken(viewer), OptOut(patient));
        using var viewerReads = await fixture.Server.SendAsync(HttpMethod.Get, $"/fhir/Consent?patient={patient.Value}", PersonToken(viewer));
        using var strangerReads = await fixture.Server.SendAsync(HttpMethod.Get, $"/fhir/Consent?patient={patient.Value}", PersonToken(stranger));
        using var strangerWrites = await PostAsync(PersonToken(stranger), OptOut(patient));

        Assert.Equal(HttpStatusCode.Created, grant1.StatusCode);
        Assert.Equal(HttpStatusCode.Created, grant2.StatusCode);
        Assert.Equal(HttpStatusCode.Created, byManager.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, byViewer.StatusCode);
        Assert.Equal("NDI-CNS-004", await CodeAsync(byViewer));
        Assert.Equal(HttpStatusCode.OK, viewerReads.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, strangerReads.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, strangerWrites.StatusCode);
        Assert.Equal(3, (await ListAsync(patient)).Entry.Count); // two proxies and the manager's block; no opt-out
        Assert.False((await PrivacyAsync(patient)).PrimaryUseOptOut);
    }

    [Fact]
    public async Task Guardian_OfAYoungChild_ManagesTheChildsSettings()
    {
        var population = new PopulationStore(fixture.Server.Database.Database);
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        PersonalIdentityNumber? child = null, guardian = null;
        foreach (var person in await population.ListAsync(0, NdiServer.Persons))
        {
            if (Representatives.AgeOn(person.BirthDate, today) < 12 && (await population.GuardiansOfAsync(person.Id)) is [var first, ..])
            {
                (child, guardian) = (person.Id, first);
                break;
            }
        }
        Assert.NotNull(child);

        using var response = await PostAsync(PersonToken(guardian!.Value), OptOut(child!.Value));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.True((await PrivacyAsync(child.Value)).PrimaryUseOptOut);
    }

    [Theory]
    [InlineData("cross-border", HttpStatusCode.Created, true)]
    [InlineData("all", HttpStatusCode.Created, false)]
    [InlineData("elsewhere", HttpStatusCode.BadRequest, false)]
    public async Task Block_ForCrossBorderSharingOnly_IsReadIntoTheFacts(string reach, HttpStatusCode expected, bool crossBorderOnly)
    {
        var patient = NewPerson();
        var body = UnitBlock(patient).Replace("\"category\":[", "\"category\":[{\"coding\":[{\"system\":\"urn:openndi:consent-block-reach\",\"code\":\"" + reach + "\"}]},", StringComparison.Ordinal);

        using var response = await PostAsync(PersonToken(patient), body);

        Assert.Equal(expected, response.StatusCode);
        var blocks = (await PrivacyAsync(patient)).Blocks;
        if (expected == HttpStatusCode.Created)
            Assert.Equal(crossBorderOnly, Assert.Single(blocks).CrossBorderOnly);
        else
            Assert.Empty(blocks);
    }

    [Theory]
    [InlineData("SE5560125790-2000", "urn:oid:1.2.752.129.2.1.4.1", "2026-12-01", "2026-12-31", HttpStatusCode.Created)]
    [InlineData("DE:LANR-123456789", "urn:openndi:eu-professional", "2026-12-01", "2027-02-28", HttpStatusCode.Created)]
    [InlineData("SE5560125790-2000", "urn:oid:1.2.752.129.2.1.4.1", "2026-12-01", "", HttpStatusCode.BadRequest)]           // no end: not time-limited
    [InlineData("SE5560125790-2000", "urn:oid:1.2.752.129.2.1.4.1", "2026-12-01", "2028-12-01", HttpStatusCode.BadRequest)] // longer than a year
    [InlineData("Dr Müller in Berlin", "urn:openndi:eu-professional", "2026-12-01", "2026-12-31", HttpStatusCode.BadRequest)]
    public async Task Share_IsTimeLimited_AndNamesItsRecipient(string recipient, string system, string start, string end, HttpStatusCode expected)
    {
        var patient = NewPerson();
        var period = end.Length == 0 ? $"{{\"start\":\"{start}\"}}" : $"{{\"start\":\"{start}\",\"end\":\"{end}\"}}";
        var provision = $"{{\"type\":\"permit\",\"period\":{period},\"code\":[{{\"coding\":[{{\"system\":\"http://loinc.org\",\"code\":\"60591-5\"}}]}}],"
            + $"\"actor\":[{{\"role\":{{\"coding\":[{{\"system\":\"http://terminology.hl7.org/CodeSystem/v3-ParticipationType\",\"code\":\"IRCP\"}}]}},\"reference\":{{\"identifier\":{{\"system\":\"{system}\",\"value\":\"{recipient}\"}}}}}}]}}";

        using var response = await PostAsync(PersonToken(patient), Consent(patient, "share", provision));

        Assert.Equal(expected, response.StatusCode);
        var shares = (await PrivacyAsync(patient)).Shares;
        if (expected != HttpStatusCode.Created)
        {
            Assert.Empty(shares);
            return;
        }
        var share = Assert.Single(shares);
        Assert.Equal(recipient, share.Provider?.Value ?? share.ForeignProfessional);
        Assert.Equal(DateOnly.Parse(end, System.Globalization.CultureInfo.InvariantCulture), share.End);
    }

    [Fact]
    public async Task Professional_CannotManageConsents()
    {
        var patient = NewPerson();
        var token = fixture.Issuer.Token(Scope, claims: new Dictionary<string, object>
        {
            ["ndi_actor"] = "professional", ["subject_organization_id"] = HsaId.Create(OtherOrg, "2000").Value, ["care_unit_id"] = OtherUnit,
        });

        using var response = await PostAsync(token, OptOut(patient));

        // Consents are managed in the patient/ context: a professional's token is refused for its context before the handler.
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("NDI-IAM-003", await CodeAsync(response));
    }

    public static TheoryData<string, string, int, string> BadInputs => new()
    {
        { "malformed JSON", """{"resourceType":"Consent",""", 400, "NDI-CNS-002" },
        { "not a Consent", """{"resourceType":"Patient"}""", 400, "NDI-CNS-002" },
        { "unknown kind", "kind:optout-everything", 400, "NDI-CNS-003" },
        { "invalid personnummer", "pnr:198001011235", 400, "NDI-CNS-003" },
        { "block naming nothing", "provision:{\"type\":\"deny\"}", 400, "NDI-CNS-003" },
        { "block ending before it starts", "provision:{\"type\":\"deny\",\"period\":{\"start\":\"2026-02-01\",\"end\":\"2026-01-01\"},\"code\":[{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"11502-2\"}]}]}", 400, "NDI-CNS-003" },
        { "unknown category", "provision:{\"type\":\"deny\",\"code\":[{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"0000-0\"}]}]}", 400, "NDI-CNS-003" },
        { "proxy without start", "proxy-no-start", 400, "NDI-CNS-003" },
        { "oversized body", "huge", 413, "NDI-CNS-008" },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public async Task BadInput_GetsAnOperationOutcome_AndChangesNothing(string why, string input, int status, string code)
    {
        var patient = NewPerson();
        var body = input switch
        {
            _ when input.StartsWith("kind:", StringComparison.Ordinal) => Consent(patient, input[5..], """{"type":"deny"}"""),
            _ when input.StartsWith("pnr:", StringComparison.Ordinal) => OptOut(patient).Replace(patient.Value, input[4..], StringComparison.Ordinal),
            _ when input.StartsWith("provision:", StringComparison.Ordinal) => Consent(patient, "block", input[10..]),
            "proxy-no-start" => ProxyGrant(patient, NewPerson(), manage: false).Replace("\"period\":{\"start\":\"2026-01-01\"},", "", StringComparison.Ordinal),
            "huge" => OptOut(patient).Replace("\"status\"", $"\"text\":{{\"status\":\"generated\",\"div\":\"<div xmlns=\\\"http://www.w3.org/1999/xhtml\\\">{new string('x', 70_000)}</div>\"}},\"status\"", StringComparison.Ordinal),
            _ => input,
        };

        using var response = await PostAsync(PersonToken(patient), body);

        Assert.True(status == (int)response.StatusCode, $"{why}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        Assert.Equal(code, await CodeAsync(response));
        Assert.Empty((await ListAsync(patient)).Entry);
    }

    [Fact]
    public async Task Put_CannotMoveAConsentToAnotherPatient_OrInventOne()
    {
        var patient = NewPerson();
        var token = PersonToken(patient);
        using var created = await PostAsync(token, UnitBlock(patient));
        var id = FhirJson.Parse<Hl7.Fhir.Model.Consent>(await created.Content.ReadAsStringAsync()).Id;
        var other = NewPerson();

        using var moved = await fixture.Server.SendAsync(HttpMethod.Put, $"/fhir/Consent/{id}", token, UnitBlock(other));
        using var invented = await fixture.Server.SendAsync(HttpMethod.Put, "/fhir/Consent/nope", token, UnitBlock(patient));

        Assert.Equal(HttpStatusCode.BadRequest, moved.StatusCode);
        Assert.Equal("NDI-CNS-005", await CodeAsync(moved));
        Assert.Equal(HttpStatusCode.NotFound, invented.StatusCode);
        Assert.Single((await PrivacyAsync(patient)).Blocks);
    }
}
