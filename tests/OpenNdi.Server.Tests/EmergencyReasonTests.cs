using System.Net;
using Hl7.Fhir.Model;
using OpenNdi.Core.Audit;
using OpenNdi.Core.Identifiers;
using OpenNdi.Core.Index;
using OpenNdi.Data.Audit;
using OpenNdi.Data.Index;
using OpenNdi.Fhir;
using Task = System.Threading.Tasks.Task;

namespace OpenNdi.Server.Tests;

/// <summary>
/// Issue 12 finding 6: an emergency reason that is not readable words (a NUL, a zero-width space, undecodable
/// percent-encoding, 30,000 characters) was accepted and broke blocks. Now every place that takes a reason (the index
/// lookup, <c>$summary</c>, the category reads) refuses it with 400 NDI-PDI-020 before anything is looked up: nothing
/// is released, no emergency is logged as invoked, and the refusal is in the log as a failure.
/// </summary>
[Trait("Category", "Security")]
public sealed class EmergencyReasonTests(TrustingServerFixture fixture) : IClassFixture<TrustingServerFixture>
{
    private static readonly OrganizationNumber RegionOrg = OrganizationNumber.Parse("232100-0016");
    private static readonly HsaId Region = HsaId.Create(RegionOrg, "1000");
    private static readonly HsaId RegionLabUnit = HsaId.Create(RegionOrg, "15CQ");
    private static readonly HsaId RegionWard = HsaId.Create(RegionOrg, "16AB");
    private static int _next;

    /// <summary>The reasons the probe used, as they travel in the header (percent-encoded), plus blank and one-word ones.</summary>
    public static TheoryData<string, string> Unacceptable => new()
    {
        { "percent-encoded NUL", "%00" },
        { "NUL inside words", "cardiac%00arrest%2C%20patient%20unconscious" },
        { "zero-width space", "%E2%80%8B" },
        { "zero-width spaces between words", "cardiac%E2%80%8Barrest%E2%80%8Bpatient%E2%80%8Bunconscious" },
        { "undecodable percent-encoding", "%FF%FE%FD%20cardiac%20arrest%20unconscious" },
        { "malformed percent-encoding", "cardiac%20arrest%20%ZZ%20unconscious" },
        { "30,000 characters", string.Concat(Enumerable.Repeat("unconscious%20", 30_000 / 14)) },
        { "blank", "%20%20" },
        { "one word", "stroke" },
    };

    private async Task<PersonalIdentityNumber> BlockedPatientAsync()
    {
        var patient = PersonalIdentityNumber.Create(new DateOnly(1950, 1, 1).AddDays(Interlocked.Increment(ref _next) * 3), 471, coordination: false);
        await new IndexStore(fixture.Server.Database.Database).PublishAsync(
        [
            new IndexEntry(new IndexEntryKey(patient, DataCategory.Laboratory, RegionLabUnit, "ehr-1", "DiagnosticReport?patient=p1&category=LAB"), Region, new(2024, 1, 1), new(2025, 1, 1)),
            new IndexEntry(new IndexEntryKey(patient, DataCategory.Problems, RegionWard, "ehr-1", "Condition?patient=p1"), Region, new(2024, 2, 1), new(2024, 2, 9)),
        ]);
        await ConsentRequests.PostAsync(fixture.Server, fixture.Issuer, patient, "block", $$$$"""
            {"type":"deny","actor":[{"role":{"coding":[{"system":"urn:openndi:consent-block-target","code":"care-unit"}]},
              "reference":{"identifier":{"system":"urn:oid:1.2.752.29.4.19","value":"{{{{RegionLabUnit.Value}}}}"}}}]}
            """);
        return patient;
    }

    private async Task<HttpResponseMessage> SendAsync(string url, string? reason)
    {
        using var client = fixture.Server.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Authorization = new("Bearer", fixture.Issuer.Token("user/*.rs", claims: IndexApiTests.ClinicianClaims));
        request.Headers.Add("Ndi-Care-Relationship", "declared");
        if (reason is not null)
            Assert.True(request.Headers.TryAddWithoutValidation("Ndi-Emergency-Reason", reason));
        return await client.SendAsync(request);
    }

    private static string Lookup(PersonalIdentityNumber patient) => $"/fhir/DocumentReference?patient.identifier={patient.Value}";

    private static string Summary(PersonalIdentityNumber patient) => $"/fhir/Patient/$summary?identifier={PersonalIdentityNumber.PersonnummerSystem}|{patient.Value}";

