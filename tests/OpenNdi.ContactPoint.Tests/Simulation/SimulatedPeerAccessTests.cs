using System.Net;
using static OpenNdi.ContactPoint.Tests.Simulation.Simulation;

namespace OpenNdi.ContactPoint.Tests.Simulation;

/// <summary>Who may call a simulated peer (only Sweden, with its certificate and a valid assertion), and its faults.</summary>
public sealed class SimulatedPeerAccessTests(SimulationCertificates certificates) : IClassFixture<SimulationCertificates>
{
    private const string Query = $"/sim-ncp/de/fhir/Patient?identifier={Kvnr}|K111135419&birthdate=1988-04-18";
    private const string Person = $"{Kvnr}|K111135419";

    [Fact]
    public async System.Threading.Tasks.Task Request_WhenNoClientCertificate_Is403PeerNotTrusted()
    {
        await using var host = await SimulatedPeersHost.StartAsync(certificates);
        using var client = host.Client(null, host.Assertion(SimulatedPeersHost.GermanyBase, Person, host.Certificates.SwedenSigning));

        using var response = await client.GetAsync(Query, Ct);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("NDI-NCP-001", await ErrorCodeAsync(response));
    }

    [Fact]
    public async System.Threading.Tasks.Task Request_WhenAnotherContactPointsCertificate_Is403PeerNotTrusted()
    {
        await using var host = await SimulatedPeersHost.StartAsync(certificates);
        // France's certificate is a valid MyHealth@EU certificate, but the German peer trusts only Sweden.
        using var client = host.Client(host.Certificates.France, host.Assertion(SimulatedPeersHost.GermanyBase, Person, host.Certificates.SwedenSigning));

        using var response = await client.GetAsync(Query, Ct);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("NDI-NCP-001", await ErrorCodeAsync(response));
    }

    [Fact]
    public async System.Threading.Tasks.Task Request_WhenNoAssertion_Is401WithBearerChallenge()
    {
        await using var host = await SimulatedPeersHost.StartAsync(certificates);
        using var client = host.Client(host.Certificates.Sweden, null);

        using var response = await client.GetAsync(Query, Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer error=\"invalid_token\"", response.Headers.WwwAuthenticate.ToString());
        Assert.Equal("NDI-NCP-002", await ErrorCodeAsync(response));
    }

    [Fact]
    public async System.Threading.Tasks.Task Request_WhenTheAssertionIsForAnotherPeersAudience_Is401()
    {
        await using var host = await SimulatedPeersHost.StartAsync(certificates);
        using var client = host.Client(host.Certificates.Sweden, host.Assertion(SimulatedPeersHost.FranceBase, Person, host.Certificates.SwedenSigning));

        using var response = await client.GetAsync(Query, Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("NDI-NCP-002", await ErrorCodeAsync(response));
    }

    [Fact]
    public async System.Threading.Tasks.Task Request_WhenTheAssertionIsSignedByAnotherContactPoint_Is401()
    {
        await using var host = await SimulatedPeersHost.StartAsync(certificates);
        using var client = host.Client(host.Certificates.Sweden, host.Assertion(SimulatedPeersHost.GermanyBase, Person, host.Certificates.GermanySigning));

        using var response = await client.GetAsync(Query, Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("NDI-NCP-002", await ErrorCodeAsync(response));
    }

    [Fact]
    public async System.Threading.Tasks.Task Request_WhenTheAssertionHasExpired_Is401()
    {
        await using var host = await SimulatedPeersHost.StartAsync(certificates);
        using var client = host.Sweden(SimulatedPeersHost.GermanyBase, Person);
        host.Clock.Advance(TimeSpan.FromMinutes(6));

        using var response = await client.GetAsync(Query, Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("NDI-NCP-002", await ErrorCodeAsync(response));
    }

    [Fact]
    public async System.Threading.Tasks.Task Request_WhenThePeerIsDown_Is503_AndCounted()
    {
        await using var host = await SimulatedPeersHost.StartAsync(certificates);
        using var client = host.Sweden(SimulatedPeersHost.GermanyBase, Person);
        host.Behaviour.SetDown("DE", true);

        using var down = await client.GetAsync(Query, Ct);
        host.Behaviour.Reset("de");
        using var back = await client.GetAsync(Query, Ct);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, down.StatusCode);
        Assert.Equal(HttpStatusCode.OK, back.StatusCode);
        Assert.Equal(2, host.Behaviour.Requests("DE"));
        Assert.Equal(0, host.Behaviour.Requests("FR"));
    }

    [Fact]
    public async System.Threading.Tasks.Task Request_WhenLatencyIsSet_AnswersOnlyOnceTheClockHasMovedThatFar()
    {
        await using var host = await SimulatedPeersHost.StartAsync(certificates);
        using var client = host.Sweden(SimulatedPeersHost.GermanyBase, Person);
        host.Behaviour.SetLatency("DE", TimeSpan.FromSeconds(3));

        var pending = client.GetAsync(Query, Ct);
        await host.Behaviour.WhenHeldAsync("DE", 1, Ct);
        host.Clock.Advance(TimeSpan.FromSeconds(2));
        Assert.False(pending.IsCompleted);
        host.Clock.Advance(TimeSpan.FromSeconds(1));
        using var response = await pending;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async System.Threading.Tasks.Task Request_WhenThePeerIsUnresponsive_HangsUntilTheCallerGivesUp()
    {
        await using var host = await SimulatedPeersHost.StartAsync(certificates);
        using var client = host.Sweden(SimulatedPeersHost.GermanyBase, Person);
        host.Behaviour.SetUnresponsive("DE", true);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);

        var pending = client.GetAsync(Query, timeout.Token);
        await host.Behaviour.WhenHeldAsync("DE", 1, Ct);
        host.Clock.Advance(TimeSpan.FromHours(1));
        Assert.False(pending.IsCompleted);
        await timeout.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending);
    }
}
