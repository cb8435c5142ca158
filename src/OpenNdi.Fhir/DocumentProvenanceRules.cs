using Hl7.Fhir.Model;

namespace OpenNdi.Fhir;

/// <summary>
/// <see cref="FhirDocumentValidatorOptions.RequireProvenance"/>: in a summary merged from several providers each
/// resource is the target of a Provenance (FHIR R4 Provenance.target, resolved like any reference in the Bundle,
/// §2.36.4.1) naming the source it came from. Exempt are the document's own parts: the Composition, its subject,
/// its Organization, Practitioner or Device authors, and the Provenance and OperationOutcome resources.
/// </summary>
internal static class DocumentProvenanceRules
{
    public static void Check(Bundle bundle, BundleReferences references, DocumentParts parts, DocumentIssueList issues)
    {
        var exempt = new HashSet<int>(parts.Authors.Where(a => bundle.Entry[a].Resource is Organization or Practitioner or Device));
        if (parts.Composition is { } composition)
            exempt.Add(composition);
        if (parts.Subject is { } subject)
            exempt.Add(subject);

        var targeted = new HashSet<int>();
        for (var i = 0; i < bundle.Entry.Count; i++)
        {
            if (bundle.Entry[i]?.Resource is not Provenance provenance)
                continue;
            for (var k = 0; k < provenance.Target.Count; k++)
            {
                if (references.IndexOf(provenance.Target[k], bundle.Entry[i].FullUrl) is { } target)
                    targeted.Add(target);
                else
                    issues.Warning(DocumentIssueCodes.ProvenanceTargetNotInDocument, $"Bundle.entry[{i}].resource.target[{k}]",
                        $"Provenance.target '{provenance.Target[k]?.Reference}' names no entry of the document, so it vouches for nothing in it.");
            }
        }

        for (var i = 0; i < bundle.Entry.Count; i++)
        {
            var resource = bundle.Entry[i]?.Resource;
            if (resource is null or Provenance or OperationOutcome || exempt.Contains(i) || targeted.Contains(i))
                continue;
            issues.Error(DocumentIssueCodes.ProvenanceMissing, $"Bundle.entry[{i}]",
                $"{resource.TypeName}/{resource.Id} ({bundle.Entry[i].FullUrl}) is the target of no Provenance in the document; a merged summary says where each resource came from.");
        }
    }
}
