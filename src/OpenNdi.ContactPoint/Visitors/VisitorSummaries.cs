using Hl7.Fhir.Model;
using OpenNdi.ContactPoint.Domain;
using OpenNdi.ContactPoint.Identification;
using OpenNdi.ContactPoint.Terminology;
using OpenNdi.ContactPoint.Transport;
using OpenNdi.ContactPoint.Trust;

namespace OpenNdi.ContactPoint.Visitors;

/// <summary>A Swedish professional asking abroad, as Sweden's assertion names them (ADR 0010 §5).</summary>
public sealed record SwedishProfessional(string Id, string Name, string RoleCode, string RoleDisplay, string Organization, string? OrganizationId, CrossBorderPurpose Purpose);

/// <summary>Sweden's own credentials towards peers: its trust-list id, its TLS certificate and its assertion-signing certificate (with keys).</summary>
public sealed record SwedishContactPoint(string Id, System.Security.Cryptography.X509Certificates.X509Certificate2 Tls, System.Security.Cryptography.X509Certificates.X509Certificate2 Signing);

/// <summary>How long Sweden waits for a peer's answer to one call (<c>ContactPoint:PeerTimeoutMs</c>, default 10 s).</summary>
public sealed record PeerCallSettings(TimeSpan Timeout);

/// <summary>A visitor's summary from their home country, marked as foreign, with what the mapping found.</summary>
public sealed record VisitorSummary(Bundle Document, Peer Peer, string PatientAtPeer, string OriginalLanguage, CodeMappingReport Mapping, IReadOnlyList<string> UnexpectedSections);

