using OpenNdi.Core.Identifiers;
using OpenNdi.Core.ServiceDirectory;
using OpenNdi.Data.ServiceDirectory;
using OpenNdi.Synthetic.Geography;
using OpenNdi.Synthetic.Providers;

using OpenNdi.Synthetic.Simulator;

namespace OpenNdi.Server.ServiceDirectory;

/// <summary>
/// Registers the simulated providers in the directory at start-up, the way a real provider would through the
/// administrative API: each provider as an Organization with one active FHIR endpoint at its simulated EHR, and
/// each care unit as an Organization (partOf the provider), a Location and a HealthcareService. Only what is
/// missing is added, so a restart creates no new versions and an operator's later change is not overwritten.
/// </summary>
internal sealed class SimulatedProviderDirectory(IDirectoryStore endpoints, ICareServicesStore careServices, ILogger<SimulatedProviderDirectory> logger)
{
    /// <summary>Who the history names for these entries.</summary>
    public const string ChangedBy = "openndi#demo-seed";

    private static readonly Dictionary<string, string> TownByMunicipality = SwedishGeography.Municipalities.ToDictionary(m => m.Code, m => m.MainLocality, StringComparer.Ordinal);

    /// <summary>Adds what is missing; returns how many entries (endpoints, organizations, locations, services) it added.</summary>
    public async Task<int> RegisterAsync(IReadOnlyList<SimulatedProvider> providers, Uri publicBaseUrl, CancellationToken cancellationToken = default)
    {
        var added = 0;
        foreach (var provider in providers)
        {
            var endpoint = EndpointFor(provider, publicBaseUrl);
            if (await endpoints.GetAsync(endpoint.Id, cancellationToken) is null)
            {
                await endpoints.SaveAsync(endpoint, ChangedBy, cancellationToken);
                added++;
            }
        }
        added += await AddMissingAsync(providers.SelectMany(Organizations), cancellationToken);
        added += await AddMissingAsync(providers.SelectMany(p => p.CareUnits).Select(LocationOf), cancellationToken);
        added += await AddMissingAsync(providers.SelectMany(p => p.CareUnits).Select(ServiceOf), cancellationToken);
        if (added > 0)
            logger.LogInformation("Service directory: registered {Added} entries for {Providers} simulated providers", added, providers.Count);
        return added;
    }

    /// <summary>The provider's simulated EHR as a directory endpoint: every category, FHIR R4, at <c>{base}/sim/{key}/fhir</c>.</summary>
    public static DirectoryEndpoint EndpointFor(SimulatedProvider provider, Uri publicBaseUrl) => new(
        $"sim-{provider.Key}", HsaId.Parse(provider.HsaId), ProviderIndexPublication.SourceSystem(provider), null,
        new Uri($"{publicBaseUrl.AbsoluteUri.TrimEnd('/')}/sim/{provider.Key}/fhir"), DirectoryEndpoint.FhirRest, "4.0.1", EndpointStatus.Active);

    /// <summary><see cref="CareUnitKind"/> as its <see cref="CareUnitKinds"/> code: PrimaryCare → primary-care.</summary>
    public static string KindCode(CareUnitKind kind) =>
        string.Concat(kind.ToString().Select((c, i) => char.IsUpper(c) && i > 0 ? $"-{char.ToLowerInvariant(c)}" : char.ToLowerInvariant(c).ToString()));

    private static IEnumerable<DirectoryOrganization> Organizations(SimulatedProvider provider)
    {
        var providerId = HsaId.Parse(provider.HsaId);
        yield return new DirectoryOrganization(providerId, provider.Name, OrganizationRole.Provider, OrganizationNumber.Parse(provider.OrganizationNumber));
        foreach (var unit in provider.CareUnits)
            yield return new DirectoryOrganization(HsaId.Parse(unit.HsaId), unit.Name, OrganizationRole.CareUnit, PartOf: providerId, CareUnitKind: KindCode(unit.Kind));
    }

    // A care unit's Location and HealthcareService take its HSA-id as id: one of each per unit, easy to find again.
    private static DirectoryLocation LocationOf(CareUnit unit) =>
        new(unit.HsaId, unit.Name, HsaId.Parse(unit.HsaId), unit.MunicipalityCode, TownByMunicipality.GetValueOrDefault(unit.MunicipalityCode));

    private static DirectoryHealthcareService ServiceOf(CareUnit unit) =>
        new(unit.HsaId, unit.Name, HsaId.Parse(unit.HsaId), KindCode(unit.Kind), unit.HsaId);

    private async Task<int> AddMissingAsync<T>(IEnumerable<T> entries, CancellationToken cancellationToken)
        where T : class, IDirectoryEntry
    {
        var existing = await careServices.IdsAsync<T>(cancellationToken);
        var missing = entries.Where(e => !existing.Contains(e.Id)).DistinctBy(e => e.Id).ToList();
        await careServices.SaveAllAsync(missing, ChangedBy, cancellationToken);
        return missing.Count;
    }
}
