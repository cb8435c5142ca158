using OpenNdi.Core.Identity;
using OpenNdi.Core.Index;
using OpenNdi.Core.Policy;
using static OpenNdi.Core.Tests.Policy.PolicyFixtures;

namespace OpenNdi.Core.Tests.Policy;

/// <summary>A professional abroad, through their country's contact point (issue 17): what crosses, and every way it does not.</summary>
[Trait("Category", "Security")]
public sealed class CrossBorderPolicyTests
{
    private static readonly RequestedItem OtherDischarge = new(OtherProvider, OtherUnit1, DataCategory.DischargeReport);
    private static readonly RequestedItem OtherPrescription = new(OtherProvider, OtherUnit1, DataCategory.EPrescription);

    private static CrossBorderProfessionalActor Doctor(string purpose = PurposeOfUse.Treatment, bool treatsThePatient = true) =>
        new("urn:ehdsi:ncp:DE", "DE", "de-doc-17", purpose, treatsThePatient ? Patient : Friend);

    private static AccessRequest CrossBorderRequest(Actor actor, IReadOnlyList<RequestedItem>? items = null, EmergencyAccess? emergency = null) =>
        Request(actor, items ?? [OtherLab, OtherProblems, OtherPrescription], careRelationship: false, emergency: emergency) with { CrossBorder = true };

    [Fact]
    public void ProfessionalAbroad_TreatingThePatient_SeesTheSummaryParts_OfEveryProvider()
    {
        var decision = AccessPolicy.Decide(CrossBorderRequest(Doctor()), Privacy());

        Assert.All(decision.Items, d => Assert.Equal((true, DecisionReason.CareRelationship), (d.Permitted, d.Reason)));
        Assert.Equal(Disclosure.Nothing, decision.Disclosure);
    }

    [Fact]
    public void ProfessionalAbroad_EmergencyPurpose_IsTreatmentToo()
    {
        var decision = AccessPolicy.Decide(CrossBorderRequest(Doctor(PurposeOfUse.EmergencyTreatment)), Privacy());

        Assert.All(decision.Items, d => Assert.True(d.Permitted));
    }

    [Fact]
    public void ADischargeReport_DoesNotCrossTheBorder_Yet()
    {
        var decision = AccessPolicy.Decide(CrossBorderRequest(Doctor(), [OtherDischarge, OtherProblems]), Privacy());

        Assert.Equal((false, DecisionReason.NotCrossBorderData), (decision.Items[0].Permitted, decision.Items[0].Reason));
        Assert.True(decision.Items[1].Permitted);
    }

    [Fact]
    public void OptOut_HidesEverything_AndIsNeverCounted()
    {
        var decision = AccessPolicy.Decide(CrossBorderRequest(Doctor()), Privacy(optOut: true));

        Assert.All(decision.Items, d => Assert.Equal((false, DecisionReason.OptedOut), (d.Permitted, d.Reason)));
        Assert.Empty(decision.Disclosure.Counted);
        Assert.Empty(decision.Disclosure.Limits);
    }

    [Fact]
    public void OptOut_GivesWay_ToTheSummaryShared_WithThisVeryProfessional_WhileItLasts()
    {
        var share = new Share("s1", null, "DE:de-doc-17", Today.AddDays(-1), Today.AddDays(30));
        var privacy = Privacy(optOut: true) with { Shares = [share] };

        Assert.All(AccessPolicy.Decide(CrossBorderRequest(Doctor()), privacy).Items, d => Assert.True(d.Permitted));
        // Another professional of the same country, the same id in another country, an ended share: not covered.
        var other = new CrossBorderProfessionalActor("urn:ehdsi:ncp:DE", "DE", "de-doc-18", PurposeOfUse.Treatment, Patient);
        var sameIdElsewhere = new CrossBorderProfessionalActor("urn:ehdsi:ncp:FR", "FR", "de-doc-17", PurposeOfUse.Treatment, Patient);
        Assert.All(AccessPolicy.Decide(CrossBorderRequest(other), privacy).Items, d => Assert.Equal(DecisionReason.OptedOut, d.Reason));
        Assert.All(AccessPolicy.Decide(CrossBorderRequest(sameIdElsewhere), privacy).Items, d => Assert.Equal(DecisionReason.OptedOut, d.Reason));
        var ended = Privacy(optOut: true) with { Shares = [share with { End = Today.AddDays(-1) }] };
        Assert.All(AccessPolicy.Decide(CrossBorderRequest(Doctor()), ended).Items, d => Assert.Equal(DecisionReason.OptedOut, d.Reason));
    }

