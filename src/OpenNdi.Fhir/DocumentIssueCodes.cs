using Hl7.Fhir.Model;

namespace OpenNdi.Fhir;

/// <summary>
/// The stable codes of <see cref="FhirDocumentValidator"/>'s issues (listed in docs/errors.md; never reused for
/// another meaning). Each names the rule it checks.
/// </summary>
public static class DocumentIssueCodes
{
    /// <summary>Bundle.type is not <c>document</c> (FHIR R4 §3.3.1).</summary>
    public const string NotADocument = "NDI-DOC-001";

    /// <summary>bdl-9: a document must have an identifier with a system and a value.</summary>
    public const string IdentifierMissing = "NDI-DOC-002";

    /// <summary>bdl-10: a document must have a date (Bundle.timestamp).</summary>
    public const string TimestampMissing = "NDI-DOC-003";

    /// <summary>bdl-7: fullUrl must be unique in a bundle (unless the entries have different meta.versionId).</summary>
    public const string FullUrlDuplicate = "NDI-DOC-004";

    /// <summary>An entry without fullUrl (IPS Bundle-uv-ips: entry.fullUrl 1..1); nothing can reference it.</summary>
    public const string FullUrlMissing = "NDI-DOC-005";

    /// <summary>An entry without resource (bdl-5; IPS Bundle-uv-ips: entry.resource 1..1).</summary>
    public const string ResourceMissing = "NDI-DOC-006";

    /// <summary>bdl-11: a document must have a Composition as the first resource.</summary>
    public const string CompositionNotFirst = "NDI-DOC-007";

    /// <summary>A Composition element the document needs is absent (status, type, subject, date, author, title).</summary>
    public const string CompositionElementMissing = "NDI-DOC-010";

    /// <summary>Composition.type is not LOINC 60591-5 "Patient summary Document" (IPS 1.1 Composition-uv-ips).</summary>
    public const string NotAPatientSummary = "NDI-DOC-011";

    /// <summary>Composition.subject does not resolve to a Patient entry of the document.</summary>
    public const string SubjectNotInDocument = "NDI-DOC-012";

    /// <summary>An author or section entry reference does not resolve to an entry (FHIR R4 Composition: referenced resources travel in the document).</summary>
    public const string ReferenceNotInDocument = "NDI-DOC-013";

    /// <summary>One of the IPS required sections (medication 10160-0, allergies 48765-2, problems 11450-4) is absent.</summary>
    public const string RequiredSectionMissing = "NDI-DOC-020";

    /// <summary>A section lacks title, code or text (IPS 1.1 Composition-uv-ips: section.title, code and text 1..1).</summary>
    public const string SectionElementMissing = "NDI-DOC-021";

    /// <summary>ips-comp-1: a required section has neither entries nor an emptyReason.</summary>
    public const string RequiredSectionEmpty = "NDI-DOC-022";

    /// <summary>cmp-2: a section can only have an emptyReason if it is empty.</summary>
    public const string EmptyReasonWithEntries = "NDI-DOC-023";

    /// <summary>cmp-1: a (sub-)section must contain at least one of text, entries or sub-sections.</summary>
    public const string SectionWithoutContent = "NDI-DOC-024";

    /// <summary>An element-level error found by the Firely SDK's POCO validation (cardinality, primitive formats, narrative XHTML); the message starts with the SDK's own code.</summary>
    public const string ElementInvalid = "NDI-DOC-030";

    /// <summary>With <see cref="FhirDocumentValidatorOptions.RequireProvenance"/>: an entry that no Provenance of the document targets.</summary>
    public const string ProvenanceMissing = "NDI-DOC-040";

    /// <summary>With <see cref="FhirDocumentValidatorOptions.RequireProvenance"/>: a Provenance.target that names no entry (warning).</summary>
    public const string ProvenanceTargetNotInDocument = "NDI-DOC-041";

    /// <summary>The OperationOutcome issue type for a code.</summary>
    public static OperationOutcome.IssueType IssueType(string code) => code switch
    {
        IdentifierMissing or TimestampMissing or FullUrlMissing or ResourceMissing or CompositionElementMissing
            or RequiredSectionMissing or SectionElementMissing or RequiredSectionEmpty or ProvenanceMissing => OperationOutcome.IssueType.Required,
        FullUrlDuplicate => OperationOutcome.IssueType.Duplicate,
        NotADocument or CompositionNotFirst or SectionWithoutContent or EmptyReasonWithEntries => OperationOutcome.IssueType.Invariant,
        NotAPatientSummary => OperationOutcome.IssueType.Value,
        SubjectNotInDocument or ReferenceNotInDocument or ProvenanceTargetNotInDocument => OperationOutcome.IssueType.NotFound,
        ElementInvalid => OperationOutcome.IssueType.Structure,
        _ => OperationOutcome.IssueType.Invalid,
    };
}
