using OpenNdi.Fhir;
using Hl7.Fhir.Model;

namespace OpenNdi.ContactPoint.Tests.Simulation;

/// <summary>Reading the peers' answers.</summary>
internal static class Simulation
{
    public const string Kvnr = "http://fhir.de/sid/gkv/kvid-10";
    public const string Nir = "urn:oid:1.2.250.1.213.1.4.8";

    public static async Task<T> ReadAsync<T>(HttpResponseMessage response) where T : Resource =>
        FhirJson.Parse<T>(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));

    /// <summary>The OpenNdi error code of an OperationOutcome answer.</summary>
    public static async Task<string> ErrorCodeAsync(HttpResponseMessage response) =>
        (await ReadAsync<OperationOutcome>(response)).Issue.Single().Details.Coding.Single().Code!;

    public static CancellationToken Ct => TestContext.Current.CancellationToken;
}
