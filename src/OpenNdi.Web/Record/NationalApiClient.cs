using System.Net.Http.Headers;
using Hl7.Fhir.Model;
using OpenNdi.Fhir;

namespace OpenNdi.Web.Record;

/// <summary>
/// The web front end's one way to health data: the national FHIR API over HTTP, with the person's own token, like
/// any other client. So the pages hold no data and reach no store: every read is the API's, decided by its policy and
/// in the patient's access log.
/// </summary>
public sealed class NationalApiClient(IHttpClientFactory clients)
{
    public const string HttpClientName = "openndi-web-national-api";

    /// <summary>The patient summary (IPS document) the person may read of <paramref name="patient"/>; or the API's status and what its OperationOutcome says.</summary>
    public async Task<(Bundle? Document, int Status, string? Problem)> SummaryAsync(string bearer, string patient, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/fhir/Patient/$summary?identifier=" + Uri.EscapeDataString(patient));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        request.Headers.Accept.ParseAdd("application/fhir+json");
        using var response = await clients.CreateClient(HttpClientName).SendAsync(request, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        var resource = FhirJson.TryParse(body, out _);
        if (response.IsSuccessStatusCode && resource is Bundle document)
            return (document, (int)response.StatusCode, null);
        var problem = resource is OperationOutcome outcome ? string.Join(" ", outcome.Issue.Select(i => i.Diagnostics ?? i.Details?.Text).OfType<string>()) : null;
        return (null, response.IsSuccessStatusCode ? 502 : (int)response.StatusCode, problem);
    }

    /// <summary>
    /// The patient's prescriptions dispensed in another member state and reported through the national contact point
    /// (<c>MedicationDispense</c> reads tagged <c>urn:openndi:cross-border|dispensed-abroad</c>), or null when the read
    /// was refused or failed (the page then says so).
    /// </summary>
    public async Task<IReadOnlyList<MedicationDispense>?> DispensedAbroadAsync(string bearer, string patient, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/fhir/MedicationDispense?patient.identifier=" + Uri.EscapeDataString(patient));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        request.Headers.Accept.ParseAdd("application/fhir+json");
        using var response = await clients.CreateClient(HttpClientName).SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode || FhirJson.TryParse(await response.Content.ReadAsStringAsync(cancellationToken), out _) is not Bundle searchset)
            return null;
        return [.. searchset.Entry.Select(e => e.Resource).OfType<MedicationDispense>()
            .Where(d => d.Meta?.Tag.Any(t => t.System == "urn:openndi:cross-border" && t.Code == "dispensed-abroad") == true)];
    }
}