    [Fact]
    public void ABlockForCrossBorderOnly_AppliesAbroad_AndNotAtHome()
    {
        var block = new Block("b", BlockScope.Provider, OtherProvider, null, null, null) { CrossBorderOnly = true };
        var privacy = Privacy(blocks: [block]);

        Assert.All(AccessPolicy.Decide(CrossBorderRequest(Doctor()), privacy).Items, d => Assert.Equal((false, DecisionReason.Blocked), (d.Permitted, d.Reason)));
        Assert.All(AccessPolicy.Decide(Request(Clinician(), [OtherLab]), privacy).Items, d => Assert.True(d.Permitted));
    }

    [Fact]
    public void AnEmergencyAbroad_BreaksNoBlock_AndTheBlocksAreNotCounted()
    {
        var privacy = Privacy(blocks: [new Block("b", BlockScope.Category, null, null, DataCategory.Laboratory, null)]);

        var decision = AccessPolicy.Decide(CrossBorderRequest(Doctor(PurposeOfUse.EmergencyTreatment), emergency: new EmergencyAccess("unconscious after a crash")), privacy);

        Assert.Equal((false, DecisionReason.Blocked), (decision.Items[0].Permitted, decision.Items[0].Reason));
        Assert.True(decision.Items[1].Permitted);
        Assert.False(decision.AnyEmergencyBreak);
        Assert.Empty(decision.Disclosure.Counted);
    }

    [Fact]
    public void WithoutATreatmentRelationship_WithThisPatient_NothingCrosses()
    {
        var decision = AccessPolicy.Decide(CrossBorderRequest(Doctor(treatsThePatient: false)), Privacy());

        Assert.All(decision.Items, d => Assert.Equal((false, DecisionReason.NoCareRelationship), (d.Permitted, d.Reason)));
        Assert.Equal([DecisionReason.NoCareRelationship], decision.Disclosure.Limits);
    }

    [Theory]
    [InlineData("HPAYMT")]
    [InlineData("")]
    [InlineData(PurposeOfUse.BreakTheGlass)]
    public void APurposeOtherThanTreatment_SeesNothing(string purpose)
    {
        var decision = AccessPolicy.Decide(CrossBorderRequest(Doctor(purpose)), Privacy());

        Assert.All(decision.Items, d => Assert.Equal((false, DecisionReason.PurposeNotTreatment), (d.Permitted, d.Reason)));
    }

    [Fact]
    public void AnOptedOutPatient_IsNotIdentified_ButForTheProfessionalTheyShareWith()
    {
        var share = new Share("s1", null, "DE:de-doc-17", Today.AddDays(-1), Today.AddDays(30));

        Assert.True(AccessPolicy.MayIdentifyAcrossBorder(Doctor(), Privacy(), Now));
        Assert.False(AccessPolicy.MayIdentifyAcrossBorder(Doctor(), Privacy(optOut: true), Now));
        Assert.True(AccessPolicy.MayIdentifyAcrossBorder(Doctor(), Privacy(optOut: true) with { Shares = [share] }, Now));
        Assert.False(AccessPolicy.MayIdentifyAcrossBorder(Doctor(), Privacy(optOut: true) with { Shares = [share with { RevokedAt = Now.AddMinutes(-1) }] }, Now));
    }
}

/// <summary>A Swedish professional asking a visitor's home country (Sweden as the country of treatment).</summary>
[Trait("Category", "Security")]
public sealed class AskingAbroadPolicyTests
{
    [Theory]
    [InlineData(PurposeOfUse.Treatment, true, null)]
    [InlineData(PurposeOfUse.EmergencyTreatment, true, null)]
    [InlineData(PurposeOfUse.Treatment, false, DecisionReason.NoCareRelationship)]
    [InlineData("HPAYMT", true, DecisionReason.PurposeNotTreatment)]
    [InlineData(PurposeOfUse.BreakTheGlass, true, DecisionReason.PurposeNotTreatment)]
    public void AProfessional_AsksForTreatment_WithACareRelationship(string purpose, bool careRelationship, DecisionReason? expected)
    {
        Assert.Equal(expected, AccessPolicy.MayAskAcrossBorder(Clinician(purpose: purpose), careRelationship));
    }

    [Fact]
    public void PersonsSystemsAndOperators_NeverAsk()
    {
        Assert.Equal(DecisionReason.NotADataActor, AccessPolicy.MayAskAcrossBorder(new PersonActor(Patient, AssuranceLevels.Loa3), true));
        Assert.Equal(DecisionReason.NotADataActor, AccessPolicy.MayAskAcrossBorder(new SystemActor("ehr", OwnProvider), true));
        Assert.Equal(DecisionReason.NotADataActor, AccessPolicy.MayAskAcrossBorder(new OperatorActor("op"), true));
    }
}
