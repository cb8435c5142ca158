using System.Net;
using Hl7.Fhir.Model;
using Microsoft.Extensions.DependencyInjection;
using OpenNdi.Core.Identifiers;
using OpenNdi.Core.Index;
using OpenNdi.Data.Index;
using OpenNdi.Data.Population;
using OpenNdi.Fhir;
using Task = System.Threading.Tasks.Task;

namespace OpenNdi.Server.Tests;

/// <summary>Patient/$summary and the per-category reads against the simulated providers, over HTTP.</summary>
public sealed class ProfessionalAccessTests : IAsyncLifetime
{
    private readonly TestIssuer _issuer = new("https://idp.national.example");
    private NdiServer _server = null!;

    public async ValueTask InitializeAsync()
    {
        _server = await NdiServer.StartAsync("sqlite", new Dictionary<string, string>
        {
            ["Demo:Persons"] = "60",
            ["Demo:Providers"] = "4",
            ["Identity:TrustedIssuers:0:Issuer"] = _issuer.Issuer,
            ["Identity:TrustedIssuers:0:Jwks"] = _issuer.Jwks,
        });
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        _issuer.Dispose();
    }

    private async Task<(PersonalIdentityNumber Patient, IReadOnlyList<IndexEntry> Entries)> PatientWithManyProvidersAsync()
    {
        var index = _server.Services.GetRequiredService<IIndexStore>();
        var persons = await _server.Services.GetRequiredService<IPopulationStore>().ListAsync(0, 60);
        var best = (Patient: default(PersonalIdentityNumber), Entries: (IReadOnlyList<IndexEntry>)[]);
        foreach (var person in persons)
        {
            var entries = await index.LookupAsync(new IndexQuery(person.Id, null, null, null));
            if (entries.Select(e => e.Provider).Distinct().Count() > best.Entries.Select(e => e.Provider).Distinct().Count())
                best = (person.Id, entries);
        }
        return best;
    }

    private string ClinicianToken() => _issuer.Token("user/*.rs", claims: IndexApiTests.ClinicianClaims);

    [Fact]
    public async Task Summary_WhenAllProvidersAnswer_IsOneDocumentWithProvenance()
    {
        var (patient, entries) = await PatientWithManyProvidersAsync();
        using var response = await _server.SendAsync(HttpMethod.Get, $"/fhir/Patient/$summary?identifier={patient.Value}", ClinicianToken(), headers: IndexApiTests.CareRelationship);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        var document = FhirJson.Parse<Bundle>(body);
        Assert.Equal(Bundle.BundleType.Document, document.Type);
        Console.WriteLine($"{entries.Select(e => e.Provider).Distinct().Count()} providers, {document.Entry.Count} entries: " + string.Join(", ", document.Entry.GroupBy(e => e.Resource.TypeName).Select(g => $"{g.Key} {g.Count()}")));
        foreach (var o in document.Entry.Select(e => e.Resource).OfType<OperationOutcome>().SelectMany(o => o.Issue))
            Console.WriteLine(o.Diagnostics);
    }
}
