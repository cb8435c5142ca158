using OpenNdi.Core.Identifiers;
using OpenNdi.Core.ServiceDirectory;
using OpenNdi.Data.ServiceDirectory;

namespace OpenNdi.Server.ServiceDirectory;

/// <summary>
/// The Endpoint references of an Organization or HealthcareService (mCSD: the endpoints through which it is
/// reached). They are derived, not stored: a care unit's data is answered by its provider's systems, so the
/// references are the provider's registered endpoints, and they can never point at an endpoint that is gone.
/// One instance per request caches each provider's endpoints.
/// </summary>
internal sealed class EndpointLinks(IDirectoryStore endpoints, ICareServicesStore careServices)
{
    private readonly Dictionary<HsaId, IReadOnlyList<string>> _byProvider = [];

    public async Task<IReadOnlyList<string>> OfAsync(DirectoryOrganization organization, CancellationToken cancellationToken)
    {
        if (!_byProvider.TryGetValue(organization.Provider, out var ids))
        {
            ids = [.. (await endpoints.ListAsync(organization.Provider, cancellationToken)).Select(e => e.Id)];
            _byProvider[organization.Provider] = ids;
        }
        return ids;
    }

    /// <summary>The endpoints of the organization with this HSA-id (a HealthcareService's providedBy); none if it is unknown.</summary>
    public async Task<IReadOnlyList<string>> OfAsync(HsaId organization, CancellationToken cancellationToken) =>
        await careServices.GetAsync<DirectoryOrganization>(organization.Value, cancellationToken) is { } found ? await OfAsync(found, cancellationToken) : [];
}
