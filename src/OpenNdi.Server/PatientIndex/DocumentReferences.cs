using System.Security.Cryptography;
using System.Text;
using Hl7.Fhir.Model;
using OpenNdi.Core.Identifiers;
using OpenNdi.Core.Index;
using OpenNdi.Fhir;

namespace OpenNdi.Server.PatientIndex;

/// <summary>An index entry as an IHE MHD DocumentReference (minimal metadata), pointing at where to fetch it.</summary>
internal static class DocumentReferences
{
    /// <summary>Identifier system for source references; the value is "source system|reference".</summary>
    public const string SourceReferenceSystem = IndexEntryKey.SourceReferenceSystem;

    /// <summary>Code system of DocumentReference.category: the index's own category codes.</summary>
    public const string CategorySystem = "urn:openndi:index:category";

    /// <summary>The security label on an entry released only because a professional broke a block in an emergency.</summary>
    public static readonly Coding BreakTheGlass = new("http://terminology.hl7.org/CodeSystem/v3-ActCode", "BTG", "break the glass");

    /// <summary>The outcome entry of a lookup from which entries were withheld: how many and why, never which.</summary>
    public static OperationOutcome WithheldOutcome(string summary) =>
        Outcomes.Issue(OperationOutcome.IssueSeverity.Information, "NDI-PDI-014", OperationOutcome.IssueType.Suppressed, summary);

    public static DocumentReference From(IndexEntry entry, Uri? fetchFrom, bool viaEmergencyBreak = false)
    {
        var key = entry.Key;
        var document = new DocumentReference
        {
            Id = StableId(key),
            Meta = viaEmergencyBreak ? new Meta { Security = [new Coding(BreakTheGlass.System, BreakTheGlass.Code, BreakTheGlass.Display)] } : null,
            Status = DocumentReferenceStatus.Current,
            Identifier = [new Identifier(SourceReferenceSystem, $"{key.SourceSystem}|{key.SourceReference}")],
            Type = new CodeableConcept(DataCategory.LoincSystem, key.Category.Loinc, key.Category.Display),
            Category = [new CodeableConcept(CategorySystem, key.Category.Code, key.Category.Display)],
            Subject = new ResourceReference { Identifier = new Identifier(key.Patient.IdentifierSystem, key.Patient.Value) },
            Author = [Organization(key.CareUnit)],
            Custodian = Organization(entry.Provider),
            Context = new DocumentReference.ContextComponent
            {
                Period = new Period(new FhirDateTime(entry.FirstDate.ToString("yyyy-MM-dd")), new FhirDateTime(entry.LatestDate.ToString("yyyy-MM-dd"))),
            },
            Content =
            [
                new DocumentReference.ContentComponent
                {
                    Attachment = new Attachment { ContentType = "application/fhir+json", Url = fetchFrom?.AbsoluteUri },
                },
            ],
        };
        return document;
    }

    private static ResourceReference Organization(HsaId id) => new() { Type = "Organization", Identifier = new Identifier(HsaId.System, id.Value) };

    /// <summary>The same entry always has the same id, derived from its key (no personnummer in the id).</summary>
    public static string StableId(IndexEntryKey key)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{key.Patient.Value}\n{key.Category.Code}\n{key.CareUnit.Value}\n{key.SourceSystem}\n{key.SourceReference}"));
        return Convert.ToHexString(hash, 0, 16).ToLowerInvariant();
    }
}
