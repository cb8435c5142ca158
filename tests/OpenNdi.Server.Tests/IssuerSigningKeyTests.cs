using OpenNdi.Server.Identity.AuthorizationServer;

namespace OpenNdi.Server.Tests;

/// <summary>The authorization server's signing key: kept in a private file so tokens survive a restart.</summary>
public sealed class IssuerSigningKeyTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("ndi-key-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void KeyFile_IsCreatedPrivate_AndReusedOnTheNextStart()
    {
        var options = new AuthorizationServerOptions { SigningKeyFile = Path.Combine(_directory, "keys", "issuer.pem") };

        using var first = new IssuerSigningKey(options);
        using var second = new IssuerSigningKey(options);

        Assert.Equal(first.Key.KeyId, second.Key.KeyId);
        Assert.StartsWith("created", first.Origin);
        Assert.StartsWith("loaded", second.Origin);
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(options.SigningKeyFile));
        Assert.Single(Directory.GetFiles(Path.Combine(_directory, "keys")));
    }

    [Fact]
    public void WithoutAFile_EachStartHasItsOwnKey()
    {
        using var first = new IssuerSigningKey(new AuthorizationServerOptions());
        using var second = new IssuerSigningKey(new AuthorizationServerOptions());

        Assert.NotEqual(first.Key.KeyId, second.Key.KeyId);
    }
}
