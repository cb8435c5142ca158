using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using OpenNdi.Core.Identity;
using OpenNdi.Data;
using OpenNdi.Data.Population;
using OpenNdi.Server.Audit;
using OpenNdi.Server.Identity.AuthorizationServer;

namespace OpenNdi.Server.Demo;

/// <summary>
/// Module DemoLogin: a simulated EHR, to show the clinician view working inside the clinician's own EHR without a
/// second login (SOU 2026:6, the access service in the professional's own system; SMART App Launch 2.2 EHR launch).
/// The page stands for an EHR where a demo clinician is logged in with a patient open; "Open national summary" does
/// what a real EHR does: it gets a system token as its own backend client (<c>private_key_jwt</c>, key kept in the
/// database so every replica signs alike), registers the launch context at <c>/oauth/launch</c> and opens the
/// clinician view at <c>/portal/clinician/launch?iss=…&amp;launch=…</c>.
/// <code>
/// GET /ehr          the EHR's patient list        POST /ehr/launch   launch the clinician view for the chosen patient
/// </code>
/// </summary>
internal static class SimulatedEhr
{
    public const string ClientId = "openndi-demo-ehr";

    /// <summary>
    /// Registers the EHR as a backend client of the first demo clinician's provider (it may start launches for that
    /// provider's staff, nothing else), once the demo's people are loaded. Every replica registers the same.
    /// </summary>
    public static async Task RegisterAsync(IServiceProvider services, DemoUsers users, CancellationToken cancellationToken)
    {
        var provider = users.Users.FirstOrDefault(u => u.Id == "clinician-1")?.Subject.Claims.GetValueOrDefault(NdiClaims.SubjectOrganizationId);
        if (provider is null || services.GetService<OAuthClients>() is not { } clients)
            return;
        using var key = Key(services);
        var client = clients.Register(new OAuthClientOptions
        {
            ClientId = ClientId, Name = "Simulated EHR (demo)", Jwks = Jwks(key), Organization = provider, Scopes = EhrLaunchScopes.CreateLaunch,
        });
        await ClientRegistrations.WriteAsync(services.GetRequiredService<IServiceScopeFactory>(), client, services.GetRequiredService<ILoggerFactory>().CreateLogger(nameof(SimulatedEhr)), cancellationToken);
    }

    public static IEndpointRouteBuilder MapSimulatedEhr(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/ehr").WithTags("Demo").ExcludeFromDescription();
        group.MapGet("", ShowAsync).Public("demo only: a simulated EHR's page; the launch it makes is logged at /oauth/launch");
        group.MapPost("/launch", LaunchAsync).DisableAntiforgery().Public("demo only: the simulated EHR starts a launch through /oauth/launch, which logs it");
        return app;
    }

    private static RSA Key(IServiceProvider services) => services.GetRequiredService<IssuerKeys>().ClientKey("demo-ehr");

    private static string Jwks(RSA rsa)
    {
        var p = rsa.ExportParameters(false);
        return JsonSerializer.Serialize(new { keys = new[] { new { kty = "RSA", use = "sig", alg = "RS256", kid = "demo-ehr", n = Base64UrlEncoder.Encode(p.Modulus), e = Base64UrlEncoder.Encode(p.Exponent) } } });
    }

    private static async Task<IResult> ShowAsync(DemoUsers users, NdiDatabase database, CancellationToken cancellationToken) =>
        await PageAsync(users, database, null, 200, cancellationToken);

