using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using OpenNdi.Core.Identifiers;
using OpenNdi.Data.Population;

namespace OpenNdi.Replica.Tests;

/// <summary>
/// Stateless replicas (issue 14): two server processes on one PostgreSQL database behind a load balancer behave as
/// one server. Each test starts its own cluster on a fresh database.
/// </summary>
public sealed class ReplicaTests
{
    private const string Clinician = "clinician-1";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    /// <summary>
    /// A code issued by node a is redeemed at node b: the login page and the token endpoint may be served by different
    /// replicas. OpenIddict keeps the code in the database (identity.openiddict_tokens) and both nodes read the same
    /// signing and encryption keys from it (identity.keys), so node b knows the code and can decrypt it.
    /// </summary>
    [Fact]
    public async Task AuthorizationCode_IssuedOnOneNode_IsRedeemedOnTheOther()
    {
        await using var cluster = await ReplicaCluster.StartAsync();
        using var a = ReplicaCluster.DirectClient(cluster.A);
        using var b = ReplicaCluster.DirectClient(cluster.B);

        var (code, verifier) = await DemoLoginFlow.LogInAsync(a, cluster.Proxy.Address, Clinician);
        var (status, body) = await DemoLoginFlow.RedeemAsync(b, cluster.Proxy.Address, code, verifier);

        Assert.True(status == HttpStatusCode.OK, $"node b redeemed node a's code with {(int)status} {body}");
        var token = body.GetProperty("access_token").GetString()!;
        using var lookup = await SendAsync(a, token, $"/fhir/DocumentReference?patient.identifier=199001011234");
        Assert.NotEqual(HttpStatusCode.Unauthorized, lookup.StatusCode);
    }

    /// <summary>
    /// Lookups and summaries alternate over both nodes; a behaviour set on one node's simulator holds on the other at
    /// once; a node killed while a summary is on it costs the client one retry and no answer; every answer has its
    /// audit record in its node's partition; both nodes' chains verify with <c>ndi audit verify</c>.
    /// </summary>
    [Fact]
    public async Task TwoReplicas_ServeAlternately_SurviveANodeKilledMidSummary_AndLoseNoAuditRecord()
    {
        await using var cluster = await ReplicaCluster.StartAsync(settings: new Dictionary<string, string> { ["Simulator__RegistryMaxAgeSeconds"] = "600" });
        using var a = ReplicaCluster.DirectClient(cluster.A);
        using var b = ReplicaCluster.DirectClient(cluster.B);
        var token = await DemoLoginFlow.TokenAsync(a, cluster.Proxy.Address, Clinician); // the signing key is in the database: valid on both
        var patients = await PatientsAsync(cluster);
        var next = 0;
        var ledger = new AuditLedger();
        var retry = new RetryOnceHandler();
        using var proxy = cluster.ProxyClient(retry);

        // 1. Through the proxy (round robin), lookups and summaries in pairs, L L S S …, so that alternating nodes
        //    get both kinds: until each node has served at least one of each. A health probe that is slow on this
        //    loaded machine may take a node out for a moment and skew the alternation, so the count is bounded, not exact.
        var served = new HashSet<(string Node, string Event)>();
        for (var i = 0; i < 24 && (i < 8 || served.Count < 4); i++)
        {
            var patient = patients[next++];
            var (path, @event) = i / 2 % 2 == 0
                ? ($"/fhir/DocumentReference?patient.identifier={patient}", "index-lookup")
                : ($"/fhir/Patient/$summary?identifier={PersonalIdentityNumber.PersonnummerSystem}|{patient}", "patient-summary");
            using var response = await SendAsync(proxy, token, path);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            ledger.Answered(response, @event, patient);
            served.Add((response.Headers.GetValues(ReplicaProxy.NodeHeader).Single(), @event));
        }
        Assert.Equal([("a", "index-lookup"), ("a", "patient-summary"), ("b", "index-lookup"), ("b", "patient-summary")], served.Order());

        // 2. The simulator's behaviour is shared state: set on node a, it holds on node b within the deadline, while b's
        //    copy would age out only after ten minutes (Simulator:RegistryMaxAgeSeconds): only a notification does that.
        var providers = await ProviderKeysAsync(a);
        foreach (var provider in providers)
            await SetBehaviourAsync(a, provider, """{"latencyMedianMs":1500,"latencyP95Ms":1500}""");
        await UntilAsync(async () => (await BehaviourAsync(b, providers[^1])).GetProperty("latencyMedianMs").GetDouble() == 1500, "node b sees node a's behaviour change");

        // 3. A summary is on node X (fetching from the now slow providers) when X is killed: the proxy answers 502, the
        //    client's one retry goes to the other node and succeeds. Lookups sent meanwhile succeed the same way.
        var summaryOn = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var fetching = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void Watch(string node, string path)
        {
            if (path.EndsWith("/$summary", StringComparison.Ordinal) && path.StartsWith("/fhir/", StringComparison.Ordinal))
                summaryOn.TrySetResult(node);
            else if (summaryOn.Task.IsCompleted && path.StartsWith("/sim/", StringComparison.Ordinal))
                fetching.TrySetResult(); // the only summary in flight has reached its providers: it is on its node now
        }
        cluster.Proxy.Forwarded += Watch;
        var summaryPatient = patients[next++];
        var summary = SendAsync(proxy, token, $"/fhir/Patient/$summary?identifier={PersonalIdentityNumber.PersonnummerSystem}|{summaryPatient}");
        var victim = cluster.Node(await summaryOn.Task.WaitAsync(Deadline));
        await fetching.Task.WaitAsync(Deadline);
        cluster.Proxy.Forwarded -= Watch;
        await victim.KillAsync();
        var during = Enumerable.Range(0, 6).Select(_ => patients[next++]).Select(async patient =>
        {
            using var response = await SendAsync(proxy, token, $"/fhir/DocumentReference?patient.identifier={patient}");
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"lookup after the kill: {(int)response.StatusCode}");
            ledger.Answered(response, "index-lookup", patient);
        }).ToList();
        using (var answered = await summary)
        {
            Assert.True(answered.StatusCode == HttpStatusCode.OK, $"summary across the kill: {(int)answered.StatusCode} {await answered.Content.ReadAsStringAsync()}");
            ledger.Answered(answered, "patient-summary", summaryPatient);
            Assert.NotEqual(victim.Name, answered.Headers.GetValues(ReplicaProxy.NodeHeader).Single());
        }
        await Task.WhenAll(during);
        Assert.InRange(retry.Retries, 1, 1 + during.Count); // the summary's retry, and at most one per lookup

