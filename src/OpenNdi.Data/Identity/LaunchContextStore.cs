namespace OpenNdi.Data.Identity;

/// <summary>
/// EHR launch contexts (SMART App Launch 2.2 §2.0.4): what an EHR says about the launch it starts (who is logged in
/// there, which patient is open, the care relationship it attests), under an opaque id the app passes back as
/// <c>launch</c>. Kept in the database so that any replica redeems it; single use, and short-lived.
/// </summary>
public sealed class LaunchContextStore(NdiDatabase database)
{
    private readonly string _launches = database.Table(IdentitySchema.Module, "launch_contexts");

    public async Task AddAsync(string id, string clientId, string context, DateTimeOffset expires, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var insert = connection.Command($"INSERT INTO {_launches} (id, client_id, context, expires_at) VALUES (@id, @client, @context, @expires)")
            .With("@id", id).With("@client", clientId).With("@context", context).With("@expires", expires.ToUnixTimeSeconds());
        await insert.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Takes the launch out (so it cannot be used twice) and returns who created it and its context, or null when it
    /// is unknown, used or expired. One DELETE … RETURNING decides, so two concurrent redemptions cannot both succeed.
    /// </summary>
    public async Task<(string ClientId, string Context)?> TakeAsync(string id, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using (var purge = connection.Command($"DELETE FROM {_launches} WHERE expires_at < @now").With("@now", now.ToUnixTimeSeconds()))
            await purge.ExecuteNonQueryAsync(cancellationToken);
        await using var take = connection.Command($"DELETE FROM {_launches} WHERE id = @id AND expires_at >= @now RETURNING client_id, context")
            .With("@id", id).With("@now", now.ToUnixTimeSeconds());
        await using var reader = await take.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? (reader.GetString(0), reader.GetString(1)) : null;
    }
}
