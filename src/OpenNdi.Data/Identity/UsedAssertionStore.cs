namespace OpenNdi.Data.Identity;

/// <summary>
/// The client assertions already used (by client and <c>jti</c>), each kept until it expires: once it has expired
/// the assertion is refused anyway, so the row can go. Kept in the database, so a restart forgets nothing.
/// </summary>
public sealed class UsedAssertionStore(NdiDatabase database)
{
    private readonly string _used = database.Table("identity", "used_assertions");

    /// <summary>
    /// Records <paramref name="id"/> as used until <paramref name="expires"/>; false when it was already used (and has
    /// not expired). One statement decides it, so two concurrent uses of the same assertion cannot both succeed.
    /// </summary>
    public async Task<bool> TryUseAsync(string id, DateTimeOffset expires, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        var nowSeconds = now.ToUnixTimeSeconds();
        await using (var purge = connection.Command($"DELETE FROM {_used} WHERE expires_at < @now").With("@now", nowSeconds))
            await purge.ExecuteNonQueryAsync(cancellationToken);
        await using var insert = connection.Command($"INSERT INTO {_used} (id, expires_at) VALUES (@id, @expires) ON CONFLICT (id) DO NOTHING")
            .With("@id", id).With("@expires", expires.ToUnixTimeSeconds());
        return await insert.ExecuteNonQueryAsync(cancellationToken) == 1;
    }
}
