using System.Text.Json;
using Hl7.Fhir.Model;
using OpenNdi.Core.Identifiers;
using OpenNdi.Core.Index;
using OpenNdi.Data.Simulator;
using OpenNdi.Fhir;
using OpenNdi.Synthetic.Providers;

namespace OpenNdi.Synthetic.Simulator;

/// <summary>
/// What a simulated provider's EHR publishes to the patient data index: one category-level DocumentReference
/// (IHE MHD minimal metadata, ADR 0002) per patient, category and care unit that produced data, spanning the first
/// to the latest date, whose source reference is the FHIR search on the provider's own endpoint that returns it.
/// Read from the provider's stored resources, one patient at a time, so any population size streams through.
/// </summary>
public static class ProviderIndexPublication
{
    /// <summary>The provider's EHR as the index and the directory name it.</summary>
    public static string SourceSystem(SimulatedProvider provider) => $"{provider.Key}-ehr";

    /// <summary>The provider's index entries as DocumentReferences, one NDJSON line each.</summary>
    public static async IAsyncEnumerable<string> DocumentsAsync(SimulatedProvider provider, IAsyncEnumerable<StoredResource> resources)
    {
        var patient = new List<StoredResource>();
        await foreach (var resource in resources)
        {
            if (resource.PatientId is null)
                continue; // organisations
            if (patient.Count > 0 && patient[0].PatientId != resource.PatientId)
            {
                foreach (var line in PatientDocuments(provider, patient))
                    yield return line;
                patient.Clear();
            }
            patient.Add(resource);
        }
        foreach (var line in PatientDocuments(provider, patient))
            yield return line;
    }

    private static IEnumerable<string> PatientDocuments(SimulatedProvider provider, List<StoredResource> rows)
    {
        var identity = rows.FirstOrDefault(r => r.ResourceType == "Patient")?.Identifier;
        if (identity is null || !PersonalIdentityNumber.TryParse(identity, out var pnr, out _))
            yield break;
        var patientId = rows[0].PatientId!;
        var ownUnits = provider.CareUnits.Select(u => u.HsaId).ToHashSet(StringComparer.Ordinal);
        string? CareUnitOf(StoredResource row) => OwnCareUnit(row, ownUnits);
        // Data without a care unit of its own (a medication list, an allergy) belongs to the unit the patient last met.
        var homeUnit = rows.Where(r => r.ResourceType == "Encounter" && r.Date is not null).OrderBy(r => r.Date, StringComparer.Ordinal)
            .Select(CareUnitOf).LastOrDefault(u => u is not null) ?? provider.CareUnits.FirstOrDefault()?.HsaId;

        var spans = new SortedDictionary<(string Category, string Unit), (DateOnly First, DateOnly Latest, string Reference)>();
        foreach (var row in rows)
        {
            if (Category(row) is not { } category || row.Date is not { Length: >= 10 } date || !DateOnly.TryParse(date[..10], out var day))
                continue;
            var unit = CareUnitOf(row) ?? homeUnit;
            if (unit is null)
                continue;
            var key = (category.Category.Code, unit);
            spans[key] = spans.TryGetValue(key, out var span)
                ? (day < span.First ? day : span.First, day > span.Latest ? day : span.Latest, span.Reference)
                : (day, day, string.Format(System.Globalization.CultureInfo.InvariantCulture, category.Query, patientId));
        }
        // The patient summary covers what the summary sections (problems, allergies, medications) cover.
        var summary = spans.Where(s => s.Key.Category is "problems" or "allergies" or "medications").Select(s => s.Value).ToList();
        if (summary.Count > 0 && homeUnit is not null)
            spans[(DataCategory.PatientSummary.Code, homeUnit)] = (summary.Min(s => s.First), summary.Max(s => s.Latest), $"Patient/{patientId}/$summary");

        foreach (var ((code, unit), (first, latest, reference)) in spans)
        {
            DataCategory.TryParse(code, out var category, out _);
            yield return FhirJson.Serialize(Document(pnr, category, unit, SourceSystem(provider), reference, first, latest));
        }
    }

