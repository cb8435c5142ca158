using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using OpenNdi.ContactPoint.Demo;
using OpenNdi.ContactPoint.Documents;
using OpenNdi.ContactPoint.Domain;
using OpenNdi.ContactPoint.Edge;
using OpenNdi.ContactPoint.Identification;
using OpenNdi.ContactPoint.Ports;
using OpenNdi.ContactPoint.Simulation;
using OpenNdi.ContactPoint.Storage;
using OpenNdi.ContactPoint.Terminology;
using OpenNdi.ContactPoint.Transport;
using OpenNdi.ContactPoint.Trust;
using OpenNdi.ContactPoint.Visitors;
using OpenNdi.Core.Audit;
using OpenNdi.Core.Identity;
using OpenNdi.Server.Audit;
using OpenNdi.Server.Platform;

namespace OpenNdi.Server.CrossBorder;

/// <summary>
/// The host's one Add/Map pair for the national contact point to MyHealth@EU (src/OpenNdi.ContactPoint, issue 17,
/// ADR 0010): the trust list (configured peers; in the demo the demo EU PKI and the simulated German and French
/// contact points), Sweden's own credentials, the peer authentication scheme, the national services behind the contact
/// point's ports, the transport to peers, and its routes declared with their audit. Off (no route) when no peer is
/// configured and the demo's simulator is off.
/// </summary>
internal static class ContactPointModule
{
    public const string PeerPolicy = "ncp-peer";

