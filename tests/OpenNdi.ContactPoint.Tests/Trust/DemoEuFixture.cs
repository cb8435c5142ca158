using OpenNdi.ContactPoint.Demo;
using OpenNdi.ContactPoint.Trust;

namespace OpenNdi.ContactPoint.Tests.Trust;

/// <summary>The demo EU certificates, made once per test class in a folder of its own, on a fixed clock.</summary>
public sealed class DemoEuFixture : IDisposable
{
    public static readonly DateTimeOffset Made = new(2026, 12, 4, 9, 0, 0, TimeSpan.Zero);
    public const string Audience = "https://ncp.demo.se/ncp/fhir";

    private readonly string _folder = Path.Combine(Path.GetTempPath(), $"openndi-eu-{Guid.NewGuid():N}");

    public DemoEuFixture()
    {
        Certificates = DemoEuCertificates.LoadOrCreate(_folder, new TestClock(Made));
        Options = DemoEuTrust.Options(Certificates, Audience, new Uri("https://localhost:7101/ncp/fhir"), new Uri("https://localhost:7102/ncp/fhir"));
        Trust = PeerTrustList.Load(Options);
    }

    public DemoEuCertificates Certificates { get; }

    public ContactPointTrustOptions Options { get; }

    public PeerTrustList Trust { get; }

    public void Dispose()
    {
        Trust.Dispose();
        Certificates.Dispose();
        Directory.Delete(_folder, recursive: true);
    }
}

/// <summary>A clock the test sets.</summary>
public sealed class TestClock(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;
}
