using Hl7.Fhir.Model;

namespace OpenNdi.Fhir;

/// <summary>
/// Assembles an International Patient Summary document (IPS, hl7.fhir.uv.ips; the base of the EU patient
/// summary in EEHRxF) from a Patient and the resources held about them: a document Bundle whose first entry is
/// the Composition, with the three required sections (medication, allergies, problems) always present, saying
/// "no information" when empty, and the optional sections present only when they have entries.
/// </summary>
public static class PatientSummaryBuilder
{
    private const string Loinc = "http://loinc.org";
    private const string EmptyReason = "http://terminology.hl7.org/CodeSystem/list-empty-reason";

    private sealed record SectionSpec(string Title, string LoincCode, bool Required, Func<Resource, bool> Includes, string[] Types);

    // IPS Composition.section slices, in the guide's order (IPS 2.0 §Composition): the three required, then every
    // optional one. A provider's own placement (SummaryEntry.Section) goes before these rules.
    private static readonly SectionSpec[] Sections =
    [
        // Every medication the provider holds, whatever its status (stopped, completed, on hold, unknown…), which the
        // entry itself states; only one recorded in error is not a medication of the patient's.
        new("Medication Summary", "10160-0", true, r => r is MedicationStatement { Status: not MedicationStatement.MedicationStatusCodes.EnteredInError }
            or MedicationRequest { Status: not MedicationRequest.MedicationrequestStatus.EnteredInError }, ["MedicationStatement", "MedicationRequest"]),
        new("Allergies and Intolerances", "48765-2", true, r => r is AllergyIntolerance, ["AllergyIntolerance"]),
        new("Problem List", "11450-4", true, r => r is Condition c && IsActive(c), ["Condition"]),
        new("History of Immunizations", "11369-6", false, r => r is Immunization, ["Immunization"]),
        new("History of Procedures", "47519-4", false, r => r is Procedure, ["Procedure"]),
        new("Medical Devices", "46264-8", false, r => r is DeviceUseStatement, ["DeviceUseStatement"]),
        new("Diagnostic Results", "30954-2", false, r => r is DiagnosticReport || (r is Observation o && !IsVitalSign(o) && !IsSocialHistory(o) && !IsPregnancy(o)), ["Observation", "DiagnosticReport"]),
        new("Vital Signs", "8716-3", false, r => r is Observation o && IsVitalSign(o), ["Observation"]),
        new("History of Past Illness", "11348-0", false, r => r is Condition c && !IsActive(c), ["Condition"]),
        new("Functional Status", "47420-5", false, r => r is ClinicalImpression, ["ClinicalImpression"]),
        new("Plan of Care", "18776-5", false, r => r is CarePlan or ImmunizationRecommendation, ["CarePlan", "ImmunizationRecommendation"]),
        new("Social History", "29762-2", false, r => r is Observation o && IsSocialHistory(o), ["Observation"]),
        new("History of Pregnancy", "10162-6", false, r => r is Observation o && IsPregnancy(o), ["Observation"]),
        new("Advance Directives", "42348-3", false, r => r is Consent, ["Consent"]),
        new("Alerts", "104605-1", false, r => r is Flag, ["Flag"]),
    ];

    /// <param name="baseUrl">The FHIR base the resources' relative references resolve against (entry fullUrls are built on it).</param>
    /// <param name="author">The organisation that assembles the summary; pass its resource among <paramref name="resources"/> for it to travel in the document.</param>
    /// <param name="documentId">Identifier value of this document instance.</param>
    public static Bundle Build(Patient patient, IEnumerable<Resource> resources, string baseUrl, ResourceReference author, string documentId, DateTimeOffset timestamp)
    {
        var root = baseUrl.TrimEnd('/');
        var entries = resources.Where(r => r is not Patient).Distinct().Select(r => new SummaryEntry(r, $"{root}/{r.TypeName}/{r.Id}", $"{r.TypeName}/{r.Id}")).ToList();
        return Build(new SummaryEntry(patient, $"{root}/Patient/{patient.Id}", $"Patient/{patient.Id}"), entries, author, documentId, timestamp, $"{root}/Composition/{documentId}");
    }

