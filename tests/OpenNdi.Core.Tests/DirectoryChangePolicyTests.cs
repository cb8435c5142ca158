using OpenNdi.Core.Identity;
using OpenNdi.Core.Identifiers;
using OpenNdi.Core.Policy;

namespace OpenNdi.Core.Tests;

/// <summary>Issue 12 finding 1: who may change a directory entry, decided by the access policy.</summary>
[Trait("Category", "Security")]
public sealed class DirectoryChangePolicyTests
{
    private static readonly HsaId Region = HsaId.Create(OrganizationNumber.Parse("232100-0016"), "1000");
    private static readonly HsaId Clinic = HsaId.Create(OrganizationNumber.Parse("556012-5790"), "2000");

    public static TheoryData<string, bool, string?, string, bool> Cases => new()
    {
        // actor, administrator scope, stored owner, new owner, allowed
        { "system-region", false, null, "region", true },          // registers its own
        { "system-region", false, "region", "region", true },      // changes its own
        { "system-region", false, null, "clinic", false },         // registers for another provider
        { "system-region", false, "clinic", "region", false },     // takes another's entry over
        { "system-region", false, "clinic", "clinic", false },     // changes another's entry
        { "system-region", true, "clinic", "clinic", false },      // the admin scope is an operator's, not a system's
        { "system-none", false, null, "region", false },           // a system of no provider owns nothing
        { "professional", true, "region", "region", false },       // professionals never write
        { "operator", false, "region", "region", false },          // an operator needs the admin scope
        { "operator", true, "region", "clinic", true },            // and with it administers any entry
        { "person", true, null, "region", false },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void MayChangeDirectory(string actor, bool administrator, string? storedOwner, string newOwner, bool allowed)
    {
        var decision = AccessPolicy.MayChangeDirectory(Actor(actor), administrator, storedOwner is null ? null : Owner(storedOwner), Owner(newOwner));

        Assert.Equal(allowed, decision.Allowed);
        Assert.Equal(allowed, decision.Reason is null);
    }

    private static HsaId Owner(string name) => name == "region" ? Region : Clinic;

    private static Actor Actor(string name) => name switch
    {
        "system-region" => new SystemActor("region-ehr", Region),
        "system-none" => new SystemActor("tool", null),
        "professional" => new ProfessionalActor(HsaId.Create(OrganizationNumber.Parse("232100-0016"), "DOC1"), Region, HsaId.Create(OrganizationNumber.Parse("232100-0016"), "V1"), new Assignment("a", true), "TREAT"),
        "operator" => new OperatorActor("operator-1"),
        _ => new PersonActor(PersonalIdentityNumber.Parse("19121212-1212"), AssuranceLevels.Loa3),
    };
}
