using System.Security.Claims;
using Hl7.Fhir.Model;
using OpenNdi.Core.Identifiers;
using OpenNdi.Core.Index;
using OpenNdi.Core.Policy;
using OpenNdi.Fhir;
using OpenNdi.Fhir.Merging;
using OpenNdi.Server.PatientIndex;
using OpenNdi.Server.ProfessionalAccess;

namespace OpenNdi.Server.Tests;

/// <summary>
/// The professional access service's path from provider answers to the merged answer, without HTTP: the same lenient
/// reading, screening under the real access policy, merging, assembly and accounting the endpoints run, fed with
/// provider answers given as JSON (published examples and variants of them).
/// </summary>
internal static class ProviderAnswerPipeline
{
    public static readonly PersonalIdentityNumber Patient = PersonalIdentityNumber.Create(new DateOnly(1974, 12, 25), 123, coordination: false);

    /// <summary>A clinician of a provider outside the answering ones, with a care relationship declared: what they see depends on the patient's settings alone.</summary>
    public static readonly ProfessionalActor Clinician = new(HsaId.Parse("SE5560125790-DOC1"), HsaId.Parse("SE5560125790-2000"), HsaId.Parse("SE5560125790-V1"),
        new Assignment("a-1", CoversOtherProviders: true), "TREAT");

    private static readonly ScopeCoverage EveryType = ScopeCoverage.Of(new ClaimsPrincipal(new ClaimsIdentity([new System.Security.Claims.Claim("scope", "user/*.rs")])), Clinician);

    private static readonly DateTimeOffset At = new(2026, 12, 4, 10, 0, 0, TimeSpan.Zero);

    /// <summary>The national Patient's fullUrl in the answers the pipeline assembles.</summary>
    public const string NationalPatientUrl = "urn:uuid:0d4c7e2b-5a61-4c3f-8e7d-2b9f1a6c3e55";

    /// <summary>A provider system answering: its provider, care unit and FHIR base.</summary>
    public sealed record ProviderSystem(HsaId Provider, HsaId Unit, string Base)
    {
        public static ProviderSystem Numbered(int n) =>
            new(HsaId.Parse($"SE2321000016-P{n}"), HsaId.Parse($"SE2321000016-U{n}"), $"https://ehr{n}.example/fhir");
    }

    public static PatientPrivacy Settings(params Block[] blocks) => PatientPrivacy.None(Patient) with { Blocks = blocks };

    public static DecidedLookup Lookup(PatientPrivacy settings) =>
        new([], new AccessDecision([], null), null, new AccessRequest(Clinician, Patient, [], At, CareRelationshipDeclared: true), settings);

    /// <summary>The answer of one provider system, read as <see cref="ProviderFetcher"/> reads it, for the index entries of <paramref name="indexed"/> (fetched as the first).</summary>
    public static ProviderAnswer Answer(string json, ProviderSystem system, string localPatientId, DecidedLookup lookup, params DataCategory[] indexed)
    {
        var entries = indexed
            .Select(c => new IndexEntry(new IndexEntryKey(Patient, c, system.Unit, "ehr", FetchPlan.CategorySearch(c, localPatientId) ?? $"Patient/{localPatientId}/$summary"),
                system.Provider, new(2020, 1, 1), new(2025, 1, 1)))
            .Select(e => (e, lookup.Decide(new RequestedItem(e.Provider, e.Key.CareUnit, e.Key.Category))))
            .ToList();
        var job = new FetchJob(system.Provider, "ehr", indexed[0], new Uri(system.Base), entries[0].e.Key.SourceReference, localPatientId, entries);
        var (bundle, setAside, error) = LenientBundleReader.Read(json);
        return bundle is null
            ? new ProviderAnswer(job, FetchStatus.Invalid, null, error, TimeSpan.Zero, At)
            : new ProviderAnswer(job, FetchStatus.Answered, bundle, null, TimeSpan.Zero, At) { SetAside = setAside };
    }

    /// <summary>Everything the service gathers from the answers, screened and merged.</summary>
    public static Gathered Gather(DecidedLookup lookup, params ProviderAnswer[] answers)
    {
        const string nationalPatient = NationalPatientUrl;
        var screened = answers.Select(a => (Answer: a,
            Screened: a.Status == FetchStatus.Answered ? AnswerScreening.Screen(a, Patient, nationalPatient, $"Provider {a.Job.Provider}", EveryType, lookup.Decide) : ScreenedAnswer.Empty,
            Name: (string?)$"Provider {a.Job.Provider}")).ToList();
        var patient = new Patient
        {
            Id = "0d4c7e2b-5a61-4c3f-8e7d-2b9f1a6c3e55",
            Identifier = [new Identifier(Patient.IdentifierSystem, Patient.Value)],
            Name = [new HumanName { Family = "Andersson", Given = ["Karin"] }],
            Gender = AdministrativeGender.Female,
            BirthDate = "1974-12-25",
        };
        return new Gathered(lookup, screened, SameItem.Merge(screened.SelectMany(s => s.Screened.Items)), new SummaryEntry(patient, nationalPatient, nationalPatient), EveryType);
    }

    /// <summary>The patient summary the endpoint assembles from what was gathered (<see cref="Gathered.Summary"/>).</summary>
    public static (Bundle Document, IReadOnlyList<SourcedItem> Released) Summary(Gathered gathered) => gathered.Summary("doc-1", At);

    /// <summary>A category read the endpoint assembles (type and categories of the search; <see cref="Gathered.Searchset"/>).</summary>
    public static (Bundle Searchset, IReadOnlyList<SourcedItem> Released) Search(Gathered gathered, string type, params DataCategory[] categories) =>
        gathered.Searchset(type, categories, $"https://national.example/fhir/{type}");

    /// <summary>The section of the document holding the entry with this fullUrl (its LOINC code), or null.</summary>
    public static string? SectionOf(Bundle document, string fullUrl) =>
        document.Entry[0].Resource is Composition composition
            ? composition.Section.FirstOrDefault(s => s.Entry.Any(e => e.Reference == fullUrl))?.Code?.Coding.FirstOrDefault()?.Code
            : null;
}
