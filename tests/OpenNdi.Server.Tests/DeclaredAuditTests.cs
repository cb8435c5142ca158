using System.Net;
using System.Text.Json;
using OpenNdi.Core.Audit;
using OpenNdi.Core.Identifiers;
using OpenNdi.Core.Index;
using OpenNdi.Data.Audit;
using OpenNdi.Data.Index;

namespace OpenNdi.Server.Tests;

/// <summary>
/// The audit declared per route (NationalApiFilter) closes the gaps the hand-written calls left: directory writes,
/// simulated provider reads, denials of tokens that name no actor or are not accepted at all, and an emergency on an
/// opted-out patient, which must reach the follow-up list. Each test reads the log straight from its store.
/// </summary>
[Trait("Category", "Security")]
public sealed class DeclaredAuditTests(TrustingServerFixture fixture) : IClassFixture<TrustingServerFixture>
{
    private static readonly OrganizationNumber RegionOrg = OrganizationNumber.Parse("232100-0016");
    private static readonly HsaId Region = HsaId.Create(RegionOrg, "1000");
    private static readonly HsaId RegionUnit = HsaId.Create(RegionOrg, "15CQ");
    private static int _next = 700;

    private async Task<List<AuditRecord>> RecordsAsync(Func<AuditRecord, bool> where)
    {
        var stored = await new AuditStore(fixture.Server.Database.Database).QueryAsync(new AuditQuery(Limit: AuditStore.MaxPage));
        return [.. stored.Select(s => AuditJson.Read(System.Text.Encoding.UTF8.GetBytes(s.Json))).Where(where)];
    }

    [Fact]
    public async Task DirectoryWrite_IsInTheAuditLog_WithWhoTriedIt()
    {
        var id = $"audited-{Guid.NewGuid():N}"[..20];
        var token = fixture.Issuer.Token("system/Endpoint.cu", claims: new Dictionary<string, object> { ["ndi_actor"] = "system", ["client_id"] = "region-ehr", ["subject_organization_id"] = Region.Value });
        var endpoint = $$$"""
            {"resourceType":"Endpoint","id":"{{{id}}}","status":"active",
             "connectionType":{"system":"http://terminology.hl7.org/CodeSystem/endpoint-connection-type","code":"hl7-fhir-rest"},
             "managingOrganization":{"identifier":{"system":"urn:oid:1.2.752.29.4.19","value":"{{{Region.Value}}}"}},
             "payloadType":[{"text":"any"}],"address":"https://ehr.region.example/fhir"}
            """;

        using var response = await fixture.Server.SendAsync(HttpMethod.Put, $"/fhir/Endpoint/{id}", token, endpoint);

        var record = Assert.Single(await RecordsAsync(r => r.Event == "directory-change" && r.Entities.Any(e => e.Reference?.Contains(id, StringComparison.Ordinal) == true)));
        Assert.Equal(AuditAgentKind.System, record.Who.Kind);
        Assert.Equal(Region.Value, record.Who.Provider);
        Assert.Equal((int)response.StatusCode < 400 ? AuditOutcome.Success : AuditOutcome.MinorFailure, record.Outcome);
    }

    [Fact]
    public async Task SimulatedProviderRead_IsInTheAuditLog()
    {
        using var client = fixture.Server.CreateClient();
        using var providers = JsonDocument.Parse(await client.GetStringAsync("/sim"));
        var key = providers.RootElement.EnumerateArray().First().GetProperty("key").GetString()!;
        var marker = Guid.NewGuid().ToString("N");

        using var response = await client.GetAsync($"/sim/{key}/fhir/Patient?_count=1&_offset=0&identifier={marker}");

        var record = Assert.Single(await RecordsAsync(r => r.Event == "simulator-read" && r.Entities.Any(e => e.Reference?.Contains(marker, StringComparison.Ordinal) == true)));
        Assert.Equal(AuditAgentKind.Unidentified, record.Who.Kind);
    }

