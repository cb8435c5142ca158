using System.Net;
using Hl7.Fhir.Model;
using Microsoft.Extensions.DependencyInjection;
using OpenNdi.Core.Identifiers;
using OpenNdi.Data.Index;
using OpenNdi.Data.Population;
using OpenNdi.Fhir;
using OpenNdi.Server.Demo;
using OpenNdi.Synthetic.Simulator;
using Task = System.Threading.Tasks.Task;

namespace OpenNdi.Server.Tests;

/// <summary>The simulated providers publish their index entries at start, through the bulk path, once.</summary>
public sealed class SimulatedPublishingTests : IDisposable
{
    private readonly TestIssuer _issuer = new("https://idp.national.example");

    public void Dispose() => _issuer.Dispose();

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task AtStart_EveryProviderHasPublished_AndAPatientsEntriesAreFound_WithWhereToFetchThem(string backend)
    {
        await using var server = await NdiServer.StartAsync(backend, new Dictionary<string, string>
        {
            ["Identity:TrustedIssuers:0:Issuer"] = _issuer.Issuer,
            ["Identity:TrustedIssuers:0:Jwks"] = _issuer.Jwks,
        });
        var index = new IndexStore(server.Database.Database);
        var registry = server.Services.GetRequiredService<SimulatorRegistry>();
        var person = (await new PopulationStore(server.Database.Database).ListAsync(0, 1))[0];

        using var response = await server.SendAsync(HttpMethod.Get, $"/fhir/DocumentReference?patient.identifier={person.Id.Value}", _issuer.PersonToken("patient/DocumentReference.rs", person.Id));
        var bundle = FhirJson.Parse<Bundle>(await response.Content.ReadAsStringAsync());
        var republished = await server.Services.GetRequiredService<SimulatedIndexPublishing>().PublishAsync(registry.Providers, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.NotEmpty(bundle.Entry);
        Assert.All(bundle.Entry, e => Assert.Equal(person.Id.Value, ((DocumentReference)e.Resource).Subject.Identifier.Value));
        // Routed through the directory to the provider's registered endpoint (the simulator), not left without an address.
        Assert.All(bundle.Entry, e => Assert.StartsWith($"{NdiServer.Issuer}/sim/", ((DocumentReference)e.Resource).Content[0].Attachment.Url));
        foreach (var provider in registry.Providers)
            Assert.True(await index.CountAsync(HsaId.Parse(provider.HsaId)) > 0, $"{provider.Key} published nothing");
        Assert.Equal(0, republished);
        // Each provider's publishing is in the audit log, as a real system's bulk publish is.
        var audit = new OpenNdi.Data.Audit.AuditStore(server.Database.Database);
        foreach (var provider in registry.Providers)
        {
            var published = await audit.QueryAsync(new OpenNdi.Data.Audit.AuditQuery(Actor: ProviderIndexPublication.SourceSystem(provider)));
            Assert.Contains(published, r => r.Columns.Event == "index-publish" && r.Columns.ActorProvider == provider.HsaId);
        }
    }
}
