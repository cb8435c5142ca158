using System.Net;
using System.Net.Http.Headers;
using System.Security.Authentication;
using Hl7.Fhir.Model;
using OpenNdi.ContactPoint.Domain;
using OpenNdi.ContactPoint.Identification;
using OpenNdi.Fhir;

namespace OpenNdi.ContactPoint.Transport;

/// <summary>
/// The MyHealth@EU NCPeH FHIR API as Sweden calls it on a peer (ADR 0010 §1): patient identification as
/// <c>POST Patient/_search</c> (identifiers stay out of URLs and access logs), document search, retrieval of the
/// attachment url, provision as a transaction. Over the named client <see cref="HttpClientName"/>, which presents
/// Sweden's TLS certificate and accepts only the called peer's registered server certificate (<see cref="PeerTls"/>).
/// </summary>
public sealed class NcpFhirTransport(IHttpClientFactory clients) : IPeerTransport
{
    public const string HttpClientName = "ncp-peers";

    /// <summary>The request option naming the peer a request is for, read by the TLS check.</summary>
    public static readonly HttpRequestOptionsKey<Peer> PeerOption = new("OpenNdi.ContactPoint.Peer");

    public async Task<PeerResult<Patient>> IdentifyAsync(PeerRequest request, IdentificationTraits traits, CancellationToken cancellationToken)
    {
        var form = new List<KeyValuePair<string, string>>();
        form.AddRange(traits.Identifiers.Select(i => new KeyValuePair<string, string>("identifier", $"{i.System}|{i.Value}")));
        if (traits.BirthDate is { } birthDate)
            form.Add(new("birthdate", "eq" + birthDate.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)));
        if (traits.Family is { } family)
            form.Add(new("family", family));
        if (traits.Given is { } given)
            form.Add(new("given", given));
        if (traits.Gender is { } gender)
            form.Add(new("gender", gender));
        var (bundle, failure) = await SendAsync<Bundle>(request, HttpMethod.Post, "Patient/_search", new FormUrlEncodedContent(form), cancellationToken);
        if (bundle is null)
            return new(null, failure);
        var patients = bundle.Entry.Select(e => e.Resource).OfType<Patient>().ToList();
        if (patients.Count == 1)
            return PeerResult<Patient>.Ok(patients[0]);
        var outcome = bundle.Entry.Select(e => e.Resource).OfType<OperationOutcome>().SelectMany(o => o.Issue).FirstOrDefault();
        var code = outcome?.Details?.Coding.FirstOrDefault()?.Code;
        if (patients.Count > 1 || outcome?.Code == OperationOutcome.IssueType.MultipleMatches)
            return PeerResult<Patient>.Failed(PeerFailureKind.Ambiguous, outcome?.Diagnostics ?? $"{patients.Count} patients matched", 200, code);
        return PeerResult<Patient>.Failed(PeerFailureKind.NotFound, outcome?.Diagnostics ?? "no patient matched", 200, code);
    }

    public async Task<PeerResult<IReadOnlyList<DocumentReference>>> FindDocumentsAsync(PeerRequest request, string patient, string documentClass, CancellationToken cancellationToken)
    {
        var path = $"DocumentReference?patient.identifier={Uri.EscapeDataString(patient)}&type={Uri.EscapeDataString("http://loinc.org|" + documentClass)}";
        var (bundle, failure) = await SendAsync<Bundle>(request, HttpMethod.Get, path, null, cancellationToken);
        return bundle is null ? new(null, failure) : PeerResult<IReadOnlyList<DocumentReference>>.Ok([.. bundle.Entry.Select(e => e.Resource).OfType<DocumentReference>()]);
    }

    public async Task<PeerResult<Bundle>> RetrieveAsync(PeerRequest request, string url, CancellationToken cancellationToken)
    {
        // The url is the peer's own: it must lie under the peer's base, or Sweden's certificate and assertion would go elsewhere.
        if (request.Peer.BaseUrl is not { } baseUrl || !url.StartsWith(baseUrl.AbsoluteUri.TrimEnd('/') + "/", StringComparison.Ordinal))
            return PeerResult<Bundle>.Failed(PeerFailureKind.Malformed, $"the document url {url} is not under the peer's base {request.Peer.BaseUrl}");
        var (bundle, failure) = await SendAsync<Bundle>(request, HttpMethod.Get, url[(baseUrl.AbsoluteUri.TrimEnd('/').Length + 1)..], null, cancellationToken);
        return new(bundle, failure);
    }

    public async Task<PeerResult<Bundle>> ProvideAsync(PeerRequest request, Bundle transaction, CancellationToken cancellationToken)
    {
        var content = new StringContent(FhirJson.Serialize(transaction), System.Text.Encoding.UTF8, "application/fhir+json");
        var (bundle, failure) = await SendAsync<Bundle>(request, HttpMethod.Post, "", content, cancellationToken);
        return new(bundle, failure);
    }

    private async Task<(T? Resource, PeerFailure? Failure)> SendAsync<T>(PeerRequest request, HttpMethod method, string relative, HttpContent? content, CancellationToken cancellationToken)
        where T : Resource
    {
        if (request.Peer.BaseUrl is not { } baseUrl)
            return (null, new PeerFailure(PeerFailureKind.Unreachable, null, null, $"no base URL is configured for {request.Peer.Id}"));
        using var message = new HttpRequestMessage(method, new Uri(baseUrl.AbsoluteUri.TrimEnd('/') + "/" + relative)) { Content = content };
        message.Options.Set(PeerOption, request.Peer);
        message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", request.Assertion);
        message.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/fhir+json"));
        message.Headers.AcceptLanguage.ParseAdd(request.Language);
        message.Headers.Add("X-Correlation-ID", request.CorrelationId);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(request.Timeout);
        try
        {
            using var response = await clients.CreateClient(HttpClientName).SendAsync(message, timeout.Token);
            var body = await response.Content.ReadAsStringAsync(timeout.Token);
            if (response.IsSuccessStatusCode)
            {
                return FhirJson.TryParse(body, out var unreadable) is T parsed
                    ? (parsed, null)
                    : (null, new PeerFailure(PeerFailureKind.Malformed, (int)response.StatusCode, null, $"the answer is not a readable {typeof(T).Name}{(unreadable is null ? "" : $": {unreadable}")}"));
            }
            var issue = (FhirJson.TryParse(body, out _) as OperationOutcome)?.Issue.FirstOrDefault();
            var kind = response.StatusCode switch
            {
                HttpStatusCode.Gone => PeerFailureKind.Gone,
                HttpStatusCode.NotFound => PeerFailureKind.NotFound,
                HttpStatusCode.Conflict => PeerFailureKind.Conflict,
                >= HttpStatusCode.InternalServerError => PeerFailureKind.Unreachable,
                _ => PeerFailureKind.Refused,
            };
            return (null, new PeerFailure(kind, (int)response.StatusCode, issue?.Details?.Coding.FirstOrDefault()?.Code, issue?.Diagnostics ?? $"HTTP {(int)response.StatusCode}"));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (null, new PeerFailure(PeerFailureKind.Timeout, null, null, $"no answer within {request.Timeout.TotalMilliseconds:0} ms"));
        }
        catch (HttpRequestException e) when (e.InnerException is AuthenticationException || e.HttpRequestError == HttpRequestError.SecureConnectionError)
        {
            return (null, new PeerFailure(PeerFailureKind.Untrusted, null, null, $"the peer's server certificate was refused: {e.Message}"));
        }
        catch (HttpRequestException e)
        {
            return (null, new PeerFailure(PeerFailureKind.Unreachable, null, null, e.Message));
        }
    }
}
