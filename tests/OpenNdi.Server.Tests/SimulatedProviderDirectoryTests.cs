using System.Net;
using Hl7.Fhir.Model;
using Microsoft.Extensions.DependencyInjection;
using OpenNdi.Core.ServiceDirectory;
using OpenNdi.Data.ServiceDirectory;
using OpenNdi.Fhir;
using OpenNdi.Server.ServiceDirectory;
using OpenNdi.Synthetic.Providers;
using OpenNdi.Synthetic.Simulator;
using Task = System.Threading.Tasks.Task;

namespace OpenNdi.Server.Tests;

/// <summary>The simulated providers are in the directory from the start, and registering them again changes nothing.</summary>
public sealed class SimulatedProviderDirectoryTests : IDisposable
{
    private readonly TestIssuer _issuer = new("https://idp.national.example");

    public void Dispose() => _issuer.Dispose();

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Start_RegistersEachProviderWithItsEndpointCareUnitsLocationsAndServices(string backend)
    {
        await using var server = await NdiServer.StartTrustingAsync(backend, _issuer);
        var providers = server.Services.GetRequiredService<SimulatorRegistry>().Providers;
        var token = _issuer.Token("system/Organization.rs system/Location.rs system/HealthcareService.rs system/Endpoint.rs", claims: new Dictionary<string, object> { ["ndi_actor"] = "system", ["client_id"] = "directory-reader", ["subject_organization_id"] = "SE2321000016-1000" });

        Assert.NotEmpty(providers);
        foreach (var provider in providers)
        {
            using var endpointResponse = await server.SendAsync(HttpMethod.Get, $"/fhir/Endpoint/sim-{provider.Key}", token);
            using var unitsResponse = await server.SendAsync(HttpMethod.Get, $"/fhir/Organization?partof=Organization/{provider.HsaId}", token);
            var endpoint = FhirJson.Parse<Hl7.Fhir.Model.Endpoint>(await endpointResponse.Content.ReadAsStringAsync());
            var units = FhirJson.Parse<Bundle>(await unitsResponse.Content.ReadAsStringAsync()).Entry.Select(e => (Organization)e.Resource).ToList();

            Assert.Equal($"{NdiServer.Issuer}/sim/{provider.Key}/fhir", endpoint.Address);
            Assert.Equal(Hl7.Fhir.Model.Endpoint.EndpointStatus.Active, endpoint.Status);
            Assert.Equal(provider.CareUnits.Select(u => u.HsaId).Order(StringComparer.Ordinal), units.Select(u => u.Id));
            Assert.All(units, u => Assert.Equal([$"Endpoint/sim-{provider.Key}"], u.Endpoint.Select(e => e.Reference)));
        }
        var unitCount = providers.Sum(p => p.CareUnits.Count);
        using var locations = await server.SendAsync(HttpMethod.Get, "/fhir/Location", token);
        using var services = await server.SendAsync(HttpMethod.Get, "/fhir/HealthcareService", token);
        Assert.Equal(unitCount, FhirJson.Parse<Bundle>(await locations.Content.ReadAsStringAsync()).Total);
        Assert.Equal(unitCount, FhirJson.Parse<Bundle>(await services.Content.ReadAsStringAsync()).Total);
    }

    [Fact]
    public async Task Register_WhenRunAgain_AddsNothingAndKeepsAnOperatorsChange()
    {
        await using var server = await NdiServer.StartTrustingAsync("sqlite", _issuer);
        var providers = server.Services.GetRequiredService<SimulatorRegistry>().Providers;
        var registration = server.Services.GetRequiredService<SimulatedProviderDirectory>();
        var store = server.Services.GetRequiredService<ICareServicesStore>();
        var unit = providers[0].CareUnits[0];
        var renamed = (await store.GetAsync<DirectoryOrganization>(unit.HsaId))! with { Name = "Renamed by an operator" };
        await store.SaveAsync(renamed, "operator:anna");

        var added = await registration.RegisterAsync(providers, new Uri("http://localhost:5080"));

        Assert.Equal(0, added);
        Assert.Equal(renamed, await store.GetAsync<DirectoryOrganization>(unit.HsaId));
        Assert.Single(await server.Services.GetRequiredService<IDirectoryStore>().HistoryAsync($"sim-{providers[0].Key}"));
        Assert.Single(await store.HistoryAsync<DirectoryLocation>(unit.HsaId));
    }

    [Fact]
    public void KindCode_GivesEveryCareUnitKindAKnownCode()
    {
        Assert.All(Enum.GetValues<CareUnitKind>(), kind => Assert.True(CareUnitKinds.IsKnown(SimulatedProviderDirectory.KindCode(kind)), kind.ToString()));
        Assert.Equal("primary-care", SimulatedProviderDirectory.KindCode(CareUnitKind.PrimaryCare));
    }
}