    public static WebApplicationBuilder AddContactPoint(this WebApplicationBuilder builder, HostedModules modules)
    {
        var services = builder.Services;
        var configuration = builder.Configuration;
        var trust = configuration.GetSection(ContactPointTrustOptions.Section).Get<ContactPointTrustOptions>() ?? new ContactPointTrustOptions();
        var demo = trust.Peers.Count == 0 && modules.Simulator;
        if (trust.Peers.Count == 0 && !demo)
            return builder;
        services.AddSingleton(new ContactPointEnabled(demo));
        var publicBase = PublicAddress.Resolve(configuration[PublicAddress.Setting], configuration["urls"]);
        var listener = configuration["ContactPoint:Listener"] is { Length: > 0 } own ? new Uri(own) : null;
        var peerListeners = configuration.GetSection("ContactPoint:DemoPeerListeners").Get<Dictionary<string, string>>() ?? [];

        DemoEuCertificates? demoCertificates = null;
        if (demo)
        {
            var folder = configuration["ContactPoint:DemoCertificatesFolder"] is { Length: > 0 } configured ? configured : Path.Combine(Path.GetTempPath(), "openndi-demo", "eu-pki");
            demoCertificates = DemoEuCertificates.LoadOrCreate(folder, TimeProvider.System);
            services.AddSingleton(demoCertificates);
            var peerBase = (string cc) => peerListeners.TryGetValue(cc, out var url) ? url.TrimEnd('/') : publicBase.AbsoluteUri.TrimEnd('/');
            var simulated = SimulatedPeerOptions.FromDemo(demoCertificates, publicBase.AbsoluteUri.TrimEnd('/'));
            foreach (var (cc, url) in peerListeners)
                simulated.CountryBaseUrls[cc] = url.TrimEnd('/');
            services.AddSimulatedPeers(simulated);
            trust = DemoEuTrust.Options(demoCertificates, (listener ?? publicBase).AbsoluteUri.TrimEnd('/') + NcpFhirApi.Base,
                new Uri(SimulatedPeerOptions.PeerBaseUrl(peerBase("DE"), "de")), new Uri(SimulatedPeerOptions.PeerBaseUrl(peerBase("FR"), "fr")));
        }
        if (string.IsNullOrWhiteSpace(trust.Audience))
            trust.Audience = (listener ?? publicBase).AbsoluteUri.TrimEnd('/') + NcpFhirApi.Base;
        if (trust.Validate() is { Count: > 0 } problems)
            throw new InvalidOperationException("Invalid contact point settings: " + string.Join("; ", problems));
        if (!demo && string.IsNullOrWhiteSpace(configuration["ContactPoint:Terminology:ValueSets"]))
            throw new InvalidOperationException("ContactPoint:Terminology:ValueSets must name the folder of the eHDSI Master Value Set Catalogue's FHIR ValueSet files: every code crossing the border is mapped against it");
        var trustList = PeerTrustList.Load(trust);
        services.AddSingleton(trustList);
        var sweden = demoCertificates is not null
            ? new SwedishContactPoint(DemoEuTrust.SwedenId, demoCertificates.Sweden, demoCertificates.SwedenSigning)
            : new SwedishContactPoint(configuration["ContactPoint:Sweden:Id"] ?? DemoEuTrust.SwedenId,
                X509Certificate2.CreateFromPemFile(Required(configuration, "ContactPoint:Sweden:TlsCertificate"), Required(configuration, "ContactPoint:Sweden:TlsKey")),
                X509Certificate2.CreateFromPemFile(Required(configuration, "ContactPoint:Sweden:SigningCertificate"), Required(configuration, "ContactPoint:Sweden:SigningKey")));
        services.AddSingleton(sweden);

        services.AddSingleton(new ModuleMigrations(DispensationStore.Migrations));
        services.AddSingleton<DispensationStore>();
        services.AddSingleton<OpenNdi.Server.ProfessionalAccess.IAdditionalItems, CrossBorderDispensationItems>();
        services.AddSingleton<PeerAuthentication>();
        services.AddSingleton<CrossBorderAssertionValidator>();
        services.AddSingleton<PatientIdentification>();
        services.AddSingleton<CrossBorderSummary>();
        services.AddSingleton<DocumentHandles>();
        services.AddSingleton(_ => MasterValueSet(configuration, demo));
        services.AddSingleton(sp => new DocumentCodeMapper(sp.GetRequiredService<MasterValueSetCatalogue>(), DisplayTranslations.Default));
        services.AddSingleton(new PeerCallSettings(TimeSpan.FromMilliseconds(configuration.GetValue("ContactPoint:PeerTimeoutMs", 10_000))));
        services.AddSingleton<VisitorSummaries>();
        services.AddSingleton<IPeerTransport, NcpFhirTransport>();
        services.AddHttpClient(NcpFhirTransport.HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan) // the deadlines are per request
            .ConfigurePrimaryHttpMessageHandler(sp => PeerTls.Handler(sweden.Tls, sp.GetRequiredService<PeerAuthentication>()));
        services.AddSingleton<INationalRecords, NationalRecordsForContactPoint>();
        services.AddSingleton<ICrossBorderAudit, CrossBorderAuditNotes>();
        var protection = services.AddDataProtection().SetApplicationName("OpenNdi.ContactPoint");
        if (configuration["ContactPoint:HandleKeysFolder"] is { Length: > 0 } keys)
            protection.PersistKeysToFileSystem(new DirectoryInfo(keys));
        services.AddAuthentication().AddScheme<NcpPeerAuthenticationOptions, NcpPeerAuthentication>(NcpPeerAuthentication.SchemeName, options =>
            options.OnRefused = (http, refusal) => NationalApiFilter.RecordUnauthenticatedAsync(http, $"{refusal.Code}: {refusal.AuditDetail ?? refusal.Message}"));
        services.AddAuthorizationBuilder().AddPolicy(PeerPolicy, policy => policy.AddAuthenticationSchemes(NcpPeerAuthentication.SchemeName).RequireAuthenticatedUser());

        if (listener is not null)
            AddListeners(builder, listener, peerListeners, sweden, demoCertificates);
        return builder;
    }

