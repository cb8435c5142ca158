using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using OpenNdi.ContactPoint.Demo;
using OpenNdi.ContactPoint.Documents;
using OpenNdi.ContactPoint.Domain;
using OpenNdi.ContactPoint.Edge;
using OpenNdi.ContactPoint.Identification;
using OpenNdi.ContactPoint.Ports;
using OpenNdi.ContactPoint.Terminology;
using OpenNdi.ContactPoint.Trust;
using OpenNdi.Core.Audit;
using OpenNdi.Server.Audit;
using OpenNdi.Server.Platform;

namespace OpenNdi.Server.CrossBorder;

/// <summary>
/// The host's one Add/Map pair for the national contact point to MyHealth@EU (src/OpenNdi.ContactPoint, issue 17,
/// ADR 0010): the trust list (configured peers, or in the demo the demo EU PKI and the simulated peers), the peer
/// authentication scheme, the national services behind the contact point's ports, and its routes declared with
/// their audit. Off (no route) when no peer is configured and the demo's simulator is off.
/// </summary>
internal static class ContactPointModule
{
    public const string PeerPolicy = "ncp-peer";

    public static IServiceCollection AddContactPoint(this IServiceCollection services, IConfiguration configuration, HostedModules modules)
    {
        var trust = configuration.GetSection(ContactPointTrustOptions.Section).Get<ContactPointTrustOptions>() ?? new ContactPointTrustOptions();
        var demo = trust.Peers.Count == 0 && modules.Simulator;
        if (trust.Peers.Count == 0 && !demo)
            return services;
        services.AddSingleton(new ContactPointEnabled(demo));
        services.AddSingleton(sp =>
        {
            var options = trust;
            if (demo)
            {
                var publicBase = sp.GetRequiredService<PublicBaseUrl>();
                var certificates = sp.GetRequiredService<DemoEuCertificates>();
                options = DemoEuTrust.Options(certificates, publicBase.Append(NcpFhirApi.Base).AbsoluteUri,
                    publicBase.Append("/sim-ncp/de/fhir"), publicBase.Append("/sim-ncp/fr/fhir"));
            }
            if (string.IsNullOrWhiteSpace(options.Audience))
                options.Audience = sp.GetRequiredService<PublicBaseUrl>().Append(NcpFhirApi.Base).AbsoluteUri;
            if (options.Validate() is { Count: > 0 } problems)
                throw new InvalidOperationException("Invalid contact point settings: " + string.Join("; ", problems));
            return PeerTrustList.Load(options);
        });
        if (demo)
        {
            var folder = configuration["ContactPoint:DemoCertificatesFolder"] is { Length: > 0 } configured
                ? configured
                : Path.Combine(Path.GetTempPath(), "openndi-demo", "eu-pki");
            services.AddSingleton(sp => DemoEuCertificates.LoadOrCreate(folder, sp.GetRequiredService<TimeProvider>()));
        }
        services.AddSingleton<PeerAuthentication>();
        services.AddSingleton<CrossBorderAssertionValidator>();
        services.AddSingleton<PatientIdentification>();
        services.AddSingleton<CrossBorderSummary>();
        services.AddSingleton(sp => new DocumentCodeMapper(MasterValueSet(configuration, demo), DisplayTranslations.Default));
        services.AddSingleton<DocumentHandles>();
        services.AddScoped<INationalRecords, NationalRecordsForContactPoint>();
        services.AddSingleton<ICrossBorderAudit, CrossBorderAuditNotes>();
        var protection = services.AddDataProtection().SetApplicationName("OpenNdi.ContactPoint");
        if (configuration["ContactPoint:HandleKeysFolder"] is { Length: > 0 } keys)
            protection.PersistKeysToFileSystem(new DirectoryInfo(keys));
        services.AddAuthentication().AddScheme<NcpPeerAuthenticationOptions, NcpPeerAuthentication>(NcpPeerAuthentication.SchemeName, options =>
            options.OnRefused = (http, refusal) => NationalApiFilter.RecordUnauthenticatedAsync(http, $"{refusal.Code}: {refusal.AuditDetail ?? refusal.Message}"));
        services.AddAuthorizationBuilder().AddPolicy(PeerPolicy, policy => policy.AddAuthenticationSchemes(NcpPeerAuthentication.SchemeName).RequireAuthenticatedUser());
        return services;
    }

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
        if (app.Services.GetService<ContactPointEnabled>() is null)
            return app;
        app.MapNcpFhirApi((route, operation) => route.CrossBorderApi(PeerPolicy, operation switch
        {
            NcpOperation.Identify => AuditEventCodes.NcpIdentify,
            NcpOperation.FindDocuments => AuditEventCodes.NcpFind,
            _ => AuditEventCodes.NcpRetrieve,
        }, AuditAction.Execute));
        return app;
    }
}

/// <summary>Marks that the contact point runs in this process (and whether on the demo's PKI).</summary>
internal sealed record ContactPointEnabled(bool Demo);
