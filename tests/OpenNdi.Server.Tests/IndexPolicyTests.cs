using System.Net;
using Hl7.Fhir.Model;
using OpenNdi.Core.Identifiers;
using OpenNdi.Core.Index;
using OpenNdi.Data.Index;
using OpenNdi.Fhir;
using Task = System.Threading.Tasks.Task;

namespace OpenNdi.Server.Tests;

/// <summary>Index lookups decided by the access policy: care relationship, opt-out, blocks and the emergency break.</summary>
[Trait("Category", "Security")]
public sealed class IndexPolicyTests : IDisposable
{
    private static readonly PersonalIdentityNumber Patient = PersonalIdentityNumber.Parse("191212121212");
    private static readonly OrganizationNumber RegionOrg = OrganizationNumber.Parse("232100-0016");
    private static readonly OrganizationNumber OwnOrg = OrganizationNumber.Parse("556012-5790");
    private static readonly HsaId Region = HsaId.Create(RegionOrg, "1000");
    private static readonly HsaId RegionLabUnit = HsaId.Create(RegionOrg, "15CQ");
    private static readonly HsaId RegionWard = HsaId.Create(RegionOrg, "16AB");
    private static readonly HsaId Own = HsaId.Create(OwnOrg, "2000");
    private static readonly HsaId OwnUnit = HsaId.Create(OwnOrg, "V1");
    private const string Lookup = "/fhir/DocumentReference?patient.identifier=191212121212";

    private readonly TestIssuer _issuer = new("https://idp.national.example");

    public void Dispose() => _issuer.Dispose();

    private async Task<NdiServer> StartAsync()
    {
        var server = await NdiServer.StartTrustingAsync("sqlite", _issuer);
        await new IndexStore(server.Database.Database).PublishAsync(
        [
            new IndexEntry(new IndexEntryKey(Patient, DataCategory.Laboratory, RegionLabUnit, "ehr-1", "lab-1"), Region, new(2024, 1, 1), new(2025, 1, 1)),
            new IndexEntry(new IndexEntryKey(Patient, DataCategory.DischargeReport, RegionWard, "ehr-1", "epikris-1"), Region, new(2024, 2, 1), new(2024, 2, 9)),
            new IndexEntry(new IndexEntryKey(Patient, DataCategory.Problems, OwnUnit, "own-ehr", "problems"), Own, new(2023, 5, 1), new(2025, 6, 1)),
        ]);
        return server;
    }

    private string ClinicianToken() => _issuer.Token("user/DocumentReference.rs", claims: IndexApiTests.ClinicianClaims);

    private string PatientToken(string scope = "patient/DocumentReference.rs patient/Consent.cruds") =>
        _issuer.PersonToken(scope, Patient);

