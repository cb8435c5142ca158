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
        var (asker, refusal) = records.AskerAbroad(http);
        if (asker is null)
            return NcpFhirApi.Refuse(http, audit, refusal!);
        var (country, traits, _, error) = await ReadAsync(http);
        if (traits is null)
            return NcpFhirApi.Refuse(http, audit, error!);
        var correlation = Correlation(http);
        audit.Entity(http, "ncp-request", correlation, $"to the contact point of {country} for {traits.Identifiers.Count} identifiers");

        var (summary, refused, detail) = await summaries.SummaryAsync(asker, country!, traits, correlation, http.RequestAborted);
        if (summary is null)
            return NcpFhirApi.Refuse(http, audit, refused!);
        audit.Patient(http, $"{summary.Peer.Country}:{summary.PatientAtPeer}");
        audit.Entity(http, "ncp-foreign-summary", summary.Peer.Id, detail);
        return NcpFhirApi.NoStore(http, FhirResults.Resource(summary.Document));
    }

    /// <summary>The visitor's dispensable prescriptions from home (Parameters as for the summary): a collection Bundle, marked foreign.</summary>
    internal static async Task<IResult> PrescriptionsAsync(HttpContext http, INationalRecords records, VisitorSummaries visitors, ICrossBorderAudit audit)
    {
        var (asker, refusal) = records.AskerAbroad(http);
        if (asker is null)
            return NcpFhirApi.Refuse(http, audit, refusal!);
        var (country, traits, _, error) = await ReadAsync(http);
        if (traits is null)
            return NcpFhirApi.Refuse(http, audit, error!);
        var (prescriptions, peer, patient, refused, detail) = await visitors.PrescriptionsAsync(asker, country!, traits, Correlation(http), http.RequestAborted);
        if (peer is not null && patient is not null)
            audit.Patient(http, $"{peer.Country}:{patient}");
        if (prescriptions is null)
            return NcpFhirApi.Refuse(http, audit, refused!);
        audit.Entity(http, "ncp-foreign-prescriptions", peer!.Id, detail);
        return NcpFhirApi.NoStore(http, FhirResults.Resource(prescriptions));
    }

    /// <summary>
    /// Reports a dispensation to the visitor's home country. Parameters as for the summary, plus <c>prescription</c>
    /// (Identifier, the prescription's identifier at home) and <c>dispense</c> (a MedicationDispense resource).
    /// </summary>
    internal static async Task<IResult> DispenseAsync(HttpContext http, INationalRecords records, VisitorSummaries visitors, ICrossBorderAudit audit)
    {
        var (asker, refusal) = records.AskerAbroad(http);
        if (asker is null)
            return NcpFhirApi.Refuse(http, audit, refusal!);
        var (country, traits, parameters, error) = await ReadAsync(http, "prescription", "dispense");
        if (traits is null)
            return NcpFhirApi.Refuse(http, audit, error!);
        if (parameters!.Parameter.FirstOrDefault(p => p.Name == "prescription")?.Value is not Identifier { Value: { Length: > 0 } } prescription)
            return NcpFhirApi.Refuse(http, audit, Invalid("prescription must be the prescription's Identifier (system and value), as the home country listed it"));
        if (parameters.Parameter.FirstOrDefault(p => p.Name == "dispense")?.Resource is not MedicationDispense { Status: MedicationDispense.MedicationDispenseStatusCodes.Completed } dispense)
            return NcpFhirApi.Refuse(http, audit, Invalid("dispense must be a completed MedicationDispense (resource)"));
        var (response, peer, patient, refused, detail) = await visitors.DispenseAsync(asker, country!, traits, prescription, dispense, Correlation(http), http.RequestAborted);
        if (peer is not null && patient is not null)
            audit.Patient(http, $"{peer.Country}:{patient}");
        if (response is null)
            return NcpFhirApi.Refuse(http, audit, refused!);
        audit.Entity(http, "ncp-foreign-dispensation", peer!.Id, detail);
        return NcpFhirApi.NoStore(http, FhirResults.Resource(response));
    }

    private static string Correlation(HttpContext http) => http.Request.Headers["X-Correlation-ID"] is [{ Length: > 0 and <= 100 } given] ? given : Guid.NewGuid().ToString();

    private static async Task<(string? Country, IdentificationTraits? Traits, Parameters? Parameters, NcpRefusal? Error)> ReadAsync(HttpContext http, params string[] more)
    {
        Parameters? parameters;
        try
        {
            using var reader = new StreamReader(http.Request.Body);
            parameters = FhirJson.Parse<Parameters>(await reader.ReadToEndAsync(http.RequestAborted));
        }
        catch (Exception e) when (e is FormatException or Hl7.Fhir.Serialization.DeserializationFailedException or System.Text.Json.JsonException)
        {
            return (null, null, null, Invalid($"the body must be a FHIR Parameters resource: {e.Message}"));
        }
        if (parameters is null)
            return (null, null, null, Invalid("the body must be a FHIR Parameters resource"));
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
