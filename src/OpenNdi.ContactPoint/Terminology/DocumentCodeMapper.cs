using System.Collections;
using Hl7.Fhir.Model;

namespace OpenNdi.ContactPoint.Terminology;

/// <summary>
/// Maps the codes of a FHIR document (a patient summary, a prescription, a dispensation) against the eHDSI Master
/// Value Set Catalogue for the professional of another member state, and flags what cannot be mapped (issue 17, ADR 0010
/// §6 and §7). Every <see cref="Coding"/> in every entry's resource is visited, contained resources and the document's own
/// structure (Composition type, section codes) included:
/// <list type="bullet">
/// <item><b>Mapped</b> (system, or an alias of it, and code in the catalogue): the coding keeps its display; one without a
/// display gets the catalogue's English display. Where <see cref="DisplayTranslations"/> has the concept in the requested
/// language, the display gets the FHIR R4 core extension <c>translation</c> (sub-extensions <c>lang</c> and
/// <c>content</c>; FHIR R4 languages.html §6.3.4 "Multi-language support in resources") and the original display stays as
/// it is.</item>
/// <item><b>FHIR-defined</b> (a code system of the FHIR specification itself: HL7 terminology, <c>hl7.org/fhir</c> code
/// systems, BCP 47 and MIME types): left as it is and not flagged. Such codes (a Condition's clinical status, an
/// identifier type) sit under required FHIR bindings that every FHIR peer reads; the catalogue as loaded has no value
/// set for them, and flagging them would put the flag on nearly every resource and make it worthless. Should the
/// catalogue list one of these systems, its codes are looked up first and count as mapped.</item>
/// <item><b>Unmapped</b> (anything else: a code of a system the catalogue draws on but not in it, a national or local
/// code system, a coding without system or code): kept untouched, never dropped or rewritten, and flagged.</item>
/// </list>
/// </summary>
/// <remarks>
/// <para><b>How an unmapped code is flagged.</b> The resource that holds it gets the tag <see cref="FlagSystem"/>|<see
/// cref="UnmappedFlagCode"/> in <c>meta.tag</c> (once), as ADR 0010 §6 decided; the exact place of each coding is in the
/// returned <see cref="CodeMappingReport"/>, which the caller audits and turns into OperationOutcome issues with the
/// element's expression. <c>meta.tag</c> is FHIR's place for marking a resource for a process (R4 resource.html §3.1.3.2,
/// bound to an example value set only), so any validator takes it. An extension with our own URL on the
/// <c>Coding</c> (tried: <c>https://openndi.se/fhir/StructureDefinition/ehdsi-unmapped-code</c>) would say more precisely
/// which coding, but its definition is published nowhere a peer can resolve: the Firely validator here passes it with
/// warning 4009 ("Unable to resolve reference to extension"), and a validator a peer configures to refuse unknown
/// extensions would fail the whole document on our flag. The tag cannot do that.</para>
/// <para>The document is changed in place; map a copy (<c>DeepCopy()</c>) to keep the original. Mapping the same document
/// twice adds nothing twice: a translation into a language already there is not added again, our own tag is skipped.</para>
/// <para>Quantities (<c>Quantity.system</c>|<c>code</c>, UCUM units) are not codings and are not walked, although the
/// catalogue's eHDSIUnit lists UCUM units.</para>
/// </remarks>
public sealed class DocumentCodeMapper
{
    /// <summary>The FHIR R4 core extension for a translation of a string element.</summary>
    public const string TranslationExtension = "http://hl7.org/fhir/StructureDefinition/translation";

    /// <summary>The system of our cross-border tags (ADR 0010 §6, assumed).</summary>
    public const string FlagSystem = "urn:openndi:cross-border";

    /// <summary>The tag code on a resource that holds a code outside the catalogue.</summary>
    public const string UnmappedFlagCode = "unmapped-code";

    private const string UnmappedFlagDisplay = "Holds a code outside the eHDSI Master Value Set Catalogue, kept as sent";

    private readonly MasterValueSetCatalogue _catalogue;
    private readonly DisplayTranslations _translations;

    public DocumentCodeMapper(MasterValueSetCatalogue catalogue, DisplayTranslations translations)
    {
        _catalogue = catalogue ?? throw new ArgumentNullException(nameof(catalogue));
        _translations = translations ?? throw new ArgumentNullException(nameof(translations));
    }

    /// <summary>
    /// Whether a code system is defined by the FHIR specification itself: HL7 Terminology
    /// (<c>http://terminology.hl7.org/CodeSystem/…</c>), the R4 specification's own code systems
    /// (<c>http://hl7.org/fhir/…</c>, but not <c>http://hl7.org/fhir/sid/…</c>, which names external systems such as
    /// ICD-10 or CVX), BCP 47 language tags and MIME types (<c>urn:ietf:bcp:47</c>, <c>urn:ietf:bcp:13</c>).
    /// </summary>
    public static bool IsFhirDefined(string system) =>
        system.StartsWith("http://terminology.hl7.org/CodeSystem/", StringComparison.Ordinal)
        || (system.StartsWith("http://hl7.org/fhir/", StringComparison.Ordinal) && !system.StartsWith("http://hl7.org/fhir/sid/", StringComparison.Ordinal))
        || system is "urn:ietf:bcp:47" or "urn:ietf:bcp:13";

