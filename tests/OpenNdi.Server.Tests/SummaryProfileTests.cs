using System.Net;
using Hl7.Fhir.Model;
using Microsoft.Extensions.DependencyInjection;
using OpenNdi.Data.Population;
using OpenNdi.Fhir;
using OpenNdi.Fhir.Validation;
using OpenNdi.Synthetic.Simulator;
using OpenNdi.Testing;

namespace OpenNdi.Server.Tests;

/// <summary>
/// Issue 13: the summaries the service assembles pass the IPS 2.0 profiles with the real engine (Firely's validator
/// over the IPS package, <see cref="IpsValidation"/>): every demo patient's <c>Patient/$summary</c>, with every
/// simulated provider answering, and, with the profile validation setting on, the service checks its own answers.
/// </summary>
public sealed class SummaryProfileTests : IAsyncLifetime
{
    private readonly TestIssuer _issuer = new("https://idp.national.example");
    private NdiServer _server = null!;

    public async ValueTask InitializeAsync()
    {
        _server = await NdiServer.StartAsync("sqlite", new Dictionary<string, string>
        {
            ["Demo:Persons"] = "40",
            ["Demo:Providers"] = "4",
            ["Identity:TrustedIssuers:0:Issuer"] = _issuer.Issuer,
            ["Identity:TrustedIssuers:0:Jwks"] = _issuer.Jwks,
            ["ProfessionalAccess:ProfilePackages"] = IpsValidation.PackagesDirectory,
        });
        var registry = _server.Services.GetRequiredService<SimulatorRegistry>();
        foreach (var provider in registry.Providers)
            await registry.SetBehaviourAsync(provider.Key, new ProviderBehaviour());
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        _issuer.Dispose();
    }

    [Fact]
    public async System.Threading.Tasks.Task EveryDemoPatientsSummary_PassesTheIpsBundleProfile()
    {
        var token = _issuer.Token("user/*.rs", claims: IndexApiTests.ClinicianClaims);
        var persons = await _server.Services.GetRequiredService<IPopulationStore>().ListAsync(0, 40);
        var failures = new List<string>();
        var withItems = 0;
        foreach (var person in persons)
        {
            using var response = await _server.SendAsync(HttpMethod.Get, $"/fhir/Patient/$summary?identifier={PersonalIdentityNumberSystem}|{person.Id.Value}", token,
                headers: IndexApiTests.CareRelationship);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var bundle = FhirJson.Parse<Bundle>(await response.Content.ReadAsStringAsync());
            withItems += bundle.Entry.Count > 3 ? 1 : 0;
            var result = IpsValidation.Validator.Validate(bundle, IpsProfiles.Bundle);
            failures.AddRange(result.Errors.Select(e => $"{person.Id.Value} {e.Location}: {e.Message}"));
            // The service's own check (ProfessionalAccess:ProfilePackages) said nothing either.
            Assert.DoesNotContain(bundle.Entry.Select(e => e.Resource).OfType<OperationOutcome>().SelectMany(o => o.Issue), i => i.Details?.Coding.FirstOrDefault()?.Code == "NDI-PAS-040");
        }
        Assert.True(withItems >= 20, $"only {withItems} of 40 summaries hold anything");
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures.Take(20)));
    }

    private const string PersonalIdentityNumberSystem = OpenNdi.Core.Identifiers.PersonalIdentityNumber.PersonnummerSystem;
}
