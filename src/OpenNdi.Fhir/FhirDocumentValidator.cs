using Hl7.Fhir.Model;
using Hl7.Fhir.Utility;
using Hl7.Fhir.Validation;

namespace OpenNdi.Fhir;

public sealed class FhirDocumentValidatorOptions
{
    /// <summary>
    /// When true, every entry except the Composition, its subject Patient, Provenance and OperationOutcome resources
    /// and the Composition's Organization, Practitioner or Device authors must be the target of at least one
    /// Provenance in the document: a summary merged from several providers says, per resource, where it came from.
    /// </summary>
    public bool RequireProvenance { get; init; }

    /// <summary>
    /// Which entries get the SDK's element-level validation (default: all). A caller that validated some resources
    /// already (e.g. items fetched from providers, checked one by one as they arrived) names the rest, so the
    /// document's own parts are checked without checking everything twice.
    /// </summary>
    public Func<Bundle.EntryComponent, bool>? ValidateElementsOf { get; init; }
}

/// <summary>
/// Validates FHIR R4 document Bundles that are International Patient Summaries (IPS 1.1, hl7.fhir.uv.ips; the base
/// of the EU patient summary) and reports every problem found, not only the first: the document rules of the
/// Bundle, the IPS Composition and its sections, that what the Composition references travels in the document,
/// optionally Provenance for each resource, and the Firely SDK's element-level validation of every resource.
/// Profiles are not validated here (that is <see cref="Validation.IpsProfileValidator"/>'s job, which needs the IPS
/// package on disk and seconds to compile) and meta.profile is not required; the rules taken from the IPS profiles
/// are named where they are checked.
/// </summary>
public sealed class FhirDocumentValidator(FhirDocumentValidatorOptions? options = null)
{
    private readonly FhirDocumentValidatorOptions _options = options ?? new();

    public DocumentValidationResult Validate(Bundle bundle)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        var issues = new DocumentIssueList();
        var references = new BundleReferences(bundle);

