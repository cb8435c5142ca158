using OpenNdi.Core.Identifiers;
using OpenNdi.Core.Index;

namespace OpenNdi.Data.Index;

/// <summary>A lookup in the patient data index: one patient, optionally one category and a period the data must touch.</summary>
public sealed record IndexQuery(PersonalIdentityNumber Patient, DataCategory? Category = null, DateOnly? From = null, DateOnly? To = null);

/// <summary>
/// Why a publish was refused: afterwards <paramref name="Patient"/> would hold <paramref name="Count"/> current entries
/// from one provider's source system, more than the <paramref name="Limit"/> the index allows.
/// </summary>
public sealed record TooManyEntries(PersonalIdentityNumber Patient, HsaId Provider, string SourceSystem, long Count, int Limit) : PublishRefusal;

/// <summary>
/// Why a publish was refused: <paramref name="Entry"/>'s key is held by another provider, <paramref name="Owner"/>
/// (a provider never takes over another's entry; <c>AccessPolicy.MayPublishIndexEntry</c>).
/// </summary>
public sealed record EntryOfAnotherProvider(IndexEntry Entry, HsaId Owner) : PublishRefusal;

/// <summary>Why a publish wrote nothing.</summary>
public abstract record PublishRefusal;

/// <summary>Storage of the patient data index (where data about a patient exists).</summary>
public interface IIndexStore
{
    /// <summary>
    /// Adds or updates entries in one transaction: an entry whose key is already indexed gets its provider's dates
    /// widened (first date the earliest, latest date the latest seen) and is current again if it was retracted. An
    /// entry whose key another provider holds is never taken over: nothing is written, and this throws.
    /// </summary>
    Task PublishAsync(IReadOnlyList<IndexEntry> entries, CancellationToken cancellationToken = default);

    /// <summary>
    /// As <see cref="PublishAsync(IReadOnlyList{IndexEntry}, CancellationToken)"/>, all or nothing, unless afterwards a
    /// patient would hold more than <paramref name="maxEntriesPerSystemPerPatient"/> current entries from one provider's
    /// source system (<see cref="TooManyEntries"/>), or an entry's key is held by another provider
    /// (<see cref="EntryOfAnotherProvider"/>): then nothing is written and why is returned. Every entry of a
    /// system is a request to that system when a summary is assembled, so the cap bounds what one system can make
    /// every reader of a patient wait for.
    /// </summary>
    Task<PublishRefusal?> PublishAsync(IReadOnlyList<IndexEntry> entries, int maxEntriesPerSystemPerPatient, CancellationToken cancellationToken = default);

    /// <summary>Retracts an entry on behalf of <paramref name="provider"/>, which must be the entry's own provider.</summary>
    Task<RetractOutcome> RetractAsync(IndexEntryKey key, HsaId provider, CancellationToken cancellationToken = default);

    /// <summary>How many current entries the index holds, for one provider or in all.</summary>
    Task<long> CountAsync(HsaId? provider = null, CancellationToken cancellationToken = default);

    /// <summary>Current (not retracted) entries for the patient, newest data first.</summary>
    Task<IReadOnlyList<IndexEntry>> LookupAsync(IndexQuery query, CancellationToken cancellationToken = default);

    /// <summary><see cref="LookupAsync"/> as a read to run together with another store's (<see cref="NdiDatabase.ReadTogetherAsync{T1, T2}"/>).</summary>
    StoreRead<IReadOnlyList<IndexEntry>> LookupRead(IndexQuery query);
}
