using System.Security.Cryptography;
using System.Text;

namespace OpenNdi.SecondaryUse.Workspaces;

/// <summary>
/// Text that goes into PostgreSQL statements that take no parameters (CREATE/ALTER ROLE, GRANT, DDL), and the SCRAM
/// secret a password is set by. Every identifier is already restricted by <see cref="WorkspaceNames"/>; quoting it
/// anyway keeps one slip there from becoming an injection.
/// </summary>
internal static class PostgresText
{
    /// <summary>An identifier in double quotes, inner quotes doubled (the rule of PostgreSQL's <c>quote_ident</c>).</summary>
    public static string Identifier(string name)
    {
        if (name.Contains('\0'))
            throw new ArgumentException("an identifier has no NUL", nameof(name));
        return "\"" + name.Replace("\"", "\"\"") + "\"";
    }

    /// <summary>
    /// A string literal for a statement that cannot take a parameter. Only the characters our own values use are
    /// accepted (timestamps and SCRAM secrets: letters, digits, <c>+/=:$-_ .</c>), so neither a quote nor a backslash
    /// can reach the literal whatever <c>standard_conforming_strings</c> says.
    /// </summary>
    public static string Literal(string value)
    {
        foreach (var c in value)
        {
            if (c is not (>= 'a' and <= 'z' or >= 'A' and <= 'Z' or >= '0' and <= '9' or '+' or '/' or '=' or ':' or '$' or '-' or '_' or ' ' or '.'))
                throw new ArgumentException("a literal in a workspace statement holds only [A-Za-z0-9+/=:$-_ .]", nameof(value));
        }
        return "'" + value + "'";
    }

    /// <summary>A timestamp with time zone in UTC, ISO 8601 (read the same under every DateStyle).</summary>
    public static string Timestamp(DateTimeOffset value) =>
        Literal(value.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.ffffff", System.Globalization.CultureInfo.InvariantCulture) + "+00");

    /// <summary>SCRAM-SHA-256's default iteration count in PostgreSQL (its <c>scram_iterations</c>).</summary>
    public const int ScramIterations = 4096;

    /// <summary>
    /// The secret PostgreSQL stores for a SCRAM-SHA-256 password (RFC 5802 §3, RFC 7677), built here as psql's
    /// <c>\password</c> builds it (libpq's <c>PQencryptPasswordConn</c>): <c>ALTER ROLE … PASSWORD</c> with the secret
    /// instead of the password keeps the password itself off the wire and out of the server's statement log. The
    /// password must be plain ASCII, which SASLprep leaves as it is.
    /// </summary>
    public static string ScramSecret(string password, byte[] salt, int iterations = ScramIterations)
    {
        foreach (var c in password)
        {
            if (c is < '!' or > '~')
                throw new ArgumentException("the password is printable ASCII (SASLprep would change anything else)", nameof(password));
        }
        var salted = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, 32);
        var clientKey = HMACSHA256.HashData(salted, "Client Key"u8);
        var storedKey = SHA256.HashData(clientKey);
        var serverKey = HMACSHA256.HashData(salted, "Server Key"u8);
        return $"SCRAM-SHA-256${iterations}:{Convert.ToBase64String(salt)}${Convert.ToBase64String(storedKey)}:{Convert.ToBase64String(serverKey)}";
    }
}
