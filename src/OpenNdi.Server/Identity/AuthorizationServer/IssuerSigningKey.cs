using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.IdentityModel.Tokens;

namespace OpenNdi.Server.Identity.AuthorizationServer;

/// <summary>
/// The RSA key the authorization server signs tokens with. Kept in a PEM file readable by the service account only,
/// so tokens stay valid over a restart; without a file, a fresh key each start (tests, throwaway demos).
/// </summary>
public sealed class IssuerSigningKey : IDisposable
{
    private readonly RSA _rsa;

    public IssuerSigningKey(AuthorizationServerOptions options)
    {
        _rsa = RSA.Create();
        var file = options.SigningKeyFile;
        if (string.IsNullOrWhiteSpace(file))
        {
            _rsa.KeySize = 2048;
            Origin = "a new key for this run (set Identity:Server:SigningKeyFile to keep one)";
        }
        else if (File.Exists(file))
        {
            _rsa.ImportFromPem(File.ReadAllText(file));
            Origin = $"loaded from {file}";
        }
        else
        {
            // Written to a private temporary file and moved into place, so a concurrent start never reads half a key.
            _rsa.KeySize = 2048;
            var full = Path.GetFullPath(file);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            var temporary = $"{full}.{Environment.ProcessId}.tmp";
            File.WriteAllText(temporary, string.Empty);
            if (!OperatingSystem.IsWindows())
                File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            File.WriteAllText(temporary, _rsa.ExportPkcs8PrivateKeyPem());
            try
            {
                File.Move(temporary, full, overwrite: false);
                Origin = $"created in {file}";
            }
            catch (IOException) when (File.Exists(full))
            {
                File.Delete(temporary);
                _rsa.ImportFromPem(File.ReadAllText(full));
                Origin = $"loaded from {file}";
            }
        }
        var parameters = _rsa.ExportParameters(includePrivateParameters: false);
        // The key id is the RFC 7638 thumbprint, so it changes exactly when the key does.
        var thumbprint = SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["e"] = Base64UrlEncoder.Encode(parameters.Exponent),
            ["kty"] = "RSA",
            ["n"] = Base64UrlEncoder.Encode(parameters.Modulus),
        }));
        Key = new RsaSecurityKey(_rsa) { KeyId = Base64UrlEncoder.Encode(thumbprint) };
        Credentials = new SigningCredentials(Key, SecurityAlgorithms.RsaSha256);
        Jwks = JsonSerializer.Serialize(new
        {
            keys = new[] { new { kty = "RSA", use = "sig", alg = "RS256", kid = Key.KeyId, n = Base64UrlEncoder.Encode(parameters.Modulus), e = Base64UrlEncoder.Encode(parameters.Exponent) } },
        });
    }

    /// <summary>Where the key came from, for the start-up log.</summary>
    public string Origin { get; } = string.Empty;

    public RsaSecurityKey Key { get; }

    public SigningCredentials Credentials { get; }

    /// <summary>The public key as a JSON Web Key Set, served at the jwks_uri.</summary>
    public string Jwks { get; }

    public void Dispose() => _rsa.Dispose();
}
