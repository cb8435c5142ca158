using System.Net;
using Microsoft.Extensions.DependencyInjection;
using OpenNdi.Data.Population;
using OpenNdi.Server.Platform;

namespace OpenNdi.Server.Tests;

/// <summary>
/// Issue 12 findings 2 and 3: a Production server hosts no demo part (no synthetic population, no simulated EHRs at
/// /sim, no passwordless login), refuses to start with one switched on unless told explicitly, and says why.
/// </summary>
[Trait("Category", "Security")]
public sealed class ProductionModulesTests
{
    [Fact]
    public async Task AProductionServer_HasNoDemoLogin_NoSimulator_AndNoDemoPopulation()
    {
        await using var server = await NdiServer.StartProductionAsync("sqlite");
        using var client = server.CreateClient(new() { AllowAutoRedirect = false });

        foreach (var path in (string[])["/sim", "/sim/region-1/fhir/Patient", "/demo", "/demo/callback"])
        {
            using var response = await client.GetAsync(path);
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"GET {path}: {(int)response.StatusCode}");
        }
        // The authorization endpoint serves EHR launches in production too (ADR 0008), but the demo app is not a
        // client there and nobody logs in by choosing a person: no login page, no code.
        using var page = await client.GetAsync("/oauth/authorize?response_type=code&client_id=openndi-demo-portal&redirect_uri=http://localhost/demo/callback&scope=openid&code_challenge=" + new string('x', 43) + "&code_challenge_method=S256");
        Assert.Equal(HttpStatusCode.BadRequest, page.StatusCode);
        Assert.DoesNotContain("operator-1", await page.Content.ReadAsStringAsync());
        using var login = await client.PostAsync("/oauth/authorize", new FormUrlEncodedContent(new Dictionary<string, string> { ["user"] = "operator-1", ["client_id"] = "openndi-demo-portal" }));
        Assert.Equal(HttpStatusCode.BadRequest, login.StatusCode);
        Assert.Null(login.Headers.Location);
        using var behaviour = await client.PutAsync("/sim/region-1/behaviour", new StringContent("{\"down\":true}", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.NotFound, behaviour.StatusCode);
        Assert.Equal(0, await new PopulationStore(server.Database.Database).CountAsync());
        // The national services themselves run.
        using var metadata = await client.GetAsync("/fhir/metadata");
        Assert.Equal(HttpStatusCode.OK, metadata.StatusCode);
        using var discovery = await client.GetAsync("/.well-known/openid-configuration");
        Assert.Equal(HttpStatusCode.OK, discovery.StatusCode);
    }