    /// <summary>
    /// The summary over entries whose fullUrls and references the caller chose (e.g. a national summary merged from
    /// several providers, whose entries keep their providers' URLs and whose patient is the national one).
    /// </summary>
    /// <param name="notIncluded">Resource types the caller left out before building: a section of those types that ends up empty says "withheld", not "no information".</param>
    /// <param name="narratives">Providers' own section narratives, kept beside the generated text of the section with the same code.</param>
    /// <returns>The document; entries in <paramref name="entries"/> that fit no section and are not devices are left out.</returns>
    public static Bundle Build(SummaryEntry patient, IReadOnlyList<SummaryEntry> entries, ResourceReference author, string documentId, DateTimeOffset timestamp, string compositionFullUrl,
        IReadOnlySet<string>? notIncluded = null, IReadOnlyList<ProviderNarrative>? narratives = null)
    {
        var composition = new Composition
        {
            Id = documentId,
            Meta = new Meta { Profile = ["http://hl7.org/fhir/uv/ips/StructureDefinition/Composition-uv-ips"] },
            Status = CompositionStatus.Final,
            Type = new CodeableConcept(Loinc, "60591-5", "Patient summary Document"),
            Subject = new ResourceReference(patient.Reference),
            Date = timestamp.ToString("yyyy-MM-dd'T'HH:mm:ssK"),
            Author = [author],
            Title = "Patient Summary",
        };

        var included = new List<SummaryEntry>();
        var placed = entries.Where(e => e.Section is { } code && Sections.Any(s => s.LoincCode == code)).ToHashSet(ReferenceEqualityComparer.Instance);
        foreach (var spec in Sections)
        {
            var inSection = entries.Where(e => placed.Contains(e) ? e.Section == spec.LoincCode : spec.Includes(e.Resource)).ToList();
            var theirs = narratives?.Where(n => n.SectionCode == spec.LoincCode).ToList() ?? [];
            var withheld = spec.Types.Where(t => notIncluded?.Contains(t) == true).ToList();
            if (inSection.Count == 0 && !spec.Required && theirs.Count == 0)
                continue;
            var note = withheld.Count == 0 ? "" : $" Not included: {string.Join(", ", withheld)} (outside what this access covers).";
            var section = new Composition.SectionComponent
            {
                Title = spec.Title,
                Code = new CodeableConcept(Loinc, spec.LoincCode, spec.Title),
                Text = Narratives.Generated((inSection.Count == 0 ? (withheld.Count == 0 ? "No information available." : "No information included.") : $"{inSection.Count} entries.") + note, theirs),
                Entry = [.. inSection.Select(e => new ResourceReference(e.Reference))],
            };
            if (inSection.Count == 0)
                section.EmptyReason = withheld.Count == 0 ? new CodeableConcept(EmptyReason, "unavailable", "Unavailable") : new CodeableConcept(EmptyReason, "withheld", "Information Withheld");
            composition.Section.Add(section);
            included.AddRange(inSection);
        }
        // Resources referenced from section entries (a lab report's results, a device statement's device) travel too,
        // and so does the author when it is among the resources: what the Composition references is part of the
        // document (FHIR R4 Composition), and a reader resolves it there.
        included.AddRange(entries.Where(e => e.Resource is Device && !included.Contains(e)));
        included.AddRange(entries.Where(e => author.Reference == e.Reference && !included.Contains(e)));

        var bundle = new Bundle
        {
            Id = documentId,
            Meta = new Meta { Profile = ["http://hl7.org/fhir/uv/ips/StructureDefinition/Bundle-uv-ips"] },
            Identifier = new Identifier("urn:ietf:rfc:3986", "urn:uuid:" + DeterministicUuid(documentId)),
            Type = Bundle.BundleType.Document,
            Timestamp = timestamp,
        };
        bundle.Entry.Add(new Bundle.EntryComponent { FullUrl = compositionFullUrl, Resource = composition });
        bundle.Entry.Add(new Bundle.EntryComponent { FullUrl = patient.FullUrl, Resource = patient.Resource });
        foreach (var entry in included.Distinct())
            bundle.Entry.Add(new Bundle.EntryComponent { FullUrl = entry.FullUrl, Resource = entry.Resource });
        return bundle;
    }

    /// <summary>Whether the resource goes into one of the summary's sections, by its kind or by the section its provider placed it in.</summary>
    public static bool HasSection(Resource resource, string? providerSection = null) =>
        (providerSection is not null && Sections.Any(s => s.LoincCode == providerSection)) || Sections.Any(s => s.Includes(resource));

    private const string ObservationCategory = "http://terminology.hl7.org/CodeSystem/observation-category";

    /// <summary>An Observation the provider categorised as a vital sign (FHIR observation-category vital-signs).</summary>
    private static bool IsVitalSign(Observation observation) => HasCategory(observation, "vital-signs");

    /// <summary>An Observation the provider categorised as social history (smoking, alcohol, …).</summary>
    private static bool IsSocialHistory(Observation observation) => HasCategory(observation, "social-history");

    /// <summary>
    /// Pregnancy status (LOINC 82810-3), expected delivery date (11778-8) and pregnancy outcomes (the IPS
    /// pregnancy-outcome codes: births, deliveries, abortions, gravida, para): the IPS pregnancy section.
    /// </summary>
    private static bool IsPregnancy(Observation observation) =>
        observation.Code?.Coding.Any(c => c.System == Loinc && c.Code is "82810-3" or "11778-8" or "11636-8" or "11637-6" or "11638-4" or "11639-2" or "11640-0"
            or "11612-9" or "11613-7" or "33065-4" or "11614-5" or "11779-6" or "11780-4") == true;

    private static bool HasCategory(Observation observation, string code) =>
        observation.Category.Any(c => c.Coding.Any(k => k.Code == code && k.System is null or ObservationCategory));

    /// <summary>
    /// A condition is on the problem list unless its clinical status says it is over (inactive, remission, resolved):
    /// one without a clinical status stays where the provider put it, on the list, rather than disappearing into
    /// past illness.
    /// </summary>
    private static bool IsActive(Condition condition) =>
        !(condition.ClinicalStatus?.Coding.Any(c => c.Code is "inactive" or "remission" or "resolved") ?? false);

    /// <summary>A UUID derived from a text, so the same document instance gets the same identifier.</summary>
    public static Guid DeterministicUuid(string text)
    {
        var hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text));
        return new Guid(hash.AsSpan(0, 16));
    }
}

/// <summary>A resource as it goes into a summary: its entry's fullUrl, the reference text that points at it, and the section (LOINC) its provider placed it in.</summary>
public sealed record SummaryEntry(Resource Resource, string FullUrl, string Reference, string? Section = null);

/// <summary>A provider's own narrative of one of its summary's sections, to be kept beside the generated text.</summary>
public sealed record ProviderNarrative(string SectionCode, string ProviderName, string Div);
