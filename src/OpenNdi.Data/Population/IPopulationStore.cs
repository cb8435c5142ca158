using OpenNdi.Core.Identifiers;
using OpenNdi.Core.Population;

namespace OpenNdi.Data.Population;

/// <summary>
/// The synthetic population register: persons and the guardians of minors. It stands in for the national
/// population register (folkbokföringen) that the representative function reads in production.
/// </summary>
public interface IPopulationStore
{
    /// <summary>Adds a batch of new persons and guardianships in one transaction (bulk COPY on PostgreSQL).</summary>
    Task AddAsync(IReadOnlyList<Person> persons, IReadOnlyList<Guardianship> guardianships, CancellationToken cancellationToken = default);

    Task<Person?> FindAsync(PersonalIdentityNumber id, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<PersonalIdentityNumber>> GuardiansOfAsync(PersonalIdentityNumber child, CancellationToken cancellationToken = default);

    /// <summary>The minors the person is registered guardian of, youngest first.</summary>
    Task<IReadOnlyList<PersonalIdentityNumber>> ChildrenOfAsync(PersonalIdentityNumber guardian, CancellationToken cancellationToken = default);

    /// <summary>Whether the register marks the person's identity as protected (skyddad identitet).</summary>
    Task<bool> IsProtectedAsync(PersonalIdentityNumber id, CancellationToken cancellationToken = default);

    /// <summary>The register's marking changed: the person's identity is protected from now on, or no longer.</summary>
    Task SetProtectedAsync(PersonalIdentityNumber id, bool isProtected, DateTimeOffset at, CancellationToken cancellationToken = default);

    Task<long> CountAsync(CancellationToken cancellationToken = default);

    /// <summary>Every person, ordered by identity number, streamed (the secondary-use chain reads the whole register once per extract).</summary>
    IAsyncEnumerable<Person> StreamAsync(CancellationToken cancellationToken = default);

    /// <summary>Persons ordered by identity number, for paging through the register.</summary>
    Task<IReadOnlyList<Person>> ListAsync(int offset, int limit, CancellationToken cancellationToken = default);
}
