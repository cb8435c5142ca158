using Hl7.Fhir.Model;
using OpenNdi.ContactPoint.Terminology;

namespace OpenNdi.ContactPoint.Domain;

/// <summary>
/// A national IPS document made ready for a professional abroad (ADR 0010 §1, §7): the same document the access
/// service for professionals assembles and checks, its original language stated (Swedish), and every coding mapped
/// against the eHDSI Master Value Set Catalogue, with displays in the requested language where our tables have them
/// (the original display kept) and codes outside the catalogue kept as they are and flagged.
/// </summary>
public sealed class CrossBorderSummary(DocumentCodeMapper mapper)
{
    public const string OriginalLanguage = "sv-SE";

    /// <summary>The document for <paramref name="peer"/>, in place, and what the mapping did (for the audit record).</summary>
    public (Bundle Document, CodeMappingReport Report) ForPeer(Bundle national, Peer peer, string language)
    {
        national.Language = OriginalLanguage;
        if (national.Entry.FirstOrDefault()?.Resource is Composition composition)
            composition.Language = OriginalLanguage;
        var report = mapper.Map(national, language);
        return (national, report);
    }

    /// <summary>One line for the audit: the counts, and each unmapped code by place.</summary>
    public static string Describe(CodeMappingReport report, Peer peer)
    {
        var unmapped = report.Unmapped.Count == 0 ? "" : "; unmapped: " + string.Join(", ", report.Unmapped.Take(50).Select(u => $"{u.Path} {u.System}|{u.Code}"))
            + (report.Unmapped.Count > 50 ? $" and {report.Unmapped.Count - 50} more" : "");
        return $"for {peer.Country} in {report.Language}: {report.Walked} codings, {report.Mapped} in the eHDSI MVC, {report.Translated} translated, {report.FhirDefined} FHIR-defined, {report.Unmapped.Count} unmapped (kept, flagged){unmapped}";
    }
}
