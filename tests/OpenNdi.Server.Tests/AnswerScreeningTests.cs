using Hl7.Fhir.Model;
using OpenNdi.Core.Identifiers;
using OpenNdi.Core.Index;
using OpenNdi.Core.Policy;
using OpenNdi.Fhir;
using OpenNdi.Server.ProfessionalAccess;
using OpenNdi.Testing;

namespace OpenNdi.Server.Tests;

/// <summary>
/// Screening a provider's answer (issue 13 defect 7): a patient without a Swedish personnummer is matched by the
/// identifier the index reference used, not only by the resource id; another patient's answer is still dropped whole.
/// The answer is the HL7 IPS minimal example, whose patient carries a Dutch BSN and a server-assigned uuid.
/// </summary>
public sealed class AnswerScreeningTests
{
    private static readonly HsaId Provider = HsaId.Parse("SE2321000016-1000");
    private static readonly HsaId Unit = HsaId.Parse("SE2321000016-15CQ");
    private static readonly PersonalIdentityNumber Patient = PersonalIdentityNumber.Create(new DateOnly(1974, 12, 25), 123, coordination: false);

    /// <summary>A clinician's token with <c>user/*.rs</c>: every clinical type covered.</summary>
    private static readonly ScopeCoverage EveryType = ScopeCoverage.Of(
        new System.Security.Claims.ClaimsPrincipal(new System.Security.Claims.ClaimsIdentity([new System.Security.Claims.Claim("scope", "user/*.rs")])),
        new ProfessionalActor(HsaId.Parse("SE5560125790-DOC1"), HsaId.Parse("SE5560125790-2000"), HsaId.Parse("SE5560125790-V1"), null, "TREAT"));

    /// <summary>A clinician of another provider with a declared care relationship: what the policy permits depends on the patient's settings alone.</summary>
    private static readonly ProfessionalActor Clinician = new(HsaId.Parse("SE5560125790-DOC1"), HsaId.Parse("SE5560125790-2000"), HsaId.Parse("SE5560125790-V1"),
        new Assignment("a-1", CoversOtherProviders: true), "TREAT");

    private static Func<RequestedItem, ItemDecision> Policy(params Block[] blocks) => item => AccessPolicy.Decide(
        new AccessRequest(Clinician, Patient, [item], new DateTimeOffset(2026, 12, 4, 10, 0, 0, TimeSpan.Zero), CareRelationshipDeclared: true),
        PatientPrivacy.None(Patient) with { Blocks = blocks }).Items[0];

    private static readonly DataCategory[] EveryCategory = [DataCategory.PatientSummary, DataCategory.Problems, DataCategory.Medications, DataCategory.Allergies];

    private static ProviderAnswer Answer(string localPatientId, DataCategory[]? indexed = null, Func<RequestedItem, ItemDecision>? policy = null)
    {
        policy ??= Policy();
        var entries = (indexed ?? EveryCategory)
            .Select(c => new IndexEntry(new IndexEntryKey(Patient, c, Unit, "ehr-1", $"Patient/{localPatientId}/$summary"), Provider, new(2020, 1, 1), new(2025, 1, 1)))
            .Select(e => (e, policy(new RequestedItem(e.Provider, e.Key.CareUnit, e.Key.Category))))
            .ToList();
        var job = new FetchJob(Provider, "ehr-1", DataCategory.PatientSummary, new Uri("https://ehr.example/fhir"), $"Patient/{localPatientId}/$summary", localPatientId, entries);
        var bundle = FhirJson.Parse<Bundle>(PublishedExamples.Read("ips/bundle-minimal.json"));
        return new ProviderAnswer(job, FetchStatus.Answered, bundle, null, TimeSpan.Zero, DateTimeOffset.UnixEpoch);
    }

    [Fact]
    public void APatientWithoutAPersonnummer_IsMatchedByTheIdentifierTheIndexReferenceUsed()
    {
        var screened = AnswerScreening.Screen(Answer("574687583"), Patient, "urn:uuid:national-patient", null, EveryType, Policy());

        Assert.Equal(0, screened.OtherPatient);
        var clinical = screened.Items.Where(i => i.Category is not null).ToList();
        Assert.Equal(["AllergyIntolerance", "Condition", "MedicationStatement"], clinical.Select(i => i.Resource.TypeName).Order(StringComparer.Ordinal));
        Assert.All(clinical, i => Assert.Equal("urn:uuid:national-patient", OpenNdi.Fhir.Merging.ClinicalCategories.PatientOf(i.Resource)!.Reference));
    }

    [Fact]
    public void AnAnswerAboutSomeoneTheReferenceDoesNotName_IsDroppedWhole()
    {
        var screened = AnswerScreening.Screen(Answer("another-patient-7"), Patient, "urn:uuid:national-patient", null, EveryType, Policy());

        Assert.Empty(screened.Items);
        Assert.True(screened.OtherPatient > 0);
        Assert.Equal("answered with a patient summary of another patient", screened.OtherPatientProblem);
    }

    /// <summary>Issue 13 defect 6: a provider that indexed only its patient summary had every item of it dropped.</summary>
    [Fact]
    public void AProviderThatIndexedOnlyItsSummary_HasEveryItemDecidedByItsOwnCategory()
    {
        var screened = AnswerScreening.Screen(Answer("574687583", [DataCategory.PatientSummary]), Patient, "urn:uuid:national-patient", null, EveryType, Policy());

        Assert.Equal(["AllergyIntolerance", "Condition", "MedicationStatement"],
            screened.Items.Where(i => i.Category is not null).Select(i => i.Resource.TypeName).Order(StringComparer.Ordinal));
        Assert.Equal(0, screened.Withheld);
    }

    [Fact]
    [Trait("Category", "Security")]
    public void AProviderThatIndexedOnlyItsSummary_StillHasACategoryBlockApplied()
    {
        var blockMedications = new Block("b-1", BlockScope.Category, null, null, DataCategory.Medications, null);

        var screened = AnswerScreening.Screen(Answer("574687583", [DataCategory.PatientSummary], Policy(blockMedications)), Patient, "urn:uuid:national-patient", null, EveryType,
            Policy(blockMedications));

        Assert.DoesNotContain(screened.Items, i => i.Resource is MedicationStatement);
        Assert.Contains(screened.Items, i => i.Resource is AllergyIntolerance);
        var withheld = Assert.Single(screened.Aside, a => a.Disposition == OpenNdi.Fhir.Merging.Disposition.Withheld);
        Assert.Equal(("MedicationStatement", "blocked"), (withheld.Type, withheld.Reason));
    }

    [Fact]
    public void ScreeningAccountsForEveryEntryItDoesNotKeep()
    {
        var answer = Answer("574687583");

        var screened = AnswerScreening.Screen(answer, Patient, "urn:uuid:national-patient", null, EveryType, Policy());

        // The minimal example's 8 entries: the Composition is merged into the national summary, the Patient into the
        // national Patient; the other six (Practitioner, Organization, Condition, MedicationStatement, Medication,
        // AllergyIntolerance) are kept for assembly.
        Assert.Equal(8, screened.Received);
        Assert.Equal(["Composition", "Patient"], screened.Aside.Select(a => a.Type).Order(StringComparer.Ordinal));
        Assert.All(screened.Aside, a => Assert.Equal(OpenNdi.Fhir.Merging.Disposition.Merged, a.Disposition));
    }
}
