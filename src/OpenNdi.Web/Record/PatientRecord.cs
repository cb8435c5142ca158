using System.Globalization;
using Hl7.Fhir.Model;

namespace OpenNdi.Web.Record;

/// <summary>One entry of the patient's record as the page shows it: plain text first, the code beside it.</summary>
/// <param name="ProviderId">The provider's HSA-id and <paramref name="ItemKey"/> its own reference to the item (<c>Type/id</c>): what a block of this one item names.</param>
public sealed record RecordItem(string Text, string? Code, string? CodeSystem, DateTimeOffset? Date, string? Status, string? Value, string Provider, bool ViaEmergency, bool PatientProvided,
    string? ProviderId = null, string? CareUnitId = null, string? ItemKey = null)
{
    /// <summary>For data the patient added: when the receiving care unit first read it (the read receipt), or null while unread.</summary>
    public DateTimeOffset? ReadByReceiver { get; init; }
}

/// <summary>A prescription dispensed in another member state: what, when, and the pharmacy with its country.</summary>
public sealed record DispensedAbroad(string Medication, DateTimeOffset? HandedOver, string Pharmacy);

/// <summary>One measured value of a repeated analyte.</summary>
public sealed record TrendPoint(DateTimeOffset When, decimal Value, string Provider);

/// <summary>A lab analyte measured <see cref="PatientRecord.TrendFrom"/> times or more: drawn as a chart, not listed line by line.</summary>
public sealed record Trend(string Code, string Text, string Unit, IReadOnlyList<TrendPoint> Points, decimal? ReferenceLow, decimal? ReferenceHigh);

/// <summary>One category of the record (an IPS section), its entries and its trends.</summary>
public sealed record RecordSection(string Code, string Title, IReadOnlyList<RecordItem> Items, IReadOnlyList<Trend> Trends, bool Withheld);

/// <summary>
/// The patient's record for the page, read from the national patient summary (the IPS document <c>$summary</c>
/// returns, the same one the professional service builds): its sections as categories, each entry with the provider
/// that holds it (from the document's Provenance), repeated lab analytes as trends, and what the document says it
/// could not include (providers not reached, in its OperationOutcome).
/// </summary>
public sealed record PatientRecord(string PatientName, IReadOnlyList<RecordSection> Sections, IReadOnlyList<string> Providers, IReadOnlyList<string> Notices, DateTimeOffset? Assembled)
{
    /// <summary>The patient's prescriptions dispensed in another member state (issue 17), newest first; null when they could not be read.</summary>
    public IReadOnlyList<DispensedAbroad>? DispensedAbroad { get; init; } = [];

    /// <summary>The dispensations abroad as the page lists them.</summary>
    public static IReadOnlyList<DispensedAbroad> AbroadFrom(IReadOnlyList<MedicationDispense> dispenses) =>
        [.. dispenses.Select(d => new DispensedAbroad(
                (d.Medication as CodeableConcept)?.Text ?? (d.Medication as CodeableConcept)?.Coding.FirstOrDefault()?.Display ?? (d.Medication as CodeableConcept)?.Coding.FirstOrDefault()?.Code ?? "",
                d.WhenHandedOverElement?.ToDateTimeOffset(TimeSpan.Zero),
                d.Performer.FirstOrDefault()?.Actor?.Display ?? ""))
            .OrderByDescending(d => d.HandedOver ?? DateTimeOffset.MinValue)];

    /// <summary>From this many values of one analyte on, the values are a trend chart.</summary>
    public const int TrendFrom = 3;

    private const string Loinc = "http://loinc.org";
    private const string ReadReceiptExtension = "https://openndi.se/fhir/StructureDefinition/read-receipt";
    private const string ResultsSection = "30954-2";
    private const string VitalSignsSection = "8716-3";

