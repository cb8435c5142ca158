using Hl7.Fhir.Model;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Primitives;
using OpenNdi.ContactPoint.Documents;
using OpenNdi.ContactPoint.Domain;
using OpenNdi.ContactPoint.Identification;
using OpenNdi.ContactPoint.Ports;
using OpenNdi.ContactPoint.Prescriptions;
using OpenNdi.ContactPoint.Storage;
using OpenNdi.Core.Identifiers;
using OpenNdi.Fhir;
using Task = System.Threading.Tasks.Task;

namespace OpenNdi.ContactPoint.Edge;

/// <summary>The contact point's operations as Sweden, the country of affiliation, answers them; each route declares its audit through the host.</summary>
public enum NcpOperation
{
    /// <summary>Patient identification (eHDSI EHDSI-11, XCPD ITI-55).</summary>
    Identify,

    /// <summary>Document metadata search (EHDSI-21/-31, XCA ITI-38).</summary>
    FindDocuments,

    /// <summary>Document retrieval (EHDSI-22/-32, XCA ITI-39).</summary>
    Retrieve,

    /// <summary>Document provision: a pharmacy abroad reports the dispensation of a Swedish prescription (EHDSI-41, XDR ITI-41).</summary>
    Provide,

    /// <summary>A Swedish professional asks a visitor's home country for their summary (Sweden as the country of treatment): a national API route.</summary>
    VisitorSummary,

    /// <summary>A Swedish pharmacist asks a visitor's home country for their dispensable prescriptions: a national API route.</summary>
    VisitorPrescriptions,

    /// <summary>A Swedish pharmacist reports to a visitor's home country that one of its prescriptions was dispensed: a national API route.</summary>
    VisitorDispense,
}

/// <summary>
/// Sweden's side of the MyHealth@EU NCPeH FHIR API (ADR 0010 §1), for peers only: mutual TLS with a trusted contact
/// point and its signed assertion (<see cref="NcpPeerAuthentication"/>) before any handler runs.
/// <code>
/// GET  /ncp/fhir/Patient?identifier=urn:oid:1.2.752.129.2.1.3.1|{12 digits}&amp;birthdate=eq{yyyy-MM-dd}&amp;family={name}
/// POST /ncp/fhir/Patient/_search      (the same as a form: identifiers stay out of URLs and access logs)
/// GET  /ncp/fhir/DocumentReference?patient.identifier={system}|{number}&amp;type=http://loinc.org|60591-5
/// GET  /ncp/fhir/Bundle/{handle}      the summary, assembled at retrieval (HL7 Europe / IPS document)
/// </code>
/// </summary>
public static class NcpFhirApi
{
    public const string Base = "/ncp/fhir";
    public const string Loinc = "http://loinc.org";
    public const string PatientSummaryClass = "60591-5";

