using OpenNdi.Core.Identity;
using OpenNdi.Core.Policy;
using static OpenNdi.Core.Tests.Policy.PolicyFixtures;

namespace OpenNdi.Core.Tests.Policy;

/// <summary>
/// Identity rules the tokens carry and the policy enforces (issue 12 finding 10): a person reaches health data only
/// with a login at assurance level 3 or higher, and the access log is read as far as the reader's role reaches.
/// </summary>
[Trait("Category", "Security")]
public sealed class IdentityRulesTests
{
    /// <summary>The acr URIs of the Swedish framework and of eIDAS, written out here rather than taken from the code under test.</summary>
    public static TheoryData<string?, bool> Logins => new()
    {
        { "http://id.elegnamnden.se/loa/1.0/loa1", false },
        { "http://id.elegnamnden.se/loa/1.0/loa2", false },
        { "http://id.elegnamnden.se/loa/1.0/loa3", true },
        { "http://id.elegnamnden.se/loa/1.0/loa4", true },
        { "http://id.elegnamnden.se/loa/1.0/eidas-low", false },
        { "http://id.elegnamnden.se/loa/1.0/eidas-sub", true },
        { "http://id.elegnamnden.se/loa/1.0/eidas-high", true },
        { "http://id.elegnamnden.se/loa/1.0/LOA3", false },
        { "loa3", false },
        { "", false },
        { null, false },
    };

    [Theory]
    [MemberData(nameof(Logins))]
    public void APatientsOwnData_NeedsALoginAtLevel3OrHigher(string? acr, bool enough)
    {
        var person = new PersonActor(Patient, acr);

        var decision = AccessPolicy.Decide(Request(person, AllItems), Privacy());

        Assert.Equal(enough, decision.Items.All(d => d.Permitted));
        Assert.Equal(enough, AccessPolicy.LoginProblem(person) is null);
        Assert.Equal(enough, AccessPolicy.MayManage(person, Privacy(), Now).Allowed);
        Assert.Equal(enough ? AuditReach.PatientsRepresented : AuditReach.Nothing, AccessPolicy.MayReadAuditLog(person).Reach);
        if (!enough)
        {
            Assert.All(decision.Items, d => Assert.Equal(DecisionReason.LoginTooWeak, d.Reason));
            Assert.True(decision.Disclosure.Excluded);
            Assert.Equal([DecisionReason.LoginTooWeak], decision.Disclosure.Limits);
        }
    }

    [Fact]
    public void AGuardian_LoggedInBelowLevel3_ActsForNoChild()
    {
        var privacy = Privacy(Child, guardians: [Parent]);

        var weak = AccessPolicy.Decide(Request(new PersonActor(Parent, "http://id.elegnamnden.se/loa/1.0/loa2"), AllItems, patient: Child), privacy);
        var strong = AccessPolicy.Decide(Request(new PersonActor(Parent, "http://id.elegnamnden.se/loa/1.0/loa3"), AllItems, patient: Child), privacy);

        Assert.DoesNotContain(weak.Items, d => d.Permitted);
        Assert.Null(weak.ActingAs);
        Assert.All(strong.Items, d => Assert.True(d.Permitted));
        Assert.NotNull(strong.ActingAs);
    }

    [Fact]
    public void TheAccessLog_IsReadAsFarAsTheReadersRoleReaches()
    {
        var reviewer = Clinician() with { LogReviewer = true };
        var clinician = Clinician();
        var ownProviderSystem = new SystemActor("own-ehr", OwnProvider);
        var colleague = OpenNdi.Core.Identifiers.HsaId.Create(OpenNdi.Core.Identifiers.OrganizationNumber.Parse("556012-5790"), "DOC9").Value;

        Assert.True(AccessPolicy.MayReadAuditLog(reviewer).Covers(colleague, OwnProvider.Value));
        Assert.False(AccessPolicy.MayReadAuditLog(reviewer).Covers(colleague, OtherProvider.Value));
        Assert.True(AccessPolicy.MayReadAuditLog(clinician).Covers(clinician.Id.Value, OwnProvider.Value));
        Assert.False(AccessPolicy.MayReadAuditLog(clinician).Covers(colleague, OwnProvider.Value));
        Assert.False(AccessPolicy.MayReadAuditLog(clinician).Covers(clinician.Id.Value, OtherProvider.Value));
        Assert.True(AccessPolicy.MayReadAuditLog(ownProviderSystem).Covers(colleague, OwnProvider.Value));
        Assert.False(AccessPolicy.MayReadAuditLog(ownProviderSystem).Covers(colleague, OtherProvider.Value));
        Assert.Equal(AuditReach.Nothing, AccessPolicy.MayReadAuditLog(new SystemActor("tool", null)).Reach);
        Assert.Equal(AuditReach.Everything, AccessPolicy.MayReadAuditLog(new OperatorActor("operator-1")).Reach);
        // A person's reach is about patients, not writers: no record is covered by who wrote it.
        Assert.False(AccessPolicy.MayReadAuditLog(new PersonActor(Patient, "http://id.elegnamnden.se/loa/1.0/loa3")).Covers(clinician.Id.Value, OwnProvider.Value));
    }
}
