using Hl7.Fhir.Model;
using Microsoft.AspNetCore.Http;
using OpenNdi.ContactPoint.Domain;
using OpenNdi.Fhir;

namespace OpenNdi.ContactPoint.Simulation;

/// <summary>
/// Document metadata search and retrieval at a simulated peer (ADR 0010 §1, ITI-67/68 shapes): one on-demand summary
/// per patient, one DocumentReference per dispensable prescription (<c>masterIdentifier</c> = the prescription's id).
/// Document urls carry ids derived from the peer's internal key, never the patient's identifier. An identifier that
/// names more than one person (the twins) lists nothing: the caller cannot say which one is treated.
/// </summary>
internal static class SimulatedDocumentSearch
{
    public static IResult Find(HttpContext http, SimulatedPeer peer, ForeignProfessional professional, TimeProvider time)
    {
        var country = peer.Country;
        var query = http.Request.Query;
        if (query.Keys.FirstOrDefault(k => k is not ("patient.identifier" or "type" or "_format")) is { } unknown)
            return Invalid($"parameter '{unknown}' is not supported here (patient.identifier, type)", unknown);
        if (query["patient.identifier"] is not [{ } patientParameter] || patientParameter.Split('|') is not [var system, var value] || system != country.IdentifierSystem)
            return Invalid($"patient.identifier must be one {country.IdentifierSystem}|value, as identification returned it", "patient.identifier");
        var documentClass = query["type"] is [{ } type] && type.StartsWith($"{SimulatedPopulation.Loinc}|", StringComparison.Ordinal) ? type[(SimulatedPopulation.Loinc.Length + 1)..] : null;
        if (documentClass is not (SimulatedPeerEndpoints.PatientSummaryClass or SimulatedPeerEndpoints.PrescriptionClass))
            return Invalid($"type must be {SimulatedPopulation.Loinc}|{SimulatedPeerEndpoints.PatientSummaryClass} or |{SimulatedPeerEndpoints.PrescriptionClass}", "type");
        if (SimulatedPeerEndpoints.NotTreated(professional, system, value) is { } refusal)
            return SimulatedPeerEndpoints.Refuse(http, refusal);

        var searchset = new Bundle { Type = Bundle.BundleType.Searchset, Id = Guid.NewGuid().ToString(), Total = 0 };
        if (country.Patients.Where(p => p.Identifier == value).ToList() is [var patient])
        {
            var now = time.GetUtcNow();
            var references = documentClass == SimulatedPeerEndpoints.PatientSummaryClass
                ? [Reference(peer, patient, SimulatedDocuments.SummaryId(country, patient), new Identifier("urn:ietf:rfc:3986", $"urn:uuid:{SimulatedDocuments.SummaryId(country, patient)}"),
                    documentClass, "Patient summary Document", Summary(country.Language), now)]
                : patient.Prescriptions.Where(r => !peer.Dispensations.IsDispensed(r.Id)).Select(r => Reference(peer, patient, SimulatedDocuments.PrescriptionDocumentId(country, r),
                    new Identifier(country.PrescriptionIdSystem, r.Id), documentClass, "Prescription for medication", $"{r.Ingredient.Display} {r.Strength}", now)).ToList();
            foreach (var reference in references)
                searchset.Entry.Add(new Bundle.EntryComponent { FullUrl = $"urn:uuid:{Guid.NewGuid()}", Resource = reference, Search = new Bundle.SearchComponent { Mode = Bundle.SearchEntryMode.Match } });
            searchset.Total = references.Count;
        }
        http.Response.Headers.CacheControl = "no-store";
        return FhirResults.Resource(searchset);
    }

    public static IResult Retrieve(HttpContext http, SimulatedPeer peer, ForeignProfessional professional, string id, TimeProvider time)
    {
        if (peer.Document(id) is not var (patient, prescription))
            return FhirResults.Error(StatusCodes.Status404NotFound, "NDI-NCP-013", OperationOutcome.IssueType.NotFound, "no such document");
        if (SimulatedPeerEndpoints.NotTreated(professional, peer.Country.IdentifierSystem, patient.Identifier) is { } refusal)
            return SimulatedPeerEndpoints.Refuse(http, refusal);
        var now = time.GetUtcNow();
        return FhirResults.Resource(prescription is null
            ? SimulatedDocuments.Summary(peer.Country, patient, now)
            : SimulatedDocuments.Prescription(peer.Country, patient, prescription, now, peer.Dispensations.IsDispensed(prescription.Id)));
    }

    private static DocumentReference Reference(SimulatedPeer peer, SimulatedPatient patient, string documentId, Identifier master, string documentClass, string typeDisplay, string description, DateTimeOffset now) => new()
    {
        MasterIdentifier = master,
        Status = DocumentReferenceStatus.Current,
        Type = new CodeableConcept(SimulatedPopulation.Loinc, documentClass, typeDisplay),
        Subject = new ResourceReference { Identifier = new Identifier(peer.Country.IdentifierSystem, patient.Identifier) },
        Date = now,
        Description = description,
        Content =
        [
            new DocumentReference.ContentComponent
            {
                Attachment = new Attachment { ContentType = "application/fhir+json", Language = peer.Country.Language, Url = $"{peer.BaseUrl}/Bundle/{documentId}" },
            },
        ],
    };

    private static string Summary(string language) => language switch
    {
        "de-DE" => "Patientenkurzakte, bei Abruf erstellt",
        "fr-FR" => "Synthèse médicale, établie à la demande",
        _ => "Patient summary, made on request",
    };

    private static IResult Invalid(string message, string parameter) =>
        FhirResults.Error(StatusCodes.Status400BadRequest, "NDI-NCP-012", OperationOutcome.IssueType.Invalid, message, parameter);
}
