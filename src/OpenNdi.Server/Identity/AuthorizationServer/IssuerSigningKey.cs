using OpenNdi.Data;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.IdentityModel.Tokens;

namespace OpenNdi.Server.Identity.AuthorizationServer;

/// <summary>
/// The RSA key the authorization server signs tokens with: from the database (<see cref="IssuerKeys"/>), or from a
/// PEM file readable by the service account only, so tokens stay valid over a restart; a file option without a
/// path gives a fresh key (throwaway use).
/// </summary>
public sealed class IssuerSigningKey : IDisposable
{
    private readonly RSA _rsa;

    /// <summary>A key given as PEM (PKCS#8), e.g. the one kept in the database.</summary>
    public static IssuerSigningKey FromPem(string pem, string origin)
    {
        var rsa = RSA.Create();
        rsa.ImportFromPem(pem);
        return new IssuerSigningKey(rsa, origin);
    }

    private IssuerSigningKey(RSA rsa, string origin)
    {
        _rsa = rsa;
        Origin = origin;
        (Key, Credentials, Jwks) = Describe(rsa);
    }

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
            _rsa.KeySize = 2048;
            if (PrivateFiles.WriteOnce(Path.GetFullPath(file), _rsa.ExportPkcs8PrivateKeyPem()))
            {
                Origin = $"created in {file}";
            }
            else
            {
                _rsa.ImportFromPem(File.ReadAllText(file)); // another process created it first: use that one
                Origin = $"loaded from {file}";
            }
        }
        (Key, Credentials, Jwks) = Describe(_rsa);
    }

    private static (RsaSecurityKey, SigningCredentials, string) Describe(RSA rsa)
    {
        var parameters = rsa.ExportParameters(includePrivateParameters: false);
        // The key id is the RFC 7638 thumbprint, so it changes exactly when the key does.
        var thumbprint = SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["e"] = Base64UrlEncoder.Encode(parameters.Exponent),
            ["kty"] = "RSA",
            ["n"] = Base64UrlEncoder.Encode(parameters.Modulus),
        }));
        var key = new RsaSecurityKey(rsa) { KeyId = Base64UrlEncoder.Encode(thumbprint) };
        var jwks = JsonSerializer.Serialize(new
        {
            keys = new[] { new { kty = "RSA", use = "sig", alg = "RS256", kid = key.KeyId, n = Base64UrlEncoder.Encode(parameters.Modulus), e = Base64UrlEncoder.Encode(parameters.Exponent) } },
        });
        return (key, new SigningCredentials(key, SecurityAlgorithms.RsaSha256), jwks);
    }

    /// <summary>Where the key came from, for the start-up log.</summary>
    public string Origin { get; } = string.Empty;

    public RsaSecurityKey Key { get; }

    public SigningCredentials Credentials { get; }

    /// <summary>The public key as a JSON Web Key Set, served at the jwks_uri.</summary>
    public string Jwks { get; }

    public void Dispose() => _rsa.Dispose();
}