    public static PatientRecord From(Bundle document)
    {
        var byUrl = new Dictionary<string, Resource>(StringComparer.Ordinal);
        foreach (var entry in document.Entry)
        {
            if (entry.FullUrl is { } url && entry.Resource is { } resource)
                byUrl.TryAdd(url, resource);
        }
        var providerOf = new Dictionary<string, Source>(StringComparer.Ordinal);
        foreach (var provenance in document.Entry.Select(e => e.Resource).OfType<Provenance>())
        {
            var agent = provenance.Agent.FirstOrDefault();
            var providerName = agent?.OnBehalfOf?.Display ?? agent?.OnBehalfOf?.Identifier?.Value ?? agent?.Who?.Display ?? agent?.Who?.Identifier?.Value ?? "";
            var emergency = provenance.Meta?.Security.Any(c => c.Code == "BTG") == true;
            var providerId = (agent?.OnBehalfOf ?? agent?.Who)?.Identifier?.Value;
            var unitId = agent?.OnBehalfOf is null ? null : agent.Who?.Identifier?.Value;
            foreach (var target in provenance.Target.Select(t => t.Reference).Where(r => r is not null))
                providerOf.TryAdd(target!, new Source(providerName, emergency, providerId, unitId));
        }
        var composition = document.Entry.Select(e => e.Resource).OfType<Composition>().FirstOrDefault();
        var patient = document.Entry.Select(e => e.Resource).OfType<Patient>().FirstOrDefault();
        var sections = new List<RecordSection>();
        foreach (var section in composition?.Section ?? [])
        {
            var code = section.Code?.Coding.FirstOrDefault()?.Code ?? "";
            var items = new List<(RecordItem Item, Resource Resource)>();
            foreach (var reference in section.Entry.Select(r => r.Reference).Where(r => r is not null))
            {
                if (!byUrl.TryGetValue(reference!, out var resource))
                    continue;
                var source = providerOf.GetValueOrDefault(reference!) ?? new Source("", false, null, null);
                items.Add((Describe(resource, source) with { ItemKey = ItemKeyOf(reference!) }, resource));
            }
            var trends = code is ResultsSection or VitalSignsSection ? TrendsOf(items) : [];
            var inTrends = trends.SelectMany(t => items.Where(i => i.Item.Code == t.Code && !i.Item.PatientProvided && i.Resource is Observation { Value: Quantity })).Select(i => i.Item).ToHashSet(ReferenceEqualityComparer.Instance);
            sections.Add(new RecordSection(code, section.Title ?? code,
                [.. items.Select(i => i.Item).Where(i => !inTrends.Contains(i)).OrderByDescending(i => i.Date ?? DateTimeOffset.MinValue)],
                trends, section.EmptyReason?.Coding.Any(c => c.Code == "withheld") == true));
        }
        var notices = document.Entry.Select(e => e.Resource).OfType<OperationOutcome>()
            .SelectMany(o => o.Issue).Where(i => i.Severity is OperationOutcome.IssueSeverity.Error or OperationOutcome.IssueSeverity.Warning or OperationOutcome.IssueSeverity.Fatal)
            .Select(i => i.Diagnostics ?? i.Details?.Text).OfType<string>().Distinct().ToList();
        var providers = sections.SelectMany(s => s.Items.Select(i => i.Provider).Concat(s.Trends.SelectMany(t => t.Points.Select(p => p.Provider))))
            .Where(p => p.Length > 0).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var name = patient?.Name.FirstOrDefault() is { } n ? string.Join(' ', n.Given.Append(n.Family).Where(x => !string.IsNullOrEmpty(x))) : "";
        return new PatientRecord(name, sections, providers, notices, document.Timestamp);
    }

    /// <summary>Analytes with a numeric value <see cref="TrendFrom"/> times or more, oldest value first.</summary>
    private static List<Trend> TrendsOf(List<(RecordItem Item, Resource Resource)> items) =>
        [.. items.Where(i => i.Resource is Observation { Value: Quantity { Value: not null } } && i.Item.Code is not null && i.Item.Date is not null && !i.Item.PatientProvided)
            .GroupBy(i => i.Item.Code!)
            .Where(g => g.Count() >= TrendFrom)
            .Select(g =>
            {
                var observations = g.Select(i => (Observation: (Observation)i.Resource, i.Item)).OrderBy(x => x.Item.Date).ToList();
                var range = observations.Select(x => x.Observation.ReferenceRange.FirstOrDefault()).LastOrDefault(r => r is not null);
                var last = (Quantity)observations[^1].Observation.Value!;
                return new Trend(g.Key, observations[^1].Item.Text, last.Unit ?? last.Code ?? "",
                    [.. observations.Select(x => new TrendPoint(x.Item.Date!.Value, ((Quantity)x.Observation.Value!).Value!.Value, x.Item.Provider))],
                    range?.Low?.Value, range?.High?.Value);
            })
            .OrderBy(t => t.Text, StringComparer.Ordinal)];

