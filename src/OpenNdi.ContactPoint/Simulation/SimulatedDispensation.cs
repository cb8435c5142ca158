using Hl7.Fhir.Model;
using Microsoft.AspNetCore.Http;
using OpenNdi.ContactPoint.Domain;
using OpenNdi.Fhir;

namespace OpenNdi.ContactPoint.Simulation;

/// <summary>
/// A dispensation reported to a simulated peer (ADR 0010 §1 document provision, ITI-65 shape; §6 errors): a
/// <c>transaction</c> Bundle of a DocumentReference (type LOINC 60593-1, <c>masterIdentifier</c> = the dispensation's
/// identifier, <c>context.related</c> = the prescription's identifier, <c>subject</c> by identifier,
/// <c>content.attachment.url</c> = the second entry's fullUrl) and a <c>collection</c> Bundle of MedicationDispense.
/// Accepted once: <c>200</c> transaction-response; the same dispensation again answers the same; another
/// dispensation of the prescription <c>409</c> NDI-NCP-020; a prescription the peer does not know for that patient
/// <c>409</c> NDI-NCP-021.
/// </summary>
internal static class SimulatedDispensation
{
    public static async Task<IResult> ProvideAsync(HttpContext http, SimulatedPeer peer, ForeignProfessional professional, TimeProvider time)
    {
        string body;
        using (var reader = new StreamReader(http.Request.Body))
            body = await reader.ReadToEndAsync(http.RequestAborted);
        if (FhirJson.TryParse(body, out var error) is not Bundle { Type: Bundle.BundleType.Transaction } transaction)
            return Invalid($"the body must be a FHIR transaction Bundle ({error ?? "another resource or bundle type"})", "Bundle.type");
        var (report, problem, expression) = Read(transaction, peer.Country);
        if (report is null)
            return Invalid(problem!, expression!);
        if (SimulatedPeerEndpoints.NotTreated(professional, report.PatientSystem, report.PatientValue) is { } refusal)
            return SimulatedPeerEndpoints.Refuse(http, refusal);

        if (peer.Prescription(report.PrescriptionId) is not var (patient, _) || patient.Identifier != report.PatientValue)
            return SimulatedPeerEndpoints.Refuse(http, new NcpRefusal("NDI-NCP-021", StatusCodes.Status409Conflict,
                $"prescription {report.PrescriptionId} is not a dispensable prescription of this patient"));
        var (outcome, response) = peer.Dispensations.Dispense(report.PrescriptionId, report.DispensationId, () => Response(report.DispensationId, time.GetUtcNow()));
        return outcome switch
        {
            DispenseOutcome.Accepted or DispenseOutcome.Repeated => FhirResults.Resource(response!),
            DispenseOutcome.AlreadyDispensed => SimulatedPeerEndpoints.Refuse(http, new NcpRefusal("NDI-NCP-020", StatusCodes.Status409Conflict,
                $"prescription {report.PrescriptionId} has already been dispensed")),
            _ => Invalid($"the dispensation identifier {report.DispensationId} was used before for another prescription", "DocumentReference.masterIdentifier"),
        };
    }

    private sealed record Report(string DispensationId, string PrescriptionId, string PatientSystem, string PatientValue);

    private static (Report? Report, string? Problem, string? Expression) Read(Bundle transaction, SimulatedPeerCountry country)
    {
        if (transaction.Entry.Select(e => e.Resource).OfType<DocumentReference>().ToList() is not [var reference])
            return (null, "the transaction must hold one DocumentReference", "Bundle.entry");
        if (reference.Type?.Coding.Any(c => c.System == SimulatedPopulation.Loinc && c.Code == SimulatedPeerEndpoints.DispensationClass) != true)
            return (null, $"the DocumentReference's type must be {SimulatedPopulation.Loinc}|{SimulatedPeerEndpoints.DispensationClass}", "DocumentReference.type");
        if (reference.MasterIdentifier?.Value is not { Length: > 0 } dispensationId)
            return (null, "the DocumentReference's masterIdentifier (the dispensation's identifier) is required", "DocumentReference.masterIdentifier");
        var related = reference.Context?.Related.Select(r => r.Identifier).FirstOrDefault(i => i?.Value is { Length: > 0 });
        if (related is null || related.System is { Length: > 0 } system && system != country.PrescriptionIdSystem)
            return (null, $"context.related must name the prescription's identifier ({country.PrescriptionIdSystem})", "DocumentReference.context.related");
        if (reference.Subject?.Identifier is not { System: { Length: > 0 } patientSystem, Value: { Length: > 0 } patientValue } || patientSystem != country.IdentifierSystem)
            return (null, $"the DocumentReference's subject must be the patient's {country.IdentifierSystem} identifier", "DocumentReference.subject");
        var url = reference.Content.FirstOrDefault()?.Attachment?.Url;
        var content = transaction.Entry.FirstOrDefault(e => e.FullUrl == url && url is not null)?.Resource;
        if (content is not Bundle { Type: Bundle.BundleType.Collection } dispenses || !dispenses.Entry.Any(e => e.Resource is MedicationDispense))
            return (null, "content.attachment.url must name an entry of the transaction: a collection Bundle of MedicationDispense", "DocumentReference.content.attachment.url");
        return (new Report(dispensationId, related.Value!, patientSystem, patientValue), null, null);
    }

    /// <summary>The transaction-response, made once at acceptance and kept, so a repeat answers the same bytes' worth.</summary>
    private static Bundle Response(string dispensationId, DateTimeOffset now)
    {
        var id = PatientSummaryBuilder.DeterministicUuid($"sim-ncp|dispensation|{dispensationId}");
        var response = new Bundle { Id = id.ToString(), Type = Bundle.BundleType.TransactionResponse, Timestamp = now };
        foreach (var (type, part) in new[] { ("DocumentReference", "reference"), ("Bundle", "content") })
        {
            response.Entry.Add(new Bundle.EntryComponent
            {
                Response = new Bundle.ResponseComponent
                {
                    Status = "201 Created",
                    Location = $"{type}/{PatientSummaryBuilder.DeterministicUuid($"sim-ncp|dispensation|{dispensationId}|{part}")}",
                    LastModified = now,
                },
            });
        }
        return response;
    }

    private static IResult Invalid(string message, string expression) =>
        FhirResults.Error(StatusCodes.Status400BadRequest, "NDI-NCP-012", OperationOutcome.IssueType.Invalid, message, expression);
}
