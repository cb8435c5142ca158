using System.Net;
using Hl7.Fhir.Model;
using OpenNdi.Core.Identifiers;
using OpenNdi.Fhir;
using Task = System.Threading.Tasks.Task;

namespace OpenNdi.Server.Tests;

/// <summary>
/// A patient's request to correct a provider's record (issue 15, right 7) as a FHIR Task: routed to the owning
/// provider, answered only by that provider's system along the lifecycle, its status visible to the patient and to
/// nobody else.
/// </summary>
[Trait("Category", "Security")]
public sealed class CorrectionApiTests(TrustingServerFixture fixture) : IClassFixture<TrustingServerFixture>
{
    private static readonly OrganizationNumber OwnerOrg = OrganizationNumber.Parse("556012-5790");
    private static readonly HsaId Owner = HsaId.Create(OwnerOrg, "2000");
    private static readonly HsaId OwnerUnit = HsaId.Create(OwnerOrg, "V1");
    private static readonly HsaId Other = HsaId.Create(OrganizationNumber.Parse("212000-0142"), "3000");
    private static int _next = 700;

    private static PersonalIdentityNumber NewPerson() => PersonalIdentityNumber.Create(new DateOnly(1955, 1, 1).AddDays(Interlocked.Increment(ref _next)), 610, coordination: false);

    private string PatientToken(PersonalIdentityNumber person) => fixture.Issuer.PersonToken("patient/Task.crs", person);

    private string SystemToken(HsaId provider) => fixture.Issuer.Token("system/Task.rus",
        claims: new Dictionary<string, object> { ["ndi_actor"] = "system", ["client_id"] = $"ehr-of-{provider.Value}", ["subject_organization_id"] = provider.Value });

    private static string Request(PersonalIdentityNumber patient, string owner, string description = "The diagnosis of diabetes is wrong: I have never had diabetes.") => $$$"""
        {"resourceType":"Task","status":"requested","intent":"proposal",
         "code":{"coding":[{"system":"http://hl7.org/fhir/CodeSystem/task-code","code":"change"}]},
         "for":{"identifier":{"system":"urn:oid:1.2.752.129.2.1.3.1","value":"{{{patient.Value}}}"}},
         "owner":{"identifier":{"value":"{{{owner}}}"}},
         "focus":{"identifier":{"value":"Condition/diabetes-1"},"display":"Type 2 diabetes"},
         "description":"{{{description}}}"}
        """;

    private static string Answer(string status, string? reason = null) => reason is null
        ? $$$"""{"resourceType":"Task","status":"{{{status}}}","intent":"proposal","note":[{"text":"Looked at by the responsible physician."}]}"""
        : $$$"""{"resourceType":"Task","status":"{{{status}}}","intent":"proposal","statusReason":{"text":"{{{reason}}}"}}""";