        CheckBundle(bundle, issues);
        var parts = IpsCompositionRules.Check(bundle, references, issues);
        if (_options.RequireProvenance)
            DocumentProvenanceRules.Check(bundle, references, parts, issues);
        CheckElements(bundle, issues, _options.ValidateElementsOf);
        return new DocumentValidationResult(issues.ToList());
    }

    /// <summary>The Bundle's own document rules (FHIR R4 Bundle invariants and §3.3.1 Documents).</summary>
    private static void CheckBundle(Bundle bundle, DocumentIssueList issues)
    {
        if (bundle.Type != Bundle.BundleType.Document)
            issues.Error(DocumentIssueCodes.NotADocument, "Bundle.type", $"Bundle.type is '{(bundle.Type is { } type ? type.GetLiteral() : "absent")}', not 'document' (FHIR R4 §3.3.1).");
        if (string.IsNullOrEmpty(bundle.Identifier?.System) || string.IsNullOrEmpty(bundle.Identifier?.Value))
            issues.Error(DocumentIssueCodes.IdentifierMissing, "Bundle.identifier", "A document must have an identifier with a system and a value (bdl-9).");
        if (bundle.TimestampElement?.Value is null)
            issues.Error(DocumentIssueCodes.TimestampMissing, "Bundle.timestamp", "A document must have a date: Bundle.timestamp (bdl-10).");

        if (bundle.Entry.Count == 0 || bundle.Entry[0]?.Resource is not Composition)
        {
            var first = bundle.Entry.Count == 0 ? "the bundle has no entries" : $"the first entry is {Describe(bundle.Entry[0]?.Resource)}";
            issues.Error(DocumentIssueCodes.CompositionNotFirst, bundle.Entry.Count == 0 ? "Bundle.entry" : "Bundle.entry[0]",
                $"A document must have a Composition as the first resource (bdl-11); {first}.");
        }

        // bdl-7: the same fullUrl twice is allowed only for different versions of a resource.
        var seen = new Dictionary<(string FullUrl, string? Version), int>();
        for (var i = 0; i < bundle.Entry.Count; i++)
        {
            var entry = bundle.Entry[i];
            if (entry is null)
                continue;   // reported by the element validation (PVAL104)
            if (string.IsNullOrEmpty(entry.FullUrl))
                issues.Error(DocumentIssueCodes.FullUrlMissing, $"Bundle.entry[{i}].fullUrl", "Every entry of a document has a fullUrl (IPS Bundle-uv-ips entry.fullUrl 1..1); without one nothing can reference it.");
            else if (!seen.TryAdd((entry.FullUrl, entry.Resource?.Meta?.VersionId), i))
                issues.Error(DocumentIssueCodes.FullUrlDuplicate, $"Bundle.entry[{i}].fullUrl", $"fullUrl '{entry.FullUrl}' is also the fullUrl of Bundle.entry[{seen[(entry.FullUrl, entry.Resource?.Meta?.VersionId)]}] (bdl-7).");
            if (entry.Resource is null)
                issues.Error(DocumentIssueCodes.ResourceMissing, $"Bundle.entry[{i}].resource", "Every entry of a document carries a resource (bdl-5; IPS Bundle-uv-ips entry.resource 1..1).");
        }
    }

    /// <summary>
    /// The Firely SDK's element-level validation of the whole Bundle, recursively (cardinality, required elements,
    /// primitive formats, narrative XHTML). A problem this validator already reported at the same location (e.g. a
    /// missing Composition.title) is not reported twice.
    /// </summary>
    private static void CheckElements(Bundle bundle, DocumentIssueList issues, Func<Bundle.EntryComponent, bool>? which)
    {
        var reported = issues.Locations();
        var problems = which is null
            ? bundle.Validate(NarrativeValidationKind.FhirXhtml).Select(p => (p, p.InstancePath))
            : bundle.Entry.Select((entry, i) => (entry, i)).Where(x => x.entry?.Resource is not null && which(x.entry))
                .SelectMany(x => x.entry.Resource!.Validate(NarrativeValidationKind.FhirXhtml).Select(p => (p, (string?)$"Bundle.entry[{x.i}].resource{Suffix(p.InstancePath)}")));
        foreach (var (problem, path) in problems)
        {
            var location = string.IsNullOrEmpty(path) ? "Bundle" : path;
            if (reported.Contains(location))
                continue;
            var severity = problem.IssueSeverity is OperationOutcome.IssueSeverity.Warning or OperationOutcome.IssueSeverity.Information
                ? DocumentIssueSeverity.Warning
                : DocumentIssueSeverity.Error;
            issues.Add(new DocumentIssue(severity, DocumentIssueCodes.ElementInvalid, location, $"{problem.ErrorCode}: {problem.BaseErrorMessage}"));
        }
    }

    /// <summary>The part of a resource-relative path after the resource's own name ("Condition.subject" → ".subject").</summary>
    private static string Suffix(string? path) => path is null || path.IndexOf('.') is var dot && dot < 0 ? "" : path[dot..];

    internal static string Describe(Resource? resource) =>
        resource is null ? "empty" : $"a {resource.TypeName}" + (resource.Id is null ? "" : $" ({resource.TypeName}/{resource.Id})");
}

/// <summary>The issues found so far, in the order they were found.</summary>
internal sealed class DocumentIssueList
{
    private readonly List<DocumentIssue> _issues = [];

    public void Add(DocumentIssue issue) => _issues.Add(issue);

    public void Error(string code, string location, string message) => Add(new DocumentIssue(DocumentIssueSeverity.Error, code, location, message));

    public void Warning(string code, string location, string message) => Add(new DocumentIssue(DocumentIssueSeverity.Warning, code, location, message));

    public HashSet<string> Locations() => _issues.Select(i => i.Location).ToHashSet(StringComparer.Ordinal);

    public List<DocumentIssue> ToList() => [.. _issues];
}