    private static string LaboratoryRead(PersonalIdentityNumber patient) => $"/fhir/DiagnosticReport?patient.identifier={patient.Value}";

    private async Task<List<AuditRecord>> LogOfAsync(PersonalIdentityNumber patient, bool emergencyOnly = false)
    {
        var stored = await new AuditStore(fixture.Server.Database.Database).QueryAsync(new AuditQuery(Patient: patient.Value, EmergencyOnly: emergencyOnly, Limit: AuditStore.MaxPage));
        return [.. stored.Select(s => AuditJson.Read(System.Text.Encoding.UTF8.GetBytes(s.Json)))];
    }

    private static async Task AssertRefusedAsync(HttpResponseMessage response, string what)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{what}: {(int)response.StatusCode} {body[..Math.Min(body.Length, 400)]}");
        var issue = Assert.Single(FhirJson.Parse<OperationOutcome>(body).Issue);
        Assert.Equal("NDI-PDI-020", issue.Details.Coding[0].Code);
        Assert.Equal(["Ndi-Emergency-Reason"], issue.Expression);
    }

    [Theory]
    [MemberData(nameof(Unacceptable))]
    public async Task Lookup_WithAReasonThatIsNotWords_IsRefused_ReleasesNothing_AndLogsNoEmergency(string what, string reason)
    {
        var patient = await BlockedPatientAsync();

        using var response = await SendAsync(Lookup(patient), reason);

        await AssertRefusedAsync(response, what);
        Assert.DoesNotContain("DocumentReference\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Empty(await LogOfAsync(patient, emergencyOnly: true));
        var refused = Assert.Single(await LogOfAsync(patient), r => r.Event == "index-lookup");
        Assert.Equal(AuditOutcome.MinorFailure, refused.Outcome);
        Assert.Null(refused.EmergencyReason);
        Assert.StartsWith("NDI-PDI-020", refused.OutcomeText, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Unacceptable))]
    public async Task SummaryAndCategoryRead_WithAReasonThatIsNotWords_AreRefused_AndFetchNothing(string what, string reason)
    {
        var patient = await BlockedPatientAsync();

        using var summary = await SendAsync(Summary(patient), reason);
        using var read = await SendAsync(LaboratoryRead(patient), reason);

        await AssertRefusedAsync(summary, $"$summary, {what}");
        await AssertRefusedAsync(read, $"DiagnosticReport, {what}");
        Assert.Empty(await LogOfAsync(patient, emergencyOnly: true));
        var log = await LogOfAsync(patient);
        Assert.Equal(2, log.Count(r => r.Outcome == AuditOutcome.MinorFailure && r.OutcomeText?.StartsWith("NDI-PDI-020", StringComparison.Ordinal) == true));
        Assert.DoesNotContain(log.SelectMany(r => r.Entities), e => e.Kind is "provider-fetch" or "released");
    }

    [Fact]
    public async Task TheSameHeaderTwice_IsRefused()
    {
        var patient = await BlockedPatientAsync();
        using var client = fixture.Server.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, Lookup(patient));
        request.Headers.Authorization = new("Bearer", fixture.Issuer.Token("user/*.rs", claims: IndexApiTests.ClinicianClaims));
        request.Headers.Add("Ndi-Care-Relationship", "declared");
        request.Headers.Add("Ndi-Emergency-Reason", ["cardiac arrest, unconscious", "no relatives reachable"]);

        using var response = await client.SendAsync(request);

        await AssertRefusedAsync(response, "two headers");
    }

    [Fact]
    public async Task Lookup_WithAReasonInWords_BreaksTheBlock_AndLogsTheDecodedReason()
    {
        var patient = await BlockedPatientAsync();

        using var blocked = await SendAsync(Lookup(patient), null);
        using var broken = await SendAsync(Lookup(patient), Uri.EscapeDataString("  hjärtstopp på akuten, ingen anamnes  "));

        Assert.Single(FhirJson.Parse<Bundle>(await blocked.Content.ReadAsStringAsync()).Entry, e => e.Search.Mode == Bundle.SearchEntryMode.Match);
        var released = FhirJson.Parse<Bundle>(await broken.Content.ReadAsStringAsync()).Entry.Where(e => e.Search.Mode == Bundle.SearchEntryMode.Match).ToList();
        Assert.Equal(2, released.Count);
        var emergency = Assert.Single(await LogOfAsync(patient, emergencyOnly: true));
        Assert.Equal("hjärtstopp på akuten, ingen anamnes", emergency.EmergencyReason);
    }
}