    /// <summary>
    /// The secondary-use chain runs in Production only with the body's pseudonym key configured, and then holds only
    /// the population register, never the demo's simulated providers; without a key it has no route at all.
    /// </summary>
    [Fact]
    public async Task AProductionServer_RunsTheSecondaryUseChain_OnlyWithItsKey_AndWithoutTheDemoHolders()
    {
        await using (var off = await NdiServer.StartProductionAsync("sqlite"))
        {
            using var client = off.CreateClient();
            using var catalogue = await client.GetAsync("/sdu/catalog");
            Assert.Equal(HttpStatusCode.NotFound, catalogue.StatusCode);
        }
        await using var on = await NdiServer.StartProductionAsync("sqlite", new Dictionary<string, string>
        {
            ["SecondaryUse:PseudonymKey"] = Convert.ToBase64String(Enumerable.Range(7, 32).Select(i => (byte)i).ToArray()),
        });
        var holders = await on.Services.GetRequiredService<OpenNdi.SecondaryUse.Ports.IHolderData>().DatasetsAsync(CancellationToken.None);
        Assert.Equal([OpenNdi.Server.SecondaryUse.RegisterHolder.DatasetId], holders.Select(d => d.Id));
        using var unauthenticated = await on.CreateClient().PostAsync("/sdu/applications", new StringContent("{}", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Unauthorized, unauthenticated.StatusCode);
    }

    [Theory]
    [InlineData("Modules:DemoPopulation")]
    [InlineData("Modules:Simulator")]
    public async Task AProductionServer_WithADemoModuleOn_RefusesToStart_AndSaysWhy(string module)
    {
        var failure = await Assert.ThrowsAnyAsync<Exception>(() => NdiServer.StartProductionAsync("sqlite", new Dictionary<string, string> { [module] = "true" }));

        var refusal = Unwrap(failure);
        Assert.Contains("Refusing to start (Production)", refusal.Message, StringComparison.Ordinal);
        Assert.Contains($"{module} must be off in Production", refusal.Message, StringComparison.Ordinal);
        Assert.Contains("Modules__AllowDemoInProduction=true", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AProductionServer_RunsTheDemo_OnlyWhenAllowedExplicitly()
    {
        await using var server = await NdiServer.StartProductionAsync("sqlite", new Dictionary<string, string>
        {
            ["Modules:DemoPopulation"] = "true", ["Modules:Simulator"] = "true", ["Modules:DemoLogin"] = "true", ["Modules:AllowDemoInProduction"] = "true",
            ["Demo:Persons"] = "5", ["Demo:Providers"] = "2",
        });
        using var client = server.CreateClient();

        using var sim = await client.GetAsync("/sim");
        using var demo = await client.GetAsync("/demo");
        Assert.Equal(HttpStatusCode.OK, sim.StatusCode);
        Assert.Equal(HttpStatusCode.OK, demo.StatusCode);
    }

    [Fact]
    public void TheDemoLogin_NeedsTheSimulatedProviders()
    {
        var modules = new HostedModules { DemoLogin = true, DemoPopulation = true };

        var problems = modules.Validate(new Microsoft.Extensions.Hosting.Internal.HostingEnvironment { EnvironmentName = "Development" });

        Assert.Equal(["Modules:DemoLogin needs Modules:Simulator: the demo's clinicians work at the simulated providers"], problems);
    }

    private static Exception Unwrap(Exception failure)
    {
        for (var e = failure; e is not null; e = e.InnerException)
        {
            if (e is InvalidOperationException { Message: var m } && m.StartsWith("Refusing to start", StringComparison.Ordinal))
                return e;
        }
        return failure;
    }
}

/// <summary>Issue 12 finding 13: one setting is the source of the listening address, the issuer and the simulated providers' addresses.</summary>
public sealed class PublicAddressTests
{
    [Theory]
    [InlineData("https://ndi.example.se", "http://0.0.0.0:8080", "https://ndi.example.se/")]
    [InlineData(null, "http://localhost:6001;https://localhost:6002", "http://localhost:6001/")]
    [InlineData(null, "http://+:8080", "http://localhost:8080/")]
    [InlineData(null, "http://*:8080", "http://localhost:8080/")]
    [InlineData(null, "http://0.0.0.0:8080", "http://localhost:8080/")]
    [InlineData(null, "http://[::]:8080", "http://localhost:8080/")]
    [InlineData("", "", "http://localhost:5080/")]
    [InlineData(null, null, "http://localhost:5080/")]
    public void ThePublicBaseUrl_IsTheSetting_ElseTheFirstListeningAddress_ElseTheDefault(string? setting, string? urls, string expected) =>
        Assert.Equal(expected, PublicAddress.Resolve(setting, urls).AbsoluteUri);

    [Theory]
    [InlineData("ndi.example.se")]
    [InlineData("ftp://ndi.example.se")]
    public void AMalformedPublicBaseUrl_StopsTheStart(string setting) =>
        Assert.Contains("PublicBaseUrl", Assert.Throws<InvalidOperationException>(() => PublicAddress.Resolve(setting, null)).Message, StringComparison.Ordinal);

    [Fact]
    public void NeitherTheLaunchProfileNorAppsettings_FixTheListeningAddress()
    {
        // dotnet run applies the launch profile's applicationUrl over ASPNETCORE_URLS, and appsettings' Urls over
        // the default: either would make the README's ASPNETCORE_URLS line do nothing.
        var project = Path.Combine(RepositoryRoot(), "src", "OpenNdi.Server");
        foreach (var file in (string[])["Properties/launchSettings.json", "appsettings.json", "appsettings.Development.json"])
        {
            var text = File.ReadAllText(Path.Combine(project, file));
            Assert.DoesNotContain("applicationUrl", text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("\"Urls\"", text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("localhost:5080", text, StringComparison.Ordinal);
        }
    }

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "OpenNdi.slnx")))
            dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("OpenNdi.slnx not found above " + AppContext.BaseDirectory);
    }
}
