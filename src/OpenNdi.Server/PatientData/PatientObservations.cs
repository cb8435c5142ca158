using System.Globalization;
using Hl7.Fhir.Model;
using OpenNdi.Core.Identifiers;

namespace OpenNdi.Server.PatientData;

/// <summary>What a patient may add, read out of the Observation they send.</summary>
internal sealed record PatientEntry(PersonalIdentityNumber Patient, PatientEntryKind Kind, DateTimeOffset Effective, decimal[] Values, string? Text, string? Comment, HsaId Receiver);

/// <summary>The kinds of patient-provided data: home measurements and notes, each with its LOINC code, unit and plausible range.</summary>
internal sealed record PatientEntryKind(string Loinc, string Display, string Category, string? Unit, (string Loinc, string Display, decimal Low, decimal High)[] Parts, decimal Low = 0, decimal High = 0)
{
    public static readonly PatientEntryKind BloodPressure = new("85354-9", "Blood pressure panel with all children optional", "vital-signs", "mm[Hg]",
        [("8480-6", "Systolic blood pressure", 50, 300), ("8462-4", "Diastolic blood pressure", 20, 200)]);
    public static readonly PatientEntryKind BodyWeight = new("29463-7", "Body weight", "vital-signs", "kg", [], 0.3m, 500);
    public static readonly PatientEntryKind Glucose = new("15074-8", "Glucose [Moles/volume] in Blood", "laboratory", "mmol/L", [], 0.5m, 50);
    public static readonly PatientEntryKind Note = new("51855-5", "Patient Note", "survey", null, []);

    public static readonly IReadOnlyList<PatientEntryKind> All = [BloodPressure, BodyWeight, Glucose, Note];
}

/// <summary>
/// Patient-provided data as FHIR R4 Observations (issue 15, right 6). The patient sends an Observation of one of the
/// kinds in <see cref="PatientEntryKind"/> with the receiver as an extension; the service keeps only what it read
/// from it and writes the stored resource itself, marked as patient-provided (meta.tag) with the patient as performer:
/// <code>
/// code            LOINC 85354-9 (components 8480-6, 8462-4 in mm[Hg]) | 29463-7 (kg) | 15074-8 (mmol/L) | 51855-5 (valueString)
/// subject         identifier: the patient's personnummer or samordningsnummer
/// effectiveDateTime  when it was measured or written (not in the future)
/// extension       intended-receiver: valueReference.identifier, the HSA-id of a care unit in the service directory
/// note            optional comment (at most 500 characters)
/// </code>
/// </summary>
internal static class PatientObservations
{
    public const string ReceiverExtension = "https://openndi.se/fhir/StructureDefinition/intended-receiver";
    public const string ReadReceiptExtension = "https://openndi.se/fhir/StructureDefinition/read-receipt";
    public const string OriginSystem = "https://openndi.se/fhir/CodeSystem/data-origin";
    public const string PatientProvided = "patient-provided";
    private const string Loinc = "http://loinc.org";
    private const string CategorySystem = "http://terminology.hl7.org/CodeSystem/observation-category";
    private const int MaxNote = 2000, MaxComment = 500;

