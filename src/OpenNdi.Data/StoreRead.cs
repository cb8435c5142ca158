using System.Data.Common;

namespace OpenNdi.Data;

/// <summary>
/// One store's read, described rather than run: its statement, its parameters and how to read its rows. The store
/// that owns the tables writes it; <see cref="NdiDatabase.ReadAsync{T}"/> runs it alone and
/// <see cref="NdiDatabase.ReadTogetherAsync{T1, T2}"/> runs two stores' reads in one round trip, so a hot path that
/// needs both (an index lookup and the patient's consents) pays for one, while each module still owns its SQL.
/// </summary>
public sealed class StoreRead<T>(string sql, IReadOnlyList<(string Name, object Value)> parameters, Func<DbDataReader, CancellationToken, Task<T>> read)
{
    public string Sql { get; } = sql;

    public IReadOnlyList<(string Name, object Value)> Parameters { get; } = parameters;

    /// <summary>Reads this statement's rows, and no further than its own result.</summary>
    public Func<DbDataReader, CancellationToken, Task<T>> Read { get; } = read;
}