    [Fact]
    public async Task TokenThatNamesNoActor_IsRefused_AndLoggedWithItsIssuerAndSubject()
    {
        var marker = Guid.NewGuid().ToString("N");
        var token = fixture.Issuer.Token("user/DocumentReference.rs", claims: new Dictionary<string, object> { ["client_id"] = marker });

        using var response = await fixture.Server.SendAsync(HttpMethod.Get, "/fhir/DocumentReference?patient.identifier=191212121212", token);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var record = Assert.Single(await RecordsAsync(r => r.Entities.Any(e => e.Detail?.Contains(marker, StringComparison.Ordinal) == true)));
        Assert.Equal("access-refused", record.Event);
        Assert.Equal(AuditOutcome.MinorFailure, record.Outcome);
        Assert.Equal(AuditAgentKind.Unidentified, record.Who.Kind);
        Assert.Equal("SE2321000016-15CQ", record.Who.Id); // the token's subject
        var token_ = Assert.Single(record.Entities, e => e.Kind == "token");
        Assert.Contains($"iss={fixture.Issuer.Issuer}", token_.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TokenFromAnUntrustedIssuer_Gets401_AndIsLoggedWithWhatItClaims_Unverified()
    {
        using var stranger = new TestIssuer("https://idp.stranger.example");
        var marker = Guid.NewGuid().ToString("N");
        var token = stranger.Token("user/DocumentReference.rs", claims: new Dictionary<string, object>(IndexApiTests.ClinicianClaims) { ["client_id"] = marker });

        using var response = await fixture.Server.SendAsync(HttpMethod.Get, "/fhir/DocumentReference?patient.identifier=191212121212", token);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var record = Assert.Single(await RecordsAsync(r => r.Entities.Any(e => e.Detail?.Contains(marker, StringComparison.Ordinal) == true)));
        Assert.Equal("access-refused", record.Event);
        Assert.Equal(AuditAgentKind.Unidentified, record.Who.Kind);
        Assert.StartsWith("not authenticated", record.OutcomeText, StringComparison.Ordinal);
        var claimed = Assert.Single(record.Entities, e => e.Kind == "unverified-token");
        Assert.Contains("iss=https://idp.stranger.example", claimed.Detail, StringComparison.Ordinal);
        Assert.Contains(record.Entities, e => e.Kind == "request" && e.Reference!.Contains("/fhir/DocumentReference", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RequestWithoutAnyToken_IsLoggedWithItsAddress()
    {
        var marker = Guid.NewGuid().ToString("N");

        using var response = await fixture.Server.SendAsync(HttpMethod.Get, $"/fhir/Consent?patient={marker}", token: null);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var record = Assert.Single(await RecordsAsync(r => r.Entities.Any(e => e.Reference?.Contains(marker, StringComparison.Ordinal) == true)));
        Assert.Equal("anonymous", record.Who.Id);
        Assert.Equal(AuditOutcome.MinorFailure, record.Outcome);
    }

    [Fact]
    public async Task EmergencyOnAnOptedOutPatient_ReachesTheFollowUpList_ThoughNothingIsReleased()
    {
        var patient = PersonalIdentityNumber.Create(new DateOnly(1961, 1, 1).AddDays(Interlocked.Increment(ref _next)), 420, coordination: false);
        await new IndexStore(fixture.Server.Database.Database).PublishAsync(
            [new IndexEntry(new IndexEntryKey(patient, DataCategory.Laboratory, RegionUnit, "ehr-1", "lab-1"), Region, new(2024, 1, 1), new(2025, 1, 1))]);
        await ConsentRequests.PostAsync(fixture.Server, fixture.Issuer, patient, "optout-primary", """{"type":"deny"}""");
        var headers = new Dictionary<string, string>(IndexApiTests.CareRelationship) { ["Ndi-Emergency-Reason"] = Uri.EscapeDataString("medvetslös patient på akuten") };

        using var response = await fixture.Server.SendAsync(HttpMethod.Get, $"/fhir/DocumentReference?patient.identifier={patient.Value}",
            fixture.Issuer.Token("user/DocumentReference.rs", claims: IndexApiTests.ClinicianClaims), headers: headers);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var followUp = await new AuditStore(fixture.Server.Database.Database).QueryAsync(new AuditQuery(Patient: patient.Value, EmergencyOnly: true));
        var record = AuditJson.Read(System.Text.Encoding.UTF8.GetBytes(Assert.Single(followUp).Json));
        Assert.Equal("index-lookup", record.Event);
        Assert.Equal("medvetslös patient på akuten", record.EmergencyReason);
        Assert.DoesNotContain(record.Entities, e => e.Detail?.StartsWith("released", StringComparison.Ordinal) == true);
    }
}