    private async Task<Hl7.Fhir.Model.Task> CreateAsync(PersonalIdentityNumber patient)
    {
        await fixture.Server.RegisterCareUnitsAsync(Owner, OwnerUnit);
        using var response = await fixture.Server.SendAsync(HttpMethod.Post, "/fhir/Task", PatientToken(patient), Request(patient, OwnerUnit.Value));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, body);
        return FhirJson.Parse<Hl7.Fhir.Model.Task>(body);
    }

    private async Task<Bundle> ListAsync(string query, string token)
    {
        using var response = await fixture.Server.SendAsync(HttpMethod.Get, $"/fhir/Task?{query}", token);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        return FhirJson.Parse<Bundle>(body);
    }

    [Fact]
    public async Task Request_IsRoutedToTheOwningProvider_AnsweredByItsSystem_AndThePatientSeesWhereItStands()
    {
        var patient = NewPerson();
        var created = await CreateAsync(patient);

        // Routed to the provider of the care unit named, written by the service.
        Assert.Equal(Hl7.Fhir.Model.Task.TaskStatus.Requested, created.Status);
        Assert.Equal(Owner.Value, created.Owner.Identifier.Value);
        Assert.Equal(OwnerUnit.Value, created.Location.Identifier.Value);
        Assert.Equal("Condition/diabetes-1", created.Focus.Identifier.Value);
        Assert.Contains(created.Id, (await ListAsync($"owner={Owner.Value}", SystemToken(Owner))).Entry.Select(e => e.Resource.Id));

        // Another provider's system: neither reads nor answers it.
        using (var otherReads = await fixture.Server.SendAsync(HttpMethod.Get, $"/fhir/Task?owner={Owner.Value}", SystemToken(Other)))
            Assert.Equal(HttpStatusCode.Forbidden, otherReads.StatusCode);
        Assert.DoesNotContain(created.Id, (await ListAsync($"owner={Other.Value}", SystemToken(Other))).Entry.Select(e => e.Resource.Id));
        using (var otherAnswers = await fixture.Server.SendAsync(HttpMethod.Put, $"/fhir/Task/{created.Id}", SystemToken(Other), Answer("completed")))
            Assert.Equal(HttpStatusCode.Forbidden, otherAnswers.StatusCode);
        // The patient cannot answer their own request.
        using (var patientAnswers = await fixture.Server.SendAsync(HttpMethod.Put, $"/fhir/Task/{created.Id}", PatientToken(patient), Answer("completed")))
            Assert.Equal(HttpStatusCode.Forbidden, patientAnswers.StatusCode);

        // The owner accepts, then rejects with a reason; a rejection without one, and a step back, are refused.
        using (var accepted = await fixture.Server.SendAsync(HttpMethod.Put, $"/fhir/Task/{created.Id}", SystemToken(Owner), Answer("accepted")))
            Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        using (var noReason = await fixture.Server.SendAsync(HttpMethod.Put, $"/fhir/Task/{created.Id}", SystemToken(Owner), Answer("rejected")))
            Assert.Equal(HttpStatusCode.BadRequest, noReason.StatusCode);
        using (var rejected = await fixture.Server.SendAsync(HttpMethod.Put, $"/fhir/Task/{created.Id}", SystemToken(Owner), Answer("rejected", "The diagnosis was confirmed by two tests.")))
            Assert.Equal(HttpStatusCode.OK, rejected.StatusCode);
        using (var back = await fixture.Server.SendAsync(HttpMethod.Put, $"/fhir/Task/{created.Id}", SystemToken(Owner), Answer("accepted")))
            Assert.Equal(HttpStatusCode.Conflict, back.StatusCode);

        var seen = (Hl7.Fhir.Model.Task)Assert.Single((await ListAsync($"patient={patient.Value}", PatientToken(patient))).Entry).Resource;
        Assert.Equal(Hl7.Fhir.Model.Task.TaskStatus.Rejected, seen.Status);
        Assert.Equal("The diagnosis was confirmed by two tests.", seen.StatusReason.Text);
        Assert.Equal("Looked at by the responsible physician.", Assert.Single(seen.Note).Text);
        Assert.Equal("3", seen.Meta.VersionId);
        Assert.Equal("The diagnosis of diabetes is wrong: I have never had diabetes.", seen.Description); // the patient's words are kept
    }

    [Fact]
    public async Task AnotherPatient_NeitherMakesNorReadsTheirRequests_AndBadInputStoresNothing()
    {
        var patient = NewPerson();
        var stranger = NewPerson();
        await CreateAsync(patient);

        using var forSomeoneElse = await fixture.Server.SendAsync(HttpMethod.Post, "/fhir/Task", PatientToken(stranger), Request(patient, OwnerUnit.Value));
        using var reads = await fixture.Server.SendAsync(HttpMethod.Get, $"/fhir/Task?patient={patient.Value}", PatientToken(stranger));
        using var unknownOwner = await fixture.Server.SendAsync(HttpMethod.Post, "/fhir/Task", PatientToken(stranger), Request(stranger, "SE5560125790-NONE"));
        using var empty = await fixture.Server.SendAsync(HttpMethod.Post, "/fhir/Task", PatientToken(stranger), Request(stranger, OwnerUnit.Value, description: " "));

        Assert.Equal(HttpStatusCode.Forbidden, forSomeoneElse.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, reads.StatusCode);
        Assert.DoesNotContain("diabetes", await reads.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.BadRequest, unknownOwner.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        Assert.Single((await ListAsync($"patient={patient.Value}", PatientToken(patient))).Entry);
        Assert.Empty((await ListAsync($"patient={stranger.Value}", PatientToken(stranger))).Entry);
    }
}