    private static DocumentReference Document(PersonalIdentityNumber patient, DataCategory category, string unit, string system, string reference, DateOnly first, DateOnly latest) => new()
    {
        Status = DocumentReferenceStatus.Current,
        Identifier = [new Identifier(IndexEntryKey.SourceReferenceSystem, $"{system}|{reference}")],
        Type = new CodeableConcept(DataCategory.LoincSystem, category.Loinc, category.Display),
        Subject = new ResourceReference { Identifier = new Identifier(patient.IdentifierSystem, patient.Value) },
        Author = [new ResourceReference { Identifier = new Identifier(HsaId.System, unit) }],
        Context = new DocumentReference.ContextComponent { Period = new Period(new FhirDateTime(first.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)), new FhirDateTime(latest.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture))) },
        Content = [new DocumentReference.ContentComponent { Attachment = new Attachment { ContentType = "application/fhir+json" } }],
    };

    /// <summary>The index category of a stored resource and the search that fetches that category for the patient ({0}).</summary>
    private static (DataCategory Category, string Query)? Category(StoredResource row) => row.ResourceType switch
    {
        "Condition" => (DataCategory.Problems, "Condition?patient={0}"),
        "AllergyIntolerance" => (DataCategory.Allergies, "AllergyIntolerance?patient={0}"),
        "MedicationStatement" => (DataCategory.Medications, "MedicationStatement?patient={0}"),
        "Immunization" => (DataCategory.Immunizations, "Immunization?patient={0}"),
        "Procedure" => (DataCategory.Procedures, "Procedure?patient={0}"),
        "DeviceUseStatement" => (DataCategory.Devices, "DeviceUseStatement?patient={0}"),
        "Flag" => (DataCategory.Alerts, "Flag?patient={0}"),
        "MedicationRequest" => (DataCategory.EPrescription, "MedicationRequest?patient={0}"),
        "MedicationDispense" => (DataCategory.EDispensation, "MedicationDispense?patient={0}"),
        "Observation" => (DataCategory.Laboratory, "DiagnosticReport?patient={0}&category=LAB"),
        "DiagnosticReport" when row.Code == $"{DataCategory.LoincSystem}|{DataCategory.Laboratory.Loinc}" => (DataCategory.Laboratory, "DiagnosticReport?patient={0}&category=LAB"),
        "DiagnosticReport" => (DataCategory.ImagingReport, "DiagnosticReport?patient={0}&category=RAD"),
        "Composition" => (DataCategory.DischargeReport, "Composition?patient={0}&type=http://loinc.org|34105-7"),
        _ => null,
    };

    /// <summary>
    /// The first of the provider's own care units the resource references by HSA-id (service provider, performer,
    /// author, …). Units of other providers (a regional laboratory, a pharmacy) are theirs to publish, not ours.
    /// </summary>
    private static string? OwnCareUnit(StoredResource row, HashSet<string> ownUnits)
    {
        using var json = JsonDocument.Parse(row.Json);
        foreach (var property in json.RootElement.EnumerateObject())
        {
            if (property.Name is not ("identifier" or "contained") && FindHsaId(property.Value, ownUnits) is { } found)
                return found;
        }
        return null;
    }

    private static string? FindHsaId(JsonElement element, HashSet<string> ownUnits)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                if (element.TryGetProperty("identifier", out var identifier) && identifier.ValueKind == JsonValueKind.Object
                    && identifier.TryGetProperty("system", out var system) && system.GetString() == HsaId.System
                    && identifier.TryGetProperty("value", out var value) && value.GetString() is { } hsaId && ownUnits.Contains(hsaId))
                    return hsaId;
                foreach (var property in element.EnumerateObject())
                {
                    if (FindHsaId(property.Value, ownUnits) is { } inner)
                        return inner;
                }
                return null;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    if (FindHsaId(item, ownUnits) is { } inner)
                        return inner;
                }
                return null;
            default:
                return null;
        }
    }
}
