namespace OpenNdi.Data.Identity;

/// <summary>
/// The authorization server's private keys (signing, encryption), one row each, shared by every replica: the first
/// node to start creates a key, every other node reads that one (one statement decides, so two nodes starting at
/// once still agree). Readable by whoever reads the identity schema: grant it to the service account only.
/// </summary>
public sealed class IssuerKeyStore(NdiDatabase database)
{
    private readonly string _keys = database.Table(IdentitySchema.Module, "keys");

    /// <summary>The stored key named <paramref name="name"/> (PEM), or <paramref name="created"/> stored as it when there is none yet.</summary>
    public async Task<string> GetOrAddAsync(string name, string created, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using (var insert = connection.Command($"INSERT INTO {_keys} (name, pem, created_at) VALUES (@name, @pem, @now) ON CONFLICT (name) DO NOTHING")
            .With("@name", name).With("@pem", created).With("@now", now.ToUnixTimeSeconds()))
            await insert.ExecuteNonQueryAsync(cancellationToken);
        await using var select = connection.Command($"SELECT pem FROM {_keys} WHERE name = @name").With("@name", name);
        return (string)(await select.ExecuteScalarAsync(cancellationToken))!;
    }
}
