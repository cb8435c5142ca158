using System.Diagnostics;
using System.Net.Http.Headers;
using Hl7.Fhir.Model;
using Microsoft.Extensions.Options;
using OpenNdi.Fhir;

namespace OpenNdi.Server.ProfessionalAccess;

/// <summary>How a provider system's answer turned out.</summary>
internal enum FetchStatus
{
    Answered,
    NoEndpoint,
    TimedOut,
    DeadlinePassed,
    Failed,
    Invalid,

    /// <summary>Not requested: the request had reached its cap of provider requests (ProfessionalAccess:MaxProviderRequests).</summary>
    NotAsked,

    /// <summary>
    /// The access service could not authenticate: it got no token for provider calls, or the provider refused its
    /// token or certificate (401, 403). An operator's problem, not the provider's health, so it has its own code.
    /// </summary>
    Unauthenticated,
}

/// <summary>
/// A provider system's answer: the Bundle when it answered with one (with the entries that could not be read set
/// aside, <see cref="LenientBundleReader"/>), otherwise what went wrong.
/// </summary>
internal sealed record ProviderAnswer(FetchJob Job, FetchStatus Status, Bundle? Bundle, string? Problem, TimeSpan Elapsed, DateTimeOffset Fetched)
{
    public IReadOnlyList<SetAsideEntry> SetAside { get; init; } = [];
}

/// <summary>
/// Fetches from provider systems over HTTP with two deadlines: each provider has <see cref="ProfessionalAccessOptions.ProviderTimeoutMs"/>,
/// and the whole request the overall token (the caller's deadline). Nothing a provider does fails the request: a
/// slow, down or garbled provider becomes an answer saying so. Only the caller going away cancels.
/// </summary>
internal sealed class ProviderFetcher(IHttpClientFactory clients, IOptions<ProfessionalAccessOptions> options, TimeProvider time)
{
    public const string HttpClientName = "provider-systems";

    private static readonly MediaTypeWithQualityHeaderValue FhirJsonMedia = new("application/fhir+json");

    public async Task<ProviderAnswer> FetchAsync(FetchJob job, CancellationToken deadline, CancellationToken aborted)
    {
        var fetched = time.GetUtcNow();
        if (job.Endpoint is null)
            return new ProviderAnswer(job, FetchStatus.NoEndpoint, null, "no active endpoint in the service directory", TimeSpan.Zero, fetched);
        var started = Stopwatch.GetTimestamp();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(deadline, aborted);
        timeout.CancelAfter(options.Value.ProviderTimeoutMs);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, job.Url);
            request.Headers.Accept.Add(FhirJsonMedia);
            using var response = await clients.CreateClient(HttpClientName).SendAsync(request, HttpCompletionOption.ResponseContentRead, timeout.Token);
            var body = await response.Content.ReadAsStringAsync(timeout.Token);
            var elapsed = Stopwatch.GetElapsedTime(started);
            if (response.StatusCode is System.Net.HttpStatusCode.Unauthorized or System.Net.HttpStatusCode.Forbidden)
                return new ProviderAnswer(job, FetchStatus.Unauthenticated, null, $"refused the access service's credentials (HTTP {(int)response.StatusCode}{Diagnostics(body)})", elapsed, fetched);
            if (!response.IsSuccessStatusCode)
                return new ProviderAnswer(job, FetchStatus.Failed, null, $"answered HTTP {(int)response.StatusCode}{Diagnostics(body)}", elapsed, fetched);
            // Read leniently: a resource that breaks the rules is set aside and named, the rest of the answer goes on;
            // only an answer that is not a usable Bundle at all is invalid as a whole.
            var (bundle, setAside, error) = LenientBundleReader.Read(body);
            return bundle is null
                ? new ProviderAnswer(job, FetchStatus.Invalid, null, $"answered invalid FHIR: {Shorten(error)}", elapsed, fetched)
                : new ProviderAnswer(job, FetchStatus.Answered, bundle, null, elapsed, fetched) { SetAside = setAside };
        }
        catch (OperationCanceledException) when (!aborted.IsCancellationRequested)
        {
            return deadline.IsCancellationRequested
                ? new ProviderAnswer(job, FetchStatus.DeadlinePassed, null, "had not answered when the request's deadline passed", Stopwatch.GetElapsedTime(started), fetched)
                : new ProviderAnswer(job, FetchStatus.TimedOut, null, $"did not answer within {options.Value.ProviderTimeoutMs} ms", Stopwatch.GetElapsedTime(started), fetched);
        }
        catch (ProviderTokenException ex)
        {
            return new ProviderAnswer(job, FetchStatus.Unauthenticated, null, $"was not called: the access service got no token for provider calls ({Shorten(ex.Message)})", Stopwatch.GetElapsedTime(started), fetched);
        }
        catch (HttpRequestException ex)
        {
            return new ProviderAnswer(job, FetchStatus.Failed, null, $"could not be reached: {Shorten(ex.Message)}", Stopwatch.GetElapsedTime(started), fetched);
        }
    }

    /// <summary>The first diagnostics of an OperationOutcome error body, if it is one.</summary>
    private static string Diagnostics(string body) =>
        body.Length < 64 * 1024 && FhirJson.TryParse(body, out _) is OperationOutcome { Issue: [{ Diagnostics: { Length: > 0 } text }, ..] } ? $": {Shorten(text)}" : string.Empty;

    private static string Shorten(string? text) => text is null ? "" : text.Length > 200 ? text[..200] + "…" : text;
}
