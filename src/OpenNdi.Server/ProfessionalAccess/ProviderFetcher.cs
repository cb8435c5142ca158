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
            var body = await response.Content.ReadAsByteArrayAsync(timeout.Token);
            var charset = response.Content.Headers.ContentType?.CharSet;
            var elapsed = Stopwatch.GetElapsedTime(started);
            if (response.StatusCode is System.Net.HttpStatusCode.Unauthorized or System.Net.HttpStatusCode.Forbidden)
                return new ProviderAnswer(job, FetchStatus.Unauthenticated, null, $"refused the access service's credentials (HTTP {(int)response.StatusCode}{Diagnostics(AnswerText.Decode(body, charset))})", elapsed, fetched);
            if (!response.IsSuccessStatusCode)
                return new ProviderAnswer(job, FetchStatus.Failed, null, $"answered HTTP {(int)response.StatusCode}{Diagnostics(AnswerText.Decode(body, charset))}", elapsed, fetched);
            // Read leniently: a resource that breaks the rules is set aside and named, the rest of the answer goes on;
            // only an answer that is not a usable Bundle at all is invalid as a whole.
            var (bundle, setAside, error) = LenientBundleReader.Read(AnswerText.Utf8(body, charset));
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

/// <summary>
/// A provider's answer body as the text it means. FHIR JSON is UTF-8, and such a body (the usual case) is read where
/// it is; a body that declares another charset, starts with a byte order mark or is not valid UTF-8 is decoded first
/// (by its declared charset, UTF-8 when it names none or one unknown here, a UTF-8 byte order mark dropped, invalid
/// bytes replaced, as the text read before issue 16 was) and read from that text.
/// </summary>
internal static class AnswerText
{
    public static byte[] Utf8(byte[] body, string? charset) =>
        IsPlainUtf8(body, charset) ? body : System.Text.Encoding.UTF8.GetBytes(Decode(body, charset));

    public static string Decode(byte[] body, string? charset)
    {
        var encoding = System.Text.Encoding.UTF8;
        if (charset is { Length: > 0 })
        {
            try
            {
                encoding = System.Text.Encoding.GetEncoding(charset.Trim('"'));
            }
            catch (ArgumentException)
            {
                // An unknown charset: read as UTF-8, as FHIR says it is.
            }
        }
        var preamble = encoding.Preamble;
        var text = body.AsSpan();
        if (preamble.Length > 0 && text.StartsWith(preamble))
            text = text[preamble.Length..];
        else if (text.StartsWith(System.Text.Encoding.UTF8.Preamble))
            return System.Text.Encoding.UTF8.GetString(text[System.Text.Encoding.UTF8.Preamble.Length..]);
        return encoding.GetString(text);
    }

    private static bool IsPlainUtf8(byte[] body, string? charset) =>
        (charset is null || charset.Trim('"').Equals("utf-8", StringComparison.OrdinalIgnoreCase))
        && !body.AsSpan().StartsWith(System.Text.Encoding.UTF8.Preamble)
        && System.Text.Unicode.Utf8.IsValid(body);
}
