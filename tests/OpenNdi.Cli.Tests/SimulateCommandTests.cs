using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using OpenNdi.Testing;

namespace OpenNdi.Cli.Tests;

/// <summary>
/// <c>ndi simulate</c> on an https address (issue 14): it makes the demo certificates on first start, completes no TLS
/// handshake without the access service's client certificate from the demo CA, and behind that still wants a token.
/// </summary>
[Trait("Category", "Security")]
public sealed class SimulateCommandTests
{
    private static HttpClient Client(string folder, string? clientCertificate)
    {
        var authority = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(folder, "ca.crt"));
        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
        {
            if (errors != SslPolicyErrors.RemoteCertificateChainErrors || certificate is not X509Certificate2 server)
                return errors == SslPolicyErrors.None;
            using var ours = new X509Chain();
            ours.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            ours.ChainPolicy.CustomTrustStore.Add(authority);
            ours.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            return ours.Build(server);
        };
        if (clientCertificate is not null)
        {
            using var pem = X509Certificate2.CreateFromPemFile(Path.Combine(clientCertificate, "access-service.crt"), Path.Combine(clientCertificate, "access-service.key"));
            handler.SslOptions.ClientCertificates = [X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null)];
        }
        return new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
    }

    [Fact]
    public async Task SimulateOverHttps_RequiresTheAccessServicesCertificate_AndThenStillAToken()
    {
        await using var test = await TestDatabase.CreateAsync("sqlite", migrate: false);
        var folder = Directory.CreateTempSubdirectory("openndi-cli-pki-").FullName;
        var other = Directory.CreateTempSubdirectory("openndi-cli-pki-other-").FullName;
        try
        {
            var (seeded, _, seedError) = await NdiProcess.RunAsync("seed", "--persons", "10", "--providers", "1", "--seed", "3", "--database", test.ConfigurationValue);
            Assert.True(seeded == 0, seedError);
            using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            // Another CA's client certificate: a second demo PKI.
            OpenNdi.Synthetic.Simulator.DemoCertificates.LoadOrCreate(other, TimeProvider.System).Dispose();

            await using var simulate = NdiProcess.Start("simulate", "--database", test.ConfigurationValue, "--urls", $"https://127.0.0.1:{port}", "--certificates", folder, "--issuer", "http://127.0.0.1:9");
            // It says "Simulating" once it listens (the host's own log lines come before).
            while (!simulate.Lines.Any(l => l.StartsWith("Simulating", StringComparison.Ordinal)))
                await simulate.WaitForLinesAsync(simulate.LineCount + 1, TimeSpan.FromMinutes(1));
            var baseUrl = $"https://127.0.0.1:{port}/sim";
            using var accessService = Client(folder, clientCertificate: folder);
            using var anonymous = Client(folder, clientCertificate: null);
            using var stranger = Client(folder, clientCertificate: other);
            var provider = System.Text.Json.JsonDocument.Parse(await accessService.GetStringAsync(baseUrl)).RootElement[0].GetProperty("key").GetString();

            using var metadata = await accessService.GetAsync($"{baseUrl}/{provider}/fhir/metadata");
            using var withoutToken = await accessService.GetAsync($"{baseUrl}/{provider}/fhir/Condition");

            Assert.Contains(simulate.Lines, l => l.Contains("mutual TLS", StringComparison.Ordinal));
            Assert.Equal(HttpStatusCode.OK, metadata.StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, withoutToken.StatusCode);
            await Assert.ThrowsAsync<HttpRequestException>(() => anonymous.GetAsync($"{baseUrl}/{provider}/fhir/metadata"));
            await Assert.ThrowsAsync<HttpRequestException>(() => stranger.GetAsync($"{baseUrl}/{provider}/fhir/metadata"));
            if (!OperatingSystem.IsWindows())
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(folder, "ca.key")));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
            Directory.Delete(other, recursive: true);
        }
    }
}