    /// <summary>Maps every coding of <paramref name="document"/>'s entries, in place, and says what it did.</summary>
    /// <param name="language">The language the receiving professional reads, BCP 47 (<c>de-DE</c>); matched on its primary subtag.</param>
    public CodeMappingReport Map(Bundle document, string language)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentException.ThrowIfNullOrWhiteSpace(language);
        var lang = DisplayTranslations.PrimaryLanguage(language);

        int walked = 0, mapped = 0, translated = 0, displaysAdded = 0, fhirDefined = 0;
        var unmapped = new List<UnmappedCode>();
        foreach (var entry in document.Entry)
        {
            // A null entry or an entry without a resource (a published eu-eps example has one) holds no coding.
            if (entry?.Resource is not { } resource)
                continue;
            // An OperationOutcome tells about the answer (providers missed, items withheld), not about the patient: its
            // codes are our error codes, for the reader's system, not clinical content to map.
            if (resource is OperationOutcome)
                continue;
            var found = new List<(Coding Coding, string Path)>();
            Collect(resource, resource.TypeName, found);
            foreach (var (coding, path) in found)
            {
                walked++;
                if (_catalogue.Find(coding.System, coding.Code) is { } concept)
                {
                    mapped++;
                    if (string.IsNullOrEmpty(coding.Display))
                    {
                        coding.Display = concept.Display;
                        displaysAdded++;
                    }
                    if (_translations.Find(coding.System, coding.Code, lang) is { } text && AddTranslation(coding, lang, text))
                        translated++;
                }
                else if (!string.IsNullOrEmpty(coding.System) && !string.IsNullOrEmpty(coding.Code) && IsFhirDefined(coding.System))
                {
                    fhirDefined++;
                }
                else
                {
                    var reason = string.IsNullOrEmpty(coding.System) || string.IsNullOrEmpty(coding.Code) ? UnmappedReason.Incomplete
                        : _catalogue.Covers(coding.System) ? UnmappedReason.CodeNotInCatalogue
                        : UnmappedReason.SystemNotInCatalogue;
                    unmapped.Add(new UnmappedCode(resource.TypeName, resource.Id, path, coding.System, coding.Code, coding.Display, reason));
                    Flag(resource);
                }
            }
        }
        return new CodeMappingReport(lang, walked, mapped, translated, displaysAdded, fhirDefined, unmapped);
    }

    /// <summary>Adds the translation on the display element unless one into <paramref name="lang"/> is there already.</summary>
    private static bool AddTranslation(Coding coding, string lang, string text)
    {
        var display = coding.DisplayElement!;
        var present = display.Extension.Any(e => e.Url == TranslationExtension
            && e.Extension.Any(s => s.Url == "lang" && s.Value is Code { Value: { } value } && string.Equals(DisplayTranslations.PrimaryLanguage(value), lang, StringComparison.Ordinal)));
        if (present)
            return false;
        display.Extension.Add(new Extension
        {
            Url = TranslationExtension,
            Extension =
            [
                new Extension("lang", new Code(lang)),
                new Extension("content", new FhirString(text)),
            ],
        });
        return true;
    }

    private static void Flag(Resource resource)
    {
        resource.Meta ??= new Meta();
        if (!resource.Meta.Tag.Any(IsOurFlag))
            resource.Meta.Tag.Add(new Coding(FlagSystem, UnmappedFlagCode, UnmappedFlagDisplay));
    }

    private static bool IsOurFlag(Coding tag) => tag.System == FlagSystem && tag.Code == UnmappedFlagCode;

    /// <summary>
    /// Every coding below <paramref name="node"/> with its FHIRPath location (Firely's element model, as
    /// <c>OpenNdi.Fhir.Merging.ResourceWalk</c> walks it, here with the path kept). A primitive is entered only when it has
    /// extensions; the narrative is skipped (XHTML, no codings); our own flag tag is not content and is skipped.
    /// </summary>
    private static void Collect(Base node, string path, List<(Coding, string)> found)
    {
        foreach (var (name, value) in node.EnumerateElements())
        {
            switch (value)
            {
                case Base child:
                    Visit(child, $"{path}.{name}", found);
                    break;
                case string:
                    break;   // a primitive's own value
                case IEnumerable children:
                    var index = 0;
                    foreach (var child in children)
                    {
                        if (child is Base item)
                            Visit(item, $"{path}.{name}[{index}]", found);
                        index++;
                    }
                    break;
            }
        }
    }

    private static void Visit(Base child, string path, List<(Coding, string)> found)
    {
        switch (child)
        {
            case Coding coding:
                if (!IsOurFlag(coding))
                    found.Add((coding, path));
                break;
            case Narrative:
            case PrimitiveType { Extension.Count: 0 }:
                break;
            default:
                Collect(child, path, found);
                break;
        }
    }
}