    private static async Task<(List<DocumentReference> Matches, string? Withheld)> ReadAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var bundle = FhirJson.Parse<Bundle>(await response.Content.ReadAsStringAsync());
        var outcome = bundle.Entry.SingleOrDefault(e => e.Search.Mode == Bundle.SearchEntryMode.Outcome)?.Resource as OperationOutcome;
        return ([.. bundle.Entry.Where(e => e.Search.Mode == Bundle.SearchEntryMode.Match).Select(e => (DocumentReference)e.Resource)], outcome?.Issue.Single().Diagnostics);
    }

    private static Task<HttpResponseMessage> LookupAsync(NdiServer server, string token, bool careRelationship = true, string? emergency = null)
    {
        var headers = new Dictionary<string, string>();
        if (careRelationship)
            headers["Ndi-Care-Relationship"] = "declared";
        if (emergency is not null)
            headers["Ndi-Emergency-Reason"] = emergency;
        return server.SendAsync(HttpMethod.Get, Lookup, token, headers: headers);
    }

    private static string Units(IEnumerable<DocumentReference> documents) => string.Join(",", documents.Select(d => d.Author[0].Identifier.Value).Order());

    private Task PostConsentAsync(NdiServer server, string kind, string provision) => ConsentRequests.PostAsync(server, _issuer, Patient, kind, provision);

    [Fact]
    public async Task WithACareRelationship_AClinicianSeesEveryProvidersEntries()
    {
        await using var server = await StartAsync();

        var (matches, withheld) = await ReadAsync(await LookupAsync(server, ClinicianToken()));

        Assert.Equal(3, matches.Count);
        Assert.Null(withheld);
    }

    [Fact]
    public async Task WithoutACareRelationship_OnlyTheOwnProvidersEntries_AndTheOutcomeSaysWhyWithoutCounting()
    {
        await using var server = await StartAsync();

        var (matches, withheld) = await ReadAsync(await LookupAsync(server, ClinicianToken(), careRelationship: false));

        Assert.Equal(OwnUnit.Value, Units(matches));
        Assert.Contains("Without a declared care relationship", withheld);
        Assert.DoesNotContain("withheld", withheld); // the limit, never how much it hides (ExistenceOracleTests)
    }

    [Fact]
    public async Task OptOut_HidesOtherProviders_EvenInAnEmergency()
    {
        await using var server = await StartAsync();
        await PostConsentAsync(server, "optout-primary", """{"type":"deny"}""");

        var (matches, withheld) = await ReadAsync(await LookupAsync(server, ClinicianToken(), emergency: "unconscious, no relatives reachable"));
        var (own, _) = await ReadAsync(await server.SendAsync(HttpMethod.Get, Lookup, PatientToken()));

        Assert.Equal(OwnUnit.Value, Units(matches));
        Assert.Null(withheld); // an opt-out is not told: it looks like a patient with no data elsewhere
        Assert.Equal(3, own.Count); // the patient still sees where their own data is
    }

    [Fact]
    public async Task Block_HidesExactlyTheUnit_AndAnEmergencyBreaksIt_MarkingWhatCameThroughTheBreak()
    {
        await using var server = await StartAsync();
        await PostConsentAsync(server, "block", $$$$"""
            {"type":"deny","actor":[{"role":{"coding":[{"system":"urn:openndi:consent-block-target","code":"care-unit"}]},
              "reference":{"identifier":{"system":"urn:oid:1.2.752.29.4.19","value":"{{{{RegionLabUnit.Value}}}}"}}}]}
            """);

        var (blocked, withheld) = await ReadAsync(await LookupAsync(server, ClinicianToken()));
        var (broken, _) = await ReadAsync(await LookupAsync(server, ClinicianToken(), emergency: "cardiac arrest, unconscious"));
        using var noReason = await LookupAsync(server, ClinicianToken(), emergency: " ");

        Assert.Equal(string.Join(",", new[] { RegionWard.Value, OwnUnit.Value }.Order()), Units(blocked));
        Assert.Contains("blocked by the patient (1)", withheld);
        Assert.Equal(3, broken.Count);
        Assert.Equal([RegionLabUnit.Value], broken.Where(d => d.Meta?.Security.Any(s => s.Code == "BTG") == true).Select(d => d.Author[0].Identifier.Value));
        Assert.Equal(HttpStatusCode.BadRequest, noReason.StatusCode); // a blank reason is refused, not taken as none (EmergencyReasonTests)
    }

    private string ClinicianTokenWith(params (string Claim, string Value)[] extra)
    {
        var claims = new Dictionary<string, object>(IndexApiTests.ClinicianClaims);
        foreach (var (claim, value) in extra)
            claims[claim] = value;
        return _issuer.Token("user/DocumentReference.rs", claims: claims);
    }

    [Fact]
    public async Task BreakGlassInTheToken_BreaksTheBlock_ForItsOnePatientOnly()
    {
        await using var server = await StartAsync();
        await PostConsentAsync(server, "block", $$$$"""
            {"type":"deny","actor":[{"role":{"coding":[{"system":"urn:openndi:consent-block-target","code":"care-unit"}]},
              "reference":{"identifier":{"system":"urn:oid:1.2.752.29.4.19","value":"{{{{RegionLabUnit.Value}}}}"}}}]}
            """);
        var forThisPatient = ClinicianTokenWith(("purpose_of_use", "BTG"), ("ndi_emergency_reason", "medvetslös, okänd medicinering"), ("ndi_patient", Patient.Value));
        var forAnother = ClinicianTokenWith(("purpose_of_use", "BTG"), ("ndi_emergency_reason", "medvetslös"), ("ndi_patient", "190101019800"));
        var withoutReason = ClinicianTokenWith(("purpose_of_use", "BTG"), ("ndi_patient", Patient.Value));

        var (broken, _) = await ReadAsync(await LookupAsync(server, forThisPatient));
        var (other, otherWithheld) = await ReadAsync(await LookupAsync(server, forAnother));
        var (noReason, _) = await ReadAsync(await LookupAsync(server, withoutReason));

        Assert.Equal(3, broken.Count);
        Assert.Equal([RegionLabUnit.Value], broken.Where(d => d.Meta?.Security.Any(s => s.Code == "BTG") == true).Select(d => d.Author[0].Identifier.Value));
        Assert.Equal(2, other.Count);
        Assert.Contains("blocked by the patient (1)", otherWithheld);
        Assert.Equal(2, noReason.Count);
    }

    [Fact]
    public async Task CareRelationshipInTheToken_CountsForItsPatientOnly_WithoutTheHeader()
    {
        await using var server = await StartAsync();

        var (attested, _) = await ReadAsync(await LookupAsync(server, ClinicianTokenWith(("ndi_care_relationship", Patient.Value)), careRelationship: false));
        var (elsewhere, _) = await ReadAsync(await LookupAsync(server, ClinicianTokenWith(("ndi_care_relationship", "190101019800")), careRelationship: false));

        Assert.Equal(3, attested.Count);
        Assert.Equal(OwnUnit.Value, Units(elsewhere));
    }

    [Fact]
    public async Task ATokenThatSaysNotWhoIsAsking_IsRefused()
    {
        await using var server = await StartAsync();

        using var response = await LookupAsync(server, _issuer.Token("user/DocumentReference.rs"));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("NDI-IAM-005", await response.Content.ReadAsStringAsync());
    }
}
