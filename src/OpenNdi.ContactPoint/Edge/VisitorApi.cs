using System.Globalization;
using Hl7.Fhir.Model;
using Microsoft.AspNetCore.Http;
using OpenNdi.ContactPoint.Domain;
using OpenNdi.ContactPoint.Identification;
using OpenNdi.ContactPoint.Ports;
using OpenNdi.ContactPoint.Visitors;
using OpenNdi.Fhir;

namespace OpenNdi.ContactPoint.Edge;

/// <summary>
/// Sweden as the country of treatment, on the national API (a Swedish clinician's token, declared and audited like
/// every national route):
/// <code>
/// POST /fhir/Patient/$cross-border-summary      Parameters: country (code), identifier (Identifier, repeatable),
///                                               birthdate (date), family, given (string), gender (code)
/// Headers: Ndi-Care-Relationship: declared
/// </code>
/// Answers the visitor's summary from their home contact point, marked as foreign (<see cref="VisitorSummaries"/>),
/// or an OperationOutcome: 400 NDI-NCP-032 (the peer's mask), 403 NDI-NCP-003 (not for this caller) or -033 (the peer
/// refused), 404 -030, 409 -031, 502 -034/-036, 504 -035.
/// </summary>
public static class VisitorApi
{
    public const string SummaryRoute = "/fhir/Patient/$cross-border-summary";
    public const string PrescriptionsRoute = "/fhir/MedicationRequest/$cross-border-prescriptions";
    public const string DispenseRoute = "/fhir/MedicationDispense/$cross-border-dispense";

    internal static async Task<IResult> SummaryAsync(HttpContext http, INationalRecords records, VisitorSummaries summaries, ICrossBorderAudit audit)
    {
        var (request, refusal) = await BeginAsync(http, records, audit);
        if (request is null)
            return refusal!;
        audit.Entity(http, "ncp-request", request.Correlation, $"to the contact point of {request.Country} for {request.Traits.Identifiers.Count} identifiers");
        var (summary, refused, detail) = await summaries.SummaryAsync(request.Asker, request.Country, request.Traits, request.Correlation, http.RequestAborted);
        return Answer(http, audit, summary?.Document, summary?.Peer, summary?.PatientAtPeer, refused, "ncp-foreign-summary", detail);
    }

    /// <summary>The visitor's dispensable prescriptions from home (Parameters as for the summary): a collection Bundle, marked foreign.</summary>
    internal static async Task<IResult> PrescriptionsAsync(HttpContext http, INationalRecords records, VisitorSummaries visitors, ICrossBorderAudit audit)
    {
        var (request, refusal) = await BeginAsync(http, records, audit);
        if (request is null)
            return refusal!;
        var (prescriptions, peer, patient, refused, detail) = await visitors.PrescriptionsAsync(request.Asker, request.Country, request.Traits, request.Correlation, http.RequestAborted);
        return Answer(http, audit, prescriptions, peer, patient, refused, "ncp-foreign-prescriptions", detail);
    }

    /// <summary>
    /// Reports a dispensation to the visitor's home country. Parameters as for the summary, plus <c>prescription</c>
    /// (Identifier, the prescription's identifier at home) and <c>dispense</c> (a MedicationDispense resource).
    /// </summary>
    internal static async Task<IResult> DispenseAsync(HttpContext http, INationalRecords records, VisitorSummaries visitors, ICrossBorderAudit audit)
    {
        var (request, refusal) = await BeginAsync(http, records, audit, "prescription", "dispense");
        if (request is null)
            return refusal!;
        if (request.Parameters.Parameter.FirstOrDefault(p => p.Name == "prescription")?.Value is not Identifier { Value: { Length: > 0 } } prescription)
            return NcpFhirApi.Refuse(http, audit, Invalid("prescription must be the prescription's Identifier (system and value), as the home country listed it"));
        if (request.Parameters.Parameter.FirstOrDefault(p => p.Name == "dispense")?.Resource is not MedicationDispense { Status: MedicationDispense.MedicationDispenseStatusCodes.Completed } dispense)
            return NcpFhirApi.Refuse(http, audit, Invalid("dispense must be a completed MedicationDispense (resource)"));
        var (response, peer, patient, refused, detail) = await visitors.DispenseAsync(request.Asker, request.Country, request.Traits, prescription, dispense, request.Correlation, http.RequestAborted);
        return Answer(http, audit, response, peer, patient, refused, "ncp-foreign-dispensation", detail);
    }

