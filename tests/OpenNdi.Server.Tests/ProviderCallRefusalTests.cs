using System.Net;
using System.Text;
using Hl7.Fhir.Model;
using Microsoft.Extensions.DependencyInjection;
using OpenNdi.Core.Identifiers;
using OpenNdi.Core.Index;
using OpenNdi.Core.ServiceDirectory;
using OpenNdi.Data.Index;
using OpenNdi.Data.ServiceDirectory;
using OpenNdi.Fhir;
using OpenNdi.Server.ProfessionalAccess;
using Task = System.Threading.Tasks.Task;

namespace OpenNdi.Server.Tests;

/// <summary>
/// When the access service cannot authenticate to a provider (no token to be had, or its token or certificate refused),
/// the summary still answers and names that provider as missed for that reason (NDI-PAS-019), never a failed request.
/// </summary>
[Trait("Category", "Security")]
public sealed class ProviderCallRefusalTests : IDisposable
{
    private static readonly OrganizationNumber RegionOrg = OrganizationNumber.Parse("232100-0016");
    private static readonly HsaId Region = HsaId.Create(RegionOrg, "1000");
    private static readonly HsaId RegionUnit = HsaId.Create(RegionOrg, "15CQ");
    private static readonly PersonalIdentityNumber Patient = PersonalIdentityNumber.Parse("191212121212");

    private readonly TestIssuer _issuer = new("https://idp.national.example");

    public void Dispose() => _issuer.Dispose();

    /// <summary>A provider system that refuses every call as unauthorised, and notes whether a bearer token came.</summary>
    private sealed class RefusingProvider : HttpMessageHandler
    {
        public List<string?> Authorizations { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            lock (Authorizations)
                Authorizations.Add(request.Headers.Authorization?.Scheme);
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.Unauthorized)
            {
                Content = new StringContent("""{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"login","diagnostics":"token refused"}]}""", Encoding.UTF8, "application/fhir+json"),
            });
        }
    }

    private async Task<OperationOutcome> SummaryOutcomeAsync(Dictionary<string, string> settings, RefusingProvider provider)
    {
        settings["Demo:Persons"] = "5";
        settings["Demo:Providers"] = "2";
        settings["Identity:TrustedIssuers:0:Issuer"] = _issuer.Issuer;
        settings["Identity:TrustedIssuers:0:Jwks"] = _issuer.Jwks;
        await using var server = await NdiServer.StartAsync("sqlite", settings, services =>
            services.AddHttpClient(ProviderFetcher.HttpClientName).ConfigurePrimaryHttpMessageHandler(() => provider));
        await server.RegisterCareUnitsAsync(Region, RegionUnit);
        await new IndexStore(server.Database.Database).PublishAsync(
            [new IndexEntry(new IndexEntryKey(Patient, DataCategory.Problems, RegionUnit, "ehr-1", "Condition?patient=p1"), Region, new(2020, 1, 1), new DateOnly(2024, 1, 1))]);
        await new DirectoryStore(server.Database.Database).SaveAsync(
            new DirectoryEndpoint("ep-ehr-1", Region, "ehr-1", null, new Uri("https://ehr.region.example/fhir"), DirectoryEndpoint.FhirRest, "4.0.1", EndpointStatus.Active), "test");

        using var response = await server.SendAsync(HttpMethod.Get, $"/fhir/Patient/$summary?identifier={PersonalIdentityNumber.PersonnummerSystem}|{Patient.Value}",
            _issuer.Token("user/*.rs", claims: IndexApiTests.ClinicianClaims), headers: IndexApiTests.CareRelationship);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        return FhirJson.Parse<Bundle>(body).Entry.Select(e => e.Resource).OfType<OperationOutcome>().Single();
    }

    private static IEnumerable<string> Codes(OperationOutcome outcome) => outcome.Issue.Select(i => i.Details?.Coding.FirstOrDefault()?.Code ?? "");

    [Fact]
    public async Task Summary_WhenTheProviderRefusesTheAccessServicesToken_NamesItMissedAsUnauthenticated()
    {
        var provider = new RefusingProvider();

        var outcome = await SummaryOutcomeAsync([], provider);

        Assert.Equal(["Bearer"], provider.Authorizations);
        Assert.Contains("NDI-PAS-019", Codes(outcome));
    }

    [Fact]
    public async Task Summary_WhenNoTokenCanBeHad_CallsNoProvider_AndNamesItMissedAsUnauthenticated()
    {
        var provider = new RefusingProvider();

        var outcome = await SummaryOutcomeAsync(new() { ["ProfessionalAccess:ProviderCalls:TokenEndpoint"] = "http://localhost/oauth/no-such-endpoint" }, provider);

        Assert.Empty(provider.Authorizations);
        Assert.Contains("NDI-PAS-019", Codes(outcome));
    }
}
