using Hl7.Fhir.Model;
using OpenNdi.Core.Identifiers;
using OpenNdi.Core.Index;

namespace OpenNdi.Server.PatientIndex;

/// <summary>A published DocumentReference read as an index entry, or the reason it cannot be one.</summary>
internal sealed record PublishedEntry(IndexEntry Entry, bool Retract);

/// <summary>
/// The elements of a published DocumentReference the index reads: subject.identifier, the code of the first LOINC
/// coding of type, author[0].identifier, the value of the first identifier with the source-reference system,
/// context.period, and whether the status retracts (entered-in-error, superseded). Null where the element is absent.
/// </summary>
internal sealed record PublishedFields(string? SubjectSystem, string? SubjectValue, string? LoincCode, string? AuthorSystem, string? AuthorValue,
    string? SourceReference, string? PeriodStart, string? PeriodEnd, bool Retract);

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
        var type = document.Type?.Coding.FirstOrDefault(c => c.System == DataCategory.LoincSystem);
        var author = document.Author.FirstOrDefault()?.Identifier;
        var period = document.Context?.Period;
        return Read(new PublishedFields(subject?.System, subject?.Value, type?.Code, author?.System, author?.Value,
            document.Identifier.FirstOrDefault(i => i.System == DocumentReferences.SourceReferenceSystem)?.Value,
            period?.Start, period?.End, document.Status is DocumentReferenceStatus.EnteredInError or DocumentReferenceStatus.Superseded), provider);
    }

    /// <summary>The entry the fields make, or the first rule they break, whichever reader (Firely or <see cref="PublishedDocumentJson"/>) found them.</summary>
    public static (PublishedEntry? Entry, string? Error, string? Expression) Read(PublishedFields document, HsaId provider)
    {
        if (document.SubjectValue is null)
            return (null, "subject.identifier (the patient's personnummer or samordningsnummer) is required", "DocumentReference.subject.identifier");
        if (document.SubjectSystem is not (null or PersonalIdentityNumber.PersonnummerSystem or PersonalIdentityNumber.SamordningsnummerSystem))
            return (null, $"subject.identifier.system must be {PersonalIdentityNumber.PersonnummerSystem} or {PersonalIdentityNumber.SamordningsnummerSystem}", "DocumentReference.subject.identifier.system");
        if (!PersonalIdentityNumber.TryParse(document.SubjectValue, out var patient, out var patientError))
            return (null, $"subject.identifier: {patientError}", "DocumentReference.subject.identifier.value");

        if (!DataCategory.TryParse(document.LoincCode, out var category, out var categoryError))
            return (null, $"type: {categoryError}", "DocumentReference.type");

        if (document.AuthorSystem != HsaId.System)
            return (null, $"author[0].identifier must be the care unit's HSA-id (system {HsaId.System})", "DocumentReference.author");
        if (!HsaId.TryParse(document.AuthorValue, out var careUnit, out var unitError))
            return (null, $"author[0].identifier: {unitError}", "DocumentReference.author");

        var source = document.SourceReference;
        var bar = source?.IndexOf('|') ?? -1;
        if (source is null || bar <= 0 || bar == source.Length - 1)
            return (null, $"identifier with system {DocumentReferences.SourceReferenceSystem} and value 'source system|reference' is required", "DocumentReference.identifier");

        if (!TryDate(document.PeriodStart, out var first) || !TryDate(document.PeriodEnd ?? document.PeriodStart, out var latest))
            return (null, "context.period.start (and end, when the data spans time) must be dates", "DocumentReference.context.period");

        var entry = new IndexEntry(new IndexEntryKey(patient, category, careUnit, source[..bar], source[(bar + 1)..]), provider, first, latest);
        if (entry.Validate() is { } problem)
            return (null, problem, "DocumentReference");
        return (new PublishedEntry(entry, document.Retract), null, null);
    }

    private static bool TryDate(string? value, out DateOnly date)
    {
        date = default;
        return value is { Length: >= 10 } && DateOnly.TryParseExact(value[..10], "yyyy-MM-dd", out date);
    }
}
