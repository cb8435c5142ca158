using System.Net;
using Hl7.Fhir.Model;
using Microsoft.Extensions.DependencyInjection;
using OpenNdi.Core.Identifiers;
using OpenNdi.Fhir;
using OpenNdi.Server.Consent;
using Task = System.Threading.Tasks.Task;

namespace OpenNdi.Server.Tests;

/// <summary>
/// Issue 12 finding 7: an opt-out of a kind is one setting per patient, and the database keeps it so. Concurrent posts
/// of the same opt-out must not leave two in force (revoking one would leave the other), on either backend.
/// </summary>
public sealed class ConsentConcurrencyTests : IDisposable
{
    private readonly TestIssuer _issuer = new("https://idp.national.example");

    public void Dispose() => _issuer.Dispose();

    private static string OptOut(PersonalIdentityNumber patient, string status) => $$$"""
        {"resourceType":"Consent","status":"{{{status}}}",
         "scope":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/consentscope","code":"patient-privacy"}]},
         "category":[{"coding":[{"system":"urn:openndi:consent-kind","code":"optout-primary"}]}],
         "patient":{"identifier":{"system":"urn:oid:1.2.752.129.2.1.3.1","value":"{{{patient.Value}}}"}},
         "provision":{"type":"deny"}}
        """;

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    [Trait("Category", "Security")]
    public async Task PostOptOut_WhenManyArriveAtOnce_LeavesOneSettingAndRevokingItLeavesNoneInForce(string backend)
    {
        await using var server = await NdiServer.StartTrustingAsync(backend, _issuer);
        var patient = PersonalIdentityNumber.Create(new DateOnly(1971, 3, 4), 420, coordination: false);
        var token = _issuer.PersonToken("patient/Consent.cruds", patient);

        var posts = Enumerable.Range(0, 16).Select(_ => server.SendAsync(HttpMethod.Post, "/fhir/Consent", token, OptOut(patient, "active")));
        var answers = await Task.WhenAll(posts);
        var statuses = answers.Select(a => a.StatusCode).ToList();
        foreach (var answer in answers)
            answer.Dispose();
        using var search = await server.SendAsync(HttpMethod.Get, $"/fhir/Consent?patient={patient.Value}", token);
        var settings = FhirJson.Parse<Bundle>(await search.Content.ReadAsStringAsync());
        using var revoked = await server.SendAsync(HttpMethod.Post, "/fhir/Consent", token, OptOut(patient, "inactive"));
        var privacy = await server.Services.GetRequiredService<PatientPrivacyReader>().ReadAsync(patient, TestContext.Current.CancellationToken);

        Assert.All(statuses, s => Assert.True(s is HttpStatusCode.Created or HttpStatusCode.OK or HttpStatusCode.Conflict, s.ToString()));
        Assert.Single(settings.Entry);
        Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);
        Assert.False(privacy.PrimaryUseOptOut);
    }
}
