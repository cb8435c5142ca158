using Hl7.Fhir.Model;
using Microsoft.AspNetCore.Http;
using OpenNdi.ContactPoint.Domain;
using OpenNdi.ContactPoint.Ports;
using OpenNdi.ContactPoint.Storage;
using OpenNdi.Fhir;

namespace OpenNdi.ContactPoint.Prescriptions;

/// <summary>A dispensation as a peer reported it: its id, the prescription it dispenses, the patient, and the MedicationDispense resources.</summary>
public sealed record ReportedDispensation(string DispensationId, string PrescriptionId, string PatientSystem, string PatientValue, IReadOnlyList<MedicationDispense> Dispenses);

/// <summary>
/// ePrescription and eDispensation across borders (issue 17, ADR 0010 §1), Sweden as the country of affiliation: which
/// of a patient's prescriptions a pharmacy abroad may dispense, and what a reported dispensation must hold. A
/// prescription is dispensable while it is active, within its validity period, and not dispensed across borders
/// before: the contact point records each such dispensation once (<see cref="DispensationStore"/>), so it is never
/// dispensed twice across borders.
/// </summary>
public static class CrossBorderPrescriptions
{
    public const string PrescriptionClass = "57833-6";
    public const string DispensationClass = "60593-1";

    /// <summary>A prescription's id across borders: opaque and stable, derived from where it lives (the provider's URL is not sent abroad).</summary>
    public static string IdOf(string sourceUrl) => $"urn:uuid:{PatientSummaryBuilder.DeterministicUuid("ncp-prescription|" + sourceUrl)}";

    public static IReadOnlyList<NationalPrescription> Dispensable(IReadOnlyList<NationalPrescription> prescriptions, IReadOnlyList<CrossBorderDispensation> dispensed, DateTimeOffset now)
    {
        var done = dispensed.Select(d => d.PrescriptionId).ToHashSet(StringComparer.Ordinal);
        return [.. prescriptions.Where(p => p.Request.Status == MedicationRequest.MedicationrequestStatus.Active && !done.Contains(p.Id) && Valid(p.Request, now))];
    }

    private static bool Valid(MedicationRequest request, DateTimeOffset now)
    {
        var validity = request.DispenseRequest?.ValidityPeriod;
        if (validity is null)
            return true;
        return (validity.StartElement?.ToDateTimeOffset(TimeSpan.Zero) is not { } start || start <= now)
            && (validity.EndElement?.ToDateTimeOffset(TimeSpan.Zero) is not { } end || now <= end);
    }

    /// <summary>One prescription for the peer: a collection Bundle of the MedicationRequest (its id and identifier the cross-border id) and the patient.</summary>
    public static Bundle Collection(NationalPrescription prescription, Patient patient)
    {
        var request = (MedicationRequest)prescription.Request.DeepCopy();
        request.Identifier = [new Identifier("urn:ietf:rfc:3986", prescription.Id)];
        request.Subject = new ResourceReference($"urn:uuid:{patient.Id}");
        var bundle = new Bundle { Type = Bundle.BundleType.Collection, Id = Guid.NewGuid().ToString() };
        bundle.Entry.Add(new Bundle.EntryComponent { FullUrl = $"{prescription.Id}", Resource = request });
        bundle.Entry.Add(new Bundle.EntryComponent { FullUrl = $"urn:uuid:{patient.Id}", Resource = patient });
        return bundle;
    }

    /// <summary>Reads a dispensation report (a transaction of a DocumentReference 60593-1 and a collection of MedicationDispense), or says what is wrong with it.</summary>
    public static (ReportedDispensation? Dispensation, NcpRefusal? Error) Read(Bundle transaction)
    {
        if (transaction.Type != Bundle.BundleType.Transaction)
            return (null, Invalid("a dispensation is reported as a transaction Bundle"));
        var reference = transaction.Entry.Select(e => e.Resource).OfType<DocumentReference>().ToList();
        if (reference is not [var document] || document.Type?.Coding.Any(c => c.System == "http://loinc.org" && c.Code == DispensationClass) != true)
            return (null, Invalid($"the transaction holds one DocumentReference of type http://loinc.org|{DispensationClass}"));
        if (document.MasterIdentifier?.Value is not { Length: > 0 and <= 200 } dispensationId)
            return (null, Invalid("DocumentReference.masterIdentifier is the dispensation's id"));
        if (document.Context?.Related.FirstOrDefault()?.Identifier?.Value is not { Length: > 0 } prescriptionId)
            return (null, Invalid("DocumentReference.context.related[0].identifier names the prescription dispensed"));
        if (document.Subject?.Identifier is not { System: { Length: > 0 } system, Value: { Length: > 0 } value })
            return (null, Invalid("DocumentReference.subject.identifier names the patient"));
        var dispenses = transaction.Entry.Select(e => e.Resource).OfType<Bundle>().SelectMany(b => b.Entry.Select(e => e.Resource)).OfType<MedicationDispense>().ToList();
        if (dispenses.Count == 0)
            return (null, Invalid("the transaction holds a collection Bundle of MedicationDispense"));
        if (dispenses.Any(d => d.Status is not (MedicationDispense.MedicationDispenseStatusCodes.Completed or MedicationDispense.MedicationDispenseStatusCodes.InProgress)))
            return (null, Invalid("a reported MedicationDispense is completed or in-progress"));
        return (new ReportedDispensation(dispensationId, prescriptionId, system, value, dispenses), null);
    }

    /// <summary>The transaction-response a peer gets, the same for the first report and any repetition of it.</summary>
    public static Bundle Response(CrossBorderDispensation stored) => new()
    {
        Type = Bundle.BundleType.TransactionResponse,
        Id = PatientSummaryBuilder.DeterministicUuid("ncp-dispensation-response|" + stored.DispensationId).ToString(),
        Entry =
        [
            new Bundle.EntryComponent { Response = new Bundle.ResponseComponent { Status = "201 Created", Location = $"DocumentReference/{PatientSummaryBuilder.DeterministicUuid("ncp-dispensation|" + stored.DispensationId)}", LastModified = stored.Recorded } },
            new Bundle.EntryComponent { Response = new Bundle.ResponseComponent { Status = "201 Created", Location = $"Bundle/{PatientSummaryBuilder.DeterministicUuid("ncp-dispensation-content|" + stored.DispensationId)}", LastModified = stored.Recorded } },
        ],
    };

    private static NcpRefusal Invalid(string message) => new("NDI-NCP-012", StatusCodes.Status400BadRequest, message);
}
