using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using NetArchTest.Rules;
using OpenNdi.Server.Audit;

namespace OpenNdi.Server.Tests;

/// <summary>
/// Rules of the architecture that a reviewer would otherwise have to remember: every route declares its authorization
/// and audit (or is public on purpose), and no module reaches into another module's storage.
/// </summary>
[Trait("Category", "Security")]
public sealed class ArchitectureTests
{
    /// <summary>Which server module owns which storage namespace; every other module uses only its interfaces and records.</summary>
    private static readonly Dictionary<string, string[]> StorageOwners = new(StringComparer.Ordinal)
    {
        ["OpenNdi.Data.Index"] = ["OpenNdi.Server.PatientIndex"],
        ["OpenNdi.Data.ServiceDirectory"] = ["OpenNdi.Server.ServiceDirectory"],
        ["OpenNdi.Data.Consent"] = ["OpenNdi.Server.Consent"],
        ["OpenNdi.Data.Audit"] = ["OpenNdi.Server.Audit"],
        // The population register stands in for the national one: the consent module reads guardians from it, the demo fills it.
        ["OpenNdi.Data.Population"] = ["OpenNdi.Server.Consent", "OpenNdi.Server.Demo"],
        ["OpenNdi.Data.Simulator"] = ["OpenNdi.Server.Demo"],
        ["OpenNdi.Data.Identity"] = ["OpenNdi.Server.Identity"],
        ["OpenNdi.Data.PatientData"] = ["OpenNdi.Server.PatientData"],
    };

    /// <summary>The SQL schema (PostgreSQL) / table prefix (SQLite) of each storage namespace.</summary>
    private static readonly Dictionary<string, string> Schemas = new(StringComparer.Ordinal)
    {
        ["Index"] = "pdi", ["ServiceDirectory"] = "directory", ["Consent"] = "consent", ["Audit"] = "audit",
        ["Population"] = "population", ["Simulator"] = "simulator", ["Identity"] = "identity",
        ["PatientData"] = "patientdata",
    };

    [Fact]
    public async Task EveryRoute_DeclaresItsAuthorizationAndAudit_OrIsPublicOnPurpose()
    {
        await using var server = await NdiServer.StartAsync("sqlite", new Dictionary<string, string> { ["Demo:Persons"] = "3", ["Demo:Providers"] = "1" });
        var endpoints = server.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().ToList();
        Assert.NotEmpty(endpoints);

        var undeclared = endpoints
            .Where(e => e.Metadata.GetMetadata<AuditDeclaration>() is null && e.Metadata.GetMetadata<PublicRoute>() is null)
            .Select(e => e.RoutePattern.RawText).ToList();
        var scopedWithoutAudit = endpoints
            .Where(e => e.Metadata.GetMetadata<ScopeRequirement>() is not null && e.Metadata.GetMetadata<AuditDeclaration>() is null)
            .Select(e => e.RoutePattern.RawText).ToList();
        var nationalWithoutScope = endpoints
            .Where(e => e.RoutePattern.RawText!.StartsWith("/fhir", StringComparison.Ordinal) && e.Metadata.GetMetadata<PublicRoute>() is null && e.Metadata.GetMetadata<ScopeRequirement>() is null)
            .Select(e => e.RoutePattern.RawText).ToList();

        Assert.True(undeclared.Count == 0, "routes without an audit or public declaration: " + string.Join(", ", undeclared));
        Assert.True(scopedWithoutAudit.Count == 0, "routes with a scope but no audit: " + string.Join(", ", scopedWithoutAudit));
        Assert.True(nationalWithoutScope.Count == 0, "national FHIR routes without a scope: " + string.Join(", ", nationalWithoutScope));
        // The rule has teeth: the national lookup, publish and summary routes are among those declared.
        Assert.Contains(endpoints, e => e.RoutePattern.RawText == "/fhir/DocumentReference" && e.Metadata.GetMetadata<AuditDeclaration>()?.Event == "index-lookup");
        Assert.Contains(endpoints, e => e.RoutePattern.RawText == "/fhir/Patient/$summary" && e.Metadata.GetMetadata<ScopeRequirement>()?.ResourceType == "Patient");
    }