    public static IEndpointRouteBuilder MapNcpFhirApi(this IEndpointRouteBuilder app, Action<RouteHandlerBuilder, NcpOperation> declare)
    {
        declare(app.MapGet($"{Base}/Patient", (HttpContext http, PatientIdentification identification, ICrossBorderAudit audit) =>
            IdentifyAsync(http, http.Request.Query, identification, audit)).WithTags("National contact point (MyHealth@EU)").ExcludeFromDescription(), NcpOperation.Identify);
        declare(app.MapPost($"{Base}/Patient/_search", async (HttpContext http, PatientIdentification identification, ICrossBorderAudit audit) =>
        {
            if (!http.Request.HasFormContentType)
                return FhirResults.Error(StatusCodes.Status415UnsupportedMediaType, "NDI-NCP-012", OperationOutcome.IssueType.NotSupported, "POST _search takes application/x-www-form-urlencoded");
            var form = await http.Request.ReadFormAsync(http.RequestAborted);
            return await IdentifyAsync(http, form, identification, audit);
        }).WithTags("National contact point (MyHealth@EU)").ExcludeFromDescription(), NcpOperation.Identify);
        declare(app.MapGet($"{Base}/DocumentReference", FindDocumentsAsync).WithTags("National contact point (MyHealth@EU)").ExcludeFromDescription(), NcpOperation.FindDocuments);
        declare(app.MapGet($"{Base}/Bundle/{{handle}}", RetrieveAsync).WithTags("National contact point (MyHealth@EU)").ExcludeFromDescription(), NcpOperation.Retrieve);
        declare(app.MapPost(Base, ProvideAsync).WithTags("National contact point (MyHealth@EU)").ExcludeFromDescription(), NcpOperation.Provide);
        declare(app.MapPost(VisitorApi.SummaryRoute, VisitorApi.SummaryAsync).WithTags("National contact point (MyHealth@EU)").ExcludeFromDescription(), NcpOperation.VisitorSummary);
        declare(app.MapPost(VisitorApi.PrescriptionsRoute, VisitorApi.PrescriptionsAsync).WithTags("National contact point (MyHealth@EU)").ExcludeFromDescription(), NcpOperation.VisitorPrescriptions);
        declare(app.MapPost(VisitorApi.DispenseRoute, VisitorApi.DispenseAsync).WithTags("National contact point (MyHealth@EU)").ExcludeFromDescription(), NcpOperation.VisitorDispense);
        return app;
    }

    private static async Task<IResult> IdentifyAsync(HttpContext http, IEnumerable<KeyValuePair<string, StringValues>> parameters, PatientIdentification identification, ICrossBorderAudit audit)
    {
        var caller = NcpCaller.Of(http);
        var (traits, error) = IdentificationTraits.Read(parameters);
        if (traits is null)
            return Refuse(http, audit, error!);
        var (numbers, maskError) = IdentificationMask.Check(traits);
        if (maskError is not null)
            return Refuse(http, audit, maskError);
        // The assertion vouches for a treatment relationship with one patient: a search for another is refused
        // before the register is asked, and says nothing of either.
        if (!traits.Identifiers.Any(i => $"{i.System}|{i.Value}" == caller.TreatedPatient))
            return Refuse(http, audit, new NcpRefusal("NDI-NCP-002", StatusCodes.Status401Unauthorized,
                "the assertion's treatment relationship (person_id) names another patient than this search"));

        var outcome = await identification.IdentifyAsync(http, numbers, traits);
        var searchset = new Bundle { Type = Bundle.BundleType.Searchset, Id = Guid.NewGuid().ToString(), Total = 0 };
        switch (outcome)
        {
            case IdentificationOutcome.Identified(var person):
                audit.Patient(http, person.Id.Value);
                audit.Entity(http, "ncp-identified", person.Id.IdentifierSystem + "|" + person.Id.Value, $"for {caller.Peer.Country} ({caller.Peer.Id})");
                searchset.Total = 1;
                searchset.Entry.Add(new Bundle.EntryComponent
                {
                    FullUrl = $"urn:uuid:{PatientSummaryBuilder.DeterministicUuid("ncp-patient|" + person.Id.Value)}",
                    Resource = MinimalPatient(person),
                    Search = new Bundle.SearchComponent { Mode = Bundle.SearchEntryMode.Match },
                });
                break;
            case IdentificationOutcome.NotFound(var reason, var patient):
                if (patient is not null)
                    audit.Patient(http, patient);
                audit.Refused(http, $"not identified: {reason}");
                searchset.Entry.Add(OutcomeEntry(OperationOutcome.IssueSeverity.Information, "NDI-NCP-010", OperationOutcome.IssueType.NotFound,
                    "No patient matches the identifier and demographics sent."));
                break;
            case IdentificationOutcome.Ambiguous(var candidates):
                audit.Refused(http, $"ambiguous: the identifiers name {candidates.Count} persons ({string.Join(", ", candidates.Select(c => c.Value))})");
                foreach (var candidate in candidates)
                    audit.Entity(http, "ncp-candidate", candidate.Value, null);
                searchset.Entry.Add(OutcomeEntry(OperationOutcome.IssueSeverity.Warning, "NDI-NCP-011", OperationOutcome.IssueType.MultipleMatches,
                    "The identifiers sent name more than one person; send one identity number with the demographics."));
                break;
        }
        return NoStore(http, FhirResults.Resource(searchset));
    }

