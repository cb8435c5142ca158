using OpenNdi.Core.Identity;
using OpenNdi.Core.Index;
using OpenNdi.Core.Policy;
using static OpenNdi.Core.Tests.Policy.PolicyFixtures;

namespace OpenNdi.Core.Tests.Policy;

/// <summary>The professional, system and operator rules of the one access policy: every denial path as carefully as the happy one.</summary>
[Trait("Category", "Security")]
public sealed class AccessPolicyTests
{
    private static Dictionary<RequestedItem, ItemDecision> ByItem(AccessDecision decision) => decision.Items.ToDictionary(i => i.Item);

    [Fact]
    public void Clinician_WithAssignmentAndCareRelationship_SeesOtherProvidersData()
    {
        var decision = AccessPolicy.Decide(Request(Clinician()), Privacy());

        Assert.All(decision.Items, d => Assert.True(d.Permitted));
        Assert.Equal(DecisionReason.OwnProvider, ByItem(decision)[OwnLab].Reason);
        Assert.Equal(DecisionReason.CareRelationship, ByItem(decision)[OtherLab].Reason);
        Assert.False(decision.AnyEmergencyBreak);
    }

    public static TheoryData<string, Assignment?, string, bool, DecisionReason> MissingConditions => new()
    {
        { "no assignment", new Assignment("none", CoversOtherProviders: false), PurposeOfUse.Treatment, true, DecisionReason.NoAssignment },
        { "assignment ended yesterday", new Assignment("old", true, Today.AddDays(-1)), PurposeOfUse.Treatment, true, DecisionReason.NoAssignment },
        { "purpose is not treatment", CoherentAssignment, "HPAYMT", true, DecisionReason.PurposeNotTreatment },
        { "no declared care relationship", CoherentAssignment, PurposeOfUse.Treatment, false, DecisionReason.NoCareRelationship },
        { "no care relationship, even in an emergency", CoherentAssignment, PurposeOfUse.EmergencyTreatment, false, DecisionReason.NoCareRelationship },
    };

    [Theory]
    [MemberData(nameof(MissingConditions))]
    public void Clinician_MissingAConditionForOtherProviders_IsDenied_ButSeesOwnProvider(string why, Assignment? assignment, string purpose, bool careRelationship, DecisionReason expected)
    {
        var decision = AccessPolicy.Decide(Request(Clinician(assignment, purpose), careRelationship: careRelationship, emergency: new EmergencyAccess("unconscious")), Privacy());

        Assert.All(decision.Items.Where(d => d.Item.Provider != OwnProvider), d => Assert.Equal((false, expected), (d.Permitted, d.Reason)));
        Assert.True(ByItem(decision)[OwnLab].Permitted, why);
    }

    [Fact]
    public void Assignment_EndingToday_StillCounts()
    {
        var decision = AccessPolicy.Decide(Request(Clinician(new Assignment("ends", true, Today))), Privacy());

        Assert.All(decision.Items, d => Assert.True(d.Permitted));
    }

    [Fact]
    public void OptOut_HidesEveryOtherProvidersItem_ButTheOwnProviderStillSeesItsOwn()
    {
        var decision = AccessPolicy.Decide(Request(Clinician()), Privacy(optOut: true));

        Assert.Equal((true, DecisionReason.OwnProvider), (ByItem(decision)[OwnLab].Permitted, ByItem(decision)[OwnLab].Reason));
        Assert.All(decision.Items.Where(d => d.Item != OwnLab), d => Assert.Equal((false, DecisionReason.OptedOut), (d.Permitted, d.Reason)));
    }

    /// <summary>Every combination of assignment, purpose, care relationship, emergency (with and without reason) and block.</summary>
    public static IEnumerable<(ProfessionalActor Actor, bool CareRelationship, EmergencyAccess? Emergency, IReadOnlyList<Block> Blocks)> EveryProfessionalCombination()
    {
        Assignment?[] assignments = [CoherentAssignment, new Assignment("local", false), null, new Assignment("old", true, Today.AddDays(-1))];
        string[] purposes = [PurposeOfUse.Treatment, PurposeOfUse.EmergencyTreatment, "HPAYMT", ""];
        EmergencyAccess?[] emergencies = [null, new EmergencyAccess("cardiac arrest, unconscious"), new EmergencyAccess(" ")];
        IReadOnlyList<Block>[] blocks = [[], [new Block("b", BlockScope.Provider, OtherProvider, null, null, null)]];
        foreach (var assignment in assignments)
        foreach (var purpose in purposes)
        foreach (var careRelationship in (bool[])[true, false])
        foreach (var emergency in emergencies)
        foreach (var blockSet in blocks)
            yield return (new ProfessionalActor(Clinician().Id, OwnProvider, OwnUnit, assignment, purpose), careRelationship, emergency, blockSet);
    }

