using OpenNdi.Core.Identity;
using OpenNdi.Core.Policy;
using static OpenNdi.Core.Tests.Policy.PolicyFixtures;

namespace OpenNdi.Core.Tests.Policy;

/// <summary>
/// What a caller is told of what the policy withheld (issue 12 finding 4): a caller who may not see a patient learns
/// nothing about them, not even a count, and the same whether the patient has data, has none or opted out.
/// </summary>
[Trait("Category", "Security")]
public sealed class DisclosureTests
{
    private static readonly Block ProviderBlock = new("b", BlockScope.Provider, OtherProvider, null, null, null);

    /// <summary>The patient's possible states a caller must not be able to tell apart.</summary>
    public static TheoryData<string, IReadOnlyList<RequestedItem>, PatientPrivacy> States => new()
    {
        { "no data", [], Privacy() },
        { "data elsewhere", AllItems, Privacy() },
        { "opted out", AllItems, Privacy(optOut: true) },
        { "blocked and opted out", AllItems, Privacy(optOut: true, blocks: [ProviderBlock]) },
    };

    [Theory]
    [MemberData(nameof(States))]
    public void APersonWhoDoesNotRepresentThePatient_IsToldTheSameForEveryPatient(string state, IReadOnlyList<RequestedItem> items, PatientPrivacy privacy)
    {
        var decision = AccessPolicy.Decide(Request(new PersonActor(Friend, AssuranceLevels.Loa3), items), privacy);

        Assert.True(decision.Disclosure.Excluded, state);
        Assert.Equal([DecisionReason.NotRepresentative], decision.Disclosure.Limits);
        Assert.Empty(decision.Disclosure.Counted);
    }

    [Theory]
    [MemberData(nameof(States))]
    public void AGuardianOfATeenager_IsToldTheSameForEveryState(string state, IReadOnlyList<RequestedItem> items, PatientPrivacy privacy)
    {
        var teen = privacy with { Patient = Teen, BirthDate = Teen.BirthDate, Guardians = [Parent] };

        var decision = AccessPolicy.Decide(Request(new PersonActor(Parent, AssuranceLevels.Loa3), items, patient: Teen), teen);

        Assert.True(decision.Disclosure.Excluded, state);
        Assert.Empty(decision.Disclosure.Counted);
    }

    [Theory]
    [MemberData(nameof(States))]
    public void AnotherProvidersSystem_IsToldNothing(string state, IReadOnlyList<RequestedItem> items, PatientPrivacy privacy)
    {
        var decision = AccessPolicy.Decide(Request(new SystemActor("other-ehr", OtherProvider), items), privacy);

        Assert.Equal(Disclosure.Nothing, decision.Disclosure);
        Assert.False(decision.Disclosure.Excluded, state); // it still sees its own provider's entries
    }

    [Theory]
    [MemberData(nameof(States))]
    public void AClinicianWithoutACareRelationship_IsToldTheLimitOnly(string state, IReadOnlyList<RequestedItem> items, PatientPrivacy privacy)
    {
        var decision = AccessPolicy.Decide(Request(Clinician(), items, careRelationship: false), privacy);

        Assert.Equal([DecisionReason.NoCareRelationship], decision.Disclosure.Limits);
        Assert.Empty(decision.Disclosure.Counted);
        Assert.False(decision.Disclosure.Excluded, state);
    }

    [Fact]
    public void AnOptOut_IsNeverCounted_NorTheBlocksBehindIt()
    {
        var optedOut = AccessPolicy.Decide(Request(Clinician()), Privacy(optOut: true, blocks: [ProviderBlock]));
        var nothingElsewhere = AccessPolicy.Decide(Request(Clinician(), [OwnLab]), Privacy());

        Assert.Contains(optedOut.Withheld, d => d.Reason == DecisionReason.OptedOut); // decided and logged
        Assert.Equal(nothingElsewhere.Disclosure.Limits, optedOut.Disclosure.Limits);
        Assert.Equal(nothingElsewhere.Disclosure.Counted, optedOut.Disclosure.Counted);
        Assert.False(optedOut.Disclosure.TellsBlocks);
    }

    [Fact]
    public void AClinicianInCare_IsToldHowManyItemsABlockWithholds_WhichAnEmergencyCanBreak()
    {
        var decision = AccessPolicy.Decide(Request(Clinician()), Privacy(blocks: [ProviderBlock]));

        // OtherLab, OtherProblems and OtherUnit2Lab are the other provider's: all three under the provider block.
        Assert.Equal([(DecisionReason.Blocked, 3)], decision.Disclosure.Counted);
        Assert.True(decision.Disclosure.TellsBlocks);
        Assert.Empty(decision.Disclosure.Limits);
    }

    [Fact]
    public void AnOperator_IsExcluded_WithNoCount()
    {
        var decision = AccessPolicy.Decide(Request(new OperatorActor("op-1")), Privacy(blocks: [ProviderBlock]));

        Assert.True(decision.Disclosure.Excluded);
        Assert.Empty(decision.Disclosure.Counted);
    }

    [Fact]
    public void ThePatientAndTheirRepresentative_SeeEverything_SoNothingIsWithheldOrSaid()
    {
        var own = AccessPolicy.Decide(Request(new PersonActor(Patient, AssuranceLevels.Loa3)), Privacy(optOut: true));
        var guardian = AccessPolicy.Decide(Request(new PersonActor(Parent, AssuranceLevels.Loa3), patient: Child), Privacy(Child, guardians: [Parent]));

        Assert.Equal(Disclosure.Nothing, own.Disclosure);
        Assert.Equal(Disclosure.Nothing, guardian.Disclosure);
    }
}