    /// <summary>
    /// The contact point's own TLS listener (and, in the demo, one per simulated peer, each with that peer's
    /// certificate): a client certificate is asked for, and judged by the peer authentication against the MyHealth@EU
    /// trust list, not by the TLS layer against the machine's roots. The public address keeps listening as before.
    /// </summary>
    private static void AddListeners(WebApplicationBuilder builder, Uri listener, Dictionary<string, string> peerListeners, SwedishContactPoint sweden, DemoEuCertificates? demo)
    {
        var byPort = new Dictionary<int, X509Certificate2> { [listener.Port] = sweden.Tls };
        foreach (var (cc, url) in peerListeners)
        {
            if (demo is not null)
                byPort[new Uri(url).Port] = cc.ToUpperInvariant() == "DE" ? demo.Germany : demo.France;
        }
        var urls = builder.WebHost.GetSetting(WebHostDefaults.ServerUrlsKey) ?? "";
        builder.WebHost.UseUrls([.. urls.Split(';', StringSplitOptions.RemoveEmptyEntries), listener.GetLeftPart(UriPartial.Authority), .. peerListeners.Values.Select(u => new Uri(u).GetLeftPart(UriPartial.Authority))]);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureHttpsDefaults(https =>
        {
            https.ServerCertificateSelector = (connection, _) => connection?.LocalEndPoint is IPEndPoint local && byPort.TryGetValue(local.Port, out var certificate) ? certificate : sweden.Tls;
            https.ClientCertificateMode = ClientCertificateMode.AllowCertificate;
            https.ClientCertificateValidation = (_, _, _) => true; // judged by PeerAuthentication, with the audit
        }));
    }

    private static string Required(IConfiguration configuration, string key) =>
        configuration[key] is { Length: > 0 } value ? value : throw new InvalidOperationException($"{key} is required when ContactPoint:Peers are configured");

    /// <summary>
    /// The eHDSI Master Value Set Catalogue: the folder <c>ContactPoint:Terminology:ValueSets</c> (production deploys the
    /// MVC the EU publishes), or in the demo the copy beside the repository (<c>../shared/fhir-examples/terminology-ehdsi</c>).
    /// </summary>
    private static MasterValueSetCatalogue MasterValueSet(IConfiguration configuration, bool demo)
    {
        if (configuration["ContactPoint:Terminology:ValueSets"] is { Length: > 0 } folder)
            return new MasterValueSetCatalogue(folder);
        if (demo && FindUpwards(Path.Combine("shared", "fhir-examples", "terminology-ehdsi")) is { } found)
            return new MasterValueSetCatalogue(found);
        throw new InvalidOperationException("ContactPoint:Terminology:ValueSets names no folder: the contact point maps every code against the eHDSI Master Value Set Catalogue (its FHIR ValueSet files)");
    }

    private static string? FindUpwards(string relative)
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, relative);
                if (Directory.Exists(candidate))
                    return candidate;
            }
        }
        return null;
    }

    public static WebApplication MapContactPoint(this WebApplication app)
    {
        if (app.Services.GetService<ContactPointEnabled>() is not { } enabled)
            return app;
        app.MapNcpFhirApi((route, operation) =>
        {
            if (operation == NcpOperation.VisitorSummary)
                route.NationalApi(AuditEventCodes.NcpVisitorSummary, AuditAction.Execute, "Patient", ScopePermissions.Read, ScopeContext.User);
            else if (operation == NcpOperation.VisitorPrescriptions)
                route.NationalApi(AuditEventCodes.NcpVisitorPrescriptions, AuditAction.Execute, "MedicationRequest", ScopePermissions.Read, ScopeContext.User);
            else if (operation == NcpOperation.VisitorDispense)
                route.NationalApi(AuditEventCodes.NcpVisitorDispense, AuditAction.Create, "MedicationDispense", ScopePermissions.Create, ScopeContext.User);
            else
                route.CrossBorderApi(PeerPolicy, operation switch
                {
                    NcpOperation.Identify => AuditEventCodes.NcpIdentify,
                    NcpOperation.FindDocuments => AuditEventCodes.NcpFind,
                    NcpOperation.Provide => AuditEventCodes.NcpProvide,
                    _ => AuditEventCodes.NcpRetrieve,
                }, AuditAction.Execute);
        });
        if (enabled.Demo)
            app.MapSimulatedPeers().Public("the simulated foreign contact points of the demo: another country's system, which authenticates Sweden itself (certificate and assertion)");
        return app;
    }
}

/// <summary>Marks that the contact point runs in this process (and whether on the demo's PKI with simulated peers).</summary>
internal sealed record ContactPointEnabled(bool Demo);