/// <summary>
/// Sweden as the country of treatment (issue 17): a Swedish clinician asks for an EU visitor's patient summary from
/// the visitor's home contact point. The traits are checked against the peer's mask before anything is sent; Sweden
/// signs an assertion for the clinician, bound to the visitor; then identification, document search and retrieval
/// through the <see cref="IPeerTransport"/>. The document arrives as the home country wrote it, in its language: every
/// code it carries is kept, codes the eHDSI MVC knows get a Swedish display beside the original where our tables have
/// one, codes it does not know are flagged (NDI-NCP-040), and sections the patient summary does not define are kept and
/// named (NDI-NCP-041). The Bundle is tagged <c>urn:openndi:cross-border|foreign</c> with the peer in <c>meta.source</c>.
/// </summary>
public sealed class VisitorSummaries(IPeerTransport transport, PeerTrustList trust, SwedishContactPoint sweden, DocumentCodeMapper mapper, MasterValueSetCatalogue catalogue,
    PeerCallSettings settings, TimeProvider time)
{
    public const string ForeignTag = "foreign";

    /// <summary>The peer, the request for it and the visitor as it identified them; or why not (the mask, the peer's answer).</summary>
    private async Task<(Peer? Peer, PeerRequest? Request, string? PatientAtPeer, NcpRefusal? Refusal, string AuditDetail)> IdentifyAsync(
        SwedishProfessional asker, string country, IdentificationTraits traits, string correlationId, CancellationToken cancellationToken)
    {
        if (trust.Peers.FirstOrDefault(p => string.Equals(p.Country, country, StringComparison.OrdinalIgnoreCase)) is not { } peer)
            return Stop(Refused("NDI-NCP-032", 400, $"no contact point of '{country}' is in Sweden's trust list ({string.Join(", ", trust.Peers.Select(p => p.Country))})"));
        if (MaskProblem(peer, traits) is { } problem)
            return Stop(Refused("NDI-NCP-032", 400, problem));
        if (traits.Identifiers.FirstOrDefault(i => peer.IdentifierSystems.Count == 0 || peer.IdentifierSystems.Contains(i.System)) is not { System: not null } identifier)
            return Stop(Refused("NDI-NCP-032", 400, $"the contact point of {peer.Country} needs an identifier{(peer.IdentifierSystems.Count == 0 ? "" : $" of {string.Join(" or ", peer.IdentifierSystems)}")}: the treatment relationship is asserted for it"));
        var personId = $"{identifier.System}|{identifier.Value}";
        var request = new PeerRequest(peer, Assertion(asker, peer, personId), correlationId, "sv-SE", settings.Timeout);

        var identified = await transport.IdentifyAsync(request, traits, cancellationToken);
        if (identified.Value is not { } patient)
            return Stop(Failed(peer, "identification", identified.Failure!));
        var patientAtPeer = patient.Identifier.FirstOrDefault(i => i.System == identifier.System) is { } id ? $"{id.System}|{id.Value}" : personId;
        if (patientAtPeer != personId)
            return Stop(Refused("NDI-NCP-036", 502, $"the contact point of {peer.Country} identified another identifier than the one asked for", $"asked {personId}, got {patientAtPeer}"));
        return (peer, request, patientAtPeer, null, "");
    }

    private static (Peer?, PeerRequest?, string?, NcpRefusal?, string) Stop((VisitorSummary?, NcpRefusal?, string) refused) => (null, null, null, refused.Item2, refused.Item3);

    public async Task<(VisitorSummary? Summary, NcpRefusal? Refusal, string AuditDetail)> SummaryAsync(
        SwedishProfessional asker, string country, IdentificationTraits traits, string correlationId, CancellationToken cancellationToken)
    {
        var (peer, request, patientAtPeer, refusal, detail) = await IdentifyAsync(asker, country, traits, correlationId, cancellationToken);
        if (peer is null || request is null || patientAtPeer is null)
            return (null, refusal, detail);

        var found = await transport.FindDocumentsAsync(request, patientAtPeer, "60591-5", cancellationToken);
        if (found.Value is not { } documents)
            return Failed(peer, "document search", found.Failure!);
        if (documents.FirstOrDefault(d => d.Content.FirstOrDefault()?.Attachment?.Url is { Length: > 0 }) is not { } listed)
            return Refused("NDI-NCP-030", 404, $"the contact point of {peer.Country} lists no patient summary for this patient");

        var retrieved = await transport.RetrieveAsync(request, listed.Content[0].Attachment.Url!, cancellationToken);
        if (retrieved.Value is not { } document)
            return Failed(peer, "retrieval", retrieved.Failure!);
        if (document.Type != Bundle.BundleType.Document || document.Entry.FirstOrDefault()?.Resource is not Composition composition)
            return Refused("NDI-NCP-036", 502, $"the contact point of {peer.Country} sent something other than a summary document", $"Bundle.type {document.Type}, first entry {document.Entry.FirstOrDefault()?.Resource?.TypeName}");

        var language = document.Language ?? composition.Language ?? peer.Language;
        var mapping = mapper.Map(document, "sv-SE");
        var unexpected = composition.Section.Where(s => !IsPatientSummarySection(s))
            .Select(s => $"{s.Title ?? "(untitled)"} ({string.Join(", ", s.Code?.Coding.Select(c => $"{c.System}|{c.Code}") ?? [])})").ToList();
        Mark(document, peer, language, mapping, unexpected);
        return (new VisitorSummary(document, peer, patientAtPeer, language, mapping, unexpected), null,
            $"from {peer.Id}: {mapping.Walked} codings, {mapping.Mapped} in the eHDSI MVC, {mapping.Translated} given Swedish displays, {mapping.Unmapped.Count} unmapped (kept, flagged), {unexpected.Count} unexpected sections");
    }

    /// <summary>
    /// The visitor's dispensable prescriptions from their home country (ePrescription, Sweden as the country of
    /// treatment): one collection Bundle, each prescription as the home country wrote it, marked foreign.
    /// </summary>
    public async Task<(Bundle? Prescriptions, Peer? Peer, string? PatientAtPeer, NcpRefusal? Refusal, string AuditDetail)> PrescriptionsAsync(
        SwedishProfessional asker, string country, IdentificationTraits traits, string correlationId, CancellationToken cancellationToken)
    {
        var (peer, request, patientAtPeer, refusal, detail) = await IdentifyAsync(asker, country, traits, correlationId, cancellationToken);
        if (peer is null || request is null || patientAtPeer is null)
            return (null, null, null, refusal, detail);
        var found = await transport.FindDocumentsAsync(request, patientAtPeer, "57833-6", cancellationToken);
        if (found.Value is not { } documents)
        {
            var failed = Failed(peer, "prescription search", found.Failure!);
            return (null, peer, patientAtPeer, failed.Item2, failed.Item3);
        }
        var collection = new Bundle { Type = Bundle.BundleType.Collection, Id = Guid.NewGuid().ToString(), Meta = new Meta { Source = peer.Id } };
        collection.Meta.Tag.Add(new Coding(DocumentCodeMapper.FlagSystem, ForeignTag, $"From MyHealth@EU: {peer.Country}"));
        foreach (var document in documents.Where(d => d.Content.FirstOrDefault()?.Attachment?.Url is { Length: > 0 }))
        {
            var retrieved = await transport.RetrieveAsync(request, document.Content[0].Attachment.Url!, cancellationToken);
            if (retrieved.Value is not { } prescription)
            {
                var failed = Failed(peer, "prescription retrieval", retrieved.Failure!);
                return (null, peer, patientAtPeer, failed.Item2, failed.Item3);
            }
            mapper.Map(prescription, "sv-SE");
            foreach (var entry in prescription.Entry.Where(e => e.Resource is MedicationRequest or Medication))
                collection.Entry.Add(new Bundle.EntryComponent { FullUrl = entry.FullUrl, Resource = entry.Resource });
        }
        return (collection, peer, patientAtPeer, null, $"from {peer.Id}: {collection.Entry.Count(e => e.Resource is MedicationRequest)} dispensable prescriptions");
    }

    /// <summary>
    /// Reports to the visitor's home country that a Swedish pharmacy dispensed one of its prescriptions (eDispensation):
    /// a transaction of a DocumentReference 60593-1 naming the prescription and a collection of the MedicationDispense.
    /// The home country refuses a second dispensation (NDI-NCP-037).
    /// </summary>
    public async Task<(Bundle? Response, Peer? Peer, string? PatientAtPeer, NcpRefusal? Refusal, string AuditDetail)> DispenseAsync(
        SwedishProfessional asker, string country, IdentificationTraits traits, Identifier prescription, MedicationDispense dispense, string correlationId, CancellationToken cancellationToken)
    {
        var (peer, request, patientAtPeer, refusal, detail) = await IdentifyAsync(asker, country, traits, correlationId, cancellationToken);
        if (peer is null || request is null || patientAtPeer is null)
            return (null, null, null, refusal, detail);
        var dispensationId = $"urn:uuid:{Guid.NewGuid()}";
        var content = new Bundle { Type = Bundle.BundleType.Collection, Id = Guid.NewGuid().ToString(), Entry = [new Bundle.EntryComponent { FullUrl = $"urn:uuid:{Guid.NewGuid()}", Resource = dispense }] };
        var contentUrl = $"urn:uuid:{Guid.NewGuid()}";
        var (system, value) = patientAtPeer.Split('|') is [var s, var v] ? (s, v) : ("", patientAtPeer);
        var transaction = new Bundle
        {
            Type = Bundle.BundleType.Transaction,
            Entry =
            [
                new Bundle.EntryComponent
                {
                    FullUrl = $"urn:uuid:{Guid.NewGuid()}",
                    Resource = new DocumentReference
                    {
                        MasterIdentifier = new Identifier("urn:ietf:rfc:3986", dispensationId),
                        Status = DocumentReferenceStatus.Current,
                        Type = new CodeableConcept("http://loinc.org", "60593-1", "Medication dispensed.extended Document"),
                        Subject = new ResourceReference { Identifier = new Identifier(system, value) },
                        Date = time.GetUtcNow(),
                        Context = new DocumentReference.ContextComponent { Related = [new ResourceReference { Identifier = prescription }] },
                        Content = [new DocumentReference.ContentComponent { Attachment = new Attachment { ContentType = "application/fhir+json", Url = contentUrl } }],
                    },
                    Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.POST, Url = "DocumentReference" },
                },
                new Bundle.EntryComponent { FullUrl = contentUrl, Resource = content, Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.POST, Url = "Bundle" } },
            ],
        };
        var provided = await transport.ProvideAsync(request, transaction, cancellationToken);
        if (provided.Value is not { } response)
        {
            var failed = Failed(peer, "dispensation", provided.Failure!);
            return (null, peer, patientAtPeer, failed.Item2, failed.Item3);
        }
        return (response, peer, patientAtPeer, null, $"dispensation {dispensationId} of {prescription.System}|{prescription.Value} accepted by {peer.Id}");
    }

    /// <summary>Which traits the peer's mask needs that were not given, or that it cannot use.</summary>
    public static string? MaskProblem(Peer peer, IdentificationTraits traits)
    {
        var given = new HashSet<string>(StringComparer.Ordinal);
        if (traits.Identifiers.Any(i => peer.IdentifierSystems.Count == 0 || peer.IdentifierSystems.Contains(i.System)))
            given.Add("identifier");
        if (traits.BirthDate is not null)
            given.Add("birthdate");
        if (!string.IsNullOrWhiteSpace(traits.Family))
            given.Add("family");
        if (!string.IsNullOrWhiteSpace(traits.Given))
            given.Add("given");
        if (traits.Gender is not null)
            given.Add("gender");
        var missing = peer.Mask.Where(m => !given.Contains(m)).ToList();
        if (missing.Count == 0)
            return null;
        var systems = peer.IdentifierSystems.Count == 0 ? "" : $" (identifier: {string.Join(" or ", peer.IdentifierSystems)})";
        return $"the contact point of {peer.Country} identifies patients by {string.Join(", ", peer.Mask)}{systems}; missing: {string.Join(", ", missing)}";
    }

    private string Assertion(SwedishProfessional asker, Peer peer, string personId) => CrossBorderAssertion.Issue(new CrossBorderAssertionContent(
        sweden.Id, peer.BaseUrl!.AbsoluteUri.TrimEnd('/'), asker.Id, asker.Name, asker.RoleCode, asker.RoleDisplay, asker.Organization, asker.OrganizationId,
        asker.Purpose, "urn:oid:1.2.752.129.2.1.4.1", personId, TimeSpan.FromMinutes(15)), sweden.Signing, time);

    private bool IsPatientSummarySection(Composition.SectionComponent section) =>
        section.Code?.Coding.Any(c => catalogue.Find(c.System, c.Code)?.ValueSets.Any(v => v.Contains("Section", StringComparison.Ordinal)) == true) == true;

    private static void Mark(Bundle document, Peer peer, string language, CodeMappingReport mapping, IReadOnlyList<string> unexpected)
    {
        document.Meta ??= new Meta();
        document.Meta.Tag.Add(new Coding(DocumentCodeMapper.FlagSystem, ForeignTag, $"From MyHealth@EU: {peer.Country}"));
        document.Meta.Source = peer.Id;
        document.Language = language;
        var outcome = new OperationOutcome();
        outcome.Issue.Add(Issue(OperationOutcome.IssueSeverity.Information, "NDI-NCP-039", OperationOutcome.IssueType.Informational,
            $"Summary from the contact point of {peer.Country} (MyHealth@EU), in its original language {language}; Swedish displays are added beside the original where our tables have them.", null));
        foreach (var code in mapping.Unmapped)
            outcome.Issue.Add(Issue(OperationOutcome.IssueSeverity.Warning, "NDI-NCP-040", OperationOutcome.IssueType.CodeInvalid,
                $"{code.System}|{code.Code} ({code.Display}) is not in the eHDSI Master Value Set Catalogue: kept as sent, not translated", code.Path));
        foreach (var section in unexpected)
            outcome.Issue.Add(Issue(OperationOutcome.IssueSeverity.Warning, "NDI-NCP-041", OperationOutcome.IssueType.Informational,
                $"Section {section} is not a patient summary section: kept and shown as sent", null));
        document.Entry.Add(new Bundle.EntryComponent { FullUrl = $"urn:uuid:{Guid.NewGuid()}", Resource = outcome });
    }

    private static OperationOutcome.IssueComponent Issue(OperationOutcome.IssueSeverity severity, string code, OperationOutcome.IssueType type, string text, string? expression)
    {
        var issue = OpenNdi.Fhir.Outcomes.IssueComponent(severity, code, type, text, expression);
        return issue;
    }

    private static (VisitorSummary?, NcpRefusal?, string) Refused(string code, int status, string message, string? detail = null) =>
        (null, new NcpRefusal(code, status, message, detail), detail ?? message);

    private static (VisitorSummary?, NcpRefusal?, string) Failed(Peer peer, string step, PeerFailure failure)
    {
        var (code, status, message) = failure.Kind switch
        {
            PeerFailureKind.NotFound or PeerFailureKind.Gone => ("NDI-NCP-030", 404, $"The contact point of {peer.Country} found no patient for the traits given."),
            PeerFailureKind.Ambiguous => ("NDI-NCP-031", 409, $"The contact point of {peer.Country} found more than one patient: add traits (given name, gender)."),
            PeerFailureKind.Refused => ("NDI-NCP-033", 403, $"The contact point of {peer.Country} refused: {failure.PeerCode} {failure.Detail}".TrimEnd()),
            PeerFailureKind.Untrusted => ("NDI-NCP-034", 502, $"The contact point of {peer.Country} could not be verified; nothing was sent."),
            PeerFailureKind.Timeout => ("NDI-NCP-035", 504, $"The contact point of {peer.Country} did not answer in time."),
            PeerFailureKind.Conflict => ("NDI-NCP-037", 409, $"The contact point of {peer.Country}: {failure.PeerCode} {failure.Detail}".TrimEnd()),
            _ => ("NDI-NCP-036", 502, $"The contact point of {peer.Country} could not be used: {failure.Detail}"),
        };
        return (null, new NcpRefusal(code, status, message, $"{step} at {peer.Id}: {failure.Kind} {failure.Status} {failure.PeerCode} {failure.Detail}"), $"{step} at {peer.Id}: {failure.Kind} {failure.Status} {failure.PeerCode} {failure.Detail}");
    }
}
