using System.Net;
using System.Text.Json;
using Hl7.Fhir.Model;
using OpenNdi.Fhir;
using Task = System.Threading.Tasks.Task;

namespace OpenNdi.Server.Tests;

public class PlatformTests
{
    /// <summary>
    /// The README's first command runs the Development environment, where the host checks on build that no singleton
    /// holds a scoped service; the other tests run the Testing environment, which does not. Without this test a
    /// lifetime mistake reaches only the person trying the demo.
    /// </summary>
    [Fact]
    public async Task TheDemoConfiguration_Builds_WithEveryServiceLifetimeChecked()
    {
        await using var server = await NdiServer.StartDevelopmentAsync("sqlite", new Dictionary<string, string> { ["Demo:Persons"] = "5", ["Demo:Providers"] = "2" });
        using var client = server.CreateClient();

        using var response = await client.GetAsync("/health/live");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Metadata_ReturnsAValidFhirR4CapabilityStatement(string backend)
    {
        await using var server = await NdiServer.StartAsync(backend);
        using var client = server.CreateClient();

        using var response = await client.GetAsync("/fhir/metadata");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/fhir+json", response.Content.Headers.ContentType?.MediaType);
        var statement = FhirJson.Parse<CapabilityStatement>(await response.Content.ReadAsStringAsync());
        Assert.Equal(FHIRVersion.N4_0_1, statement.FhirVersion);
        Assert.Equal(CapabilityStatementKind.Instance, statement.Kind);
        Assert.Equal(CapabilityStatement.RestfulCapabilityMode.Server, Assert.Single(statement.Rest).Mode);
        Assert.Contains("json", statement.Format);
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Health_WhenTheDatabaseAnswers_IsHealthyAndNamesTheBackend(string backend)
    {
        await using var server = await NdiServer.StartAsync(backend);
        using var client = server.CreateClient();

        using var response = await client.GetAsync("/health");
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", body.RootElement.GetProperty("status").GetString());
        var database = body.RootElement.GetProperty("checks").GetProperty("database");
        Assert.Equal(backend == "sqlite" ? "Sqlite" : "PostgreSql", database.GetProperty("description").GetString());
    }

    [Fact]
    public async Task OpenApi_DescribesTheNonFhirEndpoints()
    {
        await using var server = await NdiServer.StartAsync("sqlite");
        using var client = server.CreateClient();

        using var document = JsonDocument.Parse(await client.GetStringAsync("/openapi/v1.json"));

        var paths = document.RootElement.GetProperty("paths");
        Assert.True(paths.TryGetProperty("/sim/{provider}/behaviour", out _));
        Assert.True(paths.TryGetProperty("/fhir/metadata", out _));
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Start_WhenTheDatabaseIsEmpty_SeedsTheDemoPopulationAndItsProviders(string backend)
    {
        await using var server = await NdiServer.StartAsync(backend);
        using var client = server.CreateClient();

        using var providers = JsonDocument.Parse(await client.GetStringAsync("/sim"));

        Assert.Equal(NdiServer.Providers, providers.RootElement.GetArrayLength());
        Assert.Equal(NdiServer.Persons, await new Data.Population.PopulationStore(server.Database.Database).CountAsync());
        Assert.True(await new Data.Simulator.SimulatorStore(server.Database.Database).CountResourcesAsync() > NdiServer.Persons * 5);
    }

    [Fact]
    public async Task UnknownPath_UnderFhir_AnswersNotFound()
    {
        await using var server = await NdiServer.StartAsync("sqlite");
        using var client = server.CreateClient();

        using var response = await client.GetAsync("/fhir/NoSuchThing/1");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}