    private sealed record Source(string Name, bool Emergency, string? ProviderId, string? CareUnitId);

    /// <summary>The provider's own reference to the item, from its URL (<c>…/Condition/abc</c> gives <c>Condition/abc</c>).</summary>
    private static string? ItemKeyOf(string fullUrl)
    {
        if (fullUrl.StartsWith("urn:", StringComparison.Ordinal))
            return null;
        var parts = fullUrl.TrimEnd('/').Split('/');
        return parts.Length >= 2 ? $"{parts[^2]}/{parts[^1]}" : null;
    }

    private static RecordItem Describe(Resource resource, Source source)
    {
        var concept = resource switch
        {
            Condition c => c.Code,
            AllergyIntolerance a => a.Code,
            MedicationStatement m => m.Medication as CodeableConcept,
            MedicationRequest m => m.Medication as CodeableConcept,
            Immunization i => i.VaccineCode,
            Procedure p => p.Code,
            Observation o => o.Code,
            DiagnosticReport d => d.Code,
            DeviceUseStatement => null,
            Flag f => f.Code,
            CarePlan c => c.Category.FirstOrDefault(),
            ClinicalImpression c => c.Code,
            _ => null,
        };
        var coding = concept?.Coding.FirstOrDefault(c => c.System == Loinc) ?? concept?.Coding.FirstOrDefault();
        var text = concept?.Text ?? coding?.Display ?? coding?.Code ?? resource.TypeName;
        var date = resource switch
        {
            Condition c => Start(c.Onset) ?? Parse(c.RecordedDate),
            AllergyIntolerance a => Start(a.Onset) ?? Parse(a.RecordedDate),
            MedicationStatement m => Start(m.Effective) ?? Parse(m.DateAsserted),
            MedicationRequest m => Parse(m.AuthoredOn),
            Immunization i => Start(i.Occurrence),
            Procedure p => Start(p.Performed),
            Observation o => Start(o.Effective) ?? Parse(o.Issued?.ToString("O", CultureInfo.InvariantCulture)),
            DiagnosticReport d => Start(d.Effective) ?? Parse(d.Issued?.ToString("O", CultureInfo.InvariantCulture)),
            _ => null,
        };
        var status = resource switch
        {
            Condition c => c.ClinicalStatus?.Coding.FirstOrDefault()?.Code,
            AllergyIntolerance a => a.Criticality?.ToString().ToLowerInvariant(),
            MedicationStatement m => m.Status?.ToString().ToLowerInvariant(),
            MedicationRequest m => m.Status?.ToString().ToLowerInvariant(),
            _ => null,
        };
        var value = resource switch
        {
            Observation { Value: null, Component.Count: > 0 } o => string.Join(" / ", o.Component.Select(c => ValueText(c.Value)).OfType<string>()),
            Observation o => ValueText(o.Value),
            _ => null,
        };
        var patientProvided = resource.Meta?.Tag.Any(t => t.System == "https://openndi.se/fhir/CodeSystem/data-origin" && t.Code == "patient-provided") == true;
        var receipt = (resource as DomainResource)?.GetExtension(ReadReceiptExtension)?.GetExtensionValue<FhirDateTime>("readAt") is { } readAt && readAt.TryToDateTimeOffset(out var at) ? at : (DateTimeOffset?)null;
        return new RecordItem(text, coding?.Code, coding?.System, date, status, value, source.Name, source.Emergency, patientProvided, source.ProviderId, source.CareUnitId)
            { ReadByReceiver = receipt };
    }

    private static string? ValueText(DataType? value) => value switch
    {
        Quantity q => $"{q.Value?.ToString(CultureInfo.CurrentCulture)} {q.Unit ?? q.Code}".Trim(),
        CodeableConcept c => c.Text ?? c.Coding.FirstOrDefault()?.Display,
        FhirString s => s.Value,
        FhirBoolean b => b.Value?.ToString(),
        Integer i => i.Value?.ToString(CultureInfo.CurrentCulture),
        _ => null,
    };

    private static DateTimeOffset? Start(DataType? value) => value switch
    {
        FhirDateTime d => Parse(d.Value),
        Period p => Parse(p.Start),
        _ => null,
    };

    private static DateTimeOffset? Parse(string? value)
    {
        if (string.IsNullOrEmpty(value))
            return null;
        var fhir = new FhirDateTime(value);
        return fhir.TryToDateTimeOffset(out var parsed) ? parsed : null;
    }
}
