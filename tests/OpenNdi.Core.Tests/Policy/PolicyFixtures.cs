using OpenNdi.Core.Identifiers;
using OpenNdi.Core.Identity;
using OpenNdi.Core.Index;
using OpenNdi.Core.Policy;

namespace OpenNdi.Core.Tests.Policy;

/// <summary>A small world for policy tests: two providers with two care units each, a patient, a child, a teenager.</summary>
internal static class PolicyFixtures
{
    public static readonly DateTimeOffset Now = new(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);
    public static readonly DateOnly Today = new(2026, 11, 23);

    private static readonly OrganizationNumber OwnOrg = OrganizationNumber.Parse("232100-0016");
    private static readonly OrganizationNumber OtherOrg = OrganizationNumber.Parse("556012-5790");
    public static readonly HsaId OwnProvider = HsaId.Create(OwnOrg, "1000");
    public static readonly HsaId OwnUnit = HsaId.Create(OwnOrg, "E1");
    public static readonly HsaId OtherProvider = HsaId.Create(OtherOrg, "2000");
    public static readonly HsaId OtherUnit1 = HsaId.Create(OtherOrg, "V1");
    public static readonly HsaId OtherUnit2 = HsaId.Create(OtherOrg, "V2");

    public static readonly PersonalIdentityNumber Patient = PersonalIdentityNumber.Create(new DateOnly(1980, 4, 2), 123, coordination: false);
    public static readonly PersonalIdentityNumber Parent = PersonalIdentityNumber.Create(new DateOnly(1985, 6, 1), 231, coordination: false);
    public static readonly PersonalIdentityNumber Friend = PersonalIdentityNumber.Create(new DateOnly(1979, 1, 9), 412, coordination: false);
    public static readonly PersonalIdentityNumber Child = PersonalIdentityNumber.Create(new DateOnly(2018, 3, 3), 511, coordination: false);
    public static readonly PersonalIdentityNumber Teen = PersonalIdentityNumber.Create(new DateOnly(2011, 5, 5), 613, coordination: false);

    public static readonly RequestedItem OwnLab = new(OwnProvider, OwnUnit, DataCategory.Laboratory);
    public static readonly RequestedItem OtherLab = new(OtherProvider, OtherUnit1, DataCategory.Laboratory, "lab-1");
    public static readonly RequestedItem OtherProblems = new(OtherProvider, OtherUnit1, DataCategory.Problems);
    public static readonly RequestedItem OtherUnit2Lab = new(OtherProvider, OtherUnit2, DataCategory.Laboratory, "lab-2");

    public static IReadOnlyList<RequestedItem> AllItems => [OwnLab, OtherLab, OtherProblems, OtherUnit2Lab];

    public static readonly Assignment CoherentAssignment = new("uppdrag-1", CoversOtherProviders: true);

    public static ProfessionalActor Clinician(Assignment? assignment = null, string purpose = PurposeOfUse.Treatment) =>
        new(HsaId.Create(OwnOrg, "DR1"), OwnProvider, OwnUnit, assignment ?? CoherentAssignment, purpose);

    public static PatientPrivacy Privacy(PersonalIdentityNumber? patient = null, bool optOut = false, IReadOnlyList<Block>? blocks = null,
        IReadOnlyList<Proxy>? proxies = null, IReadOnlyList<PersonalIdentityNumber>? guardians = null)
    {
        var who = patient ?? Patient;
        return new PatientPrivacy(who, who.BirthDate, optOut, false, blocks ?? [], proxies ?? [], guardians ?? []);
    }

    public static AccessRequest Request(Actor actor, IReadOnlyList<RequestedItem>? items = null, bool careRelationship = true, EmergencyAccess? emergency = null,
        PersonalIdentityNumber? patient = null, DateTimeOffset? at = null) =>
        new(actor, patient ?? Patient, items ?? AllItems, at ?? Now, careRelationship, emergency);
}