    [Fact]
    public void OptOut_CannotBeOpenedByAnyRoleFlagOrEmergency()
    {
        var combinations = 0;
        foreach (var (actor, careRelationship, emergency, blocks) in EveryProfessionalCombination())
        {
            var decision = AccessPolicy.Decide(Request(actor, careRelationship: careRelationship, emergency: emergency), Privacy(optOut: true, blocks: blocks));
            Assert.All(decision.Items.Where(d => d.Item.Provider != OwnProvider), d => Assert.False(d.Permitted));
            Assert.True(decision.Items.Single(d => d.Item == OwnLab).Permitted);
            combinations++;
        }
        foreach (var system in (SystemActor[])[new("other-ehr", OtherProvider), new("national", null)])
        {
            var decision = AccessPolicy.Decide(Request(system, items: [OtherLab, OwnLab]), Privacy(optOut: true));
            Assert.Equal(system.Provider == OtherProvider, decision.Items[0].Permitted); // its own data only
            Assert.False(decision.Items[1].Permitted);
        }
        Assert.Equal(192, combinations);
    }

    public static TheoryData<string, Block, RequestedItem[]> Blocks => new()
    {
        { "provider", new Block("b", BlockScope.Provider, OtherProvider, null, null, null), [OtherLab, OtherProblems, OtherUnit2Lab] },
        { "care unit", new Block("b", BlockScope.CareUnit, null, OtherUnit1, null, null), [OtherLab, OtherProblems] },
        { "category everywhere", new Block("b", BlockScope.Category, null, null, DataCategory.Laboratory, null), [OtherLab, OtherUnit2Lab] },
        { "category at one provider", new Block("b", BlockScope.Category, OtherProvider, null, DataCategory.Problems, null), [OtherProblems] },
        { "one item", new Block("b", BlockScope.Item, OtherProvider, null, null, "lab-2"), [OtherUnit2Lab] },
    };

    [Theory]
    [MemberData(nameof(Blocks))]
    public void Block_HidesExactlyWhatItNames_FromOtherProviders(string scope, Block block, RequestedItem[] hidden)
    {
        var decision = AccessPolicy.Decide(Request(Clinician()), Privacy(blocks: [block]));

        foreach (var item in decision.Items)
        {
            var expected = hidden.Contains(item.Item) ? (false, DecisionReason.Blocked) : (true, item.Item == OwnLab ? DecisionReason.OwnProvider : DecisionReason.CareRelationship);
            Assert.True(expected == (item.Permitted, item.Reason), $"{scope}: {item.Item} was {item.Reason}");
        }
    }

    [Fact]
    public void Block_OnTheOwnProvider_DoesNotHideItsOwnRecords()
    {
        var decision = AccessPolicy.Decide(Request(Clinician(), items: [OwnLab]), Privacy(blocks: [new Block("b", BlockScope.Provider, OwnProvider, null, null, null)]));

        Assert.Equal(DecisionReason.OwnProvider, decision.Items.Single().Reason);
    }

    public static TheoryData<string, Block, bool> BlockPeriods => new()
    {
        { "in force", new Block("b", BlockScope.Provider, OtherProvider, null, null, null, Today.AddDays(-10), Today.AddDays(10)), true },
        { "starts tomorrow", new Block("b", BlockScope.Provider, OtherProvider, null, null, null, Today.AddDays(1)), false },
        { "ended yesterday", new Block("b", BlockScope.Provider, OtherProvider, null, null, null, null, Today.AddDays(-1)), false },
        { "ends today", new Block("b", BlockScope.Provider, OtherProvider, null, null, null, null, Today), true },
        { "revoked an hour ago", new Block("b", BlockScope.Provider, OtherProvider, null, null, null, RevokedAt: Now.AddHours(-1)), false },
        { "revoked in an hour", new Block("b", BlockScope.Provider, OtherProvider, null, null, null, RevokedAt: Now.AddHours(1)), true },
    };

    [Theory]
    [MemberData(nameof(BlockPeriods))]
    public void Block_HidesOnlyWhileInForce(string why, Block block, bool hides)
    {
        var decision = AccessPolicy.Decide(Request(Clinician(), items: [OtherLab]), Privacy(blocks: [block]));

        Assert.True(hides == !decision.Items.Single().Permitted, why);
    }

    [Fact]
    public void ShareWithTheCliniciansProvider_OpensTheSummaryPartsDespiteAnOptOut_WhileItLasts_AndNothingMore()
    {
        var imaging = new RequestedItem(OtherProvider, OtherUnit1, DataCategory.ImagingReport);
        var share = new Share("s", OwnProvider, null, Today.AddDays(-1), Today.AddDays(7));
        var shared = Privacy(optOut: true) with { Shares = [share] };

        var decision = ByItem(AccessPolicy.Decide(Request(Clinician(), items: [OtherLab, OtherProblems, imaging]), shared));
        var noCareRelationship = AccessPolicy.Decide(Request(Clinician(), items: [OtherLab], careRelationship: false), shared);
        var expired = AccessPolicy.Decide(Request(Clinician(), items: [OtherLab], at: Now.AddDays(8)), shared);
        var revoked = AccessPolicy.Decide(Request(Clinician(), items: [OtherLab]), Privacy(optOut: true) with { Shares = [share with { RevokedAt = Now.AddMinutes(-1) }] });
        var elsewhere = AccessPolicy.Decide(Request(Clinician(), items: [OtherLab]), Privacy(optOut: true) with { Shares = [share with { Provider = OtherProvider }] });

        Assert.True(decision[OtherLab].Permitted);
        Assert.True(decision[OtherProblems].Permitted);
        Assert.Equal((false, DecisionReason.OptedOut), (decision[imaging].Permitted, decision[imaging].Reason)); // not part of the summary
        Assert.Equal(DecisionReason.NoCareRelationship, noCareRelationship.Items.Single().Reason); // a share is no care relationship
        Assert.Equal(DecisionReason.OptedOut, expired.Items.Single().Reason);
        Assert.Equal(DecisionReason.OptedOut, revoked.Items.Single().Reason);
        Assert.Equal(DecisionReason.OptedOut, elsewhere.Items.Single().Reason);
    }

