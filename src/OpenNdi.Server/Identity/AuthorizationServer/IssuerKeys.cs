using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;
using OpenNdi.Data;
using OpenNdi.Data.Identity;

namespace OpenNdi.Server.Identity.AuthorizationServer;

/// <summary>
/// The authorization server's keys: the RSA key that signs tokens and the RSA key OpenIddict encrypts its own
/// tokens with (codes and refresh tokens are encrypted JWTs). Both are kept in the database, created by the first
/// replica to start and read by every other (ADR 0008), so a code issued on one node is redeemed on another and a
/// token signed on one is accepted on all. An operator may mount the signing key as a file instead
/// (<see cref="AuthorizationServerOptions.SigningKeyFile"/>); all replicas must then mount the same one.
/// Loaded once, at start (after the migrations), and never changed while the process runs.
/// </summary>
public sealed class IssuerKeys(AuthorizationServerOptions options, NdiDatabase database, TimeProvider time)
{
    private readonly Lazy<(IssuerSigningKey Signing, RsaSecurityKey Encryption)> _keys = new(() => Load(options, database, time), LazyThreadSafetyMode.ExecutionAndPublication);

    public IssuerSigningKey Signing => _keys.Value.Signing;

    public RsaSecurityKey Encryption => _keys.Value.Encryption;

    /// <summary>
    /// A client's own RSA key kept by the identity module (the demo's simulated EHR signs its assertions with it), created
    /// by the first node that asks and the same on every replica. The caller disposes it.
    /// </summary>
    public RSA ClientKey(string name)
    {
        var rsa = RSA.Create();
        rsa.ImportFromPem(new IssuerKeyStore(database).GetOrAddAsync($"client:{name}", NewPem(), time.GetUtcNow()).GetAwaiter().GetResult());
        return rsa;
    }

    /// <summary>
    /// A client's own ECDSA P-384 key (ES384) kept by the identity module, as <see cref="ClientKey"/> keeps an RSA one:
    /// the access service signs its provider-call assertions with it, the same key on every replica. The caller disposes it.
    /// </summary>
    public ECDsa ClientEcKey(string name)
    {
        var ecdsa = ECDsa.Create();
        ecdsa.ImportFromPem(new IssuerKeyStore(database).GetOrAddAsync($"client-es384:{name}", NewEcPem(), time.GetUtcNow()).GetAwaiter().GetResult());
        return ecdsa;
    }

    private static string NewEcPem()
    {
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        return ecdsa.ExportPkcs8PrivateKeyPem();
    }

    private static (IssuerSigningKey, RsaSecurityKey) Load(AuthorizationServerOptions options, NdiDatabase database, TimeProvider time)
    {
        var store = new IssuerKeyStore(database);
        string Stored(string name) => store.GetOrAddAsync(name, NewPem(), time.GetUtcNow()).GetAwaiter().GetResult();
        var signing = string.IsNullOrWhiteSpace(options.SigningKeyFile) ? IssuerSigningKey.FromPem(Stored("signing"), "kept in the database") : new IssuerSigningKey(options);
        var encryption = RSA.Create();
        encryption.ImportFromPem(Stored("encryption"));
        return (signing, new RsaSecurityKey(encryption) { KeyId = "enc-" + signing.Key.KeyId[..8] });
    }

    private static string NewPem()
    {
        using var rsa = RSA.Create(2048);
        return rsa.ExportPkcs8PrivateKeyPem();
    }
}
