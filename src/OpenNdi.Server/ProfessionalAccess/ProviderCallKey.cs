using OpenNdi.Data;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.IdentityModel.Tokens;
using OpenNdi.Server.Identity.AuthorizationServer;

namespace OpenNdi.Server.ProfessionalAccess;

/// <summary>
/// The access service's own key for <c>private_key_jwt</c> (RFC 7523 §2.2): an ECDSA P-384 key, ES384 being one of
/// the two algorithms every SMART Backend Services server supports (SMART App Launch v2, backend-services §4.2.1).
/// Kept like the issuer's keys: by default in the database through the identity module (<see cref="IssuerKeys.ClientEcKey"/>),
/// created by the first replica and the same on every other, so the one registration (the public JWKS) holds for all
/// of them and over restarts; or in a PEM file readable by the service account only (<c>SigningKeyFile</c>, mounted
/// alike on every replica); with neither (an external authorization server and no file), a new key each start.
/// </summary>
public sealed class ProviderCallKey : IDisposable
{
    private readonly ECDsa _key;

    /// <param name="kept">The identity module's keys, when the embedded authorization server is on; null otherwise.</param>
    public ProviderCallKey(ProviderCallOptions options, IssuerKeys? kept = null)
    {
        var file = options.SigningKeyFile;
        _key = string.IsNullOrWhiteSpace(file) && kept is not null ? kept.ClientEcKey(options.ClientId) : ECDsa.Create();
        if (string.IsNullOrWhiteSpace(file) && kept is not null)
        {
            Origin = "kept in the database";
        }
        else if (string.IsNullOrWhiteSpace(file))
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
            Origin = PrivateFiles.WriteOnce(Path.GetFullPath(file), _key.ExportPkcs8PrivateKeyPem()) ? $"created in {file}" : $"loaded from {file}";
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

    public void Dispose() => _key.Dispose();
}