    [Fact]
    public void NoServerModule_UsesAnotherModulesStoreClasses()
    {
        var data = typeof(OpenNdi.Data.NdiDatabase).Assembly;
        var storeClasses = data.GetTypes()
            .Where(t => t is { IsClass: true, IsPublic: true } && (t.Name.EndsWith("Store", StringComparison.Ordinal) || t.Name.EndsWith("Schema", StringComparison.Ordinal)))
            .ToList();
        Assert.Contains(storeClasses, t => t.Name == "IndexStore"); // the scan finds what it is meant to
        var server = typeof(NationalApiFilter).Assembly;
        var serverModules = server.GetTypes().Select(t => t.Namespace).OfType<string>()
            .Where(n => n.StartsWith("OpenNdi.Server.", StringComparison.Ordinal)).Select(n => string.Join('.', n.Split('.').Take(3))).Distinct().ToList();

        var violations = new List<string>();
        foreach (var module in serverModules)
        {
            var foreign = storeClasses
                .Where(t => !StorageOwners.TryGetValue(t.Namespace!, out var owners) || !owners.Contains(module))
                .Select(t => t.FullName!).ToArray();
            var result = Types.InAssembly(server).That().ResideInNamespace(module).ShouldNot().HaveDependencyOnAny(foreign).GetResult();
            if (!result.IsSuccessful)
                violations.AddRange(result.FailingTypeNames.Select(t => $"{t} uses another module's store class"));
        }
        Assert.True(violations.Count == 0, string.Join("\n", violations));
    }

    /// <summary>
    /// The contact point (src/OpenNdi.ContactPoint) is a bounded context of its own: it reaches the national services
    /// through its ports only, never the host's code nor another module's stores (its own storage lives in it).
    /// </summary>
    [Fact]
    public void TheContactPoint_ReachesTheNationalServices_ThroughItsPortsOnly()
    {
        var contactPoint = typeof(OpenNdi.ContactPoint.Ports.INationalRecords).Assembly;
        var storeNamespaces = typeof(OpenNdi.Data.NdiDatabase).Assembly.GetTypes().Select(t => t.Namespace).OfType<string>()
            .Where(n => n.StartsWith("OpenNdi.Data.", StringComparison.Ordinal)).Distinct().ToArray();
        Assert.Contains("OpenNdi.Data.Index", storeNamespaces); // the scan finds what it is meant to

        var result = Types.InAssembly(contactPoint).ShouldNot().HaveDependencyOnAny(["OpenNdi.Server", "OpenNdi.Synthetic", "OpenNdi.Web", .. storeNamespaces]).GetResult();

        Assert.True(result.IsSuccessful, string.Join("\n", result.FailingTypeNames ?? []));
        Assert.DoesNotContain(contactPoint.GetReferencedAssemblies(), a => a.Name is "OpenNdi.Server" or "OpenNdi.Synthetic" or "OpenNdi.Web");
    }

    /// <summary>
    /// The secondary-use chain (src/OpenNdi.SecondaryUse, issue 18) is a bounded context of its own as well: the
    /// holders' data, the register and the objections reach it through its ports, which the host implements in the
    /// modules that own that storage (Demo for the simulator, Consent for the opt-outs, the host for the register).
    /// </summary>
    [Fact]
    public void TheSecondaryUseChain_ReachesNationalData_ThroughItsPortsOnly()
    {
        var chain = typeof(OpenNdi.SecondaryUse.Ports.IHolderData).Assembly;
        var storeNamespaces = typeof(OpenNdi.Data.NdiDatabase).Assembly.GetTypes().Select(t => t.Namespace).OfType<string>()
            .Where(n => n.StartsWith("OpenNdi.Data.", StringComparison.Ordinal)).Distinct().ToArray();
        Assert.Contains("OpenNdi.Data.Consent", storeNamespaces); // the scan finds what it is meant to

        var result = Types.InAssembly(chain).ShouldNot().HaveDependencyOnAny(["OpenNdi.Server", "OpenNdi.Synthetic", "OpenNdi.Web", "OpenNdi.ContactPoint", .. storeNamespaces]).GetResult();

        Assert.True(result.IsSuccessful, string.Join("\n", result.FailingTypeNames ?? []));
        Assert.DoesNotContain(chain.GetReferencedAssemblies(), a => a.Name is "OpenNdi.Server" or "OpenNdi.Synthetic" or "OpenNdi.Web" or "OpenNdi.ContactPoint");
    }

