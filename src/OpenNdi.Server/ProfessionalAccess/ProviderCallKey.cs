using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.IdentityModel.Tokens;

namespace OpenNdi.Server.ProfessionalAccess;

/// <summary>
/// The access service's own key for <c>private_key_jwt</c> (RFC 7523 §2.2): an ECDSA P-384 key, ES384 being one of
/// the two algorithms every SMART Backend Services server supports (SMART App Launch v2, backend-services §4.2.1).
/// Kept like the issuer's key, in a PEM file readable by the service account only, so its registration (the public
/// JWKS) stays valid over a restart; without a file, a new key each start (tests, throwaway demos).
/// </summary>
public sealed class ProviderCallKey : IDisposable
{
    private readonly ECDsa _key = ECDsa.Create();

    public ProviderCallKey(ProviderCallOptions options)
    {
        var file = options.SigningKeyFile;
        if (string.IsNullOrWhiteSpace(file))
        {
            _key.GenerateKey(ECCurve.NamedCurves.nistP384);
            Origin = "a new key for this run (set ProfessionalAccess:ProviderCalls:SigningKeyFile to keep one)";
        }
        else if (File.Exists(file))
        {
            _key.ImportFromPem(File.ReadAllText(file));
            Origin = $"loaded from {file}";
        }
        else
        {
            _key.GenerateKey(ECCurve.NamedCurves.nistP384);
            Origin = WriteOnce(Path.GetFullPath(file), _key.ExportPkcs8PrivateKeyPem()) ? $"created in {file}" : $"loaded from {file}";
            if (Origin.StartsWith("loaded", StringComparison.Ordinal))
                _key.ImportFromPem(File.ReadAllText(file)); // another process created it first: use that one
        }
        var jwk = JsonWebKeyConverter.ConvertFromECDsaSecurityKey(new ECDsaSecurityKey(_key));
        // The key id is the RFC 7638 thumbprint, so it changes exactly when the key does.
        Key = new ECDsaSecurityKey(_key) { KeyId = Base64UrlEncoder.Encode(jwk.ComputeJwkThumbprint()) };
        Credentials = new SigningCredentials(Key, SecurityAlgorithms.EcdsaSha384);
        Jwks = JsonSerializer.Serialize(new
        {
            keys = new[] { new { kty = "EC", use = "sig", alg = "ES384", kid = Key.KeyId, crv = jwk.Crv, x = jwk.X, y = jwk.Y } },
        });
    }

    /// <summary>Where the key came from, for the start-up log.</summary>
    public string Origin { get; }

    public ECDsaSecurityKey Key { get; }

    public SigningCredentials Credentials { get; }

    /// <summary>The public key as a JSON Web Key Set: what the authorization server registers for this client.</summary>
    public string Jwks { get; }

    /// <summary>Written private from its creation to a file aside, then moved into place; false when another process was first.</summary>
    private static bool WriteOnce(string path, string pem)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = $"{path}.{Environment.ProcessId}.tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var writer = new StreamWriter(temporary, System.Text.Encoding.ASCII, options))
            writer.Write(pem);
        try
        {
            File.Move(temporary, path, overwrite: false);
            return true;
        }
        catch (IOException) when (File.Exists(path))
        {
            File.Delete(temporary);
            return false;
        }
    }

    public void Dispose() => _key.Dispose();
}