    /// <summary>A Swedish professional's request abroad, as read from the route's Parameters.</summary>
    private sealed record VisitorRequest(SwedishProfessional Asker, string Country, IdentificationTraits Traits, Parameters Parameters, string Correlation);

    /// <summary>Who asks (the access policy's answer) and what (the Parameters, with <paramref name="more"/> allowed); or the refusal.</summary>
    private static async Task<(VisitorRequest? Request, IResult? Refusal)> BeginAsync(HttpContext http, INationalRecords records, ICrossBorderAudit audit, params string[] more)
    {
        var (asker, refusal) = records.AskerAbroad(http);
        if (asker is null)
            return (null, NcpFhirApi.Refuse(http, audit, refusal!));
        var (country, traits, parameters, error) = await ReadAsync(http, more);
        if (traits is null)
            return (null, NcpFhirApi.Refuse(http, audit, error!));
        return (new VisitorRequest(asker, country!, traits, parameters!, Correlation(http)), null);
    }

    /// <summary>The peer's answer to the clinician, with the visitor (as the peer identified them) and what came back in the audit record; or the refusal.</summary>
    private static IResult Answer(HttpContext http, ICrossBorderAudit audit, Resource? answer, Peer? peer, string? patient, NcpRefusal? refused, string entity, string detail)
    {
        if (peer is not null && patient is not null)
            audit.Patient(http, $"{peer.Country}:{patient}");
        if (answer is null)
            return NcpFhirApi.Refuse(http, audit, refused!);
        audit.Entity(http, entity, peer!.Id, detail);
        return NcpFhirApi.NoStore(http, FhirResults.Resource(answer));
    }

    private static string Correlation(HttpContext http) => http.Request.Headers["X-Correlation-ID"] is [{ Length: > 0 and <= 100 } given] ? given : Guid.NewGuid().ToString();

    private static async Task<(string? Country, IdentificationTraits? Traits, Parameters? Parameters, NcpRefusal? Error)> ReadAsync(HttpContext http, params string[] more)
    {
        using var reader = new StreamReader(http.Request.Body);
        if (FhirJson.TryParse(await reader.ReadToEndAsync(http.RequestAborted), out var unreadable) is not Parameters parameters)
            return (null, null, null, Invalid($"the body must be a FHIR Parameters resource{(unreadable is null ? "" : $": {unreadable}")}"));
        if (parameters.Parameter.FirstOrDefault(p => p.Name is not ("country" or "identifier" or "birthdate" or "family" or "given" or "gender") && !more.Contains(p.Name)) is { } unknown)
            return (null, null, null, Invalid($"parameter '{unknown.Name}' is not supported (country, identifier, birthdate, family, given, gender)"));
        string? Text(string name) => parameters.Parameter.Where(p => p.Name == name).Select(p => p.Value switch
        {
            Code code => code.Value,
            FhirString text => text.Value,
            Date date => date.Value,
            _ => null,
        }).FirstOrDefault();
        var country = Text("country")?.Trim().ToUpperInvariant();
        if (country is not { Length: 2 })
            return (null, null, null, Invalid("country must be the visitor's home country, ISO 3166-1 alpha-2 (e.g. DE)"));
        var identifiers = new List<(string, string)>();
        foreach (var parameter in parameters.Parameter.Where(p => p.Name == "identifier"))
        {
            if (parameter.Value is not Identifier { System: { Length: > 0 } system, Value: { Length: > 0 } value })
                return (null, null, null, Invalid("identifier must be an Identifier with system and value"));
            identifiers.Add((system, value));
        }
        DateOnly? birthDate = null;
        if (Text("birthdate") is { } birth)
        {
            if (!DateOnly.TryParseExact(birth, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
                return (null, null, null, Invalid("birthdate must be a full date (yyyy-MM-dd)"));
            birthDate = day;
        }
        var gender = Text("gender");
        if (gender is not (null or "male" or "female" or "other" or "unknown"))
            return (null, null, null, Invalid($"gender '{gender}' is not an AdministrativeGender code"));
        return (country, new IdentificationTraits(identifiers, Text("family"), Text("given"), birthDate, gender), parameters, null);
    }

    private static NcpRefusal Invalid(string message) => new("NDI-NCP-032", StatusCodes.Status400BadRequest, message);
}
