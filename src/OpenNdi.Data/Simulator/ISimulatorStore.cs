namespace OpenNdi.Data.Simulator;

/// <summary>A simulated provider as stored: its key, HSA-id and name, and two JSON documents the simulator module owns.</summary>
/// <param name="DefinitionJson">The provider and its care units.</param>
/// <param name="BehaviourJson">Latency, error rate, timeouts and downtime: changeable while running.</param>
public sealed record StoredProvider(string Key, string HsaId, string Name, string DefinitionJson, string BehaviourJson);

/// <summary>
/// One FHIR resource held by one simulated provider's EHR, with the few fields its FHIR search needs pulled out
/// of the JSON: the provider-local patient id, the patient's national identifier (on Patient rows), the
/// clinically relevant date (ISO 8601, UTC, sortable as text) and the main code as "system|code".
/// </summary>
public sealed record StoredResource(
    string ProviderKey,
    string ResourceType,
    string Id,
    string? PatientId,
    string? Identifier,
    string? Date,
    string? Code,
    string Json);

/// <summary>One coded row of a provider's records: whose (national identifier), when (ISO 8601), and the main code ("system|code").</summary>
public readonly record struct CodedRow(string Identifier, string Date, string? Code);

/// <summary>A search in one provider's EHR (FHIR search semantics: all given criteria must match).</summary>
/// <param name="Code">Token on the main code column: "system|code" exactly, or a bare code in any system.</param>
/// <param name="Category">
/// Token on the resource's <c>category</c> codings (FHIR R4 §3.1.1.4.7): "code" in any system, "system|code",
/// "|code" (a coding without system) or "system|" (any code in that system). There is no column for it: it is
/// matched in the JSON, after the patient filter has narrowed the rows to one patient's.
/// </param>
public sealed record ResourceQuery(
    string ProviderKey,
    string ResourceType,
    string? PatientId = null,
    string? DateFrom = null,
    string? DateTo = null,
    string? Code = null,
    string? Category = null,
    int Offset = 0,
    int Limit = 100);

/// <summary>Storage of the provider EHR simulator: the providers, their settings and their patients' records.</summary>
public interface ISimulatorStore
{
    /// <summary>Adds providers, or replaces the definition of ones with the same key (behaviour is kept).</summary>
    Task SaveProvidersAsync(IReadOnlyList<StoredProvider> providers, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<StoredProvider>> ListProvidersAsync(CancellationToken cancellationToken = default);

    /// <summary>Replaces one provider's behaviour; false when there is no such provider.</summary>
    Task<bool> UpdateBehaviourAsync(string providerKey, string behaviourJson, CancellationToken cancellationToken = default);

    /// <summary>Adds a batch of new resources in one transaction (bulk COPY on PostgreSQL).</summary>
    Task AddResourcesAsync(IReadOnlyList<StoredResource> resources, CancellationToken cancellationToken = default);

    Task<StoredResource?> ReadAsync(string providerKey, string resourceType, string id, CancellationToken cancellationToken = default);

    /// <summary>The named resources of one type that this provider holds, in no particular order; unknown ids are left out.</summary>
    Task<IReadOnlyList<StoredResource>> ReadManyAsync(string providerKey, string resourceType, IReadOnlyCollection<string> ids, CancellationToken cancellationToken = default);

    /// <summary>Matching resources ordered by date (newest first) then id, one page.</summary>
    Task<IReadOnlyList<StoredResource>> SearchAsync(ResourceQuery query, CancellationToken cancellationToken = default);

    /// <summary>The provider-local Patient id of the person with this national identifier, or null.</summary>
    Task<string?> FindPatientIdAsync(string providerKey, string identifier, CancellationToken cancellationToken = default);

    /// <summary>Every resource of one provider, patient by patient (rows of a patient are adjacent), without loading them all.</summary>
    IAsyncEnumerable<StoredResource> StreamResourcesAsync(string providerKey, CancellationToken cancellationToken = default);

    /// <summary>
    /// The coded rows of one resource type of one provider dated within [<paramref name="from"/>, <paramref name="to"/>]:
    /// the patient's national identifier, the date (ISO 8601 text) and the main code ("system|code"), without the JSON.
    /// What the provider hands the health data access body for secondary use (issue 18).
    /// </summary>
    IAsyncEnumerable<CodedRow> StreamCodedRowsAsync(string providerKey, string resourceType, DateOnly from, DateOnly to, CancellationToken cancellationToken = default);

    /// <summary>The number of stored resources, for one provider or all.</summary>
    Task<long> CountResourcesAsync(string? providerKey = null, CancellationToken cancellationToken = default);
}