        // 4. No answer without its record, per node (partition).
        var audit = await ledger.CheckAsync(cluster.Database.Database);
        foreach (var node in audit)
            TestContext.Current.TestOutputHelper?.WriteLine($"node {node.Node} (partition {ReplicaCluster.Partition(node.Node)}): {node.Answers} answers, {node.Records} with their record; {node.Node} killed: {node.Node == victim.Name}; client retries: {retry.Retries}");
        Assert.All(audit, node => Assert.True(node.Missing.Count == 0, $"node {node.Node}: {node.Answers} answers, {node.Records} with their record; missing: {string.Join("; ", node.Missing)}"));
        Assert.Equal(2, audit.Count);

        // 5. Both partitions' hash chains verify, the killed node's included.
        var (exitCode, output) = await VerifyAuditAsync(cluster);
        TestContext.Current.TestOutputHelper?.WriteLine(output);
        Assert.True(exitCode == 0, $"ndi audit verify exited {exitCode}:\n{output}");
        Assert.Contains(ReplicaCluster.Partition("a"), output, StringComparison.Ordinal);
        Assert.Contains(ReplicaCluster.Partition("b"), output, StringComparison.Ordinal);
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, string token, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Headers.Add("Ndi-Care-Relationship", "declared");
        return await client.SendAsync(request);
    }

    /// <summary>Persons of the seeded population in a seeded random order, so each request asks about a patient of its own.</summary>
    private static async Task<IReadOnlyList<string>> PatientsAsync(ReplicaCluster cluster)
    {
        var persons = (await new PopulationStore(cluster.Database.Database).ListAsync(0, 200)).Select(p => p.Id.Value).ToArray();
        new Random(14).Shuffle(persons);
        return persons;
    }

    private static async Task<IReadOnlyList<string>> ProviderKeysAsync(HttpClient node)
    {
        using var document = JsonDocument.Parse(await node.GetStringAsync("/sim"));
        return [.. document.RootElement.EnumerateArray().Select(p => p.GetProperty("key").GetString()!)];
    }

    private static async Task SetBehaviourAsync(HttpClient node, string provider, string behaviour)
    {
        using var response = await node.PutAsync($"/sim/{provider}/behaviour", new StringContent(behaviour, Encoding.UTF8, "application/json"));
        response.EnsureSuccessStatusCode();
    }

    private static async Task<JsonElement> BehaviourAsync(HttpClient node, string provider) =>
        JsonDocument.Parse(await node.GetStringAsync($"/sim/{provider}/behaviour")).RootElement.Clone();

    /// <summary>Asks until the condition holds, failing at <see cref="Deadline"/>.</summary>
    private static async Task UntilAsync(Func<Task<bool>> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(clock.Elapsed < Deadline, $"{what}: not within {Deadline.TotalSeconds:N0} s");
            await Task.Delay(TimeSpan.FromMilliseconds(50)); // polling interval of a deadline-bound wait
        }
    }

    /// <summary><c>ndi audit verify --database …</c>, the built CLI as an operator runs it.</summary>
    private static async Task<(int ExitCode, string Output)> VerifyAuditAsync(ReplicaCluster cluster)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in (string[])[Repository.Built("src/OpenNdi.Cli", "ndi.dll"), "audit", "verify", "--database", cluster.Database.ConfigurationValue])
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return (process.ExitCode, await output + await error);
    }
}