    /// <summary>The EHR's page (OpenNdi.Web's SimulatedEhrPage): the first demo provider's clinicians, the patients it can open, and a problem if any.</summary>
    private static async Task<IResult> PageAsync(DemoUsers users, NdiDatabase database, string? problem, int status, CancellationToken cancellationToken)
    {
        var staff = users.Users.Where(u => u.Subject.Actor == ActorKind.Professional && u.Id.StartsWith("clinician-", StringComparison.Ordinal)).ToList();
        var own = staff.FirstOrDefault()?.Subject.Claims.GetValueOrDefault(NdiClaims.SubjectOrganizationId);
        var patients = await new PopulationStore(database).ListAsync(0, 12, cancellationToken);
        return OpenNdi.Web.DemoPages.Ehr(
            [.. staff.Where(u => u.Subject.Claims.GetValueOrDefault(NdiClaims.SubjectOrganizationId) == own).Select(u => new OpenNdi.Web.DemoPerson(u.Id, u.Name, u.Description))],
            [.. patients.Select(p => new OpenNdi.Web.DemoPerson(p.Id.Value, p.FullName, ""))], problem, status);
    }

    private static async Task<IResult> LaunchAsync(HttpContext http, DemoUsers users, NdiDatabase database, AuthorizationServerOptions options, IHttpClientFactory clients, IServiceProvider services, TimeProvider time)
    {
        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        var clinician = users.Users.FirstOrDefault(u => u.Id == form["clinician"].ToString() && u.Subject.Actor == ActorKind.Professional);
        if (clinician is null)
            return await PageAsync(users, database, "Choose a clinician.", 400, http.RequestAborted);
        var claims = clinician.Subject.Claims;
        var context = new LaunchContext(
            new LaunchProfessional(clinician.Subject.Subject, clinician.Name, claims[NdiClaims.SubjectOrganizationId], claims[NdiClaims.CareUnitId],
                claims.GetValueOrDefault(NdiClaims.SubjectRole), claims.GetValueOrDefault(NdiClaims.SubjectOrganization), claims.GetValueOrDefault(NdiClaims.AssignmentId),
                claims.GetValueOrDefault(NdiClaims.AssignmentScope)),
            form["patient"].ToString(), CareRelationship: form["care"] == "yes");
        var issuer = options.Issuer.TrimEnd('/');
        using var client = clients.CreateClient(nameof(SimulatedEhr));
        using var key = Key(services);
        var now = time.GetUtcNow().UtcDateTime;
        var assertion = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = ClientId, Audience = options.TokenEndpoint.AbsoluteUri, IssuedAt = now, NotBefore = now, Expires = now.AddMinutes(2),
            Claims = new Dictionary<string, object> { ["sub"] = ClientId, ["jti"] = Guid.NewGuid().ToString("N") },
            SigningCredentials = new SigningCredentials(new RsaSecurityKey(key.ExportParameters(true)) { KeyId = "demo-ehr" }, SecurityAlgorithms.RsaSha256),
        });
        using var tokenResponse = await client.PostAsync($"{issuer}/oauth/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials", ["scope"] = EhrLaunchScopes.CreateLaunch,
            ["client_assertion_type"] = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer", ["client_assertion"] = assertion,
        }), http.RequestAborted);
        var token = await tokenResponse.Content.ReadFromJsonAsync<JsonElement>(http.RequestAborted);
        if (!tokenResponse.IsSuccessStatusCode)
            return await PageAsync(users, database, $"The EHR got no token: {token}", 502, http.RequestAborted);
        using var launchRequest = new HttpRequestMessage(HttpMethod.Post, $"{issuer}/oauth/launch") { Content = JsonContent.Create(context, options: LaunchEndpoint.Json) };
        launchRequest.Headers.Authorization = new("Bearer", token.GetProperty("access_token").GetString());
        using var launchResponse = await client.SendAsync(launchRequest, http.RequestAborted);
        var launch = await launchResponse.Content.ReadFromJsonAsync<JsonElement>(http.RequestAborted);
        if (!launchResponse.IsSuccessStatusCode)
            return await PageAsync(users, database, $"The launch was refused: {launch}", 502, http.RequestAborted);
        return Results.Redirect($"/portal/clinician/launch?iss={Uri.EscapeDataString(issuer + "/fhir")}&launch={Uri.EscapeDataString(launch.GetProperty("launch").GetString()!)}");
    }

}