    private static async Task<IResult> FindDocumentsAsync(HttpContext http, INationalRecords records, PatientIdentification identification, DocumentHandles handles,
        DispensationStore dispensations, ICrossBorderAudit audit, TimeProvider time)
    {
        var caller = NcpCaller.Of(http);
        var query = http.Request.Query;
        if (query.Keys.FirstOrDefault(k => k is not ("patient.identifier" or "type" or "_format")) is { } unknown)
            return Refuse(http, audit, new NcpRefusal("NDI-NCP-012", StatusCodes.Status400BadRequest, $"parameter '{unknown}' is not supported here (patient.identifier, type)"));
        if (query["patient.identifier"] is not [{ } patientParameter] || patientParameter.Split('|') is not [var system, var value]
            || !IdentificationMask.IdentifierSystems.Contains(system) || !PersonalIdentityNumber.TryParse(value, out var patient, out _) || patient.IdentifierSystem != system)
            return Refuse(http, audit, new NcpRefusal("NDI-NCP-012", StatusCodes.Status400BadRequest, "patient.identifier must be one Swedish identity number (system|twelve digits), as identification returned it"));
        var documentClass = query["type"] is [{ } type] && type.StartsWith(Loinc + "|", StringComparison.Ordinal) ? type[(Loinc.Length + 1)..] : null;
        if (documentClass is not (PatientSummaryClass or CrossBorderPrescriptions.PrescriptionClass))
            return Refuse(http, audit, new NcpRefusal("NDI-NCP-012", StatusCodes.Status400BadRequest, $"type must be {Loinc}|{PatientSummaryClass} (patient summary) or {Loinc}|{CrossBorderPrescriptions.PrescriptionClass} (ePrescription)"));
        audit.Patient(http, patient.Value);
        if (caller.TreatedPatient != patientParameter)
            return Refuse(http, audit, new NcpRefusal("NDI-NCP-002", StatusCodes.Status401Unauthorized, "the assertion's treatment relationship (person_id) names another patient than this search"));

        var searchset = new Bundle { Type = Bundle.BundleType.Searchset, Id = Guid.NewGuid().ToString(), Total = 0 };
        // Nothing for a patient the peer could not have identified: the same empty answer as for an unknown number.
        var hidden = await records.FindPersonAsync(patient, http.RequestAborted) is null ? "no person registered" : await identification.HiddenAsync(http, patient);
        if (hidden is not null)
        {
            audit.Refused(http, $"no documents listed: the patient is not identifiable across borders ({hidden})");
            return NoStore(http, FhirResults.Resource(searchset));
        }
        var request = http.Request;
        string Url(string handle) => $"{request.Scheme}://{request.Host}{request.PathBase}{Base}/Bundle/{handle}";
        if (documentClass == PatientSummaryClass)
        {
            var handle = handles.Seal(patient.Value, PatientSummaryClass, null, caller.Peer.Id, caller.AssertionId);
            searchset.Entry.Add(DocumentEntry(new Identifier("urn:ietf:rfc:3986", $"urn:uuid:{Guid.NewGuid()}"), PatientSummaryClass, "Patient summary Document",
                system, patient.Value, time.GetUtcNow(), "Patient summary, assembled from every Swedish care provider when retrieved", Url(handle)));
            audit.Entity(http, "ncp-document", $"{Loinc}|{PatientSummaryClass}", $"listed for {caller.Peer.Country}, valid {DocumentHandles.Lifetime.TotalMinutes:0} minutes");
        }
        else
        {
            var prescriptions = await records.PrescriptionsAsync(http, patient);
            if (prescriptions.Refusal is { } refused)
                return refused;
            var dispensable = CrossBorderPrescriptions.Dispensable(prescriptions.Items, await dispensations.ForPatientAsync(patient.Value, http.RequestAborted), time.GetUtcNow());
            foreach (var prescription in dispensable)
            {
                var handle = handles.Seal(patient.Value, CrossBorderPrescriptions.PrescriptionClass, prescription.Id, caller.Peer.Id, caller.AssertionId);
                searchset.Entry.Add(DocumentEntry(new Identifier("urn:ietf:rfc:3986", prescription.Id), CrossBorderPrescriptions.PrescriptionClass, "Prescription for medication",
                    system, patient.Value, prescription.Request.AuthoredOnElement?.ToDateTimeOffset(TimeSpan.Zero) ?? time.GetUtcNow(),
                    $"ePrescription: {(prescription.Request.Medication as CodeableConcept)?.Text ?? (prescription.Request.Medication as CodeableConcept)?.Coding.FirstOrDefault()?.Display ?? "medication"}", Url(handle)));
                audit.Entity(http, "ncp-prescription", prescription.Id, $"listed as dispensable for {caller.Peer.Country}");
            }
        }
        searchset.Total = searchset.Entry.Count;
        return NoStore(http, FhirResults.Resource(searchset));
    }

