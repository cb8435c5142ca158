namespace OpenNdi.Server.Tests;

/// <summary>One server on SQLite for a whole test class, trusting one national test issuer.</summary>
public sealed class TrustingServerFixture : IAsyncLifetime
{
    public TestIssuer Issuer { get; } = new("https://idp.national.example");

    public NdiServer Server { get; private set; } = null!;

    public async ValueTask InitializeAsync() => Server = await NdiServer.StartTrustingAsync("sqlite", Issuer);

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        Issuer.Dispose();
    }
}
