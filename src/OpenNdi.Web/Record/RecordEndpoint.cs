using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using OpenNdi.Web.Components;

namespace OpenNdi.Web.Record;

/// <summary>
/// <c>GET /web/patient/record?patient=&lt;pnr&gt;</c> with the person's bearer token: the patient's record rendered on
/// the server (PatientRecordView.razor), categories, providers and trend charts as SVG, from the national
/// <c>$summary</c> read with that token. The page's script puts the fragment in place; the print style makes it the
/// printable copy. Nothing here is kept: the answer is <c>no-store</c>, and a refusal is the API's own.
/// </summary>
internal static class RecordEndpoint
{
    public static async Task<IResult> RenderAsync(HttpContext http, NationalApiClient api, string? patient, CancellationToken cancellationToken)
    {
        PageHeaders.Apply(http);
        var authorization = http.Request.Headers.Authorization.ToString();
        if (!authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) || authorization.Length <= 7)
            return Failure(StatusCodes.Status401Unauthorized, null);
        if (string.IsNullOrWhiteSpace(patient))
            return Failure(StatusCodes.Status400BadRequest, "patient is required");
        var reading = api.SummaryAsync(authorization[7..], patient, cancellationToken);
        var abroad = api.DispensedAbroadAsync(authorization[7..], patient, cancellationToken);
        var (document, status, problem) = await reading;
        var dispensed = await abroad;
        if (document is null)
            return Failure(status, problem);
        var record = PatientRecord.From(document) with { DispensedAbroad = dispensed is null ? null : PatientRecord.AbroadFrom(dispensed) };
        return new RazorComponentResult<PatientRecordView>(new { Record = record });
    }

    private static RazorComponentResult<RecordFailure> Failure(int status, string? problem) =>
        new(new { Status = status, Problem = problem }) { StatusCode = status };
}