    private static Bundle.EntryComponent DocumentEntry(Identifier master, string documentClass, string display, string system, string patient, DateTimeOffset date, string description, string url) => new()
    {
        FullUrl = $"urn:uuid:{Guid.NewGuid()}",
        Resource = new DocumentReference
        {
            MasterIdentifier = master,
            Status = DocumentReferenceStatus.Current,
            Type = new CodeableConcept(Loinc, documentClass, display),
            Subject = new ResourceReference { Identifier = new Identifier(system, patient) },
            Date = date,
            Description = description,
            Content = [new DocumentReference.ContentComponent { Attachment = new Attachment { ContentType = "application/fhir+json", Language = "sv-SE", Url = url } }],
        },
        Search = new Bundle.SearchComponent { Mode = Bundle.SearchEntryMode.Match },
    };

    private static async Task<IResult> RetrieveAsync(HttpContext http, string handle, INationalRecords records, DocumentHandles handles, ICrossBorderAudit audit, CrossBorderSummary summaries,
        DispensationStore dispensations, TimeProvider time)
    {
        var caller = NcpCaller.Of(http);
        var (status, opened) = handles.Open(handle);
        if (status == HandleStatus.Unknown || opened is null || opened.Peer != caller.Peer.Id)
            return Refuse(http, audit, new NcpRefusal("NDI-NCP-013", StatusCodes.Status404NotFound, "no such document", $"handle unknown or of another peer ({opened?.Peer ?? "not ours"})"));
        audit.Patient(http, opened.Patient);
        if (status == HandleStatus.Expired)
            return Refuse(http, audit, new NcpRefusal("NDI-NCP-013", StatusCodes.Status410Gone, "the document's handle has expired: search again", $"expired at {opened.ExpiresAt:O}"));
        var patient = PersonalIdentityNumber.Parse(opened.Patient);
        if (caller.TreatedPatient != $"{patient.IdentifierSystem}|{patient.Value}")
            return Refuse(http, audit, new NcpRefusal("NDI-NCP-002", StatusCodes.Status401Unauthorized, "the assertion's treatment relationship (person_id) names another patient than this document"));

        if (opened.DocumentClass == CrossBorderPrescriptions.PrescriptionClass)
        {
            var prescriptions = await records.PrescriptionsAsync(http, patient);
            if (prescriptions.Refusal is { } refused)
                return refused;
            var dispensable = CrossBorderPrescriptions.Dispensable(prescriptions.Items, await dispensations.ForPatientAsync(patient.Value, http.RequestAborted), time.GetUtcNow());
            if (dispensable.FirstOrDefault(p => p.Id == opened.Prescription) is not { } prescription || await records.FindPersonAsync(patient, http.RequestAborted) is not { } person)
                return Refuse(http, audit, new NcpRefusal("NDI-NCP-021", StatusCodes.Status410Gone, "the prescription is no longer dispensable", $"prescription {opened.Prescription} not among the dispensable ones"));
            audit.Entity(http, "ncp-prescription", prescription.Id, $"retrieved by {caller.Peer.Country}");
            return NoStore(http, FhirResults.Resource(CrossBorderPrescriptions.Collection(prescription, MinimalPatient(person))));
        }
        var national = await records.SummaryAsync(http, patient);
        if (national.Document is not { } document)
            return national.Refusal!;
        var (converted, report) = summaries.ForPeer(document, caller.Peer, RequestedLanguage(http, caller.Peer));
        audit.Entity(http, "ncp-code-mapping", null, CrossBorderSummary.Describe(report, caller.Peer));
        return NoStore(http, FhirResults.Resource(converted));
    }