    [Fact]
    public void CrossBorderOnlyBlock_HidesNothingInSweden_AndTheItemFromACrossBorderRequest()
    {
        var block = new Block("b", BlockScope.Provider, OtherProvider, null, null, null) { CrossBorderOnly = true };

        var domestic = AccessPolicy.Decide(Request(Clinician(), items: [OtherLab]), Privacy(blocks: [block]));
        var crossBorder = AccessPolicy.Decide(Request(Clinician(), items: [OtherLab]) with { CrossBorder = true }, Privacy(blocks: [block]));
        var everywhere = AccessPolicy.Decide(Request(Clinician(), items: [OtherLab]) with { CrossBorder = true }, Privacy(blocks: [block with { CrossBorderOnly = false }]));

        Assert.Equal((true, DecisionReason.CareRelationship), (domestic.Items.Single().Permitted, domestic.Items.Single().Reason));
        Assert.Equal((false, DecisionReason.Blocked), (crossBorder.Items.Single().Permitted, crossBorder.Items.Single().Reason));
        Assert.False(everywhere.Items.Single().Permitted);
    }

    [Fact]
    public void EmergencyWithAReason_BreaksBlocks_AndMarksExactlyTheItemsReleasedThatWay()
    {
        var block = new Block("b", BlockScope.CareUnit, null, OtherUnit1, null, null);

        var decision = AccessPolicy.Decide(Request(Clinician(purpose: PurposeOfUse.EmergencyTreatment), emergency: new EmergencyAccess("unconscious, suspected overdose")), Privacy(blocks: [block]));

        Assert.All(decision.Items, d => Assert.True(d.Permitted));
        Assert.Equal([OtherLab, OtherProblems], decision.Items.Where(d => d.ViaEmergencyBreak).Select(d => d.Item));
        Assert.True(decision.AnyEmergencyBreak);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void EmergencyWithoutAReason_DoesNotBreakBlocks(string reason)
    {
        var decision = AccessPolicy.Decide(Request(Clinician(), items: [OtherLab], emergency: new EmergencyAccess(reason)), Privacy(blocks: [new Block("b", BlockScope.Provider, OtherProvider, null, null, null)]));

        Assert.Equal((false, DecisionReason.EmergencyReasonMissing), (decision.Items[0].Permitted, decision.Items[0].Reason));
    }

    [Fact]
    public void Emergency_WithoutBlocks_ReleasesNothingAsABreak()
    {
        var decision = AccessPolicy.Decide(Request(Clinician(), emergency: new EmergencyAccess("stroke")), Privacy());

        Assert.False(decision.AnyEmergencyBreak);
    }

    [Fact]
    public void System_SeesOnlyItsOwnProvidersData()
    {
        var decision = AccessPolicy.Decide(Request(new SystemActor("own-ehr", OwnProvider)), Privacy());

        Assert.Equal([true, false, false, false], decision.Items.Select(d => d.Permitted));
        Assert.All(decision.Withheld, d => Assert.Equal(DecisionReason.SystemOtherProvider, d.Reason));
    }

    [Fact]
    public void Operator_SeesNoPatientData()
    {
        var decision = AccessPolicy.Decide(Request(new OperatorActor("ops")), Privacy());

        Assert.All(decision.Items, d => Assert.Equal((false, DecisionReason.NotADataActor), (d.Permitted, d.Reason)));
    }

    [Fact]
    public void Decision_KeepsOneAnswerPerItem_InRequestOrder()
    {
        var random = new Random(7);
        for (var run = 0; run < 200; run++)
        {
            var items = Enumerable.Range(0, random.Next(0, 60)).Select(_ => AllItems[random.Next(AllItems.Count)]).ToList();
            var decision = AccessPolicy.Decide(Request(Clinician(), items: items), Privacy(blocks: [new Block("b", BlockScope.CareUnit, null, OtherUnit2, null, null)]));
            Assert.Equal(items, decision.Items.Select(d => d.Item));
        }
    }

    [Fact]
    public void FactsAboutAnotherPatient_AreAProgrammingError()
    {
        Assert.Throws<ArgumentException>(() => AccessPolicy.Decide(Request(Clinician()), Privacy(patient: Friend)));
    }
}