    public static (PatientEntry? Entry, string? Error, string? Expression) Read(Observation observation, DateTimeOffset now)
    {
        var code = observation.Code?.Coding.FirstOrDefault(c => c.System == Loinc)?.Code;
        var kind = PatientEntryKind.All.FirstOrDefault(k => k.Loinc == code);
        if (kind is null)
            return Fail($"code must be LOINC {string.Join(", ", PatientEntryKind.All.Select(k => $"{k.Loinc} ({k.Display})"))}", "Observation.code");
        var subject = observation.Subject?.Identifier;
        if (subject?.Value is null || subject.System is not (null or PersonalIdentityNumber.PersonnummerSystem or PersonalIdentityNumber.SamordningsnummerSystem)
            || !PersonalIdentityNumber.TryParse(subject.Value, out var patient, out _))
            return Fail("subject.identifier must be the patient's personnummer or samordningsnummer", "Observation.subject.identifier");
        if (observation.Effective is not FhirDateTime effectiveText || !effectiveText.TryToDateTimeOffset(out var effective))
            return Fail("effectiveDateTime is required: when it was measured or written", "Observation.effectiveDateTime");
        if (effective > now.AddMinutes(5))
            return Fail("effectiveDateTime is in the future", "Observation.effectiveDateTime");
        var receiverValue = (observation.GetExtensionValue<ResourceReference>(ReceiverExtension))?.Identifier?.Value;
        if (!HsaId.TryParse(receiverValue, out var receiver, out var receiverError))
            return Fail($"the extension {ReceiverExtension} names the receiving care unit by HSA-id (valueReference.identifier): {receiverError}", "Observation.extension");
        var comment = observation.Note.FirstOrDefault()?.Text;
        if (comment?.Length > MaxComment)
            return Fail($"note is at most {MaxComment} characters", "Observation.note");

        decimal[] values;
        string? text = null;
        if (kind == PatientEntryKind.Note)
        {
            text = (observation.Value as FhirString)?.Value?.Trim();
            if (string.IsNullOrEmpty(text) || text.Length > MaxNote)
                return Fail($"a note is valueString, 1 to {MaxNote} characters", "Observation.valueString");
            values = [];
        }
        else if (kind.Parts.Length > 0)
        {
            values = new decimal[kind.Parts.Length];
            for (var i = 0; i < kind.Parts.Length; i++)
            {
                var part = kind.Parts[i];
                var quantity = observation.Component.FirstOrDefault(c => c.Code?.Coding.Any(x => x.System == Loinc && x.Code == part.Loinc) == true)?.Value as Quantity;
                if (Problem(quantity, kind.Unit!, part.Low, part.High) is { } problem)
                    return Fail($"component {part.Loinc} ({part.Display}): {problem}", "Observation.component");
                values[i] = quantity!.Value!.Value;
            }
        }
        else
        {
            var quantity = observation.Value as Quantity;
            if (Problem(quantity, kind.Unit!, kind.Low, kind.High) is { } problem)
                return Fail($"valueQuantity: {problem}", "Observation.valueQuantity");
            values = [quantity!.Value!.Value];
        }
        return (new PatientEntry(patient, kind, effective, values, text, comment, receiver), null, null);
    }

    /// <summary>The stored resource, written from what was read: nothing the sender added beyond it travels.</summary>
    public static Observation Build(string id, PatientEntry entry, DateTimeOffset issued)
    {
        var kind = entry.Kind;
        var observation = new Observation
        {
            Id = id,
            Meta = new Meta { Tag = [new Coding(OriginSystem, PatientProvided, "Patient-provided")] },
            Status = ObservationStatus.Final,
            Category = [new CodeableConcept(CategorySystem, kind.Category)],
            Code = new CodeableConcept(Loinc, kind.Loinc, kind.Display, null),
            Subject = new ResourceReference { Type = "Patient", Identifier = new Identifier(entry.Patient.IdentifierSystem, entry.Patient.Value) },
            Effective = new FhirDateTime(entry.Effective),
            Issued = issued,
            Performer = [new ResourceReference { Type = "Patient", Identifier = new Identifier(entry.Patient.IdentifierSystem, entry.Patient.Value) }],
        };
        observation.Extension.Add(new Extension(ReceiverExtension, new ResourceReference
        {
            Type = "Organization",
            Identifier = new Identifier(HsaId.System, entry.Receiver.Value),
        }));
        if (kind == PatientEntryKind.Note)
            observation.Value = new FhirString(entry.Text);
        else if (kind.Parts.Length > 0)
            observation.Component = [.. kind.Parts.Select((part, i) => new Observation.ComponentComponent { Code = new CodeableConcept(Loinc, part.Loinc, part.Display, null), Value = Quantity(entry.Values[i], kind.Unit!) })];
        else
            observation.Value = Quantity(entry.Values[0], kind.Unit!);
        if (entry.Comment is { Length: > 0 } comment)
            observation.Note = [new Annotation { Text = comment }];
        return observation;
    }

    private static Quantity Quantity(decimal value, string unit) => new(value, unit, "http://unitsofmeasure.org") { Unit = unit };

    private static string? Problem(Quantity? quantity, string unit, decimal low, decimal high)
    {
        if (quantity?.Value is not { } value)
            return $"a value in {unit} is required";
        if (quantity.Code is { } code && code != unit || quantity.Code is null && quantity.Unit != unit)
            return $"the unit must be {unit} (UCUM), not {quantity.Code ?? quantity.Unit}";
        return value < low || value > high ? $"{value.ToString(CultureInfo.InvariantCulture)} {unit} is outside {low.ToString(CultureInfo.InvariantCulture)}–{high.ToString(CultureInfo.InvariantCulture)}" : null;
    }

    private static (PatientEntry?, string?, string?) Fail(string error, string expression) => (null, error, expression);
}
