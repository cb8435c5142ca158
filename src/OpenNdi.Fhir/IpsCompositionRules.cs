using Hl7.Fhir.Model;

namespace OpenNdi.Fhir;

/// <summary>Where the document's Composition, subject and authors are (entry indexes), for the rules that need them.</summary>
internal sealed record DocumentParts(int? Composition, int? Subject, IReadOnlyList<int> Authors);

/// <summary>
/// The rules for the Composition of an IPS document (IPS 1.1 Composition-uv-ips on FHIR R4 Composition): the
/// elements it must have, that what it references travels in the document, the three required sections and what
/// every section must hold.
/// </summary>
internal static class IpsCompositionRules
{
    private const string Loinc = "http://loinc.org";

    /// <summary>LOINC 60591-5 "Patient summary Document": the fixed Composition.type of IPS 1.1.</summary>
    private const string PatientSummaryType = "60591-5";

    // IPS 1.1 Composition-uv-ips: sectionMedications, sectionAllergies and sectionProblems are 1..1 and obey ips-comp-1.
    private static readonly (string Code, string Name)[] RequiredSections =
    [
        ("10160-0", "Medication Summary"),
        ("48765-2", "Allergies and Intolerances"),
        ("11450-4", "Problem List"),
    ];

    public static DocumentParts Check(Bundle bundle, BundleReferences references, DocumentIssueList issues)
    {
        // bdl-11 wants it first (reported by the bundle rules); checking the first Composition wherever it is still
        // reports everything else wrong with the document in the same answer.
        var index = bundle.Entry.FindIndex(e => e?.Resource is Composition);
        if (index < 0 || bundle.Entry[index].Resource is not Composition composition)
            return new DocumentParts(null, null, []);
        var fullUrl = bundle.Entry[index].FullUrl;
        var path = $"Bundle.entry[{index}].resource";

        CheckElements(composition, path, issues);
        var subject = CheckSubject(bundle, composition, references, fullUrl, path, issues);
        var authors = new List<int>();
        for (var i = 0; i < composition.Author.Count; i++)
        {
            if (references.IndexOf(composition.Author[i], fullUrl) is { } author)
                authors.Add(author);
            else
                issues.Error(DocumentIssueCodes.ReferenceNotInDocument, $"{path}.author[{i}]", Unresolved("author", composition.Author[i]));
        }
        CheckSections(composition, references, fullUrl, path, issues);
        return new DocumentParts(index, subject, authors);
    }

    private static void CheckElements(Composition composition, string path, DocumentIssueList issues)
    {
        // FHIR R4 Composition: status, type, date, author (1..*) and title are required; IPS 1.1 makes subject 1..1.
        void Missing(string element, string rule) =>
            issues.Error(DocumentIssueCodes.CompositionElementMissing, $"{path}.{element}", $"Composition.{element} is required ({rule}).");
        if (composition.Status is null)
            Missing("status", "FHIR R4 Composition.status 1..1");
        if (composition.Type is null)
            Missing("type", "FHIR R4 Composition.type 1..1");
        else if (!HasCoding(composition.Type, Loinc, PatientSummaryType))
            issues.Error(DocumentIssueCodes.NotAPatientSummary, $"{path}.type",
                $"Composition.type must be LOINC {PatientSummaryType} \"Patient summary Document\" (IPS 1.1 Composition-uv-ips).");
        if (string.IsNullOrEmpty(composition.Subject?.Reference))
            Missing("subject", "IPS 1.1 Composition-uv-ips subject 1..1, as a reference to the Patient entry");
        if (string.IsNullOrEmpty(composition.Date))
            Missing("date", "FHIR R4 Composition.date 1..1");
        if (composition.Author.Count == 0)
            Missing("author", "FHIR R4 Composition.author 1..*");
        if (string.IsNullOrWhiteSpace(composition.Title))
            Missing("title", "FHIR R4 Composition.title 1..1");
    }

