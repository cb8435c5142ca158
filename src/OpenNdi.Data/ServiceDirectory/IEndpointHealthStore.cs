using OpenNdi.Core.ServiceDirectory;

namespace OpenNdi.Data.ServiceDirectory;

/// <summary>The last health probe of each directory endpoint; only the latest is kept (history belongs in metrics).</summary>
public interface IEndpointHealthStore
{
    /// <summary>Replaces the endpoint's last probe.</summary>
    Task RecordAsync(EndpointHealth health, CancellationToken cancellationToken = default);

    Task<EndpointHealth?> GetAsync(string endpointId, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<EndpointHealth>> ListAsync(CancellationToken cancellationToken = default);
}