    /// <summary>
    /// A pharmacy abroad reports that it dispensed a Swedish prescription: recorded once per prescription (the same
    /// report again answers as the first time and changes nothing; another dispensation of it is refused, NDI-NCP-020;
    /// a prescription not dispensable now is refused, NDI-NCP-021).
    /// </summary>
    private static async Task<IResult> ProvideAsync(HttpContext http, INationalRecords records, DispensationStore dispensations, ICrossBorderAudit audit, TimeProvider time)
    {
        var caller = NcpCaller.Of(http);
        using var reader = new StreamReader(http.Request.Body);
        if (FhirJson.TryParse(await reader.ReadToEndAsync(http.RequestAborted), out var unreadable) is not Bundle transaction)
            return Refuse(http, audit, new NcpRefusal("NDI-NCP-012", StatusCodes.Status400BadRequest, $"the body must be a FHIR transaction Bundle{(unreadable is null ? "" : $": {unreadable}")}"));
        var (reported, error) = CrossBorderPrescriptions.Read(transaction);
        if (reported is null)
            return Refuse(http, audit, error!);
        if (!IdentificationMask.IdentifierSystems.Contains(reported.PatientSystem) || !PersonalIdentityNumber.TryParse(reported.PatientValue, out var patient, out _))
            return Refuse(http, audit, new NcpRefusal("NDI-NCP-012", StatusCodes.Status400BadRequest, "the dispensation's subject must be a Swedish identity number"));
        audit.Patient(http, patient.Value);
        if (caller.TreatedPatient != $"{reported.PatientSystem}|{reported.PatientValue}")
            return Refuse(http, audit, new NcpRefusal("NDI-NCP-002", StatusCodes.Status401Unauthorized, "the assertion's treatment relationship (person_id) names another patient than this dispensation"));
        var reportedEntity = (Kind: "ncp-dispensation", Reference: reported.DispensationId, Detail: $"of prescription {reported.PrescriptionId}, reported by {caller.Peer.Country}");

        var earlier = (await dispensations.ForPatientAsync(patient.Value, http.RequestAborted)).FirstOrDefault(d => d.PrescriptionId == reported.PrescriptionId);
        if (earlier is not null)
        {
            audit.Entity(http, reportedEntity.Kind, reportedEntity.Reference, reportedEntity.Detail);
            return Answer(http, audit, earlier, earlier.DispensationId == reported.DispensationId ? DispensationRecording.AlreadyRecorded : DispensationRecording.PrescriptionAlreadyDispensed);
        }
        var prescriptions = await records.PrescriptionsAsync(http, patient);
        if (prescriptions.Refusal is { } refused)
            return refused;
        // Named after the access service's description of its reads, which the record is completed with.
        audit.Entity(http, reportedEntity.Kind, reportedEntity.Reference, reportedEntity.Detail);
        if (CrossBorderPrescriptions.Dispensable(prescriptions.Items, [], time.GetUtcNow()).FirstOrDefault(p => p.Id == reported.PrescriptionId) is not { } prescription)
            return Refuse(http, audit, new NcpRefusal("NDI-NCP-021", StatusCodes.Status409Conflict, "the prescription is not dispensable (unknown, ended, or not this patient's)"));
        var content = new Bundle { Type = Bundle.BundleType.Collection, Entry = [.. reported.Dispenses.Select(d => new Bundle.EntryComponent { Resource = d })] };
        var (outcome, stored) = await dispensations.RecordAsync(new CrossBorderDispensation(prescription.Id, reported.DispensationId, patient.Value, caller.Peer.Id, caller.Peer.Country,
            prescription.Provider, prescription.CareUnit, prescription.SourceUrl, time.GetUtcNow(), FhirJson.Serialize(content)), http.RequestAborted);
        return Answer(http, audit, stored, outcome);
    }

