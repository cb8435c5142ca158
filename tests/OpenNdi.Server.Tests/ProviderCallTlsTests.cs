using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using OpenNdi.Server.ProfessionalAccess;
using OpenNdi.Synthetic.Simulator;
using Task = System.Threading.Tasks.Task;

namespace OpenNdi.Server.Tests;

/// <summary>
/// Mutual TLS between the access service and a simulated EHR served over HTTPS (issue 14): a Kestrel server set up by
/// <see cref="SimulatorTls.UseDemoMutualTls"/> and clients built by <see cref="ProviderCallTls.CreateHandler"/>. The
/// certificates are the demo's, made in a temporary folder; the TLS handshake checks them against the machine clock.
/// </summary>
[Trait("Category", "Security")]
public sealed class ProviderCallTlsTests : IAsyncLifetime
{
    private readonly string _folder = Directory.CreateTempSubdirectory("openndi-pki-").FullName;
    private readonly string _otherFolder = Directory.CreateTempSubdirectory("openndi-pki-other-").FullName;
    private DemoCertificates _demo = null!;
    private WebApplication _simulator = null!;
    private Uri _address = null!;

    public async ValueTask InitializeAsync()
    {
        _demo = DemoCertificates.LoadOrCreate(_folder, TimeProvider.System);
        DemoCertificates.LoadOrCreate(_otherFolder, TimeProvider.System).Dispose();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrelHttpsConfiguration();
        builder.WebHost.UseUrls("https://127.0.0.1:0");
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.UseDemoMutualTls(_demo));
        _simulator = builder.Build();
        _simulator.MapGet("/sim/x/fhir/metadata", (HttpContext http) => $"hello {http.Connection.ClientCertificate?.GetNameInfo(System.Security.Cryptography.X509Certificates.X509NameType.SimpleName, false)}");
        await _simulator.StartAsync();
        _address = new Uri(_simulator.Urls.Single());
    }

    public async ValueTask DisposeAsync()
    {
        await _simulator.DisposeAsync();
        _demo.Dispose();
        Directory.Delete(_folder, recursive: true);
        Directory.Delete(_otherFolder, recursive: true);
    }

    private static ProviderCallOptions Options(string? certificateFolder, string authorityFolder) => new()
    {
        ClientCertificate = certificateFolder is null ? "" : Path.Combine(certificateFolder, "access-service.crt"),
        ClientCertificateKey = certificateFolder is null ? "" : Path.Combine(certificateFolder, "access-service.key"),
        TrustedAuthority = Path.Combine(authorityFolder, "ca.crt"),
    };

    private async Task<string> CallAsync(ProviderCallOptions options)
    {
        using var client = new HttpClient(ProviderCallTls.CreateHandler(options));
        return await client.GetStringAsync(new Uri(_address, "/sim/x/fhir/metadata"));
    }

    [Fact]
    public async Task SimulatorOverHttps_AcceptsTheAccessServicesCertificate()
    {
        Assert.Equal("hello OpenNdi demo national access service", await CallAsync(Options(_folder, _folder)));
    }

    [Fact]
    public async Task SimulatorOverHttps_RefusesAConnectionWithoutAClientCertificate()
    {
        await Assert.ThrowsAsync<HttpRequestException>(() => CallAsync(Options(certificateFolder: null, _folder)));
    }

    [Fact]
    public async Task SimulatorOverHttps_RefusesAClientCertificateOfAnotherCa()
    {
        await Assert.ThrowsAsync<HttpRequestException>(() => CallAsync(Options(_otherFolder, _folder)));
    }

    [Fact]
    public async Task AccessService_RefusesAProviderServerCertificateOfAnotherCa()
    {
        await Assert.ThrowsAsync<HttpRequestException>(() => CallAsync(Options(_folder, _otherFolder)));
    }

    [Fact]
    public void DemoKeys_AreReadableByTheOwnerOnly_AndKeptOverARestart()
    {
        using var again = DemoCertificates.LoadOrCreate(_folder, TimeProvider.System);

        foreach (var key in Directory.GetFiles(_folder, "*.key"))
        {
            if (!OperatingSystem.IsWindows())
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(key));
        }
        Assert.Equal(3, Directory.GetFiles(_folder, "*.key").Length);
        Assert.Equal(_demo.Authority.Thumbprint, again.Authority.Thumbprint);
        Assert.Equal(_demo.AccessService.Thumbprint, again.AccessService.Thumbprint);
        Assert.StartsWith("loaded", again.Origin, StringComparison.Ordinal);
    }
}
