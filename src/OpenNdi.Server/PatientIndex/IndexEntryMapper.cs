using Hl7.Fhir.Model;
using OpenNdi.Core.Identifiers;
using OpenNdi.Core.Index;

namespace OpenNdi.Server.PatientIndex;

/// <summary>A published DocumentReference read as an index entry, or the reason it cannot be one.</summary>
internal sealed record PublishedEntry(IndexEntry Entry, bool Retract);

/// <summary>
/// Reads the DocumentReference a provider system publishes (IHE MHD minimal metadata) into an index entry. The
/// provider is the caller's, from its token, never from the body; the care unit (author) must belong to it.
/// A DocumentReference with status entered-in-error or superseded retracts the entry.
/// </summary>
internal static class IndexEntryMapper
{
    public static (PublishedEntry? Entry, string? Error, string? Expression) Read(DocumentReference document, HsaId provider)
    {
        var subject = document.Subject?.Identifier;
        if (subject?.Value is null)
            return (null, "subject.identifier (the patient's personnummer or samordningsnummer) is required", "DocumentReference.subject.identifier");
        if (subject.System is not (null or PersonalIdentityNumber.PersonnummerSystem or PersonalIdentityNumber.SamordningsnummerSystem))
            return (null, $"subject.identifier.system must be {PersonalIdentityNumber.PersonnummerSystem} or {PersonalIdentityNumber.SamordningsnummerSystem}", "DocumentReference.subject.identifier.system");
        if (!PersonalIdentityNumber.TryParse(subject.Value, out var patient, out var patientError))
            return (null, $"subject.identifier: {patientError}", "DocumentReference.subject.identifier.value");

        var type = document.Type?.Coding.FirstOrDefault(c => c.System == DataCategory.LoincSystem);
        if (!DataCategory.TryParse(type?.Code, out var category, out var categoryError))
            return (null, $"type: {categoryError}", "DocumentReference.type");

        var author = document.Author.FirstOrDefault()?.Identifier;
        if (author?.System != HsaId.System)
            return (null, $"author[0].identifier must be the care unit's HSA-id (system {HsaId.System})", "DocumentReference.author");
        if (!HsaId.TryParse(author.Value, out var careUnit, out var unitError))
            return (null, $"author[0].identifier: {unitError}", "DocumentReference.author");

        var source = document.Identifier.FirstOrDefault(i => i.System == DocumentReferences.SourceReferenceSystem)?.Value;
        var bar = source?.IndexOf('|') ?? -1;
        if (source is null || bar <= 0 || bar == source.Length - 1)
            return (null, $"identifier with system {DocumentReferences.SourceReferenceSystem} and value 'source system|reference' is required", "DocumentReference.identifier");

        var period = document.Context?.Period;
        if (!TryDate(period?.Start, out var first) || !TryDate(period?.End ?? period?.Start, out var latest))
            return (null, "context.period.start (and end, when the data spans time) must be dates", "DocumentReference.context.period");

        var entry = new IndexEntry(new IndexEntryKey(patient, category, careUnit, source[..bar], source[(bar + 1)..]), provider, first, latest);
        if (entry.Validate() is { } problem)
            return (null, problem, "DocumentReference");
        var retract = document.Status is DocumentReferenceStatus.EnteredInError or DocumentReferenceStatus.Superseded;
        return (new PublishedEntry(entry, retract), null, null);
    }

    private static bool TryDate(string? value, out DateOnly date)
    {
        date = default;
        return value is { Length: >= 10 } && DateOnly.TryParseExact(value[..10], "yyyy-MM-dd", out date);
    }
}