    private static int? CheckSubject(Bundle bundle, Composition composition, BundleReferences references, string? fullUrl, string path, DocumentIssueList issues)
    {
        if (string.IsNullOrEmpty(composition.Subject?.Reference))
            return null;   // reported as a missing element
        var subject = references.IndexOf(composition.Subject, fullUrl);
        if (subject is null)
            issues.Error(DocumentIssueCodes.SubjectNotInDocument, $"{path}.subject", Unresolved("subject", composition.Subject));
        else if (bundle.Entry[subject.Value].Resource is not Patient)
            issues.Error(DocumentIssueCodes.SubjectNotInDocument, $"{path}.subject",
                $"Composition.subject '{composition.Subject.Reference}' is {FhirDocumentValidator.Describe(bundle.Entry[subject.Value].Resource)}, not a Patient (IPS 1.1 Composition-uv-ips subject: Reference(Patient (IPS))).");
        return subject;
    }

    private static void CheckSections(Composition composition, BundleReferences references, string? fullUrl, string path, DocumentIssueList issues)
    {
        foreach (var (code, name) in RequiredSections)
        {
            if (!composition.Section.Any(s => HasCoding(s?.Code, Loinc, code)))
                issues.Error(DocumentIssueCodes.RequiredSectionMissing, $"{path}.section",
                    $"The required IPS section {name} (LOINC {code}) is missing (IPS 1.1 Composition-uv-ips).");
        }
        for (var i = 0; i < composition.Section.Count; i++)
        {
            var section = composition.Section[i];
            if (section is null)
                continue;   // reported by the element validation (PVAL104)
            var at = $"{path}.section[{i}]";
            // IPS 1.1 Composition-uv-ips: section.title, section.code and section.text are 1..1.
            if (string.IsNullOrWhiteSpace(section.Title))
                issues.Error(DocumentIssueCodes.SectionElementMissing, $"{at}.title", "An IPS section has a title (IPS 1.1 Composition-uv-ips section.title 1..1).");
            if (section.Code is null)
                issues.Error(DocumentIssueCodes.SectionElementMissing, $"{at}.code", "An IPS section has a code (IPS 1.1 Composition-uv-ips section.code 1..1).");
            if (section.Text is null)
                issues.Error(DocumentIssueCodes.SectionElementMissing, $"{at}.text", "An IPS section has a narrative (IPS 1.1 Composition-uv-ips section.text 1..1).");
            // ips-comp-1 binds only the required sections: an optional one (e.g. Plan of Care) may be narrative only.
            if (RequiredSections.Any(r => HasCoding(section.Code, Loinc, r.Code)) && section.Entry.Count == 0 && section.EmptyReason is null)
                issues.Error(DocumentIssueCodes.RequiredSectionEmpty, at,
                    $"Section '{section.Title}' is required: it lists entries or says why it has none in emptyReason (ips-comp-1).");
            CheckSectionContent(section, references, fullUrl, at, issues);
        }
    }

    /// <summary>The rules every section and sub-section obeys: cmp-1, cmp-2, and section entries resolve within the document.</summary>
    private static void CheckSectionContent(Composition.SectionComponent section, BundleReferences references, string? fullUrl, string at, DocumentIssueList issues)
    {
        if (section.Text is null && section.Entry.Count == 0 && section.Section.Count == 0)
            issues.Error(DocumentIssueCodes.SectionWithoutContent, at, "A section must contain at least one of text, entries or sub-sections (cmp-1).");
        if (section.Entry.Count > 0 && section.EmptyReason is not null)
            issues.Error(DocumentIssueCodes.EmptyReasonWithEntries, $"{at}.emptyReason", "A section can only have an emptyReason if it is empty (cmp-2).");
        for (var k = 0; k < section.Entry.Count; k++)
        {
            if (references.IndexOf(section.Entry[k], fullUrl) is null)
                issues.Error(DocumentIssueCodes.ReferenceNotInDocument, $"{at}.entry[{k}]", Unresolved("section entry", section.Entry[k]));
        }
        for (var j = 0; j < section.Section.Count; j++)
        {
            if (section.Section[j] is { } child)
                CheckSectionContent(child, references, fullUrl, $"{at}.section[{j}]", issues);
        }
    }

    private static bool HasCoding(CodeableConcept? concept, string system, string code) =>
        concept?.Coding.Any(c => c?.System == system && c.Code == code) ?? false;

    private static string Unresolved(string what, ResourceReference? reference) =>
        string.IsNullOrEmpty(reference?.Reference)
            ? $"The {what} has no literal reference, so it names no entry of the document (FHIR R4 Composition: resources the Composition references are entries of the document)."
            : $"The {what} '{reference.Reference}' resolves to no entry of the document (FHIR R4 §2.36.4.1 resolving references in Bundles).";
}
