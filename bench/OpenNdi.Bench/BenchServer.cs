using System.Buffers.Text;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace OpenNdi.Bench;

/// <summary>The bench's own identity provider: an RSA key, its JWKS for the server's configuration, and RS256 access tokens.</summary>
internal sealed class BenchIssuer : IDisposable
{
    public const string Issuer = "https://idp.bench.example";
    private const string KeyId = "bench-1";
    private readonly RSA _rsa = RSA.Create(2048);

    public string Jwks
    {
        get
        {
            var p = _rsa.ExportParameters(includePrivateParameters: false);
            return JsonSerializer.Serialize(new { keys = new[] { new { kty = "RSA", use = "sig", alg = "RS256", kid = KeyId, n = Base64Url.EncodeToString(p.Modulus), e = Base64Url.EncodeToString(p.Exponent) } } });
        }
    }

    /// <summary>An access token (RFC 9068: JWT of type at+jwt) signed RS256, valid for an hour (the API's longest): long enough for a run, so every request carries the same token.</summary>
    public string Token(string scope, string? provider = null, IReadOnlyDictionary<string, object>? extra = null)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var claims = new Dictionary<string, object> { ["iss"] = Issuer, ["aud"] = "openndi", ["sub"] = "SE2321000016-15CQ", ["iat"] = now, ["nbf"] = now, ["exp"] = now + 3600, ["scope"] = scope };
        if (provider is not null)
            claims["subject_organization_id"] = provider;
        foreach (var (name, value) in extra ?? new Dictionary<string, object>())
            claims[name] = value;
        return Sign("at+jwt", claims);
    }

    /// <summary>A JWT of type <paramref name="type"/> (the <c>typ</c> header) with these claims, signed RS256 with this key.</summary>
    public string Sign(string type, IReadOnlyDictionary<string, object> claims)
    {
        var header = Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(new { alg = "RS256", typ = type, kid = KeyId }));
        var payload = Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(claims));
        var signature = _rsa.SignData(Encoding.ASCII.GetBytes($"{header}.{payload}"), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return $"{header}.{payload}.{Base64Url.EncodeToString(signature)}";
    }

    /// <summary>
    /// A clinician at a provider outside the loaded data, with an assignment covering other providers: every lookup
    /// goes through the whole access policy (another provider's entries, care relationship declared per request).
    /// </summary>
    public string ClinicianToken(string scope = "user/DocumentReference.rs") => Token(scope, "SE5560125790-2000", new Dictionary<string, object>
    {
        ["ndi_actor"] = "professional", ["care_unit_id"] = "SE5560125790-V1", ["assignment_id"] = "bench-assignment",
        ["assignment_scope"] = "coherent-records", ["purpose_of_use"] = "TREAT",
    });

    /// <summary>
    /// A person's token as the national e-identification login issues it (the tests' <c>TestIssuer.PersonToken</c>):
    /// <c>ndi_actor</c> patient, the person's number, assurance level 3.
    /// </summary>
    public string PersonToken(string person, string scope = "patient/*.rs") => Token(scope, extra: new Dictionary<string, object>
    {
        ["ndi_actor"] = "patient", ["person_id"] = person, ["acr"] = OpenNdi.Core.Identity.AssuranceLevels.Loa3,
    });

    public void Dispose() => _rsa.Dispose();
}

/// <summary>
/// The real server (the Release build of src/OpenNdi.Server) as a child process on a local port, configured as in
/// production except: the bench database, no demo seed, logs at Warning, and the bench issuer as the one trusted issuer.
/// A benchmark may add settings (<c>environment</c>, as environment variables) and further local ports to listen on.
/// </summary>
internal sealed class BenchServer : IAsyncDisposable
{
    public const string DefaultDll = "src/OpenNdi.Server/bin/Release/net10.0/OpenNdi.Server.dll";
    private readonly ChildProcess _process;

    private BenchServer(ChildProcess process) => _process = process;

    public Uri Address => _process.Address;

    public int ProcessId => _process.ProcessId;

    public static async Task<BenchServer> StartAsync(string dll, string database, BenchIssuer issuer, int port,
        IReadOnlyDictionary<string, string>? environment = null, IReadOnlyCollection<int>? extraPorts = null)
    {
        var path = Path.GetFullPath(dll);
        if (!File.Exists(path))
            throw new FileNotFoundException($"server not built: run dotnet build -c Release src/OpenNdi.Server first ({path})");
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = Path.GetDirectoryName(path)!, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(path);
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add(string.Join(';', new[] { port }.Concat(extraPorts ?? []).Select(p => $"http://127.0.0.1:{p}")));
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["Storage__Database"] = database;
        start.Environment["Demo__Seed"] = "false";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        start.Environment["Logging__LogLevel__Microsoft.AspNetCore"] = "Warning";
        start.Environment["Identity__Audience"] = "openndi";
        start.Environment["Identity__TrustedIssuers__0__Issuer"] = BenchIssuer.Issuer;
        start.Environment["Identity__TrustedIssuers__0__Jwks"] = issuer.Jwks;
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
            start.Environment[name] = value;
        return new BenchServer(await ChildProcess.StartAsync(start, "server", new Uri($"http://127.0.0.1:{port}"), "/health/live"));
    }

    /// <summary>An HTTP/1.1 client that keeps up to <paramref name="connections"/> connections open: no proxy, no decompression.</summary>
    /// <param name="followRedirects">False to see a redirect itself (the authorization code is in its <c>Location</c>).</param>
    public HttpClient Client(int connections, bool followRedirects = true) => new(new SocketsHttpHandler
    {
        AllowAutoRedirect = followRedirects,
        MaxConnectionsPerServer = connections,
        PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
        UseProxy = false,
        UseCookies = false,
        AutomaticDecompression = System.Net.DecompressionMethods.None,
    })
    { BaseAddress = Address, Timeout = TimeSpan.FromMinutes(5) };

    /// <summary>Total processor time the server process has used so far.</summary>
    public TimeSpan CpuTime => _process.CpuTime;

    public static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
