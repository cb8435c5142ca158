using System.Text;
using Hl7.Fhir.Model;

namespace OpenNdi.Fhir.Merging;

/// <summary>
/// When two providers report the same thing. A business identifier with a system names an item across systems (an
/// ePrescription's id); otherwise the clinical content decides: the same medication (by code and status), the same
/// problem or allergy (by code and clinical status), the same vaccination, procedure or report (by code and date), the
/// same result (by code, status, time, value and every component's code and value). Items without a code are never
/// merged: the doubt is the reader's to resolve, not ours to hide. Two records of one provider (two resources at
/// different addresses) are never merged, however alike: the provider recorded them apart (a blood pressure taken
/// twice on one day with the same values is two readings).
/// </summary>
public static class SameItem
{
    /// <summary>The merge key, or null when the item is to be kept apart.</summary>
    public static string? Key(Resource resource)
    {
        if (BusinessIdentifier(resource) is { } identifier)
            return $"{resource.TypeName}|id|{identifier}";
        var parts = resource switch
        {
            MedicationStatement r => Parts(Code(r.Medication as CodeableConcept), r.Status?.ToString()),
            MedicationRequest r => Parts(Code(r.Medication as CodeableConcept), r.Status?.ToString(), r.AuthoredOn),
            MedicationDispense r => Parts(Code(r.Medication as CodeableConcept), r.WhenHandedOver),
            Condition r => Parts(Code(r.Code), Code(r.ClinicalStatus)),
            AllergyIntolerance r => Parts(Code(r.Code), Code(r.ClinicalStatus)),
            Immunization r => Parts(Code(r.VaccineCode), Day((r.Occurrence as FhirDateTime)?.Value)),
            Observation r => Parts(Code(r.Code), r.Status?.ToString(), TimeText(r.Effective), ValueText(r.Value), Components(r)),
            Procedure r => Parts(Code(r.Code), Day((r.Performed as FhirDateTime)?.Value)),
            DiagnosticReport r => Parts(Code(r.Code), (r.Effective as FhirDateTime)?.Value),
            Flag r => Parts(Code(r.Code), r.Period?.Start),
            Composition r => Parts(Code(r.Type), r.Date),
            _ => null,
        };
        return parts is null ? null : $"{resource.TypeName}|{parts}";
    }

    private static string? BusinessIdentifier(Resource resource)
    {
        var identifiers = resource switch
        {
            MedicationRequest r => r.Identifier,
            MedicationDispense r => r.Identifier,
            DiagnosticReport r => r.Identifier,
            Composition r => r.Identifier is null ? [] : [r.Identifier],
            _ => [],
        };
        return identifiers.FirstOrDefault(i => !string.IsNullOrEmpty(i.System) && !string.IsNullOrEmpty(i.Value)) is { } id ? $"{id.System}|{id.Value}" : null;
    }

    /// <summary>The parts joined; null when the first (the code) is missing.</summary>
    private static string? Parts(string? code, params string?[] more) =>
        code is null ? null : new StringBuilder(code).AppendJoin('|', more.Prepend(string.Empty).Select(p => p ?? "-")).ToString();

    /// <summary>A concept's codings as sorted "system|code" pairs, so coding order does not matter.</summary>
    private static string? Code(CodeableConcept? concept)
    {
        var codings = concept?.Coding.Where(c => !string.IsNullOrEmpty(c.Code)).Select(c => $"{c.System}|{c.Code}").Order(StringComparer.Ordinal).ToList();
        return codings is { Count: > 0 } ? string.Join(',', codings) : null;
    }

    /// <summary>Every component as "code=value", sorted, so their order does not matter; null without components.</summary>
    private static string? Components(Observation observation) => observation.Component.Count == 0 ? null
        : string.Join(';', observation.Component.Select(c => $"{Code(c.Code) ?? c.Code?.Text ?? "?"}={ValueText(c.Value) ?? "-"}").Order(StringComparer.Ordinal));

    /// <summary>The effective time in whatever shape it has (dateTime, Period, instant, timing).</summary>
    private static string? TimeText(DataType? effective) => effective switch
    {
        null => null,
        FhirDateTime d => d.Value,
        Period p => $"{p.Start}/{p.End}",
        Instant i => i.Value?.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
        _ => effective.TypeName,
    };

    private static string? Day(string? dateTime) => dateTime is { Length: >= 10 } ? dateTime[..10] : dateTime;

    private static string? ValueText(DataType? value) => value switch
    {
        null => null,
        Quantity q => $"{q.Value?.ToString(System.Globalization.CultureInfo.InvariantCulture)} {q.Code ?? q.Unit}",
        CodeableConcept c => Code(c),
        PrimitiveType p => p.ToString(),
        _ => value.TypeName,
    };

    /// <summary>
    /// Merges items reporting the same thing into the first of them that holds no other record of the same provider;
    /// that one then lists every source. Order is kept.
    /// </summary>
    public static IReadOnlyList<SourcedItem> Merge(IEnumerable<SourcedItem> items)
    {
        var merged = new List<SourcedItem>();
        var byKey = new Dictionary<string, List<SourcedItem>>(StringComparer.Ordinal);
        foreach (var item in items)
        {
            if (item.Category is not null && Key(item.Resource) is { } key)
            {
                if (!byKey.TryGetValue(key, out var alike))
                    byKey[key] = alike = [];
                if (alike.FirstOrDefault(candidate => !HoldsAnotherRecordOfTheSameProvider(candidate, item)) is { } into)
                {
                    foreach (var source in item.Sources)
                        into.AddSource(source);
                    continue;
                }
                alike.Add(item);
            }
            merged.Add(item);
        }
        return merged;
    }

    /// <summary>True when <paramref name="candidate"/> already has a source at the same provider as <paramref name="item"/> but at another address: a different record.</summary>
    private static bool HoldsAnotherRecordOfTheSameProvider(SourcedItem candidate, SourcedItem item) =>
        candidate.Sources.Any(held => item.Sources.Any(source => source.Provider == held.Provider && !string.Equals(source.Url, held.Url, StringComparison.Ordinal)));
}