    private static IResult Answer(HttpContext http, ICrossBorderAudit audit, CrossBorderDispensation stored, DispensationRecording outcome) => outcome switch
    {
        DispensationRecording.Recorded or DispensationRecording.AlreadyRecorded =>
            NoStore(http, FhirResults.Resource(CrossBorderPrescriptions.Response(stored))),
        DispensationRecording.PrescriptionAlreadyDispensed => Refuse(http, audit, new NcpRefusal("NDI-NCP-020", StatusCodes.Status409Conflict,
            "the prescription has already been dispensed across borders", $"dispensed before as {stored.DispensationId} through {stored.Peer} at {stored.Recorded:O}")),
        _ => Refuse(http, audit, new NcpRefusal("NDI-NCP-012", StatusCodes.Status400BadRequest, "the dispensation's id is already used for another prescription")),
    };

    /// <summary>The language displays are wanted in: the request's first <c>Accept-Language</c>, else the peer's own.</summary>
    private static string RequestedLanguage(HttpContext http, Peer peer) =>
        http.Request.GetTypedHeaders().AcceptLanguage.OrderByDescending(l => l.Quality ?? 1).Select(l => l.Value.Value).FirstOrDefault(v => v is { Length: > 0 } && v != "*") ?? peer.Language;

    private static Patient MinimalPatient(OpenNdi.Core.Population.Person person) => new()
    {
        Id = PatientSummaryBuilder.DeterministicUuid("ncp-patient|" + person.Id.Value).ToString(),
        Identifier = [new Identifier(person.Id.IdentifierSystem, person.Id.Value)],
        Active = true,
        Name = [new HumanName { Family = person.FamilyName, Given = [person.GivenName] }],
        Gender = person.Sex == Sex.Female ? AdministrativeGender.Female : AdministrativeGender.Male,
        BirthDate = person.BirthDate.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
    };

    private static Bundle.EntryComponent OutcomeEntry(OperationOutcome.IssueSeverity severity, string code, OperationOutcome.IssueType type, string message) => new()
    {
        FullUrl = $"urn:uuid:{Guid.NewGuid()}",
        Resource = Outcomes.Issue(severity, code, type, message),
        Search = new Bundle.SearchComponent { Mode = Bundle.SearchEntryMode.Outcome },
    };

    internal static IResult Refuse(HttpContext http, ICrossBorderAudit audit, NcpRefusal refusal)
    {
        audit.Refused(http, $"{refusal.Code}: {refusal.AuditDetail ?? refusal.Message}");
        var type = refusal.Status switch
        {
            401 => OperationOutcome.IssueType.Login,
            403 => OperationOutcome.IssueType.Forbidden,
            409 => OperationOutcome.IssueType.Conflict,
            404 or 410 => OperationOutcome.IssueType.NotFound,
            _ => OperationOutcome.IssueType.Invalid,
        };
        if (refusal.Status == StatusCodes.Status401Unauthorized)
            http.Response.Headers.WWWAuthenticate = "Bearer error=\"invalid_token\"";
        return NoStore(http, FhirResults.Error(refusal.Status, refusal.Code, type, refusal.Message));
    }

    internal static IResult NoStore(HttpContext http, IResult result)
    {
        http.Response.Headers.CacheControl = "no-store";
        return result;
    }
}