    [Fact]
    public void EachStore_TouchesOnlyItsOwnSchema()
    {
        var root = Path.Combine(RepositoryRoot(), "src", "OpenNdi.Data");
        var table = new Regex(@"\b(pdi|directory|consent|audit|population|simulator|identity|patientdata)[._](entries|endpoints|endpoint_health|entry_history|history|consents|events|heads|checkpoints|guardianships|persons|providers|resources|[a-z_]+s)\b");
        var violations = new List<string>();
        foreach (var (folder, schema) in Schemas)
        {
            var directory = Path.Combine(root, folder);
            if (!Directory.Exists(directory))
                continue;
            foreach (var file in Directory.EnumerateFiles(directory, "*.cs"))
            {
                foreach (Match match in table.Matches(File.ReadAllText(file)))
                {
                    if (match.Groups[1].Value != schema)
                        violations.Add($"{Path.GetFileName(file)} names {match.Value}, a table of another module");
                }
            }
        }
        Assert.True(Directory.Exists(Path.Combine(root, "Index")));
        Assert.True(violations.Count == 0, string.Join("\n", violations));
    }

    /// <summary>
    /// docs/security.md points each threat at the test that holds it: every <c>Class.Method</c> it names is a test that
    /// exists, in a class or with a method carrying the Security trait, so the threat model cannot point at nothing and
    /// <c>--filter-trait "Category=Security"</c> runs what it names.
    /// </summary>
    [Fact]
    [Trait("Category", "Security")]
    public void TheThreatModel_PointsOnlyAtSecurityTestsThatExist()
    {
        var root = RepositoryRoot();
        var model = File.ReadAllText(Path.Combine(root, "docs", "security.md"));
        var sources = Directory.EnumerateFiles(Path.Combine(root, "tests"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Select(File.ReadAllText).ToList();
        var named = System.Text.RegularExpressions.Regex.Matches(model, @"`([A-Z][A-Za-z]+Tests)(?:\.([A-Za-z_0-9]+))?`").Select(m => (Class: m.Groups[1].Value, Method: m.Groups[2].Value)).Distinct().ToList();
        Assert.True(named.Count > 50, $"the threat model names {named.Count} tests");
        var missing = new List<string>();
        foreach (var (@class, method) in named)
        {
            var source = sources.FirstOrDefault(s => System.Text.RegularExpressions.Regex.IsMatch(s, $@"\bclass {@class}\b"));
            if (source is null)
                missing.Add($"{@class}: no such class");
            else if (method.Length > 0 && !System.Text.RegularExpressions.Regex.IsMatch(source, $@"\b(Task|void) {method}\("))
                missing.Add($"{@class}.{method}: no such test");
            else if (!source.Contains("[Trait(\"Category\", \"Security\")]", StringComparison.Ordinal))
                missing.Add($"{@class}: not marked [Trait(\"Category\", \"Security\")]");
        }
        Assert.True(missing.Count == 0, string.Join("\n", missing));
    }

    /// <summary>
    /// Tests that can fail: no code draws from the unseeded shared generator or sleeps a thread; time comes from a
    /// <see cref="TimeProvider"/> (FakeTimeProvider in tests) and randomness from a seeded generator.
    /// </summary>
    [Fact]
    public void NoCode_UsesTheUnseededSharedRandom_OrSleepsAThread()
    {
        var root = RepositoryRoot();
        var offenders = new[] { "src", "tests", "bench" }
            .SelectMany(dir => Directory.EnumerateFiles(Path.Combine(root, dir), "*.cs", SearchOption.AllDirectories))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.EndsWith(nameof(ArchitectureTests) + ".cs", StringComparison.Ordinal))
            .SelectMany(f => File.ReadLines(f).Select((line, i) => (File: Path.GetRelativePath(root, f), Line: i + 1, Text: line)))
            .Where(l => l.Text.Contains("Random.Shared", StringComparison.Ordinal) || l.Text.Contains("Thread.Sleep(", StringComparison.Ordinal)
                || l.Text.Contains("new Random()", StringComparison.Ordinal))
            .Select(l => $"{l.File}:{l.Line}: {l.Text.Trim()}").ToList();
        Assert.True(offenders.Count == 0, string.Join("\n", offenders));
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "OpenNdi.slnx")))
            directory = directory.Parent;
        return directory?.FullName ?? throw new InvalidOperationException("the repository root (OpenNdi.slnx) is not above the test binaries");
    }
}
