using OpenNdi.Core.Identity;
using OpenNdi.Core.Policy;
using static OpenNdi.Core.Tests.Policy.PolicyFixtures;

namespace OpenNdi.Core.Tests.Policy;

/// <summary>Patients, guardians and proxies: who may see and manage a patient's data, and for how long.</summary>
[Trait("Category", "Security")]
public sealed class RepresentativeTests
{
    [Fact]
    public void Patient_SeesAllOwnData_EvenUnderOptOutAndBlocks()
    {
        var decision = AccessPolicy.Decide(Request(new PersonActor(Patient, AssuranceLevels.Loa3)), Privacy(optOut: true, blocks: [new Block("b", BlockScope.Provider, OtherProvider, null, null, null)]));

        Assert.All(decision.Items, d => Assert.Equal((true, DecisionReason.OwnData), (d.Permitted, d.Reason)));
        Assert.Null(decision.ActingAs);
    }

    [Fact]
    public void Stranger_SeesNothing()
    {
        var decision = AccessPolicy.Decide(Request(new PersonActor(Friend, AssuranceLevels.Loa3)), Privacy());

        Assert.All(decision.Items, d => Assert.Equal((false, DecisionReason.NotRepresentative), (d.Permitted, d.Reason)));
    }

    [Fact]
    public void Guardian_ActsForAYoungChild_AndTheDecisionShowsBothIdentities()
    {
        var decision = AccessPolicy.Decide(Request(new PersonActor(Parent, AssuranceLevels.Loa3), patient: Child), Privacy(Child, guardians: [Parent]));

        Assert.All(decision.Items, d => Assert.Equal((true, DecisionReason.Representative), (d.Permitted, d.Reason)));
        Assert.Equal(new Representation(Parent, Child, RepresentationKind.Guardian, ProxyScope.Manage, null), decision.ActingAs);
    }

    [Fact]
    public void Guardian_OfAChildWithProtectedIdentity_GetsNothing_AndCannotManage()
    {
        var privacy = Privacy(Child, guardians: [Parent]) with { ProtectedIdentity = true };

        var decision = AccessPolicy.Decide(Request(new PersonActor(Parent, AssuranceLevels.Loa3), patient: Child), privacy);

        Assert.All(decision.Items, d => Assert.Equal((false, DecisionReason.NotRepresentative), (d.Permitted, d.Reason)));
        Assert.Null(decision.ActingAs);
        Assert.False(AccessPolicy.MayManage(new PersonActor(Parent, AssuranceLevels.Loa3), privacy, Now).Allowed);
        // The child's own access, and a proxy the child's side granted, are not a guardianship: unaffected.
        Assert.All(AccessPolicy.Decide(Request(new PersonActor(Child, AssuranceLevels.Loa3), patient: Child), privacy).Items, d => Assert.True(d.Permitted));
    }

    [Fact]
    public void Guardian_LosesAccessOnTheChildsThirteenthBirthday()
    {
        var birthday = new DateTimeOffset(Teen.BirthDate.AddYears(13).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var privacy = Privacy(Teen, guardians: [Parent]);

        var dayBefore = AccessPolicy.Decide(Request(new PersonActor(Parent, AssuranceLevels.Loa3), patient: Teen, at: birthday.AddDays(-1)), privacy);
        var onBirthday = AccessPolicy.Decide(Request(new PersonActor(Parent, AssuranceLevels.Loa3), patient: Teen, at: birthday.AddHours(9)), privacy);
        var now = AccessPolicy.Decide(Request(new PersonActor(Parent, AssuranceLevels.Loa3), patient: Teen), privacy);

        Assert.All(dayBefore.Items, d => Assert.True(d.Permitted));
        Assert.All(onBirthday.Items, d => Assert.Equal(DecisionReason.NotRepresentative, d.Reason));
        Assert.All(now.Items, d => Assert.False(d.Permitted));
    }

    [Fact]
    public void Representative_SeesOnlyTheRepresentedPatient()
    {
        // Parent is the child's guardian, not the patient's: a request about the patient gets nothing.
        var decision = AccessPolicy.Decide(Request(new PersonActor(Parent, AssuranceLevels.Loa3)), Privacy(guardians: []));

        Assert.All(decision.Items, d => Assert.False(d.Permitted));
    }

    public static TheoryData<string, Proxy, bool> Proxies => new()
    {
        { "active view proxy", new Proxy("p", Friend, ProxyScope.View, Today.AddDays(-30)), true },
        { "active until today", new Proxy("p", Friend, ProxyScope.View, Today.AddDays(-30), Today), true },
        { "expired yesterday", new Proxy("p", Friend, ProxyScope.Manage, Today.AddDays(-30), Today.AddDays(-1)), false },
        { "starts tomorrow", new Proxy("p", Friend, ProxyScope.View, Today.AddDays(1)), false },
        { "revoked", new Proxy("p", Friend, ProxyScope.Manage, Today.AddDays(-30), RevokedAt: Now.AddMinutes(-1)), false },
        { "granted to someone else", new Proxy("p", Parent, ProxyScope.Manage, Today.AddDays(-30)), false },
    };

    [Theory]
    [MemberData(nameof(Proxies))]
    public void Proxy_ActsOnlyWhileActive(string why, Proxy proxy, bool sees)
    {
        var decision = AccessPolicy.Decide(Request(new PersonActor(Friend, AssuranceLevels.Loa3)), Privacy(proxies: [proxy]));

        Assert.True(decision.Items.All(d => d.Permitted == sees), why);
        Assert.Equal(sees ? proxy.Id : null, decision.ActingAs?.ProxyId);
    }

    public static TheoryData<string, Actor, PatientPrivacy, bool> Managers => new()
    {
        { "the patient", new PersonActor(Patient, AssuranceLevels.Loa3), Privacy(), true },
        { "a view proxy", new PersonActor(Friend, AssuranceLevels.Loa3), Privacy(proxies: [new Proxy("p", Friend, ProxyScope.View, Today.AddDays(-1))]), false },
        { "a manage proxy", new PersonActor(Friend, AssuranceLevels.Loa3), Privacy(proxies: [new Proxy("p", Friend, ProxyScope.Manage, Today.AddDays(-1))]), true },
        { "a revoked manage proxy", new PersonActor(Friend, AssuranceLevels.Loa3), Privacy(proxies: [new Proxy("p", Friend, ProxyScope.Manage, Today.AddDays(-1), RevokedAt: Now.AddDays(-1))]), false },
        { "a young child's guardian", new PersonActor(Parent, AssuranceLevels.Loa3), Privacy(Child, guardians: [Parent]), true },
        { "a teenager's guardian", new PersonActor(Parent, AssuranceLevels.Loa3), Privacy(Teen, guardians: [Parent]), false },
        { "a clinician", Clinician(), Privacy(), false },
        { "a system", new SystemActor("ehr", OwnProvider), Privacy(), false },
    };

    [Theory]
    [MemberData(nameof(Managers))]
    public void MayManageSettings(string who, Actor actor, PatientPrivacy privacy, bool allowed)
    {
        Assert.True(allowed == AccessPolicy.MayManage(actor, privacy, Now).Allowed, who);
    }
}
