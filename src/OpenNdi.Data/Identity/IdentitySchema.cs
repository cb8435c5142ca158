namespace OpenNdi.Data.Identity;

/// <summary>
/// What the embedded authorization server must remember across restarts: the client assertions already used, so a
/// captured <c>private_key_jwt</c> assertion cannot be replayed after the server restarts (RFC 7523 §3, item 7).
/// </summary>
public static class IdentitySchema
{
    public const string Module = "identity";

    public static IReadOnlyList<Migration> Migrations { get; } =
    [
        new(Module, 1, "client assertion ids already used, until they expire",
            Sqlite: """
                CREATE TABLE identity_used_assertions (
                    id TEXT PRIMARY KEY,
                    expires_at INTEGER NOT NULL
                );
                CREATE INDEX identity_used_assertions_expiry ON identity_used_assertions (expires_at);
                """,
            PostgreSql: """
                CREATE SCHEMA IF NOT EXISTS identity;
                CREATE TABLE identity.used_assertions (
                    id text PRIMARY KEY,
                    expires_at bigint NOT NULL
                );
                CREATE INDEX used_assertions_expiry ON identity.used_assertions (expires_at);
                """),
    ];
}
